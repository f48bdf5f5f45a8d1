"""Long computations in slices: how late a Stop/Pause is handled, and the memory one action takes.

Run:  python benchmarks/bench_slices.py   (about two minutes; prints only)

For each computation of issue 13 that used to block a kernel (or take it past
2 GiB), it runs the sliced version the way a widget on the kernel's event loop
does, ``advance(SLICE)`` after ``advance(SLICE)``, for a few seconds, and reports

* the longest slice: a Stop/Pause pressed at the worst moment is handled when
  the slice ends, so this is the stop latency (target ≤ 250 ms);
* the longest single unit of work (``advance(0)``), the part of it the slice
  length cannot shorten;
* in a child process, the peak memory the action adds (target: within
  ``MEMORY_BUDGET``, 256 MiB).

Every figure is measured here, in this run; ``docs/deploy.md`` quotes one run
on the development machine.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import memory_cap  # noqa: E402

from mlp_widgets.core import Net, RandomSearch, lab2_dataset, make_dataset  # noqa: E402
from mlp_widgets.core.batched import LossSample  # noqa: E402
from mlp_widgets.core.landscape import LandscapeJob  # noqa: E402
from mlp_widgets.core.limits import MEMORY_BUDGET  # noqa: E402
from mlp_widgets.core.race import Race  # noqa: E402

#: the slice a widget gives the core before the event loop handles messages again
SLICE = 0.1
#: seconds each computation runs here
RUN = 3.0

CASES: dict[str, str] = {
    "histogram, N = 5000, 8×256": "LossSample(5000, wide, lab)",
    "search Step, batch 4096, 8×256": "RandomSearch(wide, lab, batch_size=4096, strategy='keep-best')",
    "Play, batch 4096, 2×256 (perturb)": "RandomSearch(two, lab, batch_size=4096, strategy='perturb', max_iters=10**6)",
    "landscape 51×51, 200×200 grid, 8×256": "LandscapeJob(wide, big, n=51)",
    "race, budget 100000 (lab net)": "Race(100_000, None, lab)",
    "gradient step, 200×200 grid, 8×256": "RandomSearch(wide, big, strategy='gradient', max_iters=10**6)",
}

SETUP = """
import torch
from mlp_widgets.core import Net, RandomSearch, lab2_dataset, make_dataset
from mlp_widgets.core.batched import LossSample
from mlp_widgets.core.landscape import LandscapeJob
from mlp_widgets.core.race import Race
wide = Net.build(2, (256,) * 8, 1, "relu", init="uniform", seed=0)
two = Net.build(2, (256, 256), 1, "relu", init="uniform", seed=0)
lab, big = lab2_dataset(), make_dataset("gaussian", -2, 2, 200)
"""


def _stepper(job: object) -> Callable[[float], bool]:
    """``advance`` of a job, a race or a search, as ``seconds -> done``."""
    if isinstance(job, RandomSearch):
        return lambda seconds: bool(job.advance(seconds)) and job.stopped
    return job.advance  # type: ignore[attr-defined]


def measure(expression: str, env: dict) -> tuple[float, float, int]:
    """``(longest slice, longest unit, slices)`` over :data:`RUN` seconds."""
    job = eval(expression, env)  # noqa: S307 - our own expressions
    advance = _stepper(job)
    longest_unit = 0.0
    for _ in range(5):
        started = time.perf_counter()
        advance(0.0)
        longest_unit = max(longest_unit, time.perf_counter() - started)
    longest, slices, end = 0.0, 0, time.perf_counter() + RUN
    while time.perf_counter() < end:
        started = time.perf_counter()
        done = advance(SLICE)
        longest = max(longest, time.perf_counter() - started)
        slices += 1
        if done:
            break
    return longest, longest_unit, slices


def main() -> None:
    torch.set_num_threads(1)
    env = {
        "LossSample": LossSample, "RandomSearch": RandomSearch, "LandscapeJob": LandscapeJob, "Race": Race,
        "wide": Net.build(2, (256,) * 8, 1, "relu", init="uniform", seed=0),
        "two": Net.build(2, (256, 256), 1, "relu", init="uniform", seed=0),
        "lab": lab2_dataset(), "big": make_dataset("gaussian", -2, 2, 200),
    }  # fmt: skip
    print(f"slices of {SLICE * 1000:.0f} ms, {RUN:.0f} s each, one torch thread; memory in a child process\n")
    print(f"{'computation':40s} {'stop latency':>13s} {'longest unit':>13s} {'slices':>7s} {'memory':>9s}")
    for name, expression in CASES.items():
        longest, unit, slices = measure(expression, env)
        outcome = memory_cap.run(
            SETUP,
            f"job = {expression}\nstep = getattr(job, 'advance')\nstep({RUN})",
            cap=4 * MEMORY_BUDGET,
            timeout=120,
        )
        memory = "killed" if outcome.killed else f"{outcome.extra / 2**20:.0f} MiB"
        print(f"{name:40s} {longest * 1000:10.0f} ms {unit * 1000:10.0f} ms {slices:7d} {memory:>9s}", flush=True)


if __name__ == "__main__":
    main()
