"""Linear and activations against their torch counterparts."""

import pytest
import torch
from torch import nn

from mlp_widgets.core import ACTIVATIONS, Linear, compare, get_activation
from mlp_widgets.core.activations import ELU, LeakyReLU, activation_from_torch


@pytest.mark.parametrize("batch", [1, 2, 17])
@pytest.mark.parametrize(("n_in", "n_out"), [(3, 4), (2, 25), (25, 1)])
def test_linear_matches_nn_linear(batch, n_in, n_out):
    gen = torch.Generator().manual_seed(batch * 100 + n_in)
    layer = Linear(n_in, n_out, generator=gen)
    torch_layer = nn.Linear(n_in, n_out)
    torch_layer.weight = nn.Parameter(layer.weight.T)  # the lab's transpose
    torch_layer.bias = nn.Parameter(layer.bias)
    x = 2 * torch.rand((batch, n_in), generator=gen) - 1
    y = layer.forward(x)
    assert y.shape == (batch, n_out)
    result = compare(layer, torch_layer, x)
    assert result.allclose, str(result)
    assert result.max_abs_error < 1e-5


def test_linear_shapes_and_bias_broadcast():
    layer = Linear(3, 4, "zeros")
    layer.bias = torch.arange(4.0)
    y = layer(torch.zeros(5, 3))
    assert torch.equal(y, torch.arange(4.0).expand(5, 4))
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (4,)
    assert layer.num_params() == 16
    assert layer.output_shape((7, 3)) == (7, 4)


@pytest.mark.parametrize("scheme", ["lab", "normal", "uniform", "zeros"])
def test_linear_init_schemes(scheme):
    layer = Linear(200, 50, scheme, mean=1.0, std=0.5, generator=torch.Generator().manual_seed(0))
    w, b = layer.weight, layer.bias
    if scheme == "lab":
        assert abs(float(w.mean())) < 0.02 and abs(float(w.std()) - 1) < 0.02
        assert float(b.min()) >= 0 and float(b.max()) < 1
    elif scheme == "normal":
        assert abs(float(w.mean()) - 1.0) < 0.02 and abs(float(w.std()) - 0.5) < 0.02
        assert torch.count_nonzero(b) == 0
    elif scheme == "uniform":
        bound = 1 / 200**0.5
        assert float(w.abs().max()) <= bound and float(w.abs().max()) > 0.9 * bound
    else:
        assert torch.count_nonzero(w) == 0 and torch.count_nonzero(b) == 0


def test_linear_same_generator_seed_same_numbers():
    a = Linear(4, 3, generator=torch.Generator().manual_seed(5))
    b = Linear(4, 3, generator=torch.Generator().manual_seed(5))
    c = Linear(4, 3, generator=torch.Generator().manual_seed(6))
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    assert not torch.equal(a.weight, c.weight)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 3), "N_in (number of input features) must be a whole number from 1 to 256; got 0."),
        ((3, -1), "N_out (number of output features) must be a whole number from 1 to 256; got -1."),
        ((2.5, 3), "N_in (number of input features) must be a whole number from 1 to 256; got 2.5."),
    ],
)
def test_linear_refuses_bad_sizes(args, message):
    with pytest.raises(ValueError) as err:
        Linear(*args)
    assert str(err.value) == message


def test_linear_refuses_wrong_input_width():
    with pytest.raises(ValueError, match=r"expects inputs whose last dimension is 3; got a tensor of shape \(2, 4\)"):
        Linear(3, 4)(torch.zeros(2, 4))


def test_linear_refuses_bad_init():
    with pytest.raises(ValueError, match="init must be one of 'lab', 'normal', 'uniform', 'zeros'; got 'he'"):
        Linear(2, 2, "he")
    with pytest.raises(ValueError, match="std must be a number of at least 0; got -1"):
        Linear(2, 2, "normal", std=-1)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_torch_values_and_shapes(name):
    act = get_activation(name)
    gen = torch.Generator().manual_seed(3)
    for shape in [(1, 4), (64, 25), (3, 5, 2)]:
        x = 8 * torch.randn(shape, generator=gen)
        x.view(-1)[0] = 0.0  # include the kink of ReLU-like functions
        ours, theirs = act.forward(x), act.torch_module()(x)
        assert ours.shape == x.shape
        err = float((ours - theirs).abs().max())
        assert torch.allclose(ours, theirs, atol=1e-6, rtol=1e-5), f"{name}: max abs error {err:g}"


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_matches_autograd(name):
    act = get_activation(name)
    # avoid the kink at 0, where a one-sided derivative is a convention
    x = torch.linspace(-6, 6, 401, dtype=torch.float64)
    x = x[x.abs() > 1e-3].requires_grad_(True)
    y = act.torch_module().double()(x) if list(act.torch_module().parameters()) else act.torch_module()(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    ours = act.derivative(x.detach())
    assert torch.allclose(ours, grad, atol=1e-6), f"{name}: max abs error {float((ours - grad).abs().max()):g}"


def test_sigmoid_extremes_do_not_produce_nan():
    x = torch.tensor([-1000.0, 0.0, 1000.0])
    y = get_activation("sigmoid")(x)
    assert torch.equal(y, torch.tensor([0.0, 0.5, 1.0]))


def test_activation_round_trip_through_torch():
    for act in [LeakyReLU(0.2), ELU(0.5)] + [get_activation(n) for n in ACTIVATIONS]:
        assert activation_from_torch(act.torch_module()) == act


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="activation must be one of 'relu', 'sigmoid'"):
        get_activation("swish")
    with pytest.raises(ValueError, match="Hardswish is not supported"):
        activation_from_torch(nn.Hardswish())
    with pytest.raises(ValueError, match="negative_slope must be a number from 0 to 1; got 2"):
        LeakyReLU(2)
