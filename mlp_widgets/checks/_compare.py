"""Helpers the cases share: compare a student's tensor with a reference and
name the likely mistake, and record which torch functions the student called."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ._guard import CheckerMode, TorchReplaced, call, plain_tensor, restore_torch
from ._runner import Fail

#: tolerances for float32 results
ATOL, RTOL = 1e-5, 1e-4

#: a mistake: (what the wrong code would have returned, the hint that names it)
Mistake = tuple[Callable[[], Any], str]


def max_abs_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """Largest ``|a - b|`` computed in float64 (``0.0`` for empty tensors)."""
    diff = (torch.as_tensor(a).detach().double() - torch.as_tensor(b).detach().double()).abs()
    return float(diff.max()) if diff.numel() else 0.0


def is_close(a: object, b: torch.Tensor, atol: float = ATOL, rtol: float = RTOL) -> bool:
    """True when ``a`` is a tensor (or number) of ``b``'s shape and close to it; never raises.

    A subclass of ``torch.Tensor`` is never close (its methods could lie).
    """
    try:
        if isinstance(a, torch.Tensor):
            a = plain_tensor(a)
        a = torch.as_tensor(a).detach()
        b = torch.as_tensor(b).detach()
        if a.shape != b.shape:
            return False
        return bool(torch.allclose(a.double(), b.double(), rtol=rtol, atol=atol, equal_nan=False))
    except Exception:
        return False


def _trusted() -> None:
    """Put back any torch function replaced since the last look, and fail the case if one was."""
    replaced = restore_torch()
    if replaced:
        raise TorchReplaced(replaced)


def expect_tensor(out: object, what: str = "forward") -> torch.Tensor:
    """Return ``out`` if it is a plain tensor; otherwise :class:`Fail` with a hint.

    A subclass of ``torch.Tensor`` is refused: through ``__torch_function__``
    or its own ``__eq__`` it could answer every comparison with "equal".
    """
    if out is None:
        raise Fail(
            f"{what} returned None",
            hint="Nothing was returned: assign the result (e.g. y = ...) between the markers and return it.",
        )
    if not isinstance(out, torch.Tensor):
        raise Fail(
            f"{what} returned a {type(out).__name__}, not a torch.Tensor",
            hint="Use torch operations throughout (torch.exp, @, .mean()), not numpy or math, and return the tensor.",
        )
    try:
        return plain_tensor(out)
    except TypeError:
        raise Fail(
            f"{what} returned a {type(out).__name__}, a subclass of torch.Tensor",
            hint="Return an ordinary tensor computed with torch operations, not an object of your own tensor class.",
        ) from None


def expect_shape(out: torch.Tensor, expected: tuple[int, ...], mistakes: Sequence[tuple[tuple, str]] = ()) -> None:
    """:class:`Fail` unless ``out.shape == expected``; a hint for known wrong shapes."""
    shape = tuple(out.shape)
    if shape == tuple(expected):
        return
    for wrong, hint in mistakes:
        if shape == tuple(wrong):
            raise Fail(f"output is {shape}, expected {tuple(expected)}", hint=hint)
    raise Fail(
        f"output is {shape}, expected {tuple(expected)}",
        hint="The output has the wrong shape: print the shape after each step of your computation.",
    )


def expect_close(
    out: object,
    expected: torch.Tensor,
    mistakes: Sequence[Mistake] = (),
    *,
    what: str = "values",
    atol: float = ATOL,
    rtol: float = RTOL,
) -> tuple[str, float]:
    """Compare ``out`` with ``expected``; on a mismatch name the first matching mistake.

    Returns
    -------
    (message, max_abs_error)
        For a match.

    Raises
    ------
    Fail
        With ``max_abs_error`` and a hint when the values differ.
    TorchReplaced
        If a function of torch was replaced since the student's code last ran.
    """
    _trusted()
    if isinstance(out, torch.Tensor):
        out = expect_tensor(out, what)
    out_t = torch.as_tensor(out).detach()
    if out_t.shape != expected.shape:
        raise Fail(f"{what}: shape {tuple(out_t.shape)}, expected {tuple(expected.shape)}")
    err = max_abs_error(out_t, expected)
    if torch.isnan(out_t).any() or torch.isinf(out_t).any():
        if not (torch.isnan(expected).any() or torch.isinf(expected).any()):
            raise Fail(
                f"{what}: the output contains nan or inf", hint="A value overflowed: look for exp of a big number."
            )
    if is_close(out_t, expected, atol, rtol):
        return f"{what}: equal to the torch reference", err
    for wrong, hint in mistakes:
        try:
            candidate = wrong()
        except Exception:
            continue
        if is_close(out_t, candidate, atol, rtol):
            raise Fail(f"{what}: not equal to the torch reference", hint=hint, max_abs_error=err)
    raise Fail(
        f"{what}: not equal to the torch reference",
        hint="The numbers are wrong but no common mistake matches: compare your formula with the lab's, term by term.",
        max_abs_error=err,
    )


class TorchCallRecorder(CheckerMode):
    """Record every torch function called inside the ``with`` block."""

    def __init__(self) -> None:
        super().__init__()
        self.called: set[Any] = set()

    def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        self.called.add(func)
        return func(*args, **(kwargs or {}))


def calls_any(
    fn: Callable[..., Any], args: Sequence[Any], forbidden: Sequence[Any], names: tuple[str, ...] = ("x",)
) -> tuple[list[str], Any]:
    """Run student code ``fn(*args)`` (through :func:`guard.call <._guard.call>`).

    Returns
    -------
    (names, result)
        The names of the ``forbidden`` torch functions it called, and what it returned.
    """
    with TorchCallRecorder() as recorder:
        out = call(fn, *args, names=names)
    used = [getattr(f, "__qualname__", getattr(f, "__name__", repr(f))) for f in forbidden if f in recorder.called]
    return used, out


def from_torch_nn(obj: object) -> str | None:
    """The name of ``obj`` if it is torch's own class, instance or function, else ``None``."""
    target = obj if isinstance(obj, type) or callable(obj) and not isinstance(obj, torch.nn.Module) else type(obj)
    module = getattr(target, "__module__", "") or ""
    if module == "torch" or module.startswith("torch."):
        if module.startswith("torch.nn.modules"):
            module = "torch.nn"
        return f"{module}.{getattr(target, '__qualname__', getattr(target, '__name__', '?'))}"
    return None


def inputs_unchanged(changes: Sequence[str], hint: str) -> str:
    """The message of an "input not changed" case, given the changes :func:`guard.call <._guard.call>` saw.

    Raises
    ------
    Fail
        If student code changed a tensor it was handed, in any case of the check.
    """
    if changes:
        shown = "; ".join(changes[:3]) + (f" and {len(changes) - 3} more" if len(changes) > 3 else "")
        raise Fail(f"your code changed a tensor it was given, in: {shown}", hint=hint)
    return "no input was changed, in any case of this check"
