"""Seeded draws of the core equal the lab's code, draw for draw."""

import torch

from mlp_widgets.core import Linear, Net, ReLU


def test_linear_default_init_equals_lab_init_params():
    for seed in (0, 999, 2024):
        torch.manual_seed(seed)
        # the lab: weight/bias allocated with the right shapes, then randn_like, rand_like
        w = torch.randn_like(torch.zeros(3, 4))
        b = torch.rand_like(torch.zeros(4))
        torch.manual_seed(seed)
        layer = Linear(3, 4)
        assert torch.equal(layer.weight, w) and torch.equal(layer.bias, b)


def test_lab_section_1_3_sequence_of_draws():
    """x first, then the three layers of the lab's Net, from one global seed."""
    torch.manual_seed(7)
    x_ref = 2 * torch.rand((2, 3)) - 1
    w1, b1 = torch.randn(3, 5), torch.rand(5)
    w2, b2 = torch.randn(5, 1), torch.rand(1)
    y_ref = torch.clamp(x_ref @ w1 + b1, min=0) @ w2 + b2

    torch.manual_seed(7)
    x = 2 * torch.rand((2, 3)) - 1
    net = Net([Linear(3, 5), ReLU(), Linear(5, 1)])
    assert torch.equal(x, x_ref)
    assert torch.equal(net.forward(x), y_ref)


def test_one_lab_network_for_the_core_and_the_specs():
    import torch

    from mlp_widgets.config import NetSpec
    from mlp_widgets.core import lab_net

    a, b = lab_net(), NetSpec().build()
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
