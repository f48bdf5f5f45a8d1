"""Long work in slices on the kernel's event loop: progress on screen, Stop honoured between two slices.

A :class:`Slicer` runs ``advance(seconds)`` — a core job's method that works
for about that long and returns whether it is done — once per slice, calls
``show()`` after each, and ``finish()`` at the end. Between two slices the
loop handles widget messages, so a Stop button's click arrives and ends the
work within one slice (:data:`SLICE`). Without a running loop (scripts,
tests) the work runs to the end at once, with the same numbers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

#: seconds of work between two chances to draw and to stop
SLICE = 0.1


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The running asyncio loop (a kernel's), or ``None`` (a script, a test)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Slicer:
    """One piece of long work at a time, in slices.

    Parameters
    ----------
    guard : callable
        Wraps a callable so an exception it raises is shown, not lost (a widget's ``guard``);
        the work then ends.
    """

    def __init__(self, guard: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        self._guard = guard
        self._task: asyncio.Task | None = None
        self._stopped = False
        self.slice = SLICE

    @property
    def running(self) -> bool:
        """Whether work is under way on the loop."""
        return self._task is not None and not self._task.done()

    def start(
        self,
        advance: Callable[[float], bool],
        show: Callable[[], Any],
        finish: Callable[[bool], Any],
    ) -> None:
        """Run ``advance`` until it returns ``True`` (done) or :meth:`stop` is called.

        ``show()`` follows every slice; ``finish(done)`` comes last, with
        ``done`` false after a stop or an error.

        Raises
        ------
        ValueError
            If work is already running.
        """
        if self.running:
            raise ValueError("This computation is already running: stop it first.")
        self._stopped = False
        loop = running_loop()
        if loop is None:
            done = False
            try:
                while not done:
                    done = advance(3600.0)
            finally:
                finish(done)
            return
        self._task = loop.create_task(self._run(advance, show, finish))

    async def _run(
        self, advance: Callable[[float], bool], show: Callable[[], Any], finish: Callable[[bool], Any]
    ) -> None:
        done = False
        try:
            while not self._stopped:
                started = time.perf_counter()
                result = self._guard(advance)(self.slice)
                if result is None:
                    break  # the error is on the status line
                done = bool(result)
                self._guard(show)()
                if done:
                    break
                rest = self.slice - (time.perf_counter() - started)
                await asyncio.sleep(max(rest, 0.001))  # let widget messages (Stop) in
        finally:
            self._task = None
            self._guard(finish)(done)

    def stop(self) -> None:
        """End the work after the running slice (nothing happens if none runs)."""
        self._stopped = True

    def cancel(self) -> None:
        """Stop and forget the work at once (a closing widget)."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
