"""Run named cases against student code and turn every outcome — a pass, a
wrong answer, an exception, a time-out — into a :class:`CaseResult`."""

from __future__ import annotations

import os
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from ..core._validate import check_float
from ._timeout import CaseTimeout, call_with_time_limit
from .result import CaseResult, CheckResult

#: default time limit of one case, in seconds
DEFAULT_TIME_LIMIT = 5.0


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
    ("NotImplementedError", "This part is not written yet: fill in the code between START and END."),
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


def _run_case(case: Case, time_limit: float, extra_hints: Sequence[tuple[str, str]]) -> CaseResult:
    try:
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
    except Exception as exc:  # the student's code raised: a failed case, never a crash
        return CaseResult(
            case.name, False, describe_exception(exc), hint=hint_for_exception(exc, extra_hints), required=case.required
        )
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
    remaining cases are not run (each would likely hang as well).

    Raises
    ------
    ValueError
        If ``time_limit`` is not a positive number.
    """
    time_limit = check_float("time_limit", time_limit, lo=0.0, lo_open=True, hi=600.0)
    results: list[CaseResult] = []
    stuck: str | None = None
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
            if not result.passed and result.message.startswith("stopped after the time limit"):
                stuck = case.name
            results.append(result)
    return CheckResult(title, tuple(results))


def check_title(check_name: str, obj: object) -> str:
    """``"check_linear(Linear)"``."""
    name = getattr(obj, "__qualname__", None) or type(obj).__name__
    return f"{check_name}({name})"
