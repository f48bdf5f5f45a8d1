"""``check_net``: the student's ``Net(layers)`` (Lab 2, Task 1.9)."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch

from ..core import Net as CoreNet
from ..core import to_torch
from ._compare import expect_close, expect_shape, expect_tensor, inputs_unchanged, max_abs_error
from ._guard import Given, call, changed_inputs
from ._runner import DEFAULT_TIME_LIMIT, Case, Fail, check_title, guarded, run_check
from .result import CheckResult

HINTS = (
    ("object is not callable", "The lab's layers have no __call__: call layer.forward(x)."),
    ("has no attribute 'layers'", "Store the list of layers as self.layers."),
    ("list index out of range", "Your forward assumes a fixed number of layers: loop over self.layers instead."),
)


class _ForwardOnly:
    """A layer as the lab writes it: an object with ``forward`` and nothing else (no ``__call__``)."""

    def __init__(self, layer: object, log: list[int] | None = None, index: int = 0) -> None:
        self._layer, self._log, self._index = layer, log, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._log is not None:
            self._log.append(self._index)
        return self._layer.forward(x)


class _Affine:
    """``a·x + c``: layers that do not commute, to see the order they ran in."""

    def __init__(self, a: float, c: float) -> None:
        self.a, self.c = a, c

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a * x + self.c


def _lab_layers(core: CoreNet, log: list[int] | None = None) -> list[_ForwardOnly]:
    return [_ForwardOnly(layer, log, i) for i, layer in enumerate(core.layers)]


def _core(n_in: int, hidden: Sequence[int], n_out: int, acts: Sequence[str], seed: int) -> CoreNet:
    return CoreNet.build(n_in, list(hidden), n_out, list(acts), seed=seed)


@guarded
def check_net(cls: type, *, seed: int = 0, time_limit: float = DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check a student's ``Net`` class: ``cls(layers).forward(x)`` runs every layer in order.

    The layers handed to the student's ``Net`` behave like the lab's: objects
    with a ``forward`` method only.

    Parameters
    ----------
    cls : type
        The student's class, built as ``cls(layers)`` with a list of layers.
    seed : int
        Seed of the random weights and inputs.
    time_limit : float
        Seconds allowed for each case.
    """
    gen = torch.Generator().manual_seed(seed)
    x3 = 2 * torch.rand((2, 3), generator=gen) - 1

    def run(core: CoreNet, x: torch.Tensor | Given, log: list[int] | None = None) -> torch.Tensor:
        """The student's net on layers wrapping a copy of ``core``: what it does to them cannot reach ``core``."""
        net = call(cls, _lab_layers(copy.deepcopy(core), log))
        return expect_tensor(call(net.forward, x, names=("x",)))

    def compare_depth(core: CoreNet, x: torch.Tensor) -> tuple[str, float]:
        log: list[int] = []
        expected = to_torch(core)(x).detach()
        out = run(core, x, log)
        n = len(core.layers)
        partial, shape_mistakes = x, []
        for k, layer in enumerate(core.layers[:-1], start=1):
            partial = layer.forward(partial)
            if partial.shape != expected.shape:
                shape_mistakes.append(
                    (
                        tuple(partial.shape),
                        f"That is the shape after {k} of the {n} layers: run every layer in self.layers (is the return inside the loop?).",
                    )
                )
        expect_shape(out, tuple(expected.shape), shape_mistakes)
        first = core.layers[0].forward(x)
        mistakes = [
            (lambda: first, "Only the first layer ran: is the return inside the loop?"),
            (lambda: _skip_activations(core, x), "The activations were skipped: run every layer in self.layers."),
        ]
        message, err = expect_close(out, expected, mistakes)
        if log != list(range(n)):
            raise Fail(
                f"the layers ran as {log}, expected {list(range(n))}", hint="Run each layer once, in list order."
            )
        return f"{n} layer(s): {message}", err

    def keeps_layers() -> str:
        layers = _lab_layers(_core(3, [5], 1, ["relu"], seed))
        net = call(cls, layers)
        got = list(getattr(net, "layers", None) or [])
        if got != layers:
            raise Fail("net.layers is not the list passed in", hint="Keep the list as self.layers = layers.")
        expect_tensor(call(net.forward, x3, names=("x",)))  # credit for forward, which is the task, not for __init__
        return "net.layers holds the 3 layers in order, and forward returns a tensor"

    def order() -> tuple[str, float]:
        log: list[int] = []
        layers = [
            _ForwardOnly(_Affine(2.0, 1.0), log, 0),
            _ForwardOnly(_Affine(1.0, 3.0), log, 1),
            _ForwardOnly(_Affine(-1.0, 0.5), log, 2),
        ]
        x = torch.tensor([[1.0, -2.0]])
        out = expect_tensor(call(call(cls, layers).forward, x, names=("x",)))
        expected = -((2 * x + 1) + 3) + 0.5
        mistakes = [
            (
                lambda: 2 * (-(x) + 0.5 + 3) + 1,
                "The layers ran in reverse order: loop over self.layers from first to last.",
            ),
            (
                lambda: -x + 0.5,
                "Each layer got the original input: feed the output of one layer into the next (x = layer.forward(x)).",
            ),
            (lambda: 2 * x + 1, "Only the first layer ran: is the return inside the loop?"),
        ]
        message, err = expect_close(out, expected, mistakes)
        if log != [0, 1, 2]:
            raise Fail(
                f"the layers ran as {log}, expected [0, 1, 2]", hint="Run each layer exactly once, in list order."
            )
        return "each layer ran once, first to last", err

    def shapes() -> str:
        core = _core(3, [5], 1, ["relu"], seed)
        seen = []
        for batch in (1, 6):
            x = torch.zeros(batch, 3)
            out = run(core, x)
            expect_shape(out, (batch, 1))
            seen.append(f"{tuple(x.shape)} → {tuple(out.shape)}")
        return ", ".join(seen)

    def gradients() -> tuple[str, float]:
        core = _core(3, [5], 1, ["sigmoid"], seed)
        x = x3.clone().requires_grad_()
        out = run(core, Given(x))
        if not out.requires_grad:
            raise Fail("the output does not require grad", hint="Do not use .detach(), .item() or .numpy() in forward.")
        out.sum().backward()
        x_ref = x3.clone().requires_grad_()
        to_torch(core)(x_ref).sum().backward()
        if x.grad is None:
            raise Fail("no gradient reached x", hint="Compute the output from x itself.")
        err = max_abs_error(x.grad, x_ref.grad)
        if err > 1e-5:
            raise Fail(
                "the gradient of x is wrong", hint="Run each layer on the previous layer's output.", max_abs_error=err
            )
        return "sum(y).backward() gives the same gradient of x as torch", err

    def float32() -> str:
        out = run(_core(3, [5], 1, ["relu"], seed), x3)
        if out.dtype != torch.float32:
            raise Fail(
                f"float32 input gave a {out.dtype} output", hint="Do not convert x; pass it to the layers as it is."
            )
        return "float32 in, float32 out"

    def input_unchanged() -> str:
        run(_core(3, [5], 1, ["relu"], seed), x3)
        return inputs_unchanged(changed_inputs(), "Reassign x = layer.forward(x); never modify x in place.")

    cases = [
        Case("keeps the layers in .layers", keeps_layers),
        Case(
            "the lab's net: Linear → ReLU → Linear (3 → 5 → 1)",
            lambda: compare_depth(_core(3, [5], 1, ["relu"], seed), x3),
        ),
        Case("layers run in order, each once", order),
        Case("any depth: a single Linear", lambda: compare_depth(_core(3, [], 2, [], seed), x3)),
        Case(
            "any depth: 4 Linear layers with tanh, sigmoid, relu",
            lambda: compare_depth(_core(3, [6, 4, 5], 2, ["tanh", "sigmoid", "relu"], seed), x3),
        ),
        Case("shape, batch of 1 and of many", shapes),
        Case("gradients flow through forward", gradients),
        Case("float32 preserved", float32),
        Case("input not changed", input_unchanged),
    ]
    return run_check(check_title("check_net", cls), cases, time_limit=time_limit, extra_hints=HINTS)


def _skip_activations(core: CoreNet, x: torch.Tensor) -> torch.Tensor:
    for layer in core.linear_layers:
        x = layer.forward(x)
    return x
