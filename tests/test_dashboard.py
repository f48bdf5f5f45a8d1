"""The Dashboard: tabs built on demand, widgets wired through the shared state."""

import datetime
import json

import pytest
import torch

from mlp_widgets.config import CONFIG_ENV, DashboardConfig
from mlp_widgets.core import Net
from mlp_widgets.core.units import same_parameters
from mlp_widgets.plots import open_figures
from mlp_widgets.widgets.dashboard import TABS, Dashboard

NOW = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)


@pytest.fixture
def dash():
    board = Dashboard(lazy=False, backend="agg")
    yield board
    board.close()


def test_tabs_are_built_when_first_opened():
    board = Dashboard(backend="agg")
    try:
        assert list(board.parts) == ["export", "activations"]
        assert board.tab.titles == tuple(title for _, title in TABS)
        builder = board.show("network")
        assert board.tab.selected_index == 1 and builder is board.parts["builder"]
        assert "explorer" not in board.parts
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
    explorer = dash.parts["explorer"]
    start = open_figures()
    for i in range(12):
        target.points_box.value = 20 + i % 5
        stepper.step_button.click()
        explorer.value_slider.value = 0.1 * i
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


# -- network explorer, export panel --------------------------------------------------------------
def test_explorer_follows_the_shared_networks_and_its_edits_become_the_net(dash):
    builder, explorer, stepper = dash.parts["builder"], dash.parts["explorer"], dash.parts["stepper"]
    inspector = dash.parts["inspector"]
    builder.rows[0].width_box.value = 6
    assert explorer.net is builder.net is dash.net
    assert len(explorer.pictures_view.images) == 6
    stepper.step_button.click()
    assert stepper.engine.iteration == 1
    shown = explorer.net  # the built network, or the search's best if the step improved on it
    dash.show("explorer")  # edits count from the explorer's own tab
    explorer.set_parameter(0, 1, 2, 1.25)
    explorer.flush()
    edited = explorer.net
    assert dash.net is edited and explorer.edited is edited
    assert stepper.net is edited and stepper.engine.iteration == 0  # the search restarts from the edited network
    assert torch.allclose(inspector.net(dash.dataset.inputs), edited(dash.dataset.inputs))
    assert builder.net is not edited  # the builder keeps what its controls built
    # the search's restart hands back its best network, equal to the edit: the edit stays undoable
    assert same_parameters(stepper.best_net, edited) and same_parameters(explorer.net, edited)
    explorer.undo_button.click()
    explorer.flush()
    assert same_parameters(dash.net, shown) and stepper.net is dash.net
    # the search's networks are shown in the explorer, never sent back as edits
    explorer.set_parameter(0, 1, 2, 1.25)
    explorer.flush()
    edited = explorer.edited
    for _ in range(5):
        stepper.step_button.click()
    assert stepper.engine.iteration >= 1  # (the lab's ε may stop it early)
    assert explorer.edited is edited and dash.net is edited
    assert same_parameters(explorer.net, dash.best_net)


def test_a_loaded_network_becomes_the_net(dash, tmp_path):
    from mlp_widgets import export

    panel = dash.export_panel
    other = Net.build(2, [4], 1, "tanh", seed=8)
    data = export.json_bytes(other)
    panel.load_bytes("class.json", data)
    for follower in (dash, dash.parts["builder"], dash.parts["stepper"], dash.parts["explorer"]):
        assert follower.net is panel.loaded, follower
    assert dash.parts["explorer"].layer_dropdown.options[0][0] == "1: Linear 2→4"


def test_a_broken_upload_keeps_every_network(dash):
    before, shown = dash.net, dash.parts["explorer"].net
    dash.export_panel.upload.value = (
        {"name": "broken.json", "type": "", "size": 3, "content": memoryview(b"{]}"), "last_modified": NOW},
    )
    assert "broken.json is not valid JSON" in dash.export_panel.message
    assert before is not None
    assert dash.net is before and dash.parts["explorer"].net is shown


def test_export_panel_lists_figures_of_built_tabs():
    board = Dashboard(backend="agg")
    try:
        before = board.export_panel.figure_dropdown.options
        board.show("explorer")
        names = board.export_panel.figure_dropdown.options
        assert len(names) > len(before)
        assert any(name.startswith("5 · Network explorer · output ŷ") for name in names)
        png = board.export_panel.export_png(names[-1])
        assert png[:4] == b"\x89PNG"
    finally:
        board.close()


# -- configs -------------------------------------------------------------------------------------
RIPPLE = {
    "target": {"name": "ripple", "params": {"frequency": 4}, "lo": -3, "hi": 3, "n": 30},
    "network": {"hidden": [6, 5], "activations": "tanh", "init": "uniform", "seed": 7},
    "search": {"strategy": "keep-best", "epsilon": 0.001, "max_iters": 300, "seed": 2},
    "ui": {
        "tabs": ["network", "search"],
        "hidden_controls": ["builder.seed", "search.sigma", "export.save_torch"],
        "fixed_controls": ["builder.layers", "search.epsilon"],
    },
}


def test_config_sets_target_network_search_and_controls():
    board = Dashboard(config=RIPPLE, backend="agg")
    try:
        assert board.tab.titles == ("2 · Build a network", "4 · Random search")
        assert board.dataset.target == "ripple" and board.dataset.n == 30 and board.dataset.lo == -3
        builder = board.parts["builder"]  # the first tab, built at once
        assert builder.spec.hidden == (6, 5) and builder.spec.init == "uniform" and builder.spec.seed == 7
        assert board.net is builder.net and type(builder.net.layers[1]).__name__ == "Tanh"
        # hidden: its own layout, so the controls that shared one stay visible
        assert builder.seed_box.layout.display == "none" and builder.seed_box.layout is not builder.n_in_box.layout
        assert board.export_panel.save_torch_button.layout.display == "none"
        # fixed: every control inside the layer rows is disabled, also rows added later
        assert all(row.width_box.disabled and row.activation.disabled for row in builder.rows)
        builder.add_layer()
        assert builder.rows[-1].width_box.disabled
        stepper = board.show("search")  # built later, configured when built
        assert stepper.settings.strategy == "keep-best" and stepper.settings.epsilon == 0.001
        assert stepper.settings.max_iters == 300 and stepper.epsilon_box.disabled
        assert stepper.net is board.net
        stepper.configure(strategy="perturb")  # would show σ: the config keeps it hidden
        assert stepper.sigma_box.layout.display == "none"
        with pytest.raises(ValueError, match="There is no tab 'explorer'"):
            board.show("explorer")
    finally:
        board.close()


def test_config_from_a_preset_file_and_from_the_environment(monkeypatch, tmp_path):
    path = DashboardConfig.from_dict(RIPPLE).save(tmp_path / "class.yaml")
    monkeypatch.setenv(CONFIG_ENV, str(path))
    board = Dashboard(backend="agg")
    try:
        assert board.config == DashboardConfig.from_dict(RIPPLE) and board.dataset.target == "ripple"
        assert board.message == ""
    finally:
        board.close()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"search": {"epsilon": -1}}))
    monkeypatch.setenv(CONFIG_ENV, str(bad))
    board = Dashboard(backend="agg")
    try:
        assert board.config is None and board.dataset.target == "gaussian"
        assert "config field 'search.epsilon' must be a number above 0" in board.message
    finally:
        board.close()


def test_an_invalid_config_is_refused_and_nothing_changes(dash):
    builder, stepper, target = dash.parts["builder"], dash.parts["stepper"], dash.parts["target"]
    state = (dash.dataset, dash.net, builder.spec, stepper.settings, dash.tab.titles, target.points_box.value)
    with pytest.raises(ValueError, match="config field 'ui.hidden_controls\\[0\\]' names no control"):
        dash.apply_config({"target": {"n": 20}, "ui": {"hidden_controls": ["builder.colour"]}})
    assert "names no control: 'builder.colour'" in dash.message
    with pytest.raises(ValueError, match="config field 'network.hidden\\[0\\]'"):
        dash.apply_config({"network": {"hidden": [0]}})
    assert state == (dash.dataset, dash.net, builder.spec, stepper.settings, dash.tab.titles, target.points_box.value)
    with pytest.raises(ValueError):
        Dashboard(config={"search": {"strategy": "genetic"}}, backend="agg")


def test_apply_config_to_a_built_dashboard(dash):
    builder, stepper, target = dash.parts["builder"], dash.parts["stepper"], dash.parts["target"]
    dash.apply_config({**RIPPLE, "ui": {"tabs": ["search", "network", "explorer"], "fixed_controls": ["target.n"]}})
    assert dash.dataset.target == "ripple" and target.target_dropdown.value == "ripple"
    assert target.points_box.value == 30 and target.points_box.disabled
    assert [row.width_box.value for row in builder.rows] == [6, 5] and builder.spec.seed == 7
    assert dash.net is builder.net and stepper.net is builder.net
    assert stepper.settings.strategy == "keep-best" and stepper.strategy_dropdown.value == "keep-best"
    assert stepper.epsilon_box.value == 0.001
    assert dash.tab.titles == ("4 · Random search", "2 · Build a network", "5 · Network explorer")
    # a second config releases what the first one fixed
    dash.apply_config({})
    assert not target.points_box.disabled and dash.dataset.target == "gaussian"
    assert builder.spec.hidden == (25,) and len(dash.tab.titles) == len(TABS)


def test_slider_echo_from_the_browser_does_not_restart_the_search(dash):
    """The browser snaps a shown weight to the slider's step and sends it back: that is not an edit."""
    explorer, stepper = dash.parts["explorer"], dash.parts["stepper"]
    step = explorer.value_slider.step
    for _ in range(3):
        stepper.step_button.click()
        shown = explorer.value_slider.value
        assert abs(shown / step - round(shown / step)) < 1e-6  # on the step grid: nothing for the browser to snap
        explorer.value_slider.set_state({"value": round(shown, 3)})  # an echo all the same
    assert stepper.engine.iteration == 3 and explorer.edited is None
    explorer.value_slider.set_state({"value": round(shown + 0.25, 3)})  # moved in a hidden tab: not the user's
    explorer.flush()
    assert stepper.engine.iteration == 3
    dash.show("explorer")
    explorer.value_slider.set_state({"value": round(shown - 0.25, 3)})  # a real move, in the explorer's tab
    explorer.flush()
    assert explorer.edited is not None and stepper.engine.iteration == 0
