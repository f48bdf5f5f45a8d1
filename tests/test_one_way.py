"""State flows one way: looking, switching tabs and browser echoes never edit a network.

A browser sends a control's value back after the kernel shows it (snapped to
a slider's step, or as it was); a widget must never take that for user input.
Hypothesis drives a whole dashboard through random selections, tab switches
and echoes of the values the widgets themselves showed, and every parameter
of the shared network must stay bit-identical. A real edit changes exactly
one parameter; undo restores all of them on the first press.

Also here: no widget reaches into a view's matplotlib objects (an AST check),
and every control name of the presets resolves on a built dashboard.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ipywidgets as W
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlp_widgets.config import CONTROLS, control_part
from mlp_widgets.widgets.dashboard import Dashboard

ROOT = Path(__file__).resolve().parents[1]


def params(net) -> list[torch.Tensor]:
    return [p.clone() for p in net.parameters()]


def identical(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def echo(control: W.Widget, data: st.DataObject) -> None:
    """What a browser sends back after drawing a control the kernel set: what it shows."""
    if isinstance(control, W.IntSlider):
        control.set_state({"value": control.value, "min": control.min, "max": control.max})
    elif isinstance(control, W.Dropdown):
        control.set_state({"index": control.index})
    else:
        control.set_state({"value": control.value})


def browse(dash: Dashboard, data: st.DataObject) -> None:
    explorer, builder, stepper = dash.parts["explorer"], dash.parts["builder"], dash.parts["stepper"]
    action = data.draw(st.sampled_from(["layer", "from", "to", "pictures", "tab", "echo", "select"]), label="action")
    if action in ("layer", "from", "to", "pictures"):
        dropdown = getattr(explorer, f"{action}_dropdown")
        dropdown.index = data.draw(st.integers(0, 255), label=f"{action} index") % len(dropdown.options)
    elif action == "tab":
        dash.tab.selected_index = data.draw(st.integers(0, 255), label="tab") % len(dash.tab.children)
    elif action == "select":
        net = explorer.net
        k = data.draw(st.integers(0, 255), label="layer") % len(net.linear_layers)
        lin = net.linear_layers[k]
        i = data.draw(st.integers(0, 255), label="source") % (lin.N_in + 1) - 1  # -1: the bias
        j = data.draw(st.integers(0, 255), label="unit") % lin.N_out
        explorer.select(k, i, j)
    else:
        controls = [
            explorer.value_slider, explorer.value_box, explorer.layer_dropdown, explorer.from_dropdown,
            explorer.to_dropdown, builder.seed_box, builder.n_in_box, builder.rows[0].width_box,
            builder.init_dropdown, stepper.epsilon_box, stepper.candidates_box, stepper.strategy_dropdown,
        ]  # fmt: skip
        echo(data.draw(st.sampled_from(controls), label="echoed control"), data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_browsing_and_echoes_never_edit_the_network(data, built_dashboard):
    dash = built_dashboard
    explorer, stepper, inspector = dash.parts["explorer"], dash.parts["stepper"], dash.parts["inspector"]
    before, loss = params(dash.net), inspector.rows["mse"].scratch
    iteration = stepper.engine.iteration
    for _ in range(data.draw(st.integers(1, 12), label="number of actions")):
        browse(dash, data)
    explorer.flush()
    assert identical(params(dash.net), before)
    assert explorer.edited is None and explorer.net is dash.net
    assert inspector.rows["mse"].scratch == loss
    assert stepper.engine.iteration == iteration  # no echo restarted the search


def test_an_edit_changes_exactly_one_parameter_and_undo_restores_all():
    dash = Dashboard(lazy=False, backend="agg")
    try:
        explorer = dash.parts["explorer"]
        explorer.select(1, 7, 0)
        before = params(dash.net)
        explorer.value_slider.value = explorer.value_slider.value + 250  # a real drag (slider steps of 0.001)
        after = params(dash.net)
        changed = [(a != b).sum().item() for a, b in zip(before, after, strict=True)]
        assert sum(changed) == 1 and changed[2] == 1  # layer 2's weight, one entry
        explorer.undo_button.click()
        assert identical(params(dash.net), before) and identical(params(explorer.net), before)
    finally:
        dash.close()


# -- widgets ask views; they never reach into matplotlib ------------------------------------------
#: attributes of a view that hold matplotlib objects
VIEW_INTERNALS = {
    "ax", "fig", "image", "marker", "blitter", "surface", "colorbar", "contour_set", "images", "refs",
    "edge_mark", "node_mark", "lines", "kinks",
}  # fmt: skip


def test_no_widget_touches_a_views_matplotlib_objects():
    offences = []
    for path in sorted((ROOT / "mlp_widgets" / "widgets").glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            # ``something.view_attr.<internal>`` or ``view.<internal>``: an internal read through another object
            if isinstance(node, ast.Attribute) and node.attr in VIEW_INTERNALS:
                owner = node.value
                through_self = isinstance(owner, ast.Name) and owner.id == "self"
                if not through_self or node.attr in ("ax", "fig", "blitter"):
                    offences.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert not offences, "widgets must ask views (set_title, set_extent, mark, set_segments …): " + ", ".join(offences)


def test_the_ast_check_can_fail():
    tree = ast.parse("view.ax.set_title('x')\nself.heatmap_view.image.set_extent(e)\n")
    found = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in VIEW_INTERNALS]
    assert sorted(found) == ["ax", "image"]


# -- every control name of the presets is a real control ------------------------------------------
def test_every_control_name_resolves_on_a_built_dashboard():
    dash = Dashboard(lazy=False, backend="agg")
    try:
        for name in CONTROLS:
            control = dash.control(name)
            part_key, _ = control_part(name)
            assert isinstance(control, W.Widget), name
            part = dash.parts[part_key]
            assert _inside(control, part), f"{name} is not on the {part_key}'s page"
    finally:
        dash.close()


def _inside(control: W.Widget, root: W.Widget) -> bool:
    if control is root:
        return True
    return any(_inside(control, child) for child in getattr(root, "children", ()) or ())
