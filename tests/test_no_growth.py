"""No growth: 500 interactions on the whole dashboard leave the open figures and the memory where they were.

A ``Dashboard(lazy=False, backend="agg")`` (every tab built) gets a warm-up
round, then 500 interactions — sliders, number boxes, toggles, dropdowns,
Step and Reset, target and network changes, in a fixed mix of light and heavy
ones. The number of open matplotlib figures (pyplot's and the plotting
layer's) must not change, and the resident memory (psutil) must stay within
20 MiB of its value after the warm-up. The measured numbers are printed
(``pytest -s``).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import psutil
import pytest

from mlp_widgets.widgets.dashboard import Dashboard

N_INTERACTIONS = 500
N_WARM_UP = 60
MAX_GROWTH_MIB = 20.0


def _rss_mib() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def interactions(d: Dashboard) -> list[Callable[[int], None]]:
    """What a student does, one callable per kind (argument: the interaction number)."""
    parts = d.parts
    act, builder, target = parts["activations"], parts["builder"], parts["target"]
    inspector, stepper = parts["inspector"], parts["stepper"]
    views = [key for _, key in inspector.view_toggle.options]
    losses = [key for _, key in inspector.loss_dropdown.options]
    first_param = next(iter(target.param_boxes))

    def step_or_reset(i: int) -> None:
        if (i // 10) % 6 == 5:
            stepper.reset_button.click()
        else:
            stepper.step_button.click()

    def bad_then_good(i: int) -> None:  # a refused value: a message, then a valid one clears it
        stepper.epsilon_box.value = -1.0
        stepper.epsilon_box.value = 1e-5 if i % 20 else 1e-4

    return [
        lambda i: setattr(act.w1_slider, "value", round(-2 + (i % 17) * 0.25, 2)),
        lambda i: setattr(act.b_slider, "value", round(-1 + (i % 9) * 0.25, 2)),
        lambda i: setattr(inspector.epsilon_box, "value", 10.0 ** -(1 + i % 6)),
        step_or_reset,
        lambda i: setattr(builder.seed_box, "value", 990 + i % 7),
        lambda i: setattr(act.w2_slider, "value", round(-2 + (i % 13) * 0.25, 2)),
        lambda i: setattr(inspector.view_toggle, "value", views[i % len(views)]),
        lambda i: setattr(target.param_boxes[first_param], "value", 0.25 * (i % 5)),
        lambda i: setattr(inspector.loss_dropdown, "value", losses[i % len(losses)]),
        bad_then_good,
    ]


@pytest.fixture(scope="module")
def dashboard():
    d = Dashboard(lazy=False, backend="agg")
    yield d
    d.close()


def test_500_interactions_leave_figures_and_memory_unchanged(dashboard, open_figure_count):
    todo = interactions(dashboard)
    for i in range(N_WARM_UP):
        todo[i % len(todo)](i)
    figures_before = open_figure_count()
    rss_before = _rss_mib()

    started = time.perf_counter()
    for i in range(N_INTERACTIONS):
        todo[i % len(todo)](N_WARM_UP + i)
    seconds = time.perf_counter() - started

    figures_after = open_figure_count()
    rss_after = _rss_mib()
    growth = rss_after - rss_before
    print(
        f"\n{N_INTERACTIONS} interactions in {seconds:.1f} s ({1000 * seconds / N_INTERACTIONS:.0f} ms each); "
        f"open figures {figures_before} -> {figures_after}; RSS {rss_before:.1f} -> {rss_after:.1f} MiB "
        f"({growth:+.1f} MiB)"
    )
    assert figures_after == figures_before
    assert growth < MAX_GROWTH_MIB
    # the dashboard still works: nothing but the deliberate refusals was shown
    shown = [m for part in dashboard.parts.values() for m in part.messages]
    assert shown and all("ε (loss threshold) must be" in m for m in shown), shown
    assert stepper_readout_moves(dashboard)


def stepper_readout_moves(d: Dashboard) -> bool:
    stepper = d.parts["stepper"]
    stepper.reset_button.click()
    before = stepper.readout.value
    stepper.step_button.click()
    return stepper.readout.value != before and stepper.engine.iteration == 1


def test_closing_the_dashboard_closes_its_figures(open_figure_count):
    before = open_figure_count()
    d = Dashboard(lazy=False, backend="agg")
    assert open_figure_count()[1] > before[1]
    d.close()
    assert open_figure_count() == before
