"""NetworkExplorer: edit a weight and every picture, the surface and the loss follow; piecewise-linear views."""

import numpy as np
import pytest
import torch
import traitlets

from mlp_widgets.config import NetSpec
from mlp_widgets.core import Linear, Net, ReLU, Tanh, make_dataset, mse_loss
from mlp_widgets.core.units import count_pieces, forward_parts, kink_segments
from mlp_widgets.plots import open_figures
from mlp_widgets.plots.network import BIAS
from mlp_widgets.widgets.network_explorer import MAX_PICTURES, NetworkExplorer


@pytest.fixture
def explorer():
    widget = NetworkExplorer(backend="agg")
    yield widget
    widget.close()


def independent_loss(net, dataset):
    with torch.no_grad():
        return float(((net(dataset.inputs).reshape(-1) - dataset.ground_truth) ** 2).mean())


def picture_data(widget):
    return np.stack([np.asarray(image.get_array()) for image in widget.pictures_view.images])


def test_defaults_show_the_lab_network(explorer):
    lab = NetSpec().build()
    assert all(torch.equal(a, b) for a, b in zip(explorer.net.parameters(), lab.parameters(), strict=True))
    assert len(explorer.pictures_view.images) == MAX_PICTURES == 16
    assert "units 1–16 of 25" in explorer.pictures_note.value
    assert explorer.loss == pytest.approx(independent_loss(lab, explorer.dataset), rel=1e-6)
    # picture k is hidden unit k's ReLU output over the grid
    h = torch.relu(explorer.dataset.inputs @ lab.layers[0].weight + lab.layers[0].bias)
    assert np.allclose(picture_data(explorer)[3], explorer.dataset.grid(h[:, 3]), atol=1e-6)
    assert explorer.selection == (0, 0, 0) and explorer.value_box.value == pytest.approx(
        float(lab.layers[0].weight[0, 0])
    )


def test_changing_a_weight_updates_net_pictures_surface_and_loss(explorer):
    old_net, old_loss = explorer.net, explorer.loss
    old_pictures = picture_data(explorer)
    old_surface = explorer.surface_view.values.copy()
    old_heat = np.asarray(explorer.heatmap_view.image.get_array()).copy()
    old_kinks = [seg.copy() for seg in explorer.heatmap_view.segments("kinks")]
    old_widths = explorer.graph_view.edges.get_linewidths().copy()
    old_colors = explorer.graph_view.edges.get_colors().copy()

    explorer.select(0, 1, 2)  # W1[x2 → h3]
    assert explorer.from_dropdown.value == 1 and explorer.to_dropdown.value == 2
    explorer.value_slider.value = -1500  # slider steps of 0.001

    net = explorer.net
    assert net is not old_net  # a new object, the old one untouched
    assert float(net.layers[0].weight[1, 2]) == pytest.approx(-1.5)
    assert float(old_net.layers[0].weight[1, 2]) > 0
    assert explorer.value_box.value == pytest.approx(-1.5)
    pictures = picture_data(explorer)
    changed = [k for k in range(len(pictures)) if not np.array_equal(pictures[k], old_pictures[k])]
    assert changed == [2]  # only unit h3 computes something else
    h = torch.relu(explorer.dataset.inputs @ net.layers[0].weight + net.layers[0].bias)
    assert np.allclose(pictures[2], explorer.dataset.grid(h[:, 2]), atol=1e-6)
    assert not np.allclose(explorer.surface_view.values, old_surface)
    assert not np.allclose(np.asarray(explorer.heatmap_view.image.get_array()), old_heat)
    assert explorer.loss != old_loss
    assert explorer.loss == pytest.approx(independent_loss(net, explorer.dataset), rel=1e-6)
    assert "than the unedited network's" in explorer.loss_label.value
    # the kink line of h3 moved, the others stayed
    kinks = explorer.heatmap_view.segments("kinks")
    assert not np.allclose(kinks[2], old_kinks[2]) and np.allclose(kinks[0], old_kinks[0])
    # the edge x2 → h3 is drawn with its new weight
    e = explorer.graph_view.edge_index.index((0, 1, 2))
    assert explorer.graph_view.weights[e] == pytest.approx(-1.5)
    assert not np.allclose(explorer.graph_view.edges.get_linewidths(), old_widths)
    assert explorer.graph_view.edges.get_linewidths()[e] == pytest.approx(3.0)  # now the largest |w| of its layer
    new_color = explorer.graph_view.edges.get_colors()[e]
    assert new_color[2] > new_color[0] and old_colors[e][0] > old_colors[e][2]  # red (> 0) turned blue (< 0)
    # the selected edge is highlighted
    (x0, x1), (y0, y1) = explorer.graph_view.edge_mark.get_data()
    assert (x0, x1) == (0.0, 1.0)
    assert np.allclose([y0, y1], [explorer.graph_view.positions[0][1][1], explorer.graph_view.positions[1][2][1]])


def test_editing_a_bias_and_an_output_weight(explorer):
    explorer.layer_dropdown.value = 1  # Linear 25 → 1
    explorer.from_dropdown.value = BIAS
    old_pictures, old_loss = picture_data(explorer), explorer.loss
    explorer.value_box.value = 0.7
    assert float(explorer.net.layers[2].bias[0]) == pytest.approx(0.7)
    assert "b<sub>2</sub>[ŷ]" in explorer.readout.value
    assert np.array_equal(picture_data(explorer), old_pictures)  # hidden units do not change
    assert explorer.loss == pytest.approx(independent_loss(explorer.net, explorer.dataset), rel=1e-6)
    assert explorer.loss != old_loss
    assert len(explorer.graph_view.node_mark.get_data()[0]) == 1  # the output unit is ringed
    # an output weight changes that unit's label (its weight into ŷ), not its picture
    explorer.select(1, 4, 0)
    explorer.value_box.value = -0.9
    assert explorer.pictures_view.labels[4].get_text() == "h5 ×-0.90"
    assert np.array_equal(picture_data(explorer), old_pictures)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 5000.0, -1001.0])
def test_bad_values_are_refused_and_the_net_kept(explorer, bad):
    before, value = explorer.net, explorer.value_box.value
    explorer.value_box.value = bad
    assert "A weight or bias must be a number from -1000 to 1000" in explorer.message
    assert explorer.net is before
    assert explorer.value_box.value == value


def test_bad_indices_are_refused(explorer):
    with pytest.raises(ValueError, match="To unit must be a whole number from 0 to 24"):
        explorer.set_parameter(0, 0, 25, 1.0)
    with pytest.raises(ValueError, match="Layer must be a whole number from 0 to 1"):
        explorer.select(2, 0, 0)
    assert explorer.edited is None


def test_same_seed_same_pictures_and_same_edits():
    a = NetworkExplorer(NetSpec(seed=3, init="normal", std=0.5).build(), backend="agg")
    b = NetworkExplorer(NetSpec(seed=3, init="normal", std=0.5).build(), backend="agg")
    try:
        for widget in (a, b):
            widget.set_parameter(0, 0, 7, 0.25)
            widget.set_parameter(1, 7, 0, -2.0)
        assert np.array_equal(picture_data(a), picture_data(b))
        assert np.array_equal(a.surface_view.values, b.surface_view.values)
        assert np.array_equal(a.graph_view.edges.get_colors(), b.graph_view.edges.get_colors())
        assert a.loss == b.loss and a.pieces == b.pieces
        assert all(torch.equal(p, q) for p, q in zip(a.net.parameters(), b.net.parameters(), strict=True))
    finally:
        a.close()
        b.close()


def test_edits_are_published_and_followers_update(explorer):
    class Follower(traitlets.HasTraits):
        net = traitlets.Instance(Net, allow_none=True)

    follower = Follower()
    traitlets.dlink((explorer, "edited"), (follower, "net"))
    outside = NetSpec(seed=5).build()
    explorer.show(outside)  # a network from elsewhere is shown, not published back
    assert follower.net is None and explorer.edited is None
    explorer.set_parameter(0, 0, 0, 0.5)
    explorer.flush()
    assert follower.net is explorer.net is explorer.edited
    assert float(follower.net.layers[0].weight[0, 0]) == pytest.approx(0.5)
    explorer.undo_button.click()
    explorer.flush()
    assert explorer.net is outside and follower.net is outside
    assert explorer.value == pytest.approx(float(outside.layers[0].weight[0, 0]))


def test_new_architecture_and_new_grid(explorer):
    explorer.show(Net.build(2, [3, 4], 1, "tanh", seed=1))
    assert [label for label, _ in explorer.layer_dropdown.options][2] == "3: Linear 4→1"
    assert len(explorer.pictures_view.images) == 3
    assert "Tanh" in explorer.pictures_note.value and explorer.pieces is None
    explorer.pictures_dropdown.value = 1
    assert len(explorer.pictures_view.images) == 4
    explorer.dataset = make_dataset("saddle", -1.0, 1.0, 20)
    assert explorer.surface_view.values.shape == (20, 20)
    assert np.asarray(explorer.heatmap_view.image.get_array()).shape == (20, 20)
    assert picture_data(explorer).shape == (4, 20, 20)
    expected = float(mse_loss(explorer.dataset.ground_truth, explorer.net(explorer.dataset.inputs).reshape(-1)))
    assert explorer.loss == pytest.approx(expected, rel=1e-6)


def test_a_network_without_two_inputs_is_drawn_but_not_pictured(explorer):
    explorer.show(Net.build(3, [4], 2, seed=0))
    assert "need 2 inputs and 1 output" in explorer.loss_label.value
    assert len(explorer.graph_view.edge_index) == 3 * 4 + 4 * 2
    explorer.set_parameter(1, 3, 1, 2.0)
    assert float(explorer.net.layers[2].weight[3, 1]) == 2.0


def test_kink_lines_and_pieces_of_a_small_relu_net():
    first = Linear(2, 2, "zeros")
    first.weight = torch.tensor([[1.0, 0.0], [0.0, 1.0]])  # unit 1: x, unit 2: y
    first.bias = torch.tensor([-0.5, 0.0])
    second = Linear(2, 1, "zeros")
    second.weight = torch.tensor([[1.0], [1.0]])
    net = Net([first, ReLU(), second])
    segs = kink_segments(first.weight.numpy(), first.bias.numpy(), -2.0, 2.0)
    assert np.allclose(segs[0][:, 0], 0.5)  # x = 0.5, vertical
    assert np.allclose(segs[1][:, 1], 0.0)  # y = 0, horizontal
    ds = make_dataset("saddle", -2.0, 2.0, 21)
    pre, hidden, out = forward_parts(net, ds.inputs)
    assert count_pieces(net, pre) == 4  # two lines cross: four quadrants
    assert torch.allclose(out.reshape(-1), net(ds.inputs).reshape(-1))
    assert count_pieces(Net([Linear(2, 2), Tanh(), Linear(2, 1)]), pre) is None
    widget = NetworkExplorer(net, ds, backend="agg")
    try:
        assert widget.pieces == 4 and "<b>4</b> pieces" in widget.pieces_note.value
        assert len(widget.heatmap_view.segments("kinks")) == 2
    finally:
        widget.close()


def test_open_figures_stay_constant_over_100_edits(explorer):
    start = open_figures()
    for k in range(100):
        explorer.value_slider.value = round(float(np.sin(k)) * 1500)
        if k % 25 == 0:
            explorer.select(k % 2, 0, 0)
    explorer.show(Net.build(2, [5, 5], 1, seed=2))
    explorer.show(NetSpec().build())
    assert open_figures() == start
    assert explorer.pictures_view.blitter.n_blit > 0  # edits blit, they do not redraw everything
