"""Run one action in a child process and watch its memory: the peak it reached, and a kill past a cap.

The memory tests of issue 13 use it: "no single user action, file or config
takes a dashboard kernel past 1 GiB". A child process keeps a runaway action
from taking the test run with it. The child runs ``setup`` (imports, building
the inputs), resets the kernel's record of its peak resident memory (``VmHWM``,
through ``/proc/self/clear_refs``: imports peak higher than they end), runs
``action`` and reports that peak and the action's outcome; the parent polls the
child's resident memory every 20 ms and kills it if it passes ``cap`` bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, resource, sys, time, traceback
import psutil
_me = psutil.Process()
{setup}
import gc
gc.collect()
try:
    with open("/proc/self/clear_refs", "w") as _f:
        _f.write("5")  # the peak so far is forgotten: what follows is the action's own
    _reset = True
except OSError:
    _reset = False
_base = _me.memory_info().rss
_start = time.perf_counter()
_outcome = {{"ok": True}}
try:
{action}
except Exception as _exc:
    _outcome = {{"ok": False, "type": type(_exc).__name__, "message": str(_exc)[:2000],
                "traceback": traceback.format_exc()[-3000:]}}
_outcome["seconds"] = time.perf_counter() - _start
_outcome["base"] = _base
_outcome["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
if _reset:
    with open("/proc/self/status") as _f:
        _outcome["peak"] = next(int(line.split()[1]) * 1024 for line in _f if line.startswith("VmHWM:"))
try:
    _outcome["result"] = repr(result)[:2000]  # noqa: F821 - the action may set it
except NameError:
    pass
sys.stdout.write("\\n@@OUTCOME@@" + json.dumps(_outcome) + "\\n")
"""


@dataclass
class Outcome:
    """What happened in the child."""

    killed: bool
    peak: int
    base: int
    seconds: float
    ok: bool
    error_type: str | None
    message: str
    result: str | None
    output: str

    @property
    def extra(self) -> int:
        """Bytes the action added on top of the setup, at its peak."""
        return max(0, self.peak - self.base)


def run(setup: str, action: str, *, cap: int, timeout: float = 60.0) -> Outcome:
    """Run ``setup`` then ``action`` (Python source) in a child; kill it once its RSS passes ``cap``."""
    code = _CHILD.format(setup=textwrap.dedent(setup), action=textwrap.indent(textwrap.dedent(action), "    "))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    watched = psutil.Process(proc.pid)
    peak, killed, deadline = 0, False, time.monotonic() + timeout
    while proc.poll() is None:
        try:
            rss = watched.memory_info().rss
        except psutil.Error:
            break
        peak = max(peak, rss)
        if rss > cap or time.monotonic() > deadline:
            killed = True
            proc.kill()
            break
        time.sleep(0.02)
    output, _ = proc.communicate()
    marker = output.rfind("@@OUTCOME@@")
    if killed or marker < 0:
        return Outcome(True if killed else False, peak, 0, float("nan"), False, "killed" if killed else "crashed",
                       "", None, output[-4000:])  # fmt: skip
    data = json.loads(output[marker + len("@@OUTCOME@@") :])
    return Outcome(
        False, data["peak"], data["base"], data["seconds"], data["ok"], data.get("type"),
        data.get("message", ""), data.get("result"), output[:marker][-4000:],
    )  # fmt: skip
