"""Steps per second while the RandomSearchStepper plays with drawing on, beside the engine alone.

Run:  python benchmarks/bench_stepper.py [seconds per measurement, default 6]   (about a minute; prints only)

Measured side by side in one run, for three settings of the lab's problem
(2→25→1 ReLU net, 2,500 points, ε never met):

(a) the engine alone: ``RandomSearch.step`` in a loop (on one torch thread, as
    the widget runs them);
(b) Play driven synchronously: ``stepper.play_ticks`` — step for one frame
    (50 ms), then draw with the Agg canvas: readout, progress and loss curve
    every frame; the prediction surface, ``best_net`` and the histogram
    marker when the best improved, at most every 250 ms;
(c) Play on an asyncio loop, as in a kernel: ``play.value = True``, the
    slices run as a task, then Pause; also the time from Pause to the task's
    end, and the interval between draws.

(d) in a real IPython kernel (ipympl canvases): the round trip of a tiny
    cell — a shell message, as a widget's Pause is — while Play runs,
    beside the same with the kernel idle.

The ratio (b)/(a) is the share of the engine's speed left while drawing.
Agg draws are what the kernel pays; under ipympl the PNG is also encoded and
sent, which this script does not measure.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import numpy as np

from mlp_widgets.core import lab2_dataset, one_thread
from mlp_widgets.widgets.random_search import RandomSearchStepper

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 6.0
CASES = {
    "redraw, batch 1": {"strategy": "redraw", "batch_size": 1},
    "keep-best, batch 64": {"strategy": "keep-best", "batch_size": 64},
    "gradient (Adam)": {"strategy": "gradient"},
}
SETTINGS = {"epsilon": 1e-30, "max_iters": 1_000_000}
ROUNDS = 3


def engine_rate(stepper: RandomSearchStepper, seconds: float) -> float:
    """(a) Steps per second of the engine alone."""
    stepper.reset()
    engine = stepper.engine
    with one_thread():
        for _ in range(5):
            engine.step()
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            for _ in range(10):
                engine.step()
            n += 10
        return n / (time.perf_counter() - t0)


class DrawTimer:
    """Wraps ``stepper.redraw`` to time every draw and note when it happened."""

    def __init__(self, stepper: RandomSearchStepper) -> None:
        self.stepper, self.inner = stepper, stepper.redraw
        self.starts: list[float] = []
        self.durations: list[float] = []
        stepper.redraw = self  # type: ignore[method-assign]

    def __call__(self, force: bool = True) -> None:
        t0 = time.perf_counter()
        self.inner(force)
        self.starts.append(t0)
        self.durations.append(time.perf_counter() - t0)

    def reset(self) -> None:
        self.starts.clear()
        self.durations.clear()

    def summary(self) -> str:
        d = np.array(self.durations) * 1e3
        gaps = np.diff(self.starts) * 1e3
        gap = f", interval between draws median {np.median(gaps):.0f} ms (min {gaps.min():.0f})" if gaps.size else ""
        return f"{d.size} draws, draw median {np.median(d):.1f} ms, p95 {np.percentile(d, 95):.1f} ms{gap}"


def sync_play_rate(stepper: RandomSearchStepper, timer: DrawTimer, seconds: float) -> float:
    """(b) Steps per second of ``play_ticks`` with drawing on."""
    stepper.reset()
    stepper.play_ticks(2)  # warm-up: first draws, buffers
    timer.reset()
    n0, t0 = stepper.engine.iteration, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        stepper.play_ticks(1)
    return (stepper.engine.iteration - n0) / (time.perf_counter() - t0)


def async_play(stepper: RandomSearchStepper, timer: DrawTimer, seconds: float) -> tuple[float, float]:
    """(c) Steps per second of Play as a task on an asyncio loop, and the Pause latency in seconds."""
    stepper.reset()
    timer.reset()

    async def scenario() -> tuple[float, float]:
        t0 = time.perf_counter()
        stepper.play.value = True
        await asyncio.sleep(seconds)
        pause = time.perf_counter()
        stepper.play.value = False
        await stepper._task  # noqa: SLF001 - the benchmark waits for the loop to notice
        end = time.perf_counter()
        return stepper.engine.iteration / (end - t0), end - pause

    return asyncio.run(scenario())


def full_draws(stepper: RandomSearchStepper) -> dict[str, int]:
    """Full draws (not blits) per view so far."""
    views = {"curve": stepper.curve_view, "fit": stepper.fit_view, "hist": stepper.histogram_panel.view}
    return {name: view.blitter.n_full for name, view in views.items()}


def main() -> None:
    dataset = lab2_dataset()
    window = SECONDS / ROUNDS
    print(f"Play with drawing on vs the engine alone: {ROUNDS} interleaved rounds of {window:.2g} s each, Agg canvas")
    print("(medians over rounds, min–max in brackets)\n")
    for name, kwargs in CASES.items():
        stepper = RandomSearchStepper(dataset=dataset, backend="agg", **SETTINGS, **kwargs)
        timer = DrawTimer(stepper)
        alone, sync, play, latency, draws = [], [], [], [], []
        full0 = full_draws(stepper)
        for _ in range(ROUNDS):  # interleaved, so a busy moment of the machine hits every column alike
            alone.append(engine_rate(stepper, window))
            sync.append(sync_play_rate(stepper, timer, window))
            rate, wait = async_play(stepper, timer, window)
            play.append(rate)
            latency.append(wait)
            draws.append(timer.summary())
        full = {k: v - full0[k] for k, v in full_draws(stepper).items()}
        k = stepper.engine.batch_size
        unit = "steps/s" if k == 1 else f"steps/s of {k} candidates"

        def fmt(xs: list[float]) -> str:
            return f"{statistics.median(xs):8.0f} [{min(xs):.0f}–{max(xs):.0f}]"

        a = statistics.median(alone)
        print(f"{name}  ({unit})")
        print(f"  (a) engine alone          {fmt(alone)}")
        print(f"  (b) play_ticks + drawing  {fmt(sync)}   ratio {statistics.median(sync) / a:.2f}")
        print(f"  (c) asyncio Play + Pause  {fmt(play)}   ratio {statistics.median(play) / a:.2f}")
        print(f"      last round's draws: {draws[-1]}")
        print(f"      full draws per view over all rounds (the rest are blits): {full}")
        print(
            f"      Pause took effect after {statistics.median(latency) * 1e3:.0f} ms (max {max(latency) * 1e3:.0f})\n"
        )
        stepper.close()
    durations = []
    stepper = RandomSearchStepper(dataset=dataset, backend="agg", **SETTINGS, strategy="keep-best")
    for _ in range(30):  # a draw where the best improved every time: surface, best_net, marker
        stepper.engine.step()
        stepper._shown_best = None  # noqa: SLF001 - force the full update path
        t0 = time.perf_counter()
        stepper.redraw()
        durations.append(time.perf_counter() - t0)
    print(f"draw with a new best (surface + best_net + marker): median {statistics.median(durations) * 1e3:.1f} ms")
    stepper.close()


def kernel_latency(n: int = 10) -> None:
    """(d) Round trip of a tiny cell in a real kernel, idle and while Play runs."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")

    def run(code: str) -> float:
        t0 = time.perf_counter()
        reply = kc.execute_interactive(code, timeout=60, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"cell failed: {code!r}")
        return time.perf_counter() - t0

    try:
        run("from mlp_widgets import RandomSearchStepper\ns = RandomSearchStepper(epsilon=1e-30, max_iters=10**6)")
        idle = [run("x = 1") for _ in range(n)]
        run("s.play.value = True")
        time.sleep(0.5)
        playing = [run("x = s.engine.iteration") for _ in range(n)]
        t_pause = run("s.play.value = False")
        time.sleep(0.3)
        run("n0 = s.engine.iteration")
        time.sleep(0.3)
        run("assert s.engine.iteration == n0 == len(s.engine.history) and s._task is None")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    ms = 1e3
    print("(d) real kernel, ipympl canvases: round trip of a tiny cell")
    print(f"  idle kernel      median {statistics.median(idle) * ms:.0f} ms, max {max(idle) * ms:.0f} ms")
    print(f"  while Play runs  median {statistics.median(playing) * ms:.0f} ms, max {max(playing) * ms:.0f} ms")
    print(f"  Pause cell {t_pause * ms:.0f} ms; no step after it, history consistent")


if __name__ == "__main__":
    main()
    kernel_latency()
