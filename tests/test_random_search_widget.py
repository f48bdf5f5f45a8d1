"""RandomSearchStepper driven headlessly: buttons, Play ticks, the async Play loop, bad input, race, histogram."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest
import torch
from torch import nn

from mlp_widgets import RandomSearchStepper
from mlp_widgets.core import Net, lab2_dataset, make_dataset, mse_loss, sample_losses


@pytest.fixture(scope="module")
def dataset():
    return lab2_dataset()


@pytest.fixture
def stepper(dataset):
    s = RandomSearchStepper(dataset=dataset, backend="agg")
    yield s
    s.close()


def lab_first_losses(seed: int, n: int, dataset) -> list[float]:
    """The lab's Section-4 loop (fixed: one evaluation per iteration) after ``torch.manual_seed(seed)``."""
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(2, 25), nn.ReLU(), nn.Linear(25, 1))
    torch.manual_seed(seed)
    losses = []
    for _ in range(n):
        for layer in net.children():
            if hasattr(layer, "reset_parameters"):
                layer.weight = nn.Parameter(0.025 * (-2 * torch.rand(layer.weight.shape) + 1))
                layer.bias = nn.Parameter(0.05 * (-2 * torch.rand(layer.bias.shape) + 1))
        with torch.no_grad():
            losses.append(float(nn.MSELoss()(net(dataset.inputs).squeeze(-1), dataset.ground_truth)))
    return losses


def curve(stepper, name):
    x, y = stepper.curve_view.lines[name].get_data()
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def test_defaults_are_the_labs(stepper, dataset):
    s = stepper.settings
    assert (s.strategy, s.epsilon, s.max_iters, s.weight_range, s.bias_range) == ("redraw", 1e-5, 50, 0.025, 0.05)
    assert stepper.engine.iteration == 0 and stepper.progress.value == 0 and stepper.progress.max == 50
    assert "iteration <b>0</b> / 50" in stepper.readout.value
    assert "mlpw-loss-readout" in stepper.readout._dom_classes
    zero = float(((dataset.ground_truth - 0) ** 2).mean())
    assert f"{zero:.3e}" in stepper.baseline_note.value and "<b>above</b>" in stepper.baseline_note.value
    assert stepper.best_net is None  # nothing found yet: the search has not stepped
    assert "starts the search again from iteration 0" in stepper.rule_note.value


def test_before_the_first_step_the_curve_shows_where_the_search_starts(stepper):
    """One point draws no line: the starting network's loss is marked, inside the plotted range."""
    x, y = curve(stepper, "best")
    assert list(x) == [0.0] and y[0] == stepper.engine.initial_loss
    line = stepper.curve_view.lines["best"]
    assert line.get_marker() == "o" and line.get_markevery() == [0]
    stepper.curve_view.fig.canvas.draw()
    low, high = stepper.curve_view.ax.get_ylim()
    assert low <= y[0] <= high


def test_step_matches_the_labs_loop_and_updates_readout_and_curve(stepper, dataset):
    expected = lab_first_losses(0, 2, dataset)
    stepper.step_button.click()
    assert stepper.engine.iteration == 1 and stepper.progress.value == 1
    assert f"candidate loss <b>{expected[0]:.4e}</b>" in stepper.readout.value
    x, y = curve(stepper, "candidate")
    np.testing.assert_array_equal(x, [1.0])
    np.testing.assert_allclose(y, expected[:1], rtol=1e-6)
    stepper.step_button.click()
    x, y = curve(stepper, "candidate")
    np.testing.assert_allclose(y, expected, rtol=1e-6)
    best_x, best_y = curve(stepper, "best")  # from iteration 0: the starting network's loss
    assert best_x[0] == 0 and best_y[0] == stepper.engine.initial_loss
    np.testing.assert_allclose(best_y[1:], np.minimum.accumulate(expected), rtol=1e-6)
    assert "iteration <b>2</b> / 50" in stepper.readout.value


def test_run_to_the_end_stops_with_the_right_reason(stepper):
    stepper.run_button.click()
    e = stepper.engine
    assert e.stop_reason == "threshold met" and e.best_loss <= 1e-5 and e.iteration < 50
    assert "threshold met" in stepper.stop_label.value
    assert len(curve(stepper, "best")[0]) == e.iteration + 1
    iteration = e.iteration
    stepper.step_button.click()  # stopped: a note, no step
    assert e.iteration == iteration and "stopped" in stepper.message

    stepper.epsilon_box.value = 1e-12
    stepper.max_iters_box.value = 20
    stepper.run_button.click()
    e = stepper.engine
    assert e.stop_reason == "max iterations" and e.iteration == 20 and e.best_loss > 1e-12
    assert "max iterations" in stepper.stop_label.value and stepper.progress.value == 20


def test_every_setting_starts_again_from_iteration_0(stepper):
    stepper.configure(epsilon=1e-12, max_iters=20)
    stepper.run_to_end()
    before = [r.candidate_loss for r in stepper.engine.history]
    for box, value in ((stepper.max_iters_box, 30), (stepper.epsilon_box, 1e-11), (stepper.weight_box, 0.03)):
        stepper.run_to_end()
        box.value = value
        assert stepper.engine.iteration == 0 and stepper.best_net is None, box.description
    stepper.configure(epsilon=1e-12, max_iters=20, weight_range=0.025)
    stepper.run_to_end()
    assert [r.candidate_loss for r in stepper.engine.history] == before  # seeded: the same run again


def test_reset_clears(stepper):
    stepper.configure(epsilon=1e-12, max_iters=40)
    stepper.play_ticks(1)
    stepper.run_button.click()
    assert stepper.stop_label.value
    stepper.reset_button.click()
    e = stepper.engine
    assert e.iteration == 0 and e.history == [] and e.best_loss == e.initial_loss
    assert stepper.progress.value == 0 and stepper.stop_label.value == ""
    assert curve(stepper, "candidate")[0].size == 0 and curve(stepper, "best")[0].tolist() == [0.0]
    assert "iteration <b>0</b> / 40" in stepper.readout.value


def test_play_ticks_then_pause_leaves_a_consistent_history(stepper):
    stepper.configure(strategy="keep-best", epsilon=1e-12, max_iters=100_000)
    stepper.speed_dropdown.value = 10
    stepper.play.value = True  # no event loop here: the ticks are driven below
    assert stepper.play_ticks(3) == 30
    stepper.play.value = False
    e = stepper.engine
    assert e.iteration == len(e.history) == 30
    cands = np.array([r.candidate_loss for r in e.history])
    best = np.array([r.best_loss for r in e.history])
    np.testing.assert_array_equal(best, np.minimum.accumulate(np.minimum(cands, e.initial_loss)))
    assert e.best_loss == min(cands.min(), e.initial_loss)
    np.testing.assert_array_equal(curve(stepper, "best")[1][1:], best)
    # the published best network has the best loss
    with torch.no_grad():
        pred = stepper.best_net.forward(e.dataset.inputs).squeeze(-1)
    assert math.isclose(float(mse_loss(e.dataset.ground_truth, pred)), e.best_loss, rel_tol=1e-5)

    stepper.speed_dropdown.value = 0  # fastest: steps for one frame time, then draws
    stepper.frame_time = 0.02
    steps = stepper.play_ticks(2)
    assert steps > 0 and e.iteration == 30 + steps == len(e.history)


def test_async_play_pauses_within_a_frame(stepper):
    stepper.configure(strategy="keep-best", epsilon=1e-12, max_iters=1_000_000)

    ticks = []
    tick = stepper.play_tick
    stepper.play_tick = lambda: ticks.append(stepper.play.value) or tick()

    async def scenario():
        stepper.play.value = True
        assert stepper._task is not None
        await asyncio.sleep(0.3)
        running = stepper.engine.iteration
        stepper.play.value = False  # a widget message, handled between two slices
        await asyncio.wait_for(stepper._task, timeout=30.0)
        return running

    running = asyncio.run(scenario())
    del stepper.play_tick
    e = stepper.engine
    assert running > 0 and e.iteration >= running and len(e.history) == e.iteration
    assert ticks and ticks.count(False) == 0  # not one slice was stepped after the pause
    assert stepper.progress.value == e.iteration and f"iteration <b>{e.iteration}</b>" in stepper.readout.value


def test_same_seed_same_numbers(dataset):
    a = RandomSearchStepper(dataset=dataset, backend="agg", strategy="perturb", seed=3, max_iters=15, epsilon=1e-12)
    b = RandomSearchStepper(dataset=dataset, backend="agg", strategy="perturb", seed=3, max_iters=15, epsilon=1e-12)
    try:
        a.run_to_end()
        b.play_ticks(5)
        b.run_to_end()
        np.testing.assert_array_equal(curve(a, "candidate")[1], curve(b, "candidate")[1])
        assert a.readout.value == b.readout.value
        b.seed_box.value = 4
        b.run_to_end()
        assert not np.array_equal(curve(a, "candidate")[1], curve(b, "candidate")[1])
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize(
    ("box", "bad", "words"),
    [
        ("epsilon_box", 0.0, "ε (loss threshold) must be a number above 0"),
        ("epsilon_box", -1e-5, "ε (loss threshold) must be"),
        ("epsilon_box", float("nan"), "got nan"),
        ("max_iters_box", 0, "Max iterations must be a whole number from 1"),
        ("weight_box", -0.1, "Weight draw scale must be a number from 0"),
        ("bias_box", float("nan"), "Bias draw scale must be"),
        ("sigma_box", -1.0, "Noise scale σ must be"),
        ("lr_box", 0.0, "Learning rate must be"),
        ("candidates_box", 0, "Candidates per step must be a whole number from 1"),
        ("seed_box", -1, "Seed must be a whole number from 0"),
    ],
)
def test_bad_values_are_refused_and_the_engine_kept(stepper, box, bad, words):
    stepper.step_button.click()
    engine, control = stepper.engine, getattr(stepper, box)
    before = control.value
    control.value = bad
    assert words in stepper.message and stepper.message.endswith(".")
    assert control.value == before and stepper.engine is engine and engine.iteration == 1


def test_gradient_takes_one_candidate_per_step(stepper):
    stepper.candidates_box.value = 8
    assert stepper.engine.batch_size == 8
    stepper.strategy_dropdown.value = "gradient"
    assert stepper.engine.batch_size == 1 and stepper.candidates_box.disabled
    assert stepper.lr_box.layout.display == "" and stepper.sigma_box.layout.display == "none"
    stepper.step_button.click()
    assert stepper.engine.history[0].forward_passes == 1


def test_dataset_and_net_changes_reset(stepper):
    stepper.step_button.click()
    ripple = make_dataset("ripple", n=20)
    stepper.dataset = ripple
    e = stepper.engine
    assert e.iteration == 0 and e.dataset is ripple
    np.testing.assert_allclose(stepper.fit_view.target, ripple.grid(ripple.ground_truth))
    assert stepper.fit_view.prediction.shape == (20, 20)
    zero = float((ripple.ground_truth**2).mean())
    assert f"{zero:.3e}" in stepper.baseline_note.value

    small = Net.build(2, (8,), 1, "tanh", seed=1)
    stepper.net = small
    assert stepper.engine.layout.size == 2 * 8 + 8 + 8 + 1 and stepper.engine.iteration == 0
    assert stepper.best_net is None
    stepper.run_to_end()
    assert stepper.best_net is not None and stepper.best_net.num_params() == small.num_params()

    engine = stepper.engine
    stepper.net = Net.build(3, (8,), 1, "relu", seed=1)
    assert "3 inputs" in stepper.message and "keeps its previous network" in stepper.message
    assert stepper.engine is engine


def test_best_net_follows_improvements(stepper):
    seen = []
    stepper.observe(lambda change: seen.append(change["new"]), names="best_net")
    stepper.configure(strategy="keep-best", epsilon=1e-12, max_iters=30)
    n0 = len(seen)
    stepper.run_to_end()
    assert len(seen) == n0 + 1  # one publication per draw, not one per improvement
    net = seen[-1]
    with torch.no_grad():
        pred = net.forward(stepper.dataset.inputs).squeeze(-1)
    assert math.isclose(float(mse_loss(stepper.dataset.ground_truth, pred)), stepper.engine.best_loss, rel_tol=1e-5)
    stepper.step_button.click()  # stopped: nothing improves, nothing published
    assert len(seen) == n0 + 1


def test_race_same_budget(stepper):
    panel = stepper.race_panel
    panel.budget_box.value = 64
    panel.run_button.click()
    assert set(panel.curves) == {"keep-best", "perturb", "gradient"} and panel.message == ""
    for name, c in panel.curves.items():
        assert c.forward_passes[-1] >= 64 and np.all(np.diff(c.best_loss) <= 0)
        x, y = panel.view.lines[name].get_data()
        np.testing.assert_array_equal(y, c.best_loss)
    assert panel.curves["gradient"].forward_passes.size == 64
    assert "after 64 passes" in panel.summary.value


def test_histogram_marks_best_and_epsilon(stepper, dataset):
    panel = stepper.histogram_panel
    panel.n_box.value = 400
    panel.sample_button.click()
    expected = sample_losses(400, stepper._start_net, dataset, seed=0).numpy()
    np.testing.assert_allclose(np.sort(panel.losses), np.sort(expected), rtol=1e-6)
    assert panel.view.counts.sum() == 400
    assert panel.view.marker_x("epsilon") == pytest.approx(1e-5)
    assert panel.view.marker_x("best") is None  # iteration 0: no best yet
    stepper.run_to_end()
    assert panel.view.marker_x("best") == pytest.approx(stepper.engine.best_loss)
    k = int((expected <= 1e-5).sum())
    assert f"{k} of 400" in panel.summary.value


def test_open_figures_constant_over_100_interactions(open_figure_count, dataset):
    s = RandomSearchStepper(dataset=dataset, backend="agg", max_iters=200)
    small = make_dataset("saddle", n=12)
    before = open_figure_count()
    for i in range(100):
        action = i % 5
        if action == 0:
            s.step_button.click()
        elif action == 1:
            s.play_ticks(1)
        elif action == 2:
            s.epsilon_box.value = [1e-5, -1.0, 1e-7][i % 3]
        elif action == 3:
            s.strategy_dropdown.value = ("redraw", "keep-best", "perturb", "gradient")[i % 4]
        else:
            s.dataset = small if i % 2 else dataset
        if i % 20 == 0:
            s.reset_button.click()
    assert open_figure_count() == before
    s.close()
    assert open_figure_count()[1] == before[1] - 5


def test_histogram_view_counts_every_value_and_blits_markers(open_figure_count):
    from mlp_widgets.plots.histogram import HistogramView

    before = open_figure_count()
    view = HistogramView(bins=10, backend="agg")
    values = np.array([1e-7, 3e-6, 2e-5, 2e-5, 4e-4, 1e-3, np.nan])
    view.set_values(values)
    assert view.counts.sum() == 6 and view.n_dropped == 1
    assert view.edges[0] == 1e-7 and view.edges[-1] == 1e-3
    assert view.set_marker("best", 1e-5, label="best") == "full"  # a new legend entry
    assert view.set_marker("best", 2e-5) == "blit"  # moved inside the limits
    assert view.set_marker("best", 1e-9) == "full"  # left the limits: they grow
    assert view.ax.get_xlim()[0] < 1e-9 and view.marker_x("best") == 1e-9
    assert view.fraction_below(1e-3) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least one finite value"):
        view.set_values([np.nan])
    view.set_values(values)
    assert view.set_marker("best", 3e-5, redraw=False) == "" and view.flush() == "blit"
    assert view.set_marker("eps", 1e-5, redraw=False) == "" and view.flush() == "full"
    view.close()
    assert open_figure_count() == before


def test_a_big_step_is_finished_in_slices_and_pause_ends_it():
    """4096 candidates of a 2 → 256 → 256 → 1 network: one step is minutes of work; Step must not block."""
    net = Net.build(2, (256, 256), 1, "relu", init="uniform", seed=0)
    stepper = RandomSearchStepper(net=net, backend="agg", strategy="keep-best", candidates=4096, epsilon=1e-12)

    async def scenario():
        stepper.step_button.click()  # returns after one frame of work
        assert stepper.engine.iteration == 0
        progress = []
        for _ in range(5):
            await asyncio.sleep(0.15)  # the loop runs: widget messages get in
            progress.append(stepper.engine.step_progress)
        stepper.pause()
        await asyncio.sleep(0.4)
        after = stepper.engine.step_progress
        await asyncio.sleep(0.4)
        return progress, after, stepper.engine.step_progress

    progress, after, later = asyncio.run(scenario())
    assert 0 < progress[0] < progress[-1] < 1, progress
    assert after == later and stepper.engine.iteration == 0  # paused: no more work
    stepper.close()
