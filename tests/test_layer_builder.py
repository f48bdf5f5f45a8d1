"""LayerBuilder driven headlessly: controls, buttons, shown numbers, figures, bad input."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch

from mlp_widgets import LayerBuilder
from mlp_widgets.core import Linear, TorchNet, compare, lab2_dataset, make_dataset


@pytest.fixture(scope="module")
def builder():
    b = LayerBuilder(backend="agg")
    yield b
    b.close()


def widths(net):
    return [layer.N_out for layer in net.linear_layers]


def test_defaults_are_the_labs_task_2_2_network():
    b = LayerBuilder(backend="agg")
    torch.manual_seed(999)
    lab = TorchNet(2, 25, 1)
    ds = lab2_dataset()
    assert compare(b.net, lab, ds.inputs).max_abs_error == 0.0
    assert compare(b.torch_module, lab, ds.inputs).max_abs_error == 0.0
    # the surface shows the lab's untrained prediction
    with torch.no_grad():
        expected = lab(ds.inputs).reshape(-1).numpy()
    np.testing.assert_allclose(b.surface_view.values, ds.grid(expected), rtol=1e-6)
    assert "<b>101</b> parameters" in b.summary.value and "allclose ✓" in b.summary.value
    b.close()


def test_width_change_rebuilds_net_and_displays(builder):
    seen = []
    builder.observe(lambda change: seen.append(change["new"]), names="net")
    builder.rows[0].width_box.value = 10
    assert widths(builder.net) == [10, 1]
    assert seen and seen[-1] is builder.net
    assert f"<b>{2 * 10 + 10 + 10 + 1}</b> parameters" in builder.summary.value
    assert "(2, 10)" in builder.shape_table.value
    assert "nn.Linear(2, 10)" in builder.code_module.value
    assert "Linear 2→10\nW 2×10, b 10" in [t.get_text() for t in builder.graph_view.ax.texts]
    builder.rows[0].width_box.value = 25


def test_add_and_remove_layers_with_buttons(builder):
    before = builder.surface_view.surface.get_array().copy()
    builder.add_button.click()
    assert widths(builder.net) == [25, 25, 1]
    assert len(builder.rows) == 2
    builder.rows[1].activation.value = "tanh"
    assert type(builder.net.layers[3]).__name__ == "Tanh"
    assert not np.allclose(builder.surface_view.surface.get_array(), before)
    builder.rows[0].remove_button.click()
    assert widths(builder.net) == [25, 1]
    assert type(builder.net.layers[1]).__name__ == "Tanh"
    builder.rows[0].activation.value = "relu"


def test_seed_and_reset_parameters(builder):
    w0 = builder.net.layers[0].weight.clone()
    builder.new_seed_button.click()
    assert builder.seed_box.value == 1000 and builder.spec.seed == 1000
    assert not torch.equal(builder.net.layers[0].weight, w0)
    w1 = builder.net.layers[0].weight.clone()
    builder.net.layers[0].weight.zero_()  # e.g. edited by another widget
    builder.reset_button.click()
    assert torch.equal(builder.net.layers[0].weight, w1)
    builder.seed_box.value = 999
    assert torch.equal(builder.net.layers[0].weight, w0)


def test_init_schemes(builder):
    builder.init_dropdown.value = "zeros"
    assert all(float(p.abs().sum()) == 0 for p in builder.net.parameters())
    assert builder.mean_box.layout.display == "none"
    builder.init_dropdown.value = "normal"
    builder.std_box.value = 1.0
    assert builder.mean_box.layout.display == ""
    std = float(builder.net.layers[0].weight.std())
    assert 0.5 < std < 1.6
    assert float(builder.net.layers[0].bias.abs().sum()) == 0
    builder.init_dropdown.value = "torch"


def test_batch_size_changes_shapes_not_net(builder):
    net = builder.net
    builder.batch_box.value = 7
    assert builder.net is net
    assert "(7, 2)" in builder.shape_table.value and "(7, 25)" in builder.shape_table.value
    builder.batch_box.value = 2


@pytest.mark.parametrize(
    "control,bad,allowed",
    [
        ("width", 0, "from 1 to 256"),
        ("width", 300, "from 1 to 256"),
        ("n_in", -1, "from 1 to 256"),
        ("seed", -5, "whole number"),
        ("std", -1.0, "std"),
    ],
)
def test_bad_values_show_message_and_keep_previous_net(builder, control, bad, allowed):
    boxes = {
        "width": builder.rows[0].width_box,
        "n_in": builder.n_in_box,
        "seed": builder.seed_box,
        "std": builder.std_box,
    }
    box = boxes[control]
    net, old = builder.net, box.value
    box.value = bad
    assert allowed.lower() in builder.message.lower()
    assert "⚠" in builder.status.value
    assert builder.net is net
    assert box.value == old  # the control shows the last valid value again


def test_max_hidden_layers_refused(builder):
    while len(builder.rows) < 8:
        builder.add_button.click()
    net = builder.net
    builder.add_button.click()
    assert "at most 8 hidden layers" in builder.message.lower()
    assert builder.net is net
    while len(builder.rows) > 1:
        builder.rows[-1].remove_button.click()
    assert widths(builder.net) == [25, 1]


def test_non_2d_net_hides_surface_with_note(builder):
    builder.n_out_box.value = 3
    assert "needs 2 inputs and 1 output" in builder.surface_note.value
    assert builder.net.n_out == 3
    builder.n_out_box.value = 1
    assert "grid" in builder.surface_note.value


def test_generated_code_of_widget_runs_and_matches(builder, capsys):
    for code, name in ((builder.module_code(), "torch_net"), (builder.sequential_code(), "model")):
        ns: dict = {}
        exec(code, ns)  # noqa: S102 - generated by us
        x = torch.randn(16, 2)
        assert compare(builder.net, ns[name], x).allclose


def test_dataset_trait_moves_surface_to_new_grid(builder):
    builder.dataset = make_dataset("saddle", -1.0, 1.0, 20)
    assert builder.surface_view.values.shape == (20, 20)
    assert builder.surface_view.ax.get_xlim() == (-1.0, 1.0)
    builder.dataset = lab2_dataset()


def test_callback_errors_are_shown_not_lost(builder):
    def boom():
        raise RuntimeError("injected failure")

    builder.on_click(builder.reset_button, boom)
    builder.reset_button.click()
    assert "RuntimeError: injected failure" in builder.message
    builder.reset_button._click_handlers.callbacks.pop()


def test_no_figure_growth_over_100_changes(open_figure_count):
    b = LayerBuilder(backend="agg")
    gc.collect()
    start = open_figure_count()
    for k in range(100):
        if k % 10 == 0:
            b.rows[0].width_box.value = 5 + k // 10
        else:
            b.seed_box.value = k
    assert open_figure_count() == start
    assert isinstance(b.net.layers[0], Linear)
    b.close()
    assert open_figure_count()[1] == start[1] - 2


def test_only_mean_and_std_hide_with_the_init():
    """Hiding mean/std for non-normal inits must not hide the other boxes (they once shared one Layout)."""
    builder = LayerBuilder(backend="agg")
    try:
        for box in (builder.n_in_box, builder.n_out_box, builder.batch_box, builder.seed_box):
            assert box.layout.display != "none"
        assert builder.mean_box.layout.display == "none"
        builder.init_dropdown.value = "normal"
        assert builder.mean_box.layout.display != "none" and builder.seed_box.layout.display != "none"
    finally:
        builder.close()
