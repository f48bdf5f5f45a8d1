"""What a check returns: one :class:`CaseResult` per named case, gathered in a
:class:`CheckResult` that prints as plain text and renders as an HTML panel."""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one named case of a check.

    Attributes
    ----------
    name : str
        What the case tests, e.g. ``"shape, batch of many"``.
    passed : bool
        Whether the student's code did the right thing.
    message : str
        One sentence on what happened (the exception, the numbers compared...).
    max_abs_error : float or None
        Largest absolute difference from the reference, where numbers were compared.
    hint : str or None
        For a failure: the likely mistake, in one sentence.
    required : bool
        Whether the case counts towards :attr:`CheckResult.passed`; a failed
        case that is not required is shown as a warning.
    """

    name: str
    passed: bool
    message: str
    max_abs_error: float | None = None
    hint: str | None = None
    required: bool = True

    @property
    def status(self) -> str:
        """``"pass"``, ``"FAIL"`` or ``"warn"`` (a failed case that is not required)."""
        if self.passed:
            return "pass"
        return "FAIL" if self.required else "warn"


class CheckFailed(AssertionError):  # noqa: N818 - reads as the verdict
    """Raised by :meth:`CheckResult.assert_passed`.

    An ``AssertionError``, so nbgrader (or any test runner) counts the test
    cell as failed; in a notebook it shows as one sentence instead of a
    traceback — the panel above it already says what went wrong.
    """

    def _render_traceback_(self) -> list[str]:  # IPython's hook for a custom traceback
        return [f"{type(self).__name__}: {self}"]


@dataclass(frozen=True)
class CheckResult:
    """All cases of one check, e.g. ``check_linear(Linear)``.

    ``result.passed`` is a plain ``bool`` (every required case passed), so a
    grader can ``assert check_linear(Linear).passed``.
    """

    title: str
    cases: tuple[CaseResult, ...]

    @property
    def passed(self) -> bool:
        """True when every required case passed."""
        return all(case.passed for case in self.cases if case.required)

    @property
    def failures(self) -> list[CaseResult]:
        """The required cases that failed."""
        return [case for case in self.cases if case.required and not case.passed]

    @property
    def warnings(self) -> list[CaseResult]:
        """The cases that failed but are not required."""
        return [case for case in self.cases if not case.required and not case.passed]

    def __bool__(self) -> bool:
        return self.passed

    def assert_passed(self) -> None:
        """Raise :class:`CheckFailed` unless every required case passed (the grader's test).

        Raises
        ------
        CheckFailed
            Naming the check and the first failed case.
        """
        if not self.passed:
            first = self.failures[0]
            raise CheckFailed(f"{self.summary()} — first failure: {first.name}: {first.message}")

    def case(self, name: str) -> CaseResult:
        """Return the case called ``name``.

        Raises
        ------
        KeyError
            If there is no such case; the message lists the case names.
        """
        for case in self.cases:
            if case.name == name:
                return case
        raise KeyError(f"No case {name!r}; the cases are: {', '.join(c.name for c in self.cases)}.")

    def summary(self) -> str:
        """One line: verdict and counts."""
        n_ok = sum(case.passed for case in self.cases)
        verdict = "PASSED" if self.passed else "FAILED"
        extra = f", {len(self.warnings)} warning(s)" if self.warnings else ""
        return f"{self.title}: {verdict} ({n_ok}/{len(self.cases)} cases pass{extra})"

    def __str__(self) -> str:
        lines = [self.summary()]
        for case in self.cases:
            err = f" [max abs error {case.max_abs_error:.3g}]" if case.max_abs_error is not None else ""
            lines.append(f"  {case.status}  {case.name}: {case.message}{err}")
            if case.hint and not case.passed:
                lines.append(f"        hint: {case.hint}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = {"pass": "#1a7f37", "FAIL": "#cf222e", "warn": "#9a6700"}
        mark = {"pass": "✔", "FAIL": "✘", "warn": "⚠"}
        rows = []
        for case in self.cases:
            err = f" <small>(max abs error {case.max_abs_error:.3g})</small>" if case.max_abs_error is not None else ""
            hint = ""
            if case.hint and not case.passed:
                hint = f"<div style='margin-left:1.4em'><b>Hint:</b> {html.escape(case.hint)}</div>"
            rows.append(
                f"<div><span style='color:{colour[case.status]};font-weight:bold'>{mark[case.status]}</span> "
                f"<b>{html.escape(case.name)}</b>: {html.escape(case.message)}{err}{hint}</div>"
            )
        border = "#1a7f37" if self.passed else "#cf222e"
        head = html.escape(self.summary())
        return (
            f"<div class='mlp-widgets-check' style='border-left:4px solid {border};padding:4px 8px;"
            f"font-family:sans-serif;font-size:13px'><div style='font-weight:bold'>{head}</div>"
            f"{''.join(rows)}</div>"
        )

    def to_dict(self) -> dict:
        """Plain data for graders: title, passed, and one dict per case."""
        return {
            "title": self.title,
            "passed": self.passed,
            "cases": [vars(case).copy() for case in self.cases],
        }
