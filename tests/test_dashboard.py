"""The Dashboard: tabs built on demand, widgets wired through the shared state."""

import datetime
import json

import pytest
import torch

from mlp_widgets.config import CONFIG_ENV, DashboardConfig
from mlp_widgets.core import Net
from mlp_widgets.plots import open_figures
from mlp_widgets.widgets.dashboard import TABS, Dashboard
from mlp_widgets.widgets.network_explorer import SLIDER_STEP

NOW = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)


@pytest.fixture
def dash():
    board = Dashboard(lazy=False, backend="agg")
    yield board
    board.close()


def test_tabs_are_built_when_first_opened():
    board = Dashboard(backend="agg")
    try:
        assert list(board.parts) == ["export", "stepper"]  # the training view comes first
        assert board.tab.titles == tuple(f"{i + 1} · {title}" for i, (_, title) in enumerate(TABS))
        assert board.tab.titles[0] == "1 · Train"
        builder = board.show("network")
        assert board.tab.selected_index == 1 and builder is board.parts["builder"]
        assert "explorer" not in board.parts
        board.tab.selected_index = 3  # the user clicks the tab
        assert "inspector" in board.parts
        # a tab built later starts from the current shared state
        assert board.parts["stepper"].net is board.net is builder.net is board.parts["inspector"].net
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
    assert inspector.net is builder.net and stepper.best_net is None  # no search step yet: the built network


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
        explorer.value_slider.value = 100 * i  # slider steps of 0.001
    assert open_figures() == start


def test_unknown_tab_is_refused():
    with pytest.raises(ValueError, match="tabs must be a non-empty list of 'search', 'network'"):
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
    stepper.configure(strategy="keep-best", epsilon=1e-12)
    for _ in range(3):
        stepper.step_button.click()
    shown = explorer.net
    assert shown is dash.best_net is not None  # the search found a better network: the explorer shows it
    explorer.set_parameter(0, 1, 2, 1.25)
    explorer.flush()
    edited = explorer.net
    assert dash.net is edited and explorer.edited is edited
    assert stepper.net is edited and stepper.engine.iteration == 0  # the search restarts from the edited network
    assert dash.best_net is None and explorer.origin is shown  # nothing comes back: the edit stays undoable
    assert torch.allclose(inspector.net(dash.dataset.inputs), edited(dash.dataset.inputs))
    assert builder.net is not edited  # the builder keeps what its controls built
    explorer.undo_button.click()
    assert dash.net is shown and explorer.net is shown and stepper.net is shown
    assert explorer.message == "All edits undone."
    # the search's networks are shown in the explorer, never sent back as edits
    explorer.set_parameter(0, 1, 2, 1.25)
    edited = explorer.edited
    for _ in range(5):
        stepper.step_button.click()
    assert explorer.edited is edited and dash.net is edited
    assert explorer.net is dash.best_net


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
        assert any(name.startswith("Network explorer · output ŷ") for name in names)
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
        assert board.tab.titles == ("1 · Build a network", "2 · Train")  # numbered as shown
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
    assert dash.tab.titles == ("1 · Train", "2 · Build a network", "3 · Network explorer")
    # a second config releases what the first one fixed
    dash.apply_config({})
    assert not target.points_box.disabled and dash.dataset.target == "gaussian"
    assert builder.spec.hidden == (25,) and len(dash.tab.titles) == len(TABS)


def test_slider_echo_from_the_browser_does_not_restart_the_search(dash):
    """The browser sends a slider's value back after drawing it: that is not an edit."""
    explorer, stepper = dash.parts["explorer"], dash.parts["stepper"]
    for _ in range(3):
        stepper.step_button.click()
        shown = explorer.value_slider.value
        assert isinstance(shown, int) and shown == round(explorer.value / SLIDER_STEP)
        explorer.value_slider.set_state({"value": shown})  # an echo
    assert stepper.engine.iteration == 3 and explorer.edited is None
    explorer.value_slider.set_state({"value": shown - 250})  # a real move
    assert explorer.edited is not None and stepper.engine.iteration == 0
    assert explorer.value == pytest.approx((shown - 250) * SLIDER_STEP)


# -- the six behaviours of the "state flows one way" issue ----------------------------------------
def params(net):
    return [p.clone() for p in net.parameters()]


def same(a, b):
    return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def test_looking_at_a_weight_never_writes_into_it(dash):
    """1–2: choosing another "to" unit shows its own value and edits nothing."""
    explorer, inspector = dash.parts["explorer"], dash.parts["inspector"]
    before, loss = params(dash.net), explorer.loss
    for layer, source, unit in ((0, 0, 1), (0, 1, 7), (1, 3, 0), (0, -1, 4), (1, -1, 0), (0, 0, 0)):
        explorer.select(layer, source, unit)
        lin = dash.net.linear_layers[layer]
        real = float(lin.bias[unit]) if source == -1 else float(lin.weight[source, unit])
        assert explorer.value == real and float(torch.tensor(explorer.value_box.value)) == real  # same float32
        assert explorer.value_slider.value == round(real / SLIDER_STEP)
    for unit in range(5):  # through the dropdowns, as a student does
        explorer.to_dropdown.value = unit
        explorer.from_dropdown.value = unit % 2
    assert same(params(dash.net), before) and explorer.loss == loss and explorer.edited is None
    assert inspector.net is dash.net


def test_a_new_network_in_the_builder_is_not_edited_by_the_explorer(dash):
    """3: change the network in tab 2, then open tab 5: nothing stale is written into it."""
    builder, explorer, inspector = dash.parts["builder"], dash.parts["explorer"], dash.parts["inspector"]
    explorer.select(0, 0, 3)
    builder.new_seed_button.click()
    fresh, loss = params(builder.net), inspector.rows["mse"].scratch
    dash.show("explorer")
    explorer.to_dropdown.value = 1
    dash.show("loss")
    assert same(params(dash.net), fresh) and dash.net is builder.net
    assert inspector.rows["mse"].scratch == loss


def test_undo_restores_bit_for_bit_on_the_first_press(dash):
    """4: one press of "undo all edits", whatever the slider's rounding."""
    explorer = dash.parts["explorer"]
    origin = params(explorer.origin)
    explorer.value_slider.value = explorer.value_slider.value + 87  # 0.087: a value the slider can show
    explorer.value_box.value = 0.0865
    assert not same(params(dash.net), origin)
    explorer.undo_button.click()
    assert same(params(dash.net), origin) and same(params(explorer.net), origin)
    explorer.value_slider.set_state({"value": explorer.value_slider.value})  # the browser redraws the slider
    assert same(params(dash.net), origin) and explorer.message == "All edits undone."


def test_new_seed_in_the_builder_keeps_a_network_for_every_tab():
    """5: tab 2 → "new seed" → tab 3: the inspector judges the builder's network; tab 5 shows it."""
    board = Dashboard(backend="agg")
    try:
        builder = board.show("network")
        builder.new_seed_button.click()
        board.show("loss")
        inspector = board.parts["inspector"]
        assert inspector.net is builder.net and "No network" not in inspector.verdict.value
        inspector.compute_landscape()
        explorer = board.show("explorer")
        assert explorer.net is builder.net
    finally:
        board.close()


def test_undo_sticks_after_a_step_of_the_search(dash):
    """6: step the search, drag the explorer's slider, undo: the unedited network stays."""
    explorer, stepper = dash.parts["explorer"], dash.parts["stepper"]
    stepper.configure(strategy="keep-best", epsilon=1e-12)
    stepper.step_button.click()
    shown = explorer.net
    for v in (-300, -500, -656):  # a drag, in slider steps of 0.001
        explorer.value_slider.value = v
    stepper.redraw()  # whatever the search had pending is drawn now
    explorer.undo_button.click()
    stepper.redraw()
    explorer.flush()
    assert explorer.net is shown and dash.net is shown
    assert "higher than" not in explorer.loss_label.value and "lower than" not in explorer.loss_label.value
    assert explorer.value_slider.value == round(explorer.value / SLIDER_STEP)


def test_a_preset_leaves_out_sub_tabs_and_text_blocks_by_name():
    config = {"ui": {"hidden_parts": ["builder.code", "search.fine_print", "loss.errata", "loss.landscape"]}}
    board = Dashboard(config=config, lazy=False, backend="agg")
    try:
        builder, stepper, inspector = board.parts["builder"], board.parts["stepper"], board.parts["inspector"]
        assert builder.tabs.titles == ("shapes & graph", "output surface")  # no empty tab left behind
        assert builder.code_tabs not in builder.tabs.children
        assert "more: the fine print" not in stepper.more.titles and len(stepper.more.children) == 2
        assert inspector.errata_note.layout.display == "none"
        board.apply_config({})  # another preset shows them again, in place
        assert builder.tabs.titles == ("shapes & graph", "PyTorch code", "output surface")
        assert inspector.errata_note.layout.display is None and len(stepper.more.children) == 3
    finally:
        board.close()
    with pytest.raises(ValueError, match="config field 'ui.hidden_parts\\[0\\]' must be one of 'builder.code'"):
        Dashboard(config={"ui": {"hidden_parts": ["builder.answers"]}}, backend="agg")


def test_a_refused_config_leaves_nothing_half_built_behind():
    """Dashboard(config=<bad>) raises its sentence, and cleaning up what it started raises nothing more."""
    import gc
    import sys

    caught = []
    hook, sys.unraisablehook = sys.unraisablehook, caught.append
    try:
        with pytest.raises(ValueError, match="config field 'search.epsilon'"):
            Dashboard(config={"search": {"epsilon": -1}}, backend="agg")
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert caught == []


def test_a_tab_that_fails_to_build_says_so_keeps_no_figure_and_builds_when_opened_again(monkeypatch):
    """Seen once in Notebook 7: matplotlib raised "failed to load glyph" while the loss tab built its heatmap."""
    from matplotlib.figure import Figure

    d = Dashboard(backend="agg")
    loss = [key for key, _ in TABS].index("loss")
    real = Figure.tight_layout

    def broken(self, *args, **kwargs):
        raise RuntimeError("failed to load glyph")

    monkeypatch.setattr(Figure, "tight_layout", broken)
    before = open_figures()
    d.tab.selected_index = loss
    assert "Something went wrong (RuntimeError: failed to load glyph)" in d.status.value
    assert open_figures() == before, "the half-built tab's figures are closed"
    assert d._pages[loss].children == ()

    monkeypatch.setattr(Figure, "tight_layout", real)
    d.tab.selected_index = 0
    d.tab.selected_index = loss
    assert d._pages[loss].children, "opening the tab again builds it"
    assert open_figures() > before
    d.close()
