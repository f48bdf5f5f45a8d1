"""``check_linear``: the student's ``Linear(N_in, N_out)`` (Lab 2, Tasks 1.2–1.5)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..core import Linear as CoreLinear
from ._compare import (
    calls_any,
    expect_close,
    expect_shape,
    expect_tensor,
    from_torch_nn,
    inputs_unchanged,
    max_abs_error,
)
from ._guard import Given, call, changed_inputs
from ._runner import DEFAULT_TIME_LIMIT, Case, Fail, check_title, guarded, run_check
from .result import CheckResult

W_DOT_X = "did you compute W·x instead of x·W?"
MISSING_BIAS = "The bias is missing: y = x @ W + b."
HINTS = (
    (" positional argument", "Create the layer as Linear(N_in, N_out); forward takes one argument, x."),
    ("has no attribute 'weight'", "Store the weight as self.weight (and the bias as self.bias)."),
    ("has no attribute 'bias'", "Store the bias as self.bias."),
)


def _fixed() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The lab's sizes (batch 2, 3 → 4) with numbers easy to check by hand."""
    x = torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    w = torch.tensor([[1.0, 0.0, -1.0, 2.0], [0.5, 1.0, 0.0, -1.0], [2.0, -0.5, 1.0, 0.0]])
    b = torch.tensor([0.5, -1.0, 2.0, 0.25])
    return x, w, b


def _linear_mistakes(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> list:
    mistakes = [
        (lambda: x @ w, MISSING_BIAS),
        (lambda: x @ w - b, "You subtracted the bias: y = x @ W + b."),
        (lambda: x @ w * b, "You multiplied by the bias: add it, y = x @ W + b."),
        (lambda: b.expand(x.shape[0], -1), "x @ W is missing: y = x @ W + b."),
    ]
    if w.shape[0] == w.shape[1]:
        mistakes.insert(0, (lambda: x @ w.T + b, "You used Wᵀ: the lab stores W as (N_in, N_out), so compute x @ W."))
    return mistakes


@guarded
def check_linear(cls: type, *, seed: int = 0, time_limit: float = DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check a student's ``Linear`` class written as in the lab.

    The class is built as ``cls(N_in, N_out)``, keeps ``.weight`` of shape
    ``(N_in, N_out)`` and ``.bias`` of shape ``(N_out,)``, draws them in
    ``init_params()`` (``randn`` weight, then ``rand`` bias) and computes
    ``forward(x) = x @ weight + bias``.

    Parameters
    ----------
    cls : type
        The student's class.
    seed : int
        Seed of the random inputs and of the init comparison.
    time_limit : float
        Seconds allowed for each case.

    Returns
    -------
    CheckResult
        One case per property; ``.passed`` is True when all pass.
    """
    n_in, n_out = 3, 4
    gen = torch.Generator().manual_seed(seed)
    # every call into the student's code gets copies (guard.call): these stay as drawn
    x_rand = 2 * torch.rand((7, n_in), generator=gen) - 1
    x_fixed, w_fixed, b_fixed = _fixed()

    def new(a: int, b: int) -> object:
        return call(cls, a, b)

    def forward(layer: object, x: torch.Tensor) -> torch.Tensor:
        return expect_tensor(call(layer.forward, x, names=("x",)))

    def with_params(w: torch.Tensor, b: torch.Tensor) -> object:
        layer = new(w.shape[0], w.shape[1])
        layer.weight, layer.bias = w.clone(), b.clone()
        return layer

    def own_code() -> str:
        name = from_torch_nn(cls)
        if name is not None:
            raise Fail(
                f"you passed {name}, torch's own class", hint="You compared torch with torch: pass your own class."
            )
        layer = with_params(w_fixed, b_fixed)
        used, out = calls_any(layer.forward, [x_fixed], [F.linear])
        expect_tensor(out)
        if used:
            raise Fail(
                f"forward calls {', '.join(used)}",
                hint="You compared torch with torch: nn.Linear runs F.linear; write x @ W + b yourself.",
            )
        return "forward is your own code (no nn.Linear / F.linear)"

    def param_shapes() -> str:
        layer = new(n_in, n_out)
        w, b = expect_tensor(layer.weight, "weight"), expect_tensor(layer.bias, "bias")
        if tuple(w.shape) == (n_out, n_in):
            raise Fail(
                f"weight is {tuple(w.shape)}, expected {(n_in, n_out)}",
                hint="The lab stores W as (N_in, N_out) — the transpose of nn.Linear.weight — so that y = x @ W.",
            )
        if tuple(w.shape) != (n_in, n_out):
            raise Fail(f"weight is {tuple(w.shape)}, expected {(n_in, n_out)}", hint="W has shape (N_in, N_out).")
        if tuple(b.shape) != (n_out,):
            raise Fail(
                f"bias is {tuple(b.shape)}, expected {(n_out,)}",
                hint="The bias is a vector of N_out numbers, e.g. torch.empty(N_out); broadcasting adds it to every row.",
            )
        return f"Linear({n_in}, {n_out}): weight {tuple(w.shape)}, bias {tuple(b.shape)}"

    def init_draws() -> tuple[str, float]:
        torch.manual_seed(seed)
        ref = CoreLinear(n_in, n_out)
        torch.manual_seed(seed)
        layer = new(n_in, n_out)
        w, b = expect_tensor(layer.weight, "weight"), expect_tensor(layer.bias, "bias")
        if w.shape != ref.weight.shape or b.shape != ref.bias.shape:
            raise Fail("cannot compare: weight or bias has the wrong shape", hint="Fix the parameter shapes first.")
        err = max(max_abs_error(w, ref.weight), max_abs_error(b, ref.bias))
        if err > 0:
            raise Fail(
                "with the same seed, your initial weight/bias differ from randn (weight) then rand (bias)",
                hint="Did you draw random numbers in __init__ before init_params()? Create the tensors with "
                "torch.empty or torch.zeros and let init_params() draw them.",
                max_abs_error=err,
            )
        return "same seed, same numbers as the lab's init_params()", err

    def shape_for(batch: int) -> str:
        out = forward(new(n_in, n_out), x_rand[:batch])
        expect_shape(
            out, (batch, n_out), [((n_out, batch), f"output is {(n_out, batch)}, expected {(batch, n_out)}: {W_DOT_X}")]
        )
        return f"input {(batch, n_in)} → output {tuple(out.shape)}"

    def fixed_values() -> tuple[str, float]:
        torch_layer = nn.Linear(n_in, n_out)
        torch_layer.weight, torch_layer.bias = nn.Parameter(w_fixed.T.clone()), nn.Parameter(b_fixed.clone())
        expected = torch_layer(x_fixed).detach()
        out = forward(with_params(w_fixed, b_fixed), x_fixed)
        expect_shape(out, (2, n_out), [((n_out, 2), f"output is {(n_out, 2)}, expected {(2, n_out)}: {W_DOT_X}")])
        return expect_close(out, expected, _linear_mistakes(x_fixed, w_fixed, b_fixed))

    def copied_into_nn_linear(n_out_: int) -> tuple[str, float]:
        layer = new(n_in, n_out_)
        w, b = expect_tensor(layer.weight, "weight"), expect_tensor(layer.bias, "bias")
        w, b = w.detach().clone(), b.detach().clone()  # the student's forward cannot reach these copies
        k = n_in
        if tuple(w.shape) != (k, n_out_):
            raise Fail(
                f"weight is {tuple(w.shape)}, so weight.T does not fit nn.Linear({k}, {n_out_})",
                hint="nn.Linear stores (N_out, N_in); the lab stores (N_in, N_out) and copies weight.T into nn.Linear.",
            )
        x = 2 * torch.rand((7, k), generator=torch.Generator().manual_seed(seed + 1)) - 1
        torch_layer = nn.Linear(k, n_out_)
        torch_layer.weight, torch_layer.bias = nn.Parameter(w.T.clone()), nn.Parameter(b.clone())
        expected = torch_layer(x).detach()
        out = forward(layer, x)
        expect_shape(out, (7, n_out_), [((n_out_, 7), f"output is {(n_out_, 7)}, expected {(7, n_out_)}: {W_DOT_X}")])
        return expect_close(out, expected, _linear_mistakes(x, w, b))

    def bias_broadcast() -> tuple[str, float]:
        x = x_rand[:5]
        out = forward(with_params(torch.zeros(n_in, n_out), b_fixed), x)
        expect_shape(out, (5, n_out), [((n_out, 5), f"output is {(n_out, 5)}, expected {(5, n_out)}: {W_DOT_X}")])
        mistakes = [(lambda: torch.zeros(5, n_out), MISSING_BIAS)]
        msg, err = expect_close(out, b_fixed.expand(5, n_out), mistakes, what="rows")
        return "with W = 0 every row equals the bias", err

    def gradients() -> tuple[str, float]:
        x = x_fixed.clone().requires_grad_()
        w, b = w_fixed.clone().requires_grad_(), b_fixed.clone().requires_grad_()
        layer = new(n_in, n_out)
        layer.weight, layer.bias = w, b
        out = expect_tensor(call(layer.forward, Given(x)))
        if not out.requires_grad:
            raise Fail(
                "the output does not require grad, so autograd cannot reach x, W or b",
                hint="Do not use .detach(), .item(), .numpy() or torch.tensor(...) inside forward.",
            )
        out.sum().backward()
        ones = torch.ones(2, n_out)
        for name, tensor, expected in (
            ("x", x, ones @ w_fixed.T),
            ("weight", w, x_fixed.T @ ones),
            ("bias", b, ones.sum(0)),
        ):
            if tensor.grad is None:
                raise Fail(
                    f"no gradient reached {name}",
                    hint=f"Use self.{name} itself in forward, not a copy of it."
                    if name != "x"
                    else "Use x itself, not a copy.",
                )
            err = max_abs_error(tensor.grad, expected)
            if err > 1e-5:
                raise Fail(
                    f"the gradient of {name} is wrong",
                    hint="Compute y from x, self.weight and self.bias only.",
                    max_abs_error=err,
                )
        return "sum(y).backward() gives the right gradients of x, weight and bias"

    def float32() -> str:
        layer = new(n_in, n_out)
        out = forward(layer, x_rand)
        if out.dtype != torch.float32:
            weight_dtype = getattr(layer.weight, "dtype", None)
            raise Fail(
                f"float32 input gave a {out.dtype} output (weight is {weight_dtype})",
                hint="Keep everything float32: create the parameters with torch (default float32), not numpy or dtype=float64.",
            )
        return "float32 in, float32 out"

    def input_unchanged() -> str:
        forward(new(n_in, n_out), x_rand)
        return inputs_unchanged(
            changed_inputs(), "forward must not modify x in place (no x += ..., x @= ...): compute a new tensor y."
        )

    cases = [
        Case("your own code, not torch's", own_code),
        Case("weight and bias shapes", param_shapes),
        Case("init draws as in the lab (randn weight, then rand bias)", init_draws),
        Case("shape, batch of 1", lambda: shape_for(1)),
        Case("shape, batch of many", lambda: shape_for(5)),
        Case("values, fixed input (batch 2, 3 → 4)", fixed_values),
        Case("values, random input, vs nn.Linear given weight.T", lambda: copied_into_nn_linear(n_out)),
        Case("square layer (3 → 3): x·W, not x·Wᵀ", lambda: copied_into_nn_linear(n_in)),
        Case("bias broadcast over the batch", bias_broadcast),
        Case("gradients flow through forward", gradients),
        Case("float32 preserved", float32),
        Case("input not changed", input_unchanged),
    ]
    return run_check(check_title("check_linear", cls), cases, time_limit=time_limit, extra_hints=HINTS)
