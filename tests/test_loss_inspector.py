"""LossInspector driven headlessly: its numbers equal the core's, it follows the net, the landscape, bad input."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch
import traitlets

from mlp_widgets import LossInspector
from mlp_widgets.core import (
    Linear,
    LossRow,
    Net,
    ReLU,
    TorchNet,
    baselines,
    huber_loss,
    lab2_dataset,
    mae_loss,
    make_dataset,
    mse_loss,
    r_squared,
    verdict,
)


@pytest.fixture(scope="module")
def inspector():
    li = LossInspector(backend="agg")
    yield li
    li.close()


@pytest.fixture(autouse=True)
def lab_state(inspector):
    """Every test starts from the lab's net and dataset, and leaves no error behind."""
    yield
    inspector.net = lab_torch_net_as_net()
    inspector.dataset = lab2_dataset()
    inspector.view_toggle.value = "prediction"
    inspector.log_checkbox.value = True
    inspector.epsilon_box.value = 1e-5
    inspector.delta_box.value = 1.0
    inspector.loss_dropdown.value = "mse"


def lab_torch_net_as_net() -> Net:
    from mlp_widgets.core import from_torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(999)
        return from_torch(TorchNet(2, 25, 1))


def prediction_of(net, ds) -> torch.Tensor:
    with torch.no_grad():
        return net.forward(ds.inputs).squeeze(-1)


def test_defaults_are_the_labs_net_and_dataset_and_keep_the_global_rng():
    state = torch.get_rng_state()
    li = LossInspector(backend="agg")
    assert torch.equal(torch.get_rng_state(), state)
    torch.manual_seed(999)
    lab = TorchNet(2, 25, 1)
    ds = lab2_dataset()
    with torch.no_grad():
        expected = lab(ds.inputs).squeeze(-1)
    assert torch.equal(li.prediction, expected)
    assert torch.equal(li.dataset.ground_truth, ds.ground_truth)
    li.close()


def test_losses_equal_the_core_and_torch(inspector):
    ds, net = inspector.dataset, inspector.net
    y, pred = ds.ground_truth, prediction_of(net, ds)
    rows = inspector.rows
    assert rows["mse"].scratch == float(mse_loss(y, pred))
    assert rows["mae"].scratch == float(mae_loss(y, pred))
    assert rows["huber"].scratch == float(huber_loss(y, pred, 1.0))
    assert rows["mse"].torch == float(torch.nn.MSELoss()(pred, y))
    assert rows["mae"].torch == float(torch.nn.L1Loss()(pred, y))
    assert rows["huber"].torch == float(torch.nn.HuberLoss(delta=1.0)(pred, y))
    for name in ("mse", "mae", "huber"):
        row = rows[name]
        assert row.match
        assert row.abs_diff == abs(row.scratch - row.torch)
        assert row.zero == pytest.approx(baselines(y, name)["zero"], rel=1e-6)
        assert row.mean == pytest.approx(baselines(y, name)["mean"], rel=1e-6)
    assert inspector.r2 == pytest.approx(r_squared(y, pred))
    # both values are on screen, with the match
    table = inspector.loss_table.value
    assert f"{rows['mse'].scratch:.6g}" in table and f"{rows['mae'].torch:.6g}" in table
    assert table.count("✓ match") == 3
    assert f"{inspector.r2:.4g}" in inspector.r2_label.value


def test_verdict_on_the_labs_target_says_the_threshold_is_too_easy(inspector):
    zero = baselines(inspector.dataset.ground_truth)["zero"]
    assert f"Predicting 0 already scores {zero:.2g} — below ε = 1e-05" in inspector.verdict.value
    assert "too easy" in inspector.verdict.value
    inspector.epsilon_box.value = 1e-6  # below predicting 0, but predicting the mean (2.9e-09) still passes
    assert "Predicting the mean already scores" in inspector.verdict.value
    inspector.epsilon_box.value = 1e-9
    assert "too easy" not in inspector.verdict.value
    assert "no better than predicting 0" in inspector.verdict.value


def test_verdict_cases():
    def row(value: float, zero: float = 1.0, mean: float = 0.1) -> LossRow:
        return LossRow("mse", "MSE", value, value, 0.0, True, zero, mean)

    assert "Predicting 0 already scores 1e-06" in verdict(row(0.5, zero=1e-6), 1e-5, -3.0)
    assert "Predicting the mean already scores" in verdict(row(0.5, mean=1e-6), 1e-5, -3.0)
    assert "no better than predicting 0" in verdict(row(2.0), 1e-5, -19.0)
    assert "not predicting the mean" in verdict(row(0.5), 1e-5, -4.0)
    assert "beats both baselines" in verdict(row(0.01), 1e-5, 0.9) and "not yet below ε" in verdict(
        row(0.01), 1e-5, 0.9
    )
    assert "below ε = 0.1" in verdict(row(0.01), 0.1, 0.9)
    assert "3 predictions are not finite" in verdict(row(float("inf")), 1e-5, float("nan"), n_nonfinite=3)


def test_setting_net_updates_numbers_and_surface(inspector):
    inspector.view_toggle.value = "prediction"
    before = inspector.rows["mse"].scratch
    net = Net.build(2, (8, 8), 1, "tanh", init="uniform", seed=4)
    inspector.net = net
    ds = inspector.dataset
    pred = prediction_of(net, ds)
    assert inspector.rows["mse"].scratch == float(mse_loss(ds.ground_truth, pred))
    assert inspector.rows["mse"].scratch != before
    np.testing.assert_allclose(inspector.surface_view.values, ds.grid(pred), rtol=1e-6)


def test_follows_a_linked_source(inspector):
    class Source(traitlets.HasTraits):
        net = traitlets.Instance(Net)

    src = Source(net=Net.build(2, (5,), 1, seed=1))
    link = traitlets.dlink((src, "net"), (inspector, "net"))
    assert inspector.net is src.net
    for seed in (2, 3):
        src.net = Net.build(2, (5,), 1, init="uniform", seed=seed)
        expected = float(mse_loss(inspector.dataset.ground_truth, prediction_of(src.net, inspector.dataset)))
        assert inspector.rows["mse"].scratch == expected
    link.unlink()


def test_view_toggle_switches_one_surface(inspector, open_figure_count):
    count = open_figure_count()
    ds, view = inspector.dataset, inspector.surface_view
    pred = prediction_of(inspector.net, ds)
    inspector.view_toggle.value = "truth"
    np.testing.assert_allclose(view.values, ds.grid(ds.ground_truth))
    assert view.ax.get_title() == "ground truth" and not view.symmetric
    inspector.view_toggle.value = "residual"
    np.testing.assert_allclose(view.values, ds.grid(pred - ds.ground_truth), rtol=1e-6, atol=1e-9)
    assert view.symmetric
    lo, hi = view.surface.get_clim()
    assert lo == pytest.approx(-hi)
    inspector.view_toggle.value = "prediction"
    np.testing.assert_allclose(view.values, ds.grid(pred), rtol=1e-6)
    assert open_figure_count() == count


def test_setting_dataset_updates_grid_and_numbers(inspector):
    inspector.view_toggle.value = "truth"
    ds = make_dataset("saddle", -1.0, 1.0, 30, scale=2.0)
    inspector.dataset = ds
    assert inspector.surface_view.values.shape == (30, 30)
    np.testing.assert_allclose(inspector.surface_view.values, ds.grid(ds.ground_truth))
    pred = prediction_of(inspector.net, ds)
    assert inspector.rows["mae"].scratch == float(mae_loss(ds.ground_truth, pred))
    assert inspector.rows["mae"].zero == pytest.approx(float(ds.ground_truth.abs().mean()), rel=1e-6)


def test_huber_delta_and_loss_choice(inspector):
    inspector.delta_box.value = 0.01
    y, pred = inspector.dataset.ground_truth, inspector.prediction
    assert inspector.rows["huber"].scratch == float(huber_loss(y, pred, 0.01))
    assert inspector.rows["huber"].torch == float(torch.nn.HuberLoss(delta=0.01)(pred, y))
    inspector.loss_dropdown.value = "mae"
    assert "MAE" in inspector.verdict.value
    assert "<tr style='font-weight:bold'><td>MAE" in inspector.loss_table.value
    inspector.loss_dropdown.value = "mse"
    inspector.delta_box.value = 1.0


def test_nonfinite_predictions_are_shown_with_a_note(inspector):
    # ŷ = 1e30 · relu(1e30 · x) + 1: overflows to inf where x > 0, equals 1 where x < 0
    net = Net([Linear(2, 1, "zeros"), ReLU(), Linear(1, 1, "zeros")])
    net.layers[0].weight[0, 0] = 1e30
    net.layers[2].weight.fill_(1e30)
    net.layers[2].bias.fill_(1.0)
    inspector.net = net
    assert inspector.message == ""
    assert inspector.n_nonfinite == int((inspector.dataset.nodes[:, 0] > 0).sum())
    assert "not finite" in inspector.surface_note.value
    assert "not finite" in inspector.verdict.value
    assert "<td>inf</td>" in inspector.loss_table.value
    # the surface shows the finite half, with holes where ŷ overflows
    values = inspector.surface_view.values
    assert inspector.surface_view.n_nonfinite == inspector.n_nonfinite
    np.testing.assert_array_equal(values[np.isfinite(values)], 1.0)
    assert inspector.surface_view.ax.get_title() == "prediction"
    # nothing finite to draw: a flat surface with a title saying so, not a blank plot
    net.layers[2].bias.fill_(float("inf"))
    inspector.net = net.copy()
    assert inspector.n_nonfinite == inspector.dataset.ground_truth.numel()
    assert "no finite value, drawn as 0" in inspector.surface_view.ax.get_title()
    assert len(inspector.surface_view.surface.get_array()) > 0
    inspector.compute_button.click()
    assert "not finite anywhere" in inspector.landscape_note.value and inspector.message == ""


def test_landscape_center_is_the_current_loss_and_progress_completes(inspector):
    inspector.grid_slider.value = 11
    inspector.span_box.value = 0.5
    inspector.seed_box.value = 7
    inspector.compute_button.click()
    land = inspector.landscape
    assert inspector.message == ""
    assert land.n == 11 and land.seed == 7 and land.span == 0.5
    assert land.losses[5, 5] == pytest.approx(inspector.rows["mse"].scratch, rel=1e-5)
    assert land.center_loss == pytest.approx(inspector.rows["mse"].scratch, rel=1e-5)
    assert inspector.progress.value == inspector.progress.max == 1.0 and inspector.progress.description == "100%"
    np.testing.assert_allclose(inspector.landscape_view.values, np.log10(land.losses))
    assert tuple(inspector.landscape_view.image.get_extent()) == (-0.5, 0.5, -0.5, 0.5)
    x, y = inspector.landscape_view.marker.get_data()
    assert list(x) == [0.0] and list(y) == [0.0]
    assert f"{land.center_loss:.6g}" in inspector.landscape_note.value
    inspector.log_checkbox.value = False
    np.testing.assert_allclose(inspector.landscape_view.values, land.losses)
    # not recomputed when the net changes, but marked stale
    inspector.net = Net.build(2, (25,), 1, init="uniform", seed=9)
    assert inspector.landscape is land
    assert "earlier network" in inspector.landscape_note.value
    inspector.compute_button.click()
    assert inspector.landscape is not land and "earlier network" not in inspector.landscape_note.value


def test_landscape_with_a_deep_net(inspector):
    net = Net.build(2, (6, 6, 6), 1, ["tanh", "relu", "elu"], init="uniform", seed=2)
    inspector.net = net
    inspector.grid_slider.value = 5
    inspector.loss_dropdown.value = "huber"
    inspector.compute_button.click()
    assert inspector.landscape.loss == "huber"
    assert inspector.landscape.losses[2, 2] == pytest.approx(inspector.rows["huber"].scratch, rel=1e-5)
    inspector.loss_dropdown.value = "mse"
    assert "earlier network, target or loss" in inspector.landscape_note.value


@pytest.mark.parametrize(
    ("control", "bad", "sentence"),
    [
        ("epsilon_box", -1.0, "ε must be a number above 0"),
        ("delta_box", 0.0, "Huber δ must be a number above 0"),
        ("span_box", 0.0, "The span must be a number above 0"),
        ("span_box", 500.0, "The span must be a number above 0 and at most 100"),
        ("seed_box", -5, "The seed must be a whole number from 0"),
    ],
)
def test_bad_values_are_refused_and_state_kept(inspector, control, bad, sentence):
    box = getattr(inspector, control)
    good = box.value
    table, verdict_text = inspector.loss_table.value, inspector.verdict.value
    box.value = bad
    assert sentence in inspector.message and sentence in inspector.status.value
    assert box.value == good
    assert inspector.loss_table.value == table and inspector.verdict.value == verdict_text
    assert inspector.epsilon == 1e-5 and inspector.huber_delta == 1.0
    # the landscape still uses the last valid span and seed
    inspector.grid_slider.value = 5
    inspector.compute_button.click()
    assert inspector.landscape.span == inspector.span_box.value and inspector.landscape.seed == inspector.seed_box.value


def test_net_that_does_not_fit_is_refused_and_display_kept(inspector):
    rows, shown = dict(inspector.rows), inspector.surface_view.values.copy()
    inspector.net = Net.build(3, (4,), 1, seed=0)
    assert "needs a network with 2 inputs and 1 output" in inspector.message
    assert inspector.rows == rows
    np.testing.assert_array_equal(inspector.surface_view.values, shown)
    inspector.compute_button.click()
    assert "needs a network with 2 inputs and 1 output" in inspector.message
    inspector.net = lab_torch_net_as_net()
    assert inspector.message == ""


def test_no_network(inspector):
    inspector.net = None
    assert "No network" in inspector.verdict.value
    assert inspector.loss_table.value == ""
    np.testing.assert_allclose(inspector.surface_view.values, inspector.dataset.grid(inspector.dataset.ground_truth))
    assert "no prediction" in inspector.surface_note.value
    inspector.compute_button.click()
    assert "There is no network" in inspector.message


def test_open_figures_constant_over_100_changes(open_figure_count):
    gc.collect()
    start = open_figure_count()
    li = LossInspector(backend="agg")
    created = open_figure_count()
    assert created[1] == start[1] + 2  # one surface, one landscape
    li.grid_slider.value = 5
    views = ["truth", "prediction", "residual"]
    for i in range(100):
        if i % 3 == 0:
            li.net = Net.build(2, (4,), 1, init="uniform", seed=i)
        elif i % 3 == 1:
            li.view_toggle.value = views[i % 3]
        else:
            li.delta_box.value = 0.5 + i / 100
        if i % 25 == 0:
            li.compute_button.click()
    assert li.message == ""
    assert open_figure_count() == created
    li.close()
    gc.collect()
    assert open_figure_count() == start


def test_follows_a_target_explorer():
    from mlp_widgets import TargetExplorer

    explorer = TargetExplorer(backend="agg")
    li = LossInspector(backend="agg", view="truth")
    link = traitlets.dlink((explorer, "dataset"), (li, "dataset"))
    explorer.points_box.value = 20
    explorer.param_boxes["variance"].value = 0.5
    ds = explorer.dataset
    assert li.dataset is ds
    np.testing.assert_allclose(li.surface_view.values, ds.grid(ds.ground_truth))
    assert li.rows["mse"].zero == pytest.approx(float((ds.ground_truth**2).mean()), rel=1e-6)
    link.unlink()
    explorer.close()
    li.close()


def test_the_landscape_runs_in_slices_on_the_loop_and_stops_within_a_slice():
    """In a kernel: Compute returns at once, the progress grows, Stop ends it between two slices."""
    import asyncio

    from mlp_widgets.core import Net

    inspector = LossInspector(net=Net.build(2, (64, 64), 1, "relu", init="uniform", seed=1), backend="agg")
    inspector.grid_slider.value = 51

    async def scenario():
        inspector.compute_button.click()
        assert inspector.compute_button.disabled and not inspector.stop_button.disabled
        seen = []
        while inspector.progress.value < 0.05:
            await asyncio.sleep(0.02)
            seen.append(inspector.progress.value)
        inspector.stop_button.click()  # a widget message, handled between two slices
        for _ in range(100):
            if not inspector.compute_button.disabled:
                break
            await asyncio.sleep(0.02)
        return seen

    seen = asyncio.run(scenario())
    assert seen == sorted(seen) and inspector.progress.value < 1.0
    assert not inspector.compute_button.disabled and inspector.stop_button.disabled
    assert inspector.landscape is None and "stopped" in inspector.message
    inspector.close()


def test_ground_truth_and_prediction_share_one_z_scale():
    from mlp_widgets.core import Net, make_dataset

    small = Net.build(2, (4,), 1, "relu", init="normal", std=0.01, seed=0)  # predicts almost 0
    inspector = LossInspector(net=small, dataset=make_dataset("two_bumps", n=20), backend="agg")
    inspector.view_toggle.value = "truth"
    truth_zlim = inspector.surface_view.zlim
    inspector.view_toggle.value = "prediction"
    assert inspector.surface_view.zlim == truth_zlim
    y, p = inspector.dataset.ground_truth.numpy(), inspector.prediction.numpy()
    lo, hi = truth_zlim
    assert lo <= min(y.min(), p.min()) and max(y.max(), p.max()) <= hi
    inspector.view_toggle.value = "residual"
    assert inspector.surface_view.zlim[1] <= 0.1 * truth_zlim[1]  # its own scale: ŷ − y is negative here
    inspector.close()
