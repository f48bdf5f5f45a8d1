"""The Dashboard: tabs built on demand, widgets wired through the shared state."""

import pytest
import torch

from mlp_widgets.plots import open_figures
from mlp_widgets.widgets.dashboard import TABS, Dashboard


@pytest.fixture
def dash():
    board = Dashboard(lazy=False, backend="agg")
    yield board
    board.close()


def test_tabs_are_built_when_first_opened():
    board = Dashboard(backend="agg")
    try:
        assert list(board.parts) == ["activations"]
        assert board.tab.titles == tuple(title for _, title in TABS)
        builder = board.show("network")
        assert board.tab.selected_index == 1 and builder is board.parts["builder"]
        board.tab.selected_index = 3  # the user clicks the tab
        assert "stepper" in board.parts
        # a tab built later starts from the current shared state
        assert board.parts["stepper"].net is board.net is builder.net
    finally:
        board.close()


def test_target_feeds_every_widget(dash):
    target = dash.parts["target"]
    before = dash.dataset
    target.points_box.value = 20
    assert dash.dataset is target.dataset and dash.dataset is not before
    assert dash.dataset.n == 20
    for name in ("builder", "inspector", "stepper"):
        assert dash.parts[name].dataset is dash.dataset, name
    assert dash.parts["stepper"].engine.dataset.ground_truth.shape == (400,)


def test_built_network_feeds_inspector_and_stepper(dash):
    builder, inspector, stepper = dash.parts["builder"], dash.parts["inspector"], dash.parts["stepper"]
    builder.rows[0].width_box.value = 7
    assert dash.net is builder.net and dash.net.layers[0].N_out == 7
    assert stepper.net is builder.net
    assert inspector.net.layers[0].N_out == 7
    x = torch.randn(5, 2)
    assert torch.equal(inspector.net(x), builder.net(x)) or stepper.best_net is not None


def test_best_searched_network_flows_to_the_inspector(dash):
    inspector, stepper = dash.parts["inspector"], dash.parts["stepper"]
    stepper.step_button.click()
    stepper.step_button.click()
    assert stepper.engine.iteration == 2
    assert dash.best_net is stepper.best_net
    assert inspector.net is stepper.best_net
    x = dash.dataset.inputs
    assert torch.allclose(inspector.net(x).squeeze(-1), stepper.engine.predict())


def test_no_figure_growth_over_interactions(dash):
    target, stepper = dash.parts["target"], dash.parts["stepper"]
    start = open_figures()
    for i in range(30):
        target.points_box.value = 20 + i % 5
        stepper.step_button.click()
    assert open_figures() == start


def test_unknown_tab_is_refused():
    with pytest.raises(ValueError, match="tabs must be a non-empty list of 'activations'"):
        Dashboard(tabs=["train"], backend="agg")


def test_close_releases_every_figure():
    start = open_figures()
    board = Dashboard(lazy=False, backend="agg")
    assert open_figures() > start
    board.close()
    assert open_figures() == start
