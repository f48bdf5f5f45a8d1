"""``check_relu`` and ``check_sigmoid``: the student's activation classes
(Lab 2, section 1.2), built as ``cls()`` and used as ``cls().forward(x)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

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

FIXED = torch.tensor([[-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]])
EXTREME = torch.tensor([-100.0, -30.0, 30.0, 100.0])


def _relu_mistakes(x: torch.Tensor) -> list:
    return [
        (lambda: x.abs(), "Negative inputs came out positive: that is abs(x); ReLU sets them to 0."),
        (lambda: x.clone(), "Negative inputs were not set to 0: ReLU is max(0, x)."),
        (lambda: torch.clamp(x, max=0), "You kept the negative part: ReLU is max(0, x), e.g. torch.clamp(x, min=0)."),
        (lambda: (x > 0).to(x.dtype), "You returned 0/1 (the derivative): ReLU returns x itself where x > 0."),
    ]


def _sigmoid_mistakes(x: torch.Tensor) -> list:
    return [
        (
            lambda: 1 / (1 + torch.exp(x)),
            "sigmoid values > 0.5 for negative inputs: did you write 1/(1+exp(x)) instead of 1/(1+exp(-x))?",
        ),
        (lambda: 1 + torch.exp(-x), "You returned 1 + exp(-x): the sigmoid is its reciprocal, 1 / (1 + exp(-x))."),
        (lambda: 1 / (1 - torch.exp(-x)), "Check the sign in the denominator: 1 + exp(-x), not 1 - exp(-x)."),
        (lambda: torch.tanh(x), "That is tanh (range -1 to 1); the sigmoid is 1 / (1 + exp(-x)), range 0 to 1."),
        (lambda: torch.exp(-x), "The 1 / (1 + ...) is missing: sigmoid(x) = 1 / (1 + exp(-x))."),
    ]


def _check_activation(
    check_name: str,
    cls: type,
    reference: Callable[[torch.Tensor], torch.Tensor],
    derivative: Callable[[torch.Tensor], torch.Tensor],
    mistakes: Callable[[torch.Tensor], list],
    forbidden: Callable[[], list[Any]],
    torch_name: str,
    overflow_hint: str,
    seed: int,
    time_limit: float,
) -> CheckResult:
    gen = torch.Generator().manual_seed(seed)
    x_rand = 3 * torch.randn((6, 5), generator=gen)

    def run(x: torch.Tensor | Given) -> torch.Tensor:
        return expect_tensor(call(call(cls).forward, x, names=("x",)))

    def own_code() -> str:
        name = from_torch_nn(cls)
        if name is not None:
            raise Fail(
                f"you passed {name}, torch's own class", hint="You compared torch with torch: pass your own class."
            )
        used, out = calls_any(call(cls).forward, [FIXED], forbidden())
        expect_shape(expect_tensor(out), tuple(FIXED.shape))
        if used:
            raise Fail(
                f"forward calls {', '.join(used)}",
                hint=f"You compared torch with torch: write the formula yourself, then compare it with {torch_name}.",
            )
        return f"forward is your own code (no {torch_name})"

    def values(x: torch.Tensor) -> tuple[str, float]:
        expected = reference(x)
        out = run(x)
        expect_shape(out, tuple(x.shape))
        return expect_close(out, expected, mistakes(x))

    def shapes() -> str:
        seen = []
        for shape in ((1, 4), (6, 4), (2, 3, 4)):
            out = run(torch.zeros(shape))
            expect_shape(out, shape, [((shape[-1],), "The batch dimension was lost: apply the function element-wise.")])
            seen.append(f"{shape} → {tuple(out.shape)}")
        return "element-wise: " + ", ".join(seen)

    def extreme() -> tuple[str, float]:
        out = run(EXTREME)
        expect_shape(out, tuple(EXTREME.shape))
        if not torch.isfinite(out).all():
            raise Fail(f"inputs ±30, ±100 gave {out.tolist()}", hint=overflow_hint)
        return expect_close(out, reference(EXTREME), mistakes(EXTREME), what="values at ±30, ±100")

    def gradients() -> tuple[str, float]:
        x = x_rand.clone().requires_grad_()
        out = run(Given(x))
        if not out.requires_grad:
            raise Fail(
                "the output does not require grad, so autograd cannot reach x",
                hint="Do not use .detach(), .numpy(), math or torch.tensor(...) inside forward.",
            )
        out.sum().backward()
        if x.grad is None:
            raise Fail("no gradient reached x", hint="Compute the output from x itself, not from a copy.")
        err = max_abs_error(x.grad, derivative(x_rand))
        if err > 1e-4:
            raise Fail(
                "autograd gives the wrong derivative", hint="Check the formula against the lab's.", max_abs_error=err
            )
        return "sum(y).backward() gives the right derivative", err

    def float32() -> str:
        out = run(x_rand)
        if out.dtype != torch.float32:
            raise Fail(
                f"float32 input gave a {out.dtype} output", hint="Use torch functions on x; avoid numpy and float64."
            )
        return "float32 in, float32 out"

    def input_unchanged() -> str:
        run(x_rand)
        return inputs_unchanged(
            changed_inputs(),
            "forward must not modify x in place (x[x < 0] = 0, x.clamp_(...), x *= ...): return a new tensor.",
        )

    cases = [
        Case("your own code, not torch's", own_code),
        Case("values, fixed inputs from -3 to 3", lambda: values(FIXED)),
        Case("values, random inputs", lambda: values(x_rand)),
        Case("shape kept (batch of 1, batch of many, 3-D)", shapes),
        Case("large inputs: no nan or inf", extreme),
        Case("gradients flow through forward", gradients),
        Case("float32 preserved", float32),
        Case("input not changed", input_unchanged),
    ]
    return run_check(check_title(check_name, cls), cases, time_limit=time_limit)


@guarded
def check_relu(cls: type, *, seed: int = 0, time_limit: float = DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check a student's ``ReLU`` class: ``cls().forward(x) == max(0, x)`` element-wise.

    Parameters
    ----------
    cls : type
        The student's class (built with no arguments).
    seed : int
        Seed of the random inputs.
    time_limit : float
        Seconds allowed for each case.
    """
    return _check_activation(
        "check_relu",
        cls,
        lambda x: torch.relu(x),  # looked up when used: torch is put right by then
        lambda x: (x > 0).to(x.dtype),
        _relu_mistakes,
        lambda: [torch.relu, torch.Tensor.relu, F.relu],
        "torch.relu / nn.ReLU",
        "ReLU should never overflow: return max(0, x) without exp or division.",
        seed,
        time_limit,
    )


@guarded
def check_sigmoid(cls: type, *, seed: int = 0, time_limit: float = DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check a student's ``Sigmoid`` class: ``cls().forward(x) == 1 / (1 + exp(-x))`` element-wise.

    Parameters
    ----------
    cls : type
        The student's class (built with no arguments).
    seed : int
        Seed of the random inputs.
    time_limit : float
        Seconds allowed for each case.
    """
    return _check_activation(
        "check_sigmoid",
        cls,
        lambda x: torch.sigmoid(x),  # looked up when used: torch is put right by then
        lambda x: torch.sigmoid(x) * (1 - torch.sigmoid(x)),
        _sigmoid_mistakes,
        lambda: [torch.sigmoid, torch.Tensor.sigmoid, torch.special.expit, F.sigmoid],
        "torch.sigmoid / nn.Sigmoid",
        "exp(x) overflows to inf for large x, and inf/inf is nan: write 1 / (1 + exp(-x)).",
        seed,
        time_limit,
    )
