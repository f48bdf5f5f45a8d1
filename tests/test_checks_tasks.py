"""The checks of the lab's short tasks (1.4, 1.5, 1.6, 1.7's comparison, 1.12, 2.2): the lab's
intended code passes, the usual slips fail with a hint, and a mistake of an earlier task
(a wrong Linear) does not make these fail too."""

import pytest
import torch
import wrong_implementations as w
from torch import nn

from mlp_widgets.checks import (
    check_grid_prediction,
    check_layer_use,
    check_reset_params,
    check_sigmoid_outputs,
    check_torch_layer,
    check_torch_relu,
)
from mlp_widgets.core import TorchNet1, lab2_dataset


@pytest.fixture
def x():
    torch.manual_seed(0)
    return 2 * torch.rand((2, 3)) - 1


def _task_1_5(layer, x, y):
    torch_layer = nn.Linear(3, 4)
    torch_layer.weight = nn.Parameter(layer.weight.T)
    torch_layer.bias = nn.Parameter(layer.bias)
    torch_y = torch_layer(x)
    return torch_layer, torch_y


def test_tasks_1_4_and_1_5_pass_as_the_lab_means_them(x):
    layer = w.Linear(3, 4)
    y = layer.forward(x)
    assert check_layer_use(w.Linear, layer, x, y).passed
    torch_layer, torch_y = _task_1_5(layer, x, y)
    assert check_torch_layer(torch_layer, torch_y, bool(torch.allclose(y, torch_y)), layer, x, y).passed


def test_task_1_5_is_right_about_a_wrong_layer(x):
    """With Task 1.2 wrong, outputs_same = False is the right answer for Task 1.5."""
    layer = w.LinearNoBias(3, 4)
    y = layer.forward(x)
    torch_layer, torch_y = _task_1_5(layer, x, y)
    assert check_torch_layer(torch_layer, torch_y, False, layer, x, y).passed
    lying = check_torch_layer(torch_layer, torch_y, True, layer, x, y)
    assert (
        not lying.passed
        and "y and torch_y differ" in lying.case("outputs_same tells whether y and torch_y agree").message
    )


def test_task_1_4_wants_the_students_class_and_its_output(x):
    layer = w.Linear(3, 4)
    torch_layer = nn.Linear(3, 4)
    result = check_layer_use(w.Linear, torch_layer, x, torch_layer(x))
    assert not result.case("layer is your Linear").passed
    stale = check_layer_use(w.Linear, layer, x, torch.zeros(2, 4))
    assert "layer.forward(x)" in stale.case("y = layer.forward(x)").hint


def test_task_1_5_refuses_a_tensor_for_outputs_same(x):
    layer = w.Linear(3, 4)
    y = layer.forward(x)
    torch_layer, torch_y = _task_1_5(layer, x, y)
    result = check_torch_layer(torch_layer, torch_y, torch.isclose(y, torch_y), layer, x, y)
    assert "not True or False" in result.case("outputs_same tells whether y and torch_y agree").message


def test_task_1_6_and_the_sigmoid_comparison(x):
    assert check_torch_relu(nn.ReLU()(x), x).passed
    assert not check_torch_relu(x.clone(), x).passed
    assert check_sigmoid_outputs(w.Sigmoid, x, w.Sigmoid().forward(x), torch.sigmoid(x)).passed
    swapped = check_sigmoid_outputs(w.Sigmoid, x, w.Sigmoid().forward(x), torch.tanh(x))
    assert (
        "torch.nn.sigmoid, in the lab's text, does not exist"
        in swapped.case("torch_y_sigma = torch's sigmoid of x").hint
    )


def test_task_1_12_repeats_the_seeded_draw():
    net1 = TorchNet1(2, 1)
    torch.manual_seed(112)
    net1.reset_params(mean=0.0, std=1.0)
    assert check_reset_params(net1, seed=112).passed
    untouched = TorchNet1(2, 1)
    assert not check_reset_params(untouched, seed=112).passed  # bias 0 alone earns nothing
    torch.manual_seed(112)
    untouched.reset_params(mean=0.0, std=0.02)
    assert not check_reset_params(untouched, seed=112).passed


def test_task_2_2_reads_the_size_not_the_names():
    data = lab2_dataset()
    torch.manual_seed(999)
    net = w.TorchNetOtherNames(2, 25, 1)  # Task 1.11's mistake, not 2.2's
    assert check_grid_prediction(net, data.inputs, net(data.inputs), time_limit=10).passed
    small = w.TorchNet(2, 5, 1)
    result = check_grid_prediction(small, data.inputs, small(data.inputs))
    assert "TorchNet(2, 25, 1)" in result.case("net is TorchNet(2, 25, 1)").hint
