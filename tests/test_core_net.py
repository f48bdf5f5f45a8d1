"""Net, TorchNet, to_torch / from_torch and compare."""

import pytest
import torch
from torch import nn

from mlp_widgets.core import Linear, Net, ReLU, Sigmoid, Tanh, TorchNet, TorchNet1, compare, from_torch, to_torch


def test_net_forward_is_the_layers_in_order():
    torch.manual_seed(0)
    layers = [Linear(3, 5), ReLU(), Linear(5, 1)]
    net = Net(layers)
    x = 2 * torch.rand((2, 3)) - 1
    expected = layers[2].forward(layers[1].forward(layers[0].forward(x)))
    assert torch.equal(net.forward(x), expected)
    assert net.layers[0].weight is layers[0].weight  # indexable as in the lab


def test_net_shapes_params_and_repr():
    net = Net.build(3, [5], 1, seed=1)
    assert net.shapes((2, 3)) == [
        ("Linear(N_in=3, N_out=5)", (2, 3), (2, 5)),
        ("ReLU()", (2, 5), (2, 5)),
        ("Linear(N_in=5, N_out=1)", (2, 5), (2, 1)),
    ]
    assert net.num_params() == 3 * 5 + 5 + 5 * 1 + 1
    assert "(1): ReLU()" in repr(net) and "26 parameters" in repr(net)


@pytest.mark.parametrize(
    ("hidden", "acts"),
    [([], []), ([25], ["relu"]), ([8, 8], ["tanh", "sigmoid"]), ([16, 4, 7], ["leaky_relu", "gelu", "elu"])],
)
@pytest.mark.parametrize("batch", [1, 33])
def test_to_torch_and_back_any_depth(hidden, acts, batch):
    net = Net.build(2, hidden, 3, acts, init="uniform", seed=len(hidden))
    seq = to_torch(net)
    assert isinstance(seq, nn.Sequential) and len(seq) == len(net.layers)
    x = torch.randn(batch, 2, generator=torch.Generator().manual_seed(9))
    result = compare(net, seq, x)
    assert result.allclose and result.max_abs_error < 1e-5, str(result)
    back = from_torch(seq)
    for a, b in zip(back.parameters(), net.parameters(), strict=True):
        assert torch.equal(a, b)
    # copies, not views: changing the torch twin leaves the net alone
    with torch.no_grad():
        seq[0].weight.add_(1.0)
    assert not compare(net, seq, x).allclose


def test_torchnet_matches_lab_seed_999():
    """``torch.manual_seed(999); TorchNet(2, 25, 1)`` equals the lab's class, written as the lab asks."""

    class LabTorchNet(nn.Module):
        def __init__(self, N_in, hidden_dim, N_out):
            super().__init__()
            self.layer1 = nn.Linear(N_in, hidden_dim)
            self.relu = nn.ReLU()
            self.layer2 = nn.Linear(hidden_dim, N_out)

        def forward(self, x):
            return self.layer2(self.relu(self.layer1(x)))

    torch.manual_seed(999)
    lab = LabTorchNet(2, 25, 1)
    torch.manual_seed(999)
    ours = TorchNet(2, 25, 1)
    for (ka, va), (kb, vb) in zip(lab.state_dict().items(), ours.state_dict().items(), strict=True):
        assert ka == kb and torch.equal(va, vb)
    assert [name for name, _ in ours.named_children()] == ["layer1", "relu", "layer2"]


def test_lab_section_1_3_net_equals_torchnet():
    """The lab's Net(3→5→1) and its TorchNet twin (weights copied with .t()) agree."""
    torch.manual_seed(0)
    x = 2 * torch.rand((2, 3)) - 1
    net = Net([Linear(3, 5), ReLU(), Linear(5, 1)])
    torch_net = TorchNet(3, 5, 1)
    torch_net.layer1.weight = nn.Parameter(net.layers[0].weight.t())
    torch_net.layer1.bias = nn.Parameter(net.layers[0].bias)
    torch_net.layer2.weight = nn.Parameter(net.layers[2].weight.t())
    torch_net.layer2.bias = nn.Parameter(net.layers[2].bias)
    result = compare(net, torch_net, x)
    assert result.shape_a == (2, 1) and result.allclose
    assert from_torch(torch_net).num_params() == net.num_params()


def test_torchnet1_forward_works_and_reset_params():
    """Lab errata: its TorchNet1.forward calls self.layer1, which does not exist."""
    torch.manual_seed(1)
    net1 = TorchNet1(2, 1)
    assert torch.count_nonzero(net1.layer.bias) == 0
    assert float(net1.layer.weight.detach().abs().max()) < 0.1  # std 0.02
    net1.reset_params(mean=0.0, std=1.0)  # Task 1.12
    assert float(net1.layer.weight.detach().abs().max()) > 0.1
    y = net1(torch.randn(4, 2))
    assert y.shape == (4, 1) and float(y.detach().min()) >= 0.0
    with pytest.raises(ValueError, match="std must be a number of at least 0"):
        net1.reset_params(std=-0.5)


def test_state_dict_round_trip_and_copy():
    net = Net.build(2, [4], 1, seed=3)
    twin = Net.build(2, [4], 1, seed=4)
    assert not torch.equal(net.layers[0].weight, twin.layers[0].weight)
    twin.load_state_dict(net.state_dict())
    x = torch.randn(5, 2)
    assert torch.equal(net(x), twin(x))
    clone = net.copy()
    clone.layers[0].weight += 1
    assert not torch.equal(net(x), clone(x))
    with pytest.raises(ValueError, match=r"layers.0.weight must have shape \(2, 4\); got \(3, 4\)"):
        twin.load_state_dict({**net.state_dict(), "layers.0.weight": torch.zeros(3, 4)})


def test_build_same_seed_same_net_and_global_rng_untouched():
    torch.manual_seed(42)
    before = torch.rand(1)
    torch.manual_seed(42)
    a = Net.build(2, [5, 5], 1, ["tanh", "sigmoid"], seed=7)
    after = torch.rand(1)
    b = Net.build(2, [5, 5], 1, [Tanh(), Sigmoid()], seed=7)
    assert torch.equal(before, after)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_net_refuses_mismatched_layers_and_bad_sizes():
    with pytest.raises(ValueError) as err:
        Net([Linear(2, 5), ReLU(), Linear(4, 1)])
    assert str(err.value) == (
        "layers[2] expects 4 inputs but the previous linear layer gives 5 outputs; they must be equal."
    )
    with pytest.raises(ValueError, match="A Net needs at least one layer"):
        Net([])
    with pytest.raises(ValueError, match="layers\\[0\\] is a Linear"):
        Net([nn.Linear(2, 2)])
    with pytest.raises(ValueError, match="width of hidden layer 2 must be a whole number from 1 to 256; got 0."):
        Net.build(2, [5, 0], 1)
    with pytest.raises(ValueError, match="Give one activation per hidden layer: 2 hidden layers but 1 activations."):
        Net.build(2, [5, 5], 1, ["relu"])


def test_compare_reports_shape_mismatch_and_error():
    a = Net.build(2, [3], 1, seed=0)
    b = Net.build(2, [3], 2, seed=0)
    result = compare(a, b, torch.zeros(4, 2))
    assert not result and result.shape_a == (4, 1) and result.shape_b == (4, 2)
    assert "differ in shape" in str(result)
    c = a.copy()
    c.layers[2].bias = c.layers[2].bias + 0.5
    result = compare(a, c, torch.zeros(4, 2))
    assert not result.allclose and result.max_abs_error == pytest.approx(0.5)
