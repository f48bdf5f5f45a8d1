"""One loss computed two ways — from scratch and by ``torch.nn`` — and judged against the baselines.

:func:`loss_row` gives the numbers (both losses, their difference, whether
they match, and the losses of predicting 0 and the mean); :func:`verdict`
turns them into one sentence a student can act on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .losses import LOSSES, torch_loss


@dataclass(frozen=True)
class LossRow:
    """One loss computed two ways, and its two baselines.

    Attributes
    ----------
    name, label : str
        Key in :data:`~mlp_widgets.core.LOSSES` and its label.
    scratch, torch : float
        From-scratch value and ``torch.nn`` value.
    abs_diff : float
        ``|scratch − torch|`` (``nan`` if either is not finite).
    match : bool
        ``torch.allclose`` of the two (equal infinities and NaNs match).
    zero, mean : float
        The loss of predicting 0 everywhere, and of predicting the target's mean.
    """

    name: str
    label: str
    scratch: float
    torch: float
    abs_diff: float
    match: bool
    zero: float
    mean: float


def loss_row(name: str, y: torch.Tensor, y_hat: torch.Tensor, huber_delta: float = 1.0) -> LossRow:
    """Loss ``name`` of ``y_hat`` against ``y`` from scratch and from torch, with the two baselines."""
    spec = LOSSES[name]
    extra = {"delta": huber_delta} if name == "huber" else {}

    def ours(prediction: torch.Tensor) -> torch.Tensor:
        return spec.fn(y, prediction, huber_delta) if name == "huber" else spec.fn(y, prediction)

    with torch.no_grad():
        scratch = ours(y_hat)
        theirs = torch_loss(name, y, y_hat, **extra)
        zero = ours(torch.zeros_like(y))
        mean = ours(torch.full_like(y, float(y.mean())))
    match = bool(torch.allclose(scratch, theirs, rtol=1e-5, atol=1e-8, equal_nan=True))
    a, b = float(scratch), float(theirs)
    diff = abs(a - b) if math.isfinite(a) and math.isfinite(b) else math.nan
    return LossRow(name, spec.label, a, b, diff, match, float(zero), float(mean))


def verdict(row: LossRow, epsilon: float, r2: float, n_nonfinite: int = 0) -> str:
    """One line that says whether the loss in ``row`` is good, trivial or bad on this target."""
    label, value = row.label, row.scratch
    ours = f"{label} {value:.3g}"
    if n_nonfinite:
        return (
            f"{n_nonfinite} predictions are not finite (the weights are so large that the output overflows), "
            f"so {ours} says nothing; predicting 0 would score {row.zero:.2g}."
        )
    if row.zero < epsilon:
        return (
            f"Predicting 0 already scores {row.zero:.2g} — below ε = {epsilon:g}: this threshold is too easy on "
            f"this target (this network: {ours}, R² = {r2:.3g})."
        )
    if row.mean < epsilon:
        return (
            f"Predicting the mean already scores {row.mean:.2g} — below ε = {epsilon:g}: this threshold is too "
            f"easy on this target (this network: {ours}, R² = {r2:.3g})."
        )
    if value >= row.zero:
        return f"{ours} is no better than predicting 0 ({row.zero:.2g}): nothing learnt yet (R² = {r2:.3g})."
    if value >= row.mean:
        return (
            f"{ours} beats predicting 0 ({row.zero:.2g}) but not predicting the mean ({row.mean:.2g}): "
            f"R² = {r2:.3g} ≤ 0."
        )
    reached = f"below ε = {epsilon:g}" if value < epsilon else f"not yet below ε = {epsilon:g}"
    return f"{ours} beats both baselines (0: {row.zero:.2g}, mean: {row.mean:.2g}), R² = {r2:.3g}; {reached}."
