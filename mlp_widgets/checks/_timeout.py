"""Run a function under a time limit.

In the main thread (a plain script, or a Jupyter kernel, which runs cells in
its main thread) the limit is a ``SIGALRM`` timer that raises
:class:`CaseTimeout` inside the running code, so an infinite loop really stops.

A single exception is not enough: a loop around ``try: ... except: pass``
swallows it and goes on. So once the limit has passed the timer keeps
firing (every :data:`REPEAT` seconds) and raises again whenever it finds the
student's code running, and the student's frames are traced so that the next
line they execute raises too. An exception caught by ``except:`` therefore
meets another one on the first line of the handler, which is outside the
``try`` and unwinds the loop. (A trace function that raises is switched off
by Python, hence the timer re-arms it.) Each firing unwinds at least two
nested ``except:`` levels, so the handful that real code has stop within a
few milliseconds. Library code (torch, the standard library, this package)
is left to finish its ``finally`` blocks and ``__exit__`` methods: only the
first exception may land there, as with any interrupt. The tracer and timer
are removed as soon as the case has unwound. A loop inside C code (one huge
tensor operation) cannot be interrupted by anything short of the process
ending.

Elsewhere (another thread, or Windows, which has no ``SIGALRM``) the function
runs in a daemon thread that is abandoned when the limit passes: the caller
gets its answer on time, but a Python thread cannot be killed, so the loop
keeps running in the background until the process ends.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import sysconfig
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

#: seconds between two further alarms once the limit has passed
REPEAT = 0.01

#: code that is not the student's: the standard library, installed packages (torch), this package
_LIBRARY = tuple(
    {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    | {os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "<frozen"}
)


def _is_student_code(frame: FrameType) -> bool:
    """Whether ``frame`` runs the student's code (a notebook cell, a script), not a library's.

    Only there do the later exceptions land: a library's ``finally`` or
    ``__exit__`` (``torch.no_grad`` restoring grad mode) must run to its end.
    """
    return not frame.f_code.co_filename.startswith(_LIBRARY)


class CaseTimeout(BaseException):  # noqa: N818 - reads as "the case timed out"
    """Raised inside student code when its time limit passes.

    A ``BaseException`` (like ``KeyboardInterrupt``), so ``except Exception``
    in the student's code does not swallow it; a bare ``except:`` meets the
    next one (see the module docstring).
    """


def _can_use_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class _Expiry:
    """What one timed call shares with its signal handler and tracer."""

    def __init__(self) -> None:
        self.active = True  # False once the case has unwound to _boundary
        self.expired = False


def _boundary(fn: Callable[[], Any], expiry: _Expiry, previous_trace: Any) -> Any:
    """The frame where unwinding stops: frames below it belong to the case."""
    try:
        return fn()
    finally:
        expiry.active = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        if expiry.expired:
            sys.settrace(previous_trace)


def _call_with_alarm(fn: Callable[[], Any], seconds: float) -> Any:
    expiry = _Expiry()

    def on_line(frame: FrameType, event: str, arg: object) -> Any:
        if expiry.active and event == "line":
            raise CaseTimeout
        return on_line

    def on_call(frame: FrameType, event: str, arg: object) -> Any:
        return on_line if expiry.active and _is_student_code(frame) else None

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        if not expiry.active:
            return
        first, expiry.expired = not expiry.expired, True
        interrupted = frame
        while frame is not None and frame.f_code is not _boundary.__code__:
            if _is_student_code(frame):
                frame.f_trace = on_line
            frame = frame.f_back
        sys.settrace(on_call)
        if first or (interrupted is not None and _is_student_code(interrupted)):
            raise CaseTimeout

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_trace = sys.gettrace()
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT)
    start = time.monotonic()
    try:
        return _boundary(fn, expiry, previous_trace)
    finally:
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


def forget_stale_timeout() -> None:
    """Clear a :class:`CaseTimeout` left as the "exception being handled" once its case is over.

    An exception raised by the tracer while torch dispatches through a
    torch-function mode (the checks' own call recorder) can leave CPython's
    record of the handled exception set: ``sys.exc_info()`` then still shows
    the time-out, and every later exception of the session carries it as its
    ``__context__`` (a stray "During handling of the above exception" in
    tracebacks). Call this outside any ``except`` block of the checker.
    """
    if not isinstance(sys.exc_info()[1], CaseTimeout):
        return
    try:
        ctypes.pythonapi.PyErr_SetExcInfo(None, None, None)
    except (AttributeError, OSError):  # not CPython: nothing to clear this way
        pass


def call_with_time_limit(fn: Callable[[], Any], seconds: float) -> Any:
    """Return ``fn()``, or raise :class:`CaseTimeout` after ``seconds``.

    Exceptions raised by ``fn`` propagate unchanged.
    """
    if _can_use_alarm():
        return _call_with_alarm(fn, seconds)
    return _call_in_thread(fn, seconds)
