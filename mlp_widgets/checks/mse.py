"""``check_mse``: the student's ``MSE_loss(y, hat_y)`` (Lab 2, Task 3.1)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ._compare import calls_any, expect_close, expect_tensor, from_torch_nn, inputs_unchanged, is_close, max_abs_error
from ._guard import Given, TorchReplaced, call, changed_inputs
from ._runner import DEFAULT_TIME_LIMIT, Case, Fail, check_title, guarded, run_check
from .result import CheckResult

N_TIMES = "loss is n times too big: did you sum instead of taking the mean?"
BROADCAST = (
    "Your loss compared every target with every prediction: shapes (n,) and (n, 1) broadcast to an (n, n) table. "
    "Make the shapes equal first, e.g. hat_y.reshape(y.shape) or prediction.squeeze(-1)."
)
TORCH_WITH_TORCH = (
    "You compared torch with torch: the lab's check cell rebinds MSE_loss = torch.nn.MSELoss(), hiding your "
    "function — give your function or torch's loss another name, and write mean((y - ŷ)²) yourself."
)
HINTS = ((" positional argument", "The loss is called as MSE_loss(y, hat_y), with two tensors."),)


def _mistakes(y: torch.Tensor, h: torch.Tensor) -> list:
    d = y - h
    return [
        (lambda: (d**2).sum(), N_TIMES),
        (lambda: (d**2).mean().sqrt(), "You took the square root: that is the RMSE; the MSE has no root."),
        (lambda: d.abs().mean(), "That is the mean absolute error: square the differences instead of abs."),
        (lambda: d.mean(), "You forgot to square the differences: MSE = mean((y - ŷ)²)."),
        (lambda: (d**2).sum() / (d.numel() - 1), "Divide by n, not n - 1."),
        (lambda: 0.5 * (d**2).mean(), "Drop the ½: the MSE is mean((y - ŷ)²)."),
        (lambda: d.mean() ** 2, "You squared the mean of the differences: take the mean of the squares."),
        (lambda: ((y.reshape(-1, 1) - h.reshape(1, -1)) ** 2).mean(), BROADCAST),
    ]


def _number(out: object) -> torch.Tensor:
    """The loss as a 0-dim float64 tensor; :class:`Fail` if it is not one number."""
    if out is None:
        raise Fail("the loss is None", hint="Compute loss = ... in your function and return it.")
    if isinstance(out, torch.Tensor):
        out = expect_tensor(out, "the loss")
    try:
        t = torch.as_tensor(out).detach()
    except Exception as exc:
        raise Fail(f"the loss is a {type(out).__name__}", hint="Return a torch tensor (or a number).") from exc
    if t.numel() != 1:
        raise Fail(
            f"the loss has shape {tuple(t.shape)}; it should be one number",
            hint="Take the mean over all elements (.mean() with no dim), not along one dimension.",
        )
    return t.reshape(())


@guarded
def check_mse(fn: Callable, *, seed: int = 0, time_limit: float = DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check a student's MSE function ``fn(y, hat_y) = mean((y - hat_y)²)``.

    Parameters
    ----------
    fn : callable
        The student's function, called as ``fn(y, hat_y)`` with tensors of equal shape.
    seed : int
        Seed of the random inputs.
    time_limit : float
        Seconds allowed for each case.
    """
    gen = torch.Generator().manual_seed(seed)
    y_fixed, h_fixed = torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([1.5, 2.0, 2.0, 6.0])
    y_rand, h_rand = torch.randn((8, 3), generator=gen), torch.randn((8, 3), generator=gen)

    def loss(y: torch.Tensor, h: torch.Tensor | Given) -> object:
        return call(fn, y, h, names=("y", "hat_y"))

    def value(y: torch.Tensor, h: torch.Tensor) -> tuple[str, float]:
        expected = nn.MSELoss()(h, y)
        out = _number(loss(y, h))
        return expect_close(out, expected, _mistakes(y, h), what="loss")

    def own_code() -> str:
        name = from_torch_nn(fn)
        if name is not None:
            raise Fail(f"you passed {name}, torch's own loss", hint=TORCH_WITH_TORCH)
        used, out = calls_any(fn, [y_fixed, h_fixed], [F.mse_loss], names=("y", "hat_y"))
        _number(out)
        if used:
            raise Fail(f"your function calls {', '.join(used)}", hint=TORCH_WITH_TORCH)
        return "the loss is your own code (no nn.MSELoss / F.mse_loss)"

    def is_mean() -> tuple[str, float]:
        y, h = torch.zeros(1000), torch.full((1000,), 0.5)
        out = _number(loss(y, h))
        message, err = expect_close(out, torch.tensor(0.25), _mistakes(y, h), what="loss")
        return "1000 errors of 0.5 give 0.25", err

    def lab_shapes() -> str:
        y, h = torch.linspace(0, 1, 50), torch.linspace(0, 1, 50).reshape(50, 1) + 0.1
        right = torch.tensor(0.01)
        _number(loss(y_fixed, h_fixed))  # refusing the lab's shapes counts only from code that computes a loss
        try:
            out = loss(y, h)
        except TorchReplaced:
            raise
        except Exception as exc:
            return f"refused shapes (50,) and (50, 1) with {type(exc).__name__} — good"
        out = _number(out)
        if is_close(out, right, atol=1e-7):
            return "(50,) with (50, 1) gives the element-wise MSE"
        broadcast = ((y.reshape(-1, 1) - h.reshape(1, -1)) ** 2).mean()
        hint = (
            BROADCAST
            + " torch.nn.MSELoss makes the same mistake (with only a warning), so the lab's comparison cannot catch it."
        )
        if is_close(out, broadcast):
            raise Fail(
                "(50,) with (50, 1) gave the broadcast (50 × 50) mean",
                hint=hint,
                max_abs_error=max_abs_error(out, right),
            )
        raise Fail("(50,) with (50, 1) gave a wrong loss", hint=hint, max_abs_error=max_abs_error(out, right))

    def tensor_out() -> str:
        out = loss(y_rand, h_rand)
        _number(out)
        if not isinstance(out, torch.Tensor):
            raise Fail(
                f"the loss is a {type(out).__name__}, not a tensor",
                hint="Return the tensor (no .item() or float()) so the loss can be backpropagated in the next labs.",
            )
        if out.dim() != 0 or out.dtype != torch.float32:
            raise Fail(
                f"the loss has shape {tuple(out.shape)} and dtype {out.dtype}",
                hint="Return one float32 number: .mean() over all elements of float32 tensors.",
            )
        return "a 0-dim float32 tensor"

    def gradients() -> tuple[str, float]:
        h = h_rand.clone().requires_grad_()
        out = loss(y_rand, Given(h))
        _number(out)
        if not isinstance(out, torch.Tensor) or not out.requires_grad:
            raise Fail("the loss is cut off from autograd", hint="Do not use .item(), float(), numpy or .detach().")
        out.backward()
        if h.grad is None:
            raise Fail("no gradient reached hat_y", hint="Compute the loss from hat_y itself.")
        err = max_abs_error(h.grad, 2 * (h_rand - y_rand) / y_rand.numel())
        if err > 1e-6:
            raise Fail("the gradient with respect to hat_y is wrong", hint=N_TIMES, max_abs_error=err)
        return "loss.backward() gives 2(ŷ - y)/n", err

    def unchanged() -> str:
        _number(loss(y_rand, h_rand))
        return inputs_unchanged(changed_inputs(), "Do not modify y or hat_y in place (no -=, **= or pow_).")

    cases = [
        Case("your own code, not torch's", own_code),
        Case("value, fixed numbers (equal shapes)", lambda: value(y_fixed, h_fixed)),
        Case("value, random (8, 3) tensors", lambda: value(y_rand, h_rand)),
        Case("a mean, not a sum (n = 1000)", is_mean),
        Case("returns a 0-dim float32 tensor", tensor_out),
        Case("gradients flow to hat_y", gradients),
        Case("inputs not changed", unchanged),
        Case("the lab's shapes: target (n,), prediction (n, 1)", lab_shapes, required=False),
    ]
    return run_check(check_title("check_mse", fn), cases, time_limit=time_limit, extra_hints=HINTS)
