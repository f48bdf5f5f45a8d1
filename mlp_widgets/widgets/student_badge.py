"""The "your code" badge: a widget computing with the student's own classes says so, and how far they are off.

A widget given ``student=`` (see :mod:`mlp_widgets.checks.student`) computes
its network with the student's classes and shows this badge beside the
picture: "your code" with the largest difference from the reference, or the
sentence of what went wrong and the self-check's hint. The widget shows the
reference's picture beside a wrong one.
"""

from __future__ import annotations

import html

from ..checks.student import StudentRun

_OK = "color:var(--jp-success-color1, #1B5E20)"
_BAD = "color:var(--jp-error-color1, #B00020)"


def badge_html(run: StudentRun | None) -> str:
    """The badge for one run of the student's code (empty without one)."""
    if run is None:
        return ""
    if run.matches:
        return (
            f"<span class='mlpw-your-code mlpw-your-code-ok' style='{_OK}'><b>✓ your code</b></span> "
            f"<small>computes this picture; max abs difference from the reference {run.max_abs_error:.2g}</small>"
        )
    what = "your code's picture (left) beside the right one" if run.ran else "the reference's picture"
    return (
        f"<span class='mlpw-your-code mlpw-your-code-wrong' style='{_BAD}'><b>✗ your code</b></span> "
        f"<small>{html.escape(run.message)}. Shown: {what}.</small><br><small><b>Hint:</b> {html.escape(run.hint)}</small>"
    )
