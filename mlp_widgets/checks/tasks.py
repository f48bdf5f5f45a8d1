"""Checks of the lab's short tasks — the ones that use a class rather than write one.

Tasks 1.4, 1.5, 1.6, 1.7 (the comparison cell), 1.12 and 2.2 ask the
student to create a layer or a network, run it and compare it with torch.
Each check here judges only what its task asks, so that a mistake in an
earlier task (a wrong ``Linear``, say) costs that task's points and not these
too: Task 1.5 is right when ``outputs_same`` says *truthfully* whether the
two layers agree, even when they do not.
"""

from __future__ import annotations

import torch
from torch import nn

from ._compare import expect_close, expect_tensor
from ._guard import call
from ._runner import DEFAULT_TIME_LIMIT, Case, Fail, guarded, run_check
from .result import CheckResult

MISSING_NAME = "Assign the variable with exactly this name in the task's cell, then run that cell."


def _tensor(value: object, name: str) -> torch.Tensor:
    if value is None:
        raise Fail(f"{name} is None", hint=MISSING_NAME)
    return expect_tensor(value, name)


def _equal(out: torch.Tensor, expected: torch.Tensor, name: str, hint: str) -> tuple[str, float]:
    try:
        return expect_close(out, expected, what=name)
    except Fail as fail:
        raise Fail(fail.message, hint=hint, max_abs_error=fail.max_abs_error) from None


def _variable_is(value: object, name: str, expected: torch.Tensor, hint: str) -> tuple[str, float]:
    """The student's variable ``name`` holds a plain tensor equal to ``expected``; ``hint`` if not."""
    return _equal(_tensor(value, name), expected, name, hint)


@guarded
def check_layer_use(
    cls: type, layer: object, x: torch.Tensor, y: object, *, time_limit: float = DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Task 1.4: ``layer`` is an instance of the student's ``cls`` and ``y = layer.forward(x)``.

    Whether ``y`` is *right* is Task 1.2's question (``check_linear``); here
    only the use of the layer is judged.
    """

    def instance() -> str:
        if not isinstance(layer, cls):
            raise Fail(
                f"layer is a {type(layer).__name__}, not your {cls.__name__}",
                hint="Create it from your own class: layer = Linear(N_in, N_out).",
            )
        return f"layer is a {cls.__name__}"

    def forward() -> tuple[str, float]:
        out = _tensor(y, "y")
        expected = expect_tensor(call(layer.forward, x))
        return _equal(out, expected, "y", "y is the output of the forward pass: y = layer.forward(x).")

    cases = [Case("layer is your Linear", instance), Case("y = layer.forward(x)", forward)]
    return run_check("check_layer_use(layer, y)", cases, time_limit=time_limit)


SIZES = "The sizes come from the cell: Linear(N_in, N_out) with N_in = 3 inputs and N_out = 4 units."


@guarded
def check_torch_layer(
    torch_layer: object,
    torch_y: object,
    outputs_same: object,
    layer: object,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> CheckResult:
    """Task 1.5: ``torch_layer`` is an ``nn.Linear`` holding ``layer``'s weights, ``torch_y = torch_layer(x)``,
    and ``outputs_same`` says truthfully whether ``y`` and ``torch_y`` agree (``False`` when their shapes differ).
    """

    def is_linear() -> str:
        if not isinstance(torch_layer, nn.Linear):
            raise Fail(
                f"torch_layer is a {type(torch_layer).__name__}, not an nn.Linear",
                hint="torch_layer = torch.nn.Linear(N_in, N_out): torch's own layer, the one to compare yours with.",
            )
        sizes = (torch_layer.in_features, torch_layer.out_features)
        if sizes[0] != x.shape[-1]:
            raise Fail(f"torch_layer is nn.Linear{sizes}, but x has {x.shape[-1]} features", hint=SIZES)
        return f"torch_layer is nn.Linear{sizes}"

    def output() -> tuple[str, float]:
        out = _tensor(torch_y, "torch_y")
        with torch.no_grad():
            expected = expect_tensor(call(torch_layer, x), "torch_layer(x)")
        return _equal(out, expected, "torch_y", "torch_y is torch_layer's output: torch_y = torch_layer(x).")

    def verdict() -> str:
        if not isinstance(outputs_same, bool):
            raise Fail(
                f"outputs_same is a {type(outputs_same).__name__}, not True or False",
                hint="outputs_same = torch.allclose(y, torch_y) gives a bool (check the shapes first: "
                "torch.allclose refuses tensors whose shapes do not match).",
            )
        a, b = _tensor(y, "y"), _tensor(torch_y, "torch_y")
        truth = a.shape == b.shape and bool(torch.allclose(a.detach(), b.detach()))
        if outputs_same != truth:
            raise Fail(
                f"outputs_same is {outputs_same}, but y and torch_y {'agree' if truth else 'differ'}",
                hint="Compare the two outputs themselves: y.shape == torch_y.shape and torch.allclose(y, torch_y).",
            )
        return f"outputs_same = {outputs_same}, which is what y and torch_y show"

    cases = [
        Case("torch_layer is an nn.Linear of the right size", is_linear),
        Case("torch_y = torch_layer(x)", output),
        Case("outputs_same tells whether y and torch_y agree", verdict),
    ]
    return run_check("check_torch_layer(torch_layer, torch_y, outputs_same)", cases, time_limit=time_limit)


@guarded
def check_torch_relu(torch_y_relu: object, x: torch.Tensor, *, time_limit: float = DEFAULT_TIME_LIMIT) -> CheckResult:
    """Task 1.6: ``torch_y_relu`` is torch's ReLU of ``x``."""

    def values() -> tuple[str, float]:
        return _variable_is(
            torch_y_relu,
            "torch_y_relu",
            torch.relu(x),
            "torch_y_relu = torch.nn.ReLU()(x): create the module, then call it on x.",
        )

    return run_check(
        "check_torch_relu(torch_y_relu)", [Case("torch_y_relu = nn.ReLU()(x)", values)], time_limit=time_limit
    )


@guarded
def check_sigmoid_outputs(
    cls: type, x: torch.Tensor, y_sigma: object, torch_y_sigma: object, *, time_limit: float = DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Task 1.7, the comparison cell: ``y_sigma`` from the student's ``cls``, ``torch_y_sigma`` from torch."""

    def ours() -> tuple[str, float]:
        expected = expect_tensor(call(call(cls).forward, x))
        return _variable_is(
            y_sigma, "y_sigma", expected, "y_sigma is your sigmoid of x: y_sigma = Sigmoid().forward(x)."
        )

    def theirs() -> tuple[str, float]:
        return _variable_is(
            torch_y_sigma,
            "torch_y_sigma",
            torch.sigmoid(x),
            "torch_y_sigma is torch's sigmoid of x: torch.sigmoid(x) or torch.nn.Sigmoid()(x) "
            "(torch.nn.sigmoid, in the lab's text, does not exist).",
        )

    cases = [Case("y_sigma = Sigmoid().forward(x)", ours), Case("torch_y_sigma = torch's sigmoid of x", theirs)]
    return run_check("check_sigmoid_outputs(y_sigma, torch_y_sigma)", cases, time_limit=time_limit)


@guarded
def check_reset_params(net1: nn.Module, seed: int, *, time_limit: float = DEFAULT_TIME_LIMIT) -> CheckResult:
    """Task 1.12: ``net1.layer`` was reset with mean 0 and std 1 right after ``torch.manual_seed(seed)``.

    The draws are compared with the ones ``reset_params(mean=0.0, std=1.0)``
    makes from that seed (``nn.init.normal_`` and ``torch.randn`` give the
    same numbers); the bias is reset to 0.
    """

    def reset() -> tuple[str, float]:
        layer = getattr(net1, "layer", None)
        if not isinstance(layer, nn.Linear):
            raise Fail(
                "net1 has no nn.Linear called layer", hint="Use the network of the cell: net1 = TorchNet1(2, 1)."
            )
        gen = torch.Generator().manual_seed(seed)
        expected = torch.empty_like(layer.weight).normal_(0.0, 1.0, generator=gen)
        message, err = _equal(
            layer.weight.detach(),
            expected,
            "net1.layer.weight",
            "Call net1.reset_params(mean=0.0, std=1.0) right after the seed, and draw nothing else before it.",
        )
        # the bias is 0 before the task too: it counts only together with the weight
        _equal(
            layer.bias.detach(),
            torch.zeros_like(layer.bias),
            "net1.layer.bias",
            "reset_params sets the bias to 0: call it rather than drawing the bias yourself.",
        )
        return "weight drawn from N(0, 1) after the seed, bias 0", err

    cases = [Case("weight reset from N(0, 1) after the seed, bias 0", reset)]
    return run_check("check_reset_params(net1)", cases, time_limit=time_limit)


@guarded
def check_grid_prediction(
    net: object, inputs: torch.Tensor, prediction: object, *, time_limit: float = DEFAULT_TIME_LIMIT
) -> CheckResult:
    """Task 2.2: ``net`` has 2 inputs, a hidden layer of 25 and 1 output, and ``prediction = net(inputs)``.

    The size is read from the parameter count (2·25 + 25 + 25·1 + 1 = 101)
    and the output shape, not from attribute names: those are Task 1.11's.
    """

    def sizes() -> str:
        if not isinstance(net, nn.Module):
            raise Fail(f"net is a {type(net).__name__}, not an nn.Module", hint="net = TorchNet(2, 25, 1).")
        count = sum(p.numel() for p in net.parameters())
        if count != 101:
            raise Fail(
                f"net has {count} parameters; TorchNet(2, 25, 1) has 101",
                hint="The grid has 2 inputs (x, y) and 1 output (the height), with a hidden layer of 25: "
                "TorchNet(2, 25, 1).",
            )
        return "101 parameters: 2 → 25 → 1"

    def output() -> tuple[str, float]:
        out = _tensor(prediction, "prediction")
        with torch.no_grad():
            expected = expect_tensor(call(net, inputs), "net(torch_nodes)")
        return _equal(out, expected, "prediction", "prediction is the network on the grid: net(torch_nodes).")

    cases = [Case("net is TorchNet(2, 25, 1)", sizes), Case("prediction = net(torch_nodes)", output)]
    return run_check("check_grid_prediction(net, prediction)", cases, time_limit=time_limit)
