"""Run named cases against student code and turn every outcome — a pass, a
wrong answer, an exception, a time-out — into a :class:`CaseResult`."""

from __future__ import annotations

import functools
import os
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import torch

from ..core._validate import check_float
from ._guard import TorchReplaced, reset_changes, restore_torch, watching
from ._timeout import CaseTimeout, call_with_time_limit, forget_stale_timeout
from .result import CaseResult, CheckResult

#: default time limit of one case, in seconds
DEFAULT_TIME_LIMIT = 5.0

#: functions of torch found replaced (and put back) when the current check started
_replaced_at_start: list[str] = []

F = TypeVar("F", bound=Callable[..., Any])


def guarded(check: F) -> F:
    """Decorate a ``check_*`` function: torch is put right before the check draws its inputs.

    What was found replaced is reported by :func:`run_check` as a failed first case.
    """

    @functools.wraps(check)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _replaced_at_start[:] = restore_torch()
        return check(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class Fail(Exception):  # noqa: N818 - "raise Fail(...)" reads as the verdict
    """Raised by a case to report a wrong answer (not a crash)."""

    def __init__(self, message: str, hint: str | None = None, max_abs_error: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.max_abs_error = max_abs_error


@dataclass(frozen=True)
class Case:
    """A named case: ``run()`` returns a message (or ``(message, max_abs_error)``) or raises."""

    name: str
    run: Callable[[], str | tuple[str, float | None]]
    required: bool = True


#: (text found in the exception's "Type: message", hint) — checked in order
GENERIC_HINTS: tuple[tuple[str, str], ...] = (
    ("NotImplementedError", "This part is not written yet: replace raise NotImplementedError() with your code."),
    ("NoneType", "Something is still None: fill in the code between the START and END markers."),
    ("is not defined", "A variable is used before it is given a value: compute it between the markers."),
    ("referenced before assignment", "A variable is used before it is given a value: compute it between the markers."),
    ("cannot access local variable", "A variable is used before it is given a value: compute it between the markers."),
    (
        "cannot be multiplied",
        "The matrix product does not fit: with x of shape (batch, N_in) and W of shape (N_in, N_out), "
        "compute x @ W, not W @ x.",
    ),
    (
        "must match the size of tensor",
        "Two tensors whose shapes do not fit were combined: print their .shape before adding or subtracting.",
    ),
    (
        "in-place operation",
        "Your code changes a tensor in place (x += ..., x[...] = ...): compute a new tensor instead.",
    ),
    (
        "before Module.__init__() call",
        "Call super().__init__() at the top of __init__, before creating the layers.",
    ),
    ('missing the required "forward" function', "Define a method named exactly forward(self, x)."),
)


def _where(exc: BaseException) -> str:
    """`` (in forward, line 7)`` for the last frame outside torch and this package, or ``""``."""
    skip = (os.path.dirname(torch.__file__), os.path.dirname(os.path.dirname(__file__)))
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(skip)]
    if not frames:
        return ""
    return f" (in {frames[-1].name}, line {frames[-1].lineno})"


def describe_exception(exc: BaseException) -> str:
    """``"TypeError: message (in forward, line 7)"``."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}{_where(exc)}" if text else f"{type(exc).__name__}{_where(exc)}"


def hint_for_exception(exc: BaseException, extra: Sequence[tuple[str, str]] = ()) -> str:
    """The first hint whose text occurs in ``"Type: message"``; a generic one otherwise."""
    text = f"{type(exc).__name__}: {exc}"
    for needle, hint in (*extra, *GENERIC_HINTS):
        if needle in text:
            return hint
    return "Your code raised an exception: read the message, then print the shapes of the tensors involved."


TORCH_REPLACED_HINT = (
    "Do not assign to torch's functions (torch.allclose = ..., torch.Tensor.__eq__ = ...): "
    "the check compares with them, so it put the originals back and counts this case as failed."
)


def _failed(case: Case, message: str, hint: str) -> CaseResult:
    return CaseResult(case.name, False, message, hint=hint, required=case.required)


def _escaped(case: Case, exc: BaseException) -> CaseResult:
    """A ``SystemExit`` or another ``BaseException`` from student code: a failed case, not the end of the check."""
    if isinstance(exc, SystemExit):
        return _failed(
            case,
            f"your code called sys.exit({exc.code!r}){_where(exc)}",
            "Remove sys.exit() / exit() / quit(): the check needs your code to return its result.",
        )
    return _failed(
        case,
        describe_exception(exc),
        f"Your code raised {type(exc).__name__}, which is not an ordinary Exception: "
        "raise a ValueError or another Exception subclass instead.",
    )


def _run_case(case: Case, time_limit: float, extra_hints: Sequence[tuple[str, str]]) -> CaseResult:
    """Run one case; every way it can end becomes a :class:`CaseResult`.

    ``KeyboardInterrupt`` alone goes through: it is the person at the
    keyboard stopping the check (or code pretending to be them, which then
    fails loudly rather than passes).
    """
    grad_enabled = torch.is_grad_enabled()
    try:
        with watching(case.name):
            outcome = call_with_time_limit(case.run, time_limit)
    except CaseTimeout:
        return CaseResult(
            case.name,
            False,
            f"stopped after the time limit of {time_limit:g} s",
            hint="Your code did not finish: is there a loop whose condition never becomes false "
            "(e.g. a counter that is never increased)?",
            required=case.required,
        )
    except Fail as fail:
        return CaseResult(case.name, False, fail.message, fail.max_abs_error, fail.hint, case.required)
    except TorchReplaced as exc:
        return _failed(case, str(exc), TORCH_REPLACED_HINT)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # the student's code raised: a failed case, never a crash
        return _failed(case, describe_exception(exc), hint_for_exception(exc, extra_hints))
    except BaseException as exc:  # SystemExit, GeneratorExit, a student's own BaseException subclass
        return _escaped(case, exc)
    finally:
        replaced = restore_torch()
        torch.set_grad_enabled(grad_enabled)  # student code (or an interrupted no_grad block) may have turned it off
    if replaced:  # changed by code the case ran outside guard.call (a constructor, a property)
        return _failed(case, str(TorchReplaced(replaced)), TORCH_REPLACED_HINT)
    message, error = outcome if isinstance(outcome, tuple) else (outcome, None)
    return CaseResult(case.name, True, message, error, None, case.required)


def run_check(
    title: str,
    cases: Sequence[Case],
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    extra_hints: Sequence[tuple[str, str]] = (),
) -> CheckResult:
    """Run ``cases`` in order and gather their results.

    The global torch random state is saved and restored, warnings raised by
    the student's code are silenced, and after a case hits the time limit the
    remaining cases are not run (each would likely hang as well). Functions
    of torch replaced before the check started are put back, and reported as
    a failed first case.

    Raises
    ------
    ValueError
        If ``time_limit`` is not a positive number.
    """
    time_limit = check_float("time_limit", time_limit, lo=0.0, lo_open=True, hi=600.0)
    results: list[CaseResult] = []
    stuck: str | None = None
    replaced = [*_replaced_at_start, *restore_torch()]
    _replaced_at_start.clear()
    if replaced:
        message = str(TorchReplaced(replaced)).replace("your code", "code run before the check")
        results.append(CaseResult("torch's functions are torch's own", False, message, hint=TORCH_REPLACED_HINT))
    reset_changes()
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in cases:
            if stuck is not None:
                results.append(
                    CaseResult(
                        case.name,
                        False,
                        f"not run: the case {stuck!r} hit the time limit",
                        hint="Fix the time-out first.",
                        required=case.required,
                    )
                )
                continue
            result = _run_case(case, time_limit, extra_hints)
            forget_stale_timeout()
            if not result.passed and result.message.startswith("stopped after the time limit"):
                stuck = case.name
            results.append(result)
    return CheckResult(title, tuple(results))


def check_title(check_name: str, obj: object) -> str:
    """``"check_linear(Linear)"``."""
    name = getattr(obj, "__qualname__", None) or type(obj).__name__
    return f"{check_name}({name})"
