"""Run a function under a time limit.

In the main thread (a plain script, or a Jupyter kernel, which runs cells in
its main thread) the limit is a ``SIGALRM`` timer that raises
:class:`CaseTimeout` inside the running code, so an infinite loop really stops.
Elsewhere (another thread, or Windows, which has no ``SIGALRM``) the function
runs in a daemon thread that is abandoned when the limit passes: the caller
gets its answer on time, but a Python thread cannot be killed, so the loop
keeps running in the background until the process ends.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any


class CaseTimeout(BaseException):  # noqa: N818 - reads as "the case timed out"
    """Raised inside student code when its time limit passes.

    A ``BaseException`` (like ``KeyboardInterrupt``), so ``except Exception``
    in the student's code does not swallow it.
    """


def _can_use_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _raise_timeout(signum: int, frame: object) -> None:
    raise CaseTimeout


def _call_with_alarm(fn: Callable[[], Any], seconds: float) -> Any:
    previous_handler = signal.signal(signal.SIGALRM, _raise_timeout)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if old_delay > 0:  # give back what was left of an outer timer
            remaining = max(old_delay - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, remaining, old_interval)


def _call_in_thread(fn: Callable[[], Any], seconds: float) -> Any:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the caller below
            box["error"] = exc

    worker = threading.Thread(target=target, name="mlp-widgets-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise CaseTimeout
    if "error" in box:
        raise box["error"]
    return box.get("value")


def call_with_time_limit(fn: Callable[[], Any], seconds: float) -> Any:
    """Return ``fn()``, or raise :class:`CaseTimeout` after ``seconds``.

    Exceptions raised by ``fn`` propagate unchanged.
    """
    if _can_use_alarm():
        return _call_with_alarm(fn, seconds)
    return _call_in_thread(fn, seconds)
