"""Loss functions from scratch, their torch counterparts, and baselines
(Lab 2, section 3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from ._validate import check_choice, check_float


def _pair(y: torch.Tensor, y_hat: torch.Tensor, flatten: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(y, y_hat)`` with equal shapes, or raise a ``ValueError`` that says why not."""
    y, y_hat = torch.as_tensor(y), torch.as_tensor(y_hat)
    if flatten:
        if y.numel() != y_hat.numel():
            raise ValueError(
                f"Cannot compare {y.numel()} target values with {y_hat.numel()} predictions: "
                "give one prediction per target value."
            )
        return y.reshape(-1), y_hat.reshape(-1)
    if y.shape != y_hat.shape:
        raise ValueError(
            f"The target has shape {tuple(y.shape)} but the prediction has shape {tuple(y_hat.shape)}; "
            "they must be equal. (Broadcasting them would compare every target value with every "
            "prediction — the lab's (2500,) vs (2500, 1) bug.) Reshape one, e.g. prediction.squeeze(-1), "
            "or pass flatten=True."
        )
    return y, y_hat


def mse_loss(y: torch.Tensor, y_hat: torch.Tensor, *, flatten: bool = False) -> torch.Tensor:
    """Mean squared error ``mean((y - ŷ)²)``, equal to ``torch.nn.MSELoss()``.

    Parameters
    ----------
    y, y_hat : torch.Tensor
        Target and prediction, of equal shape.
    flatten : bool
        Compare element by element in flat order when shapes differ but the
        sizes agree (e.g. ``(2500,)`` with ``(2500, 1)``).

    Raises
    ------
    ValueError
        If the shapes differ (and ``flatten`` is false) or the sizes differ.
    """
    y, y_hat = _pair(y, y_hat, flatten)
    return ((y - y_hat) ** 2).mean()


def mae_loss(y: torch.Tensor, y_hat: torch.Tensor, *, flatten: bool = False) -> torch.Tensor:
    """Mean absolute error ``mean(|y - ŷ|)``, equal to ``torch.nn.L1Loss()``."""
    y, y_hat = _pair(y, y_hat, flatten)
    return (y - y_hat).abs().mean()


def huber_loss(y: torch.Tensor, y_hat: torch.Tensor, delta: float = 1.0, *, flatten: bool = False) -> torch.Tensor:
    """Huber loss, equal to ``torch.nn.HuberLoss(delta=delta)``.

    ``½ e²`` where ``|e| ≤ δ`` and ``δ (|e| − ½ δ)`` elsewhere, averaged.
    """
    delta = check_float("delta", delta, lo=0.0, lo_open=True)
    y, y_hat = _pair(y, y_hat, flatten)
    err = (y - y_hat).abs()
    quadratic = 0.5 * err**2
    linear = delta * (err - 0.5 * delta)
    return torch.where(err <= delta, quadratic, linear).mean()


@dataclass(frozen=True)
class LossSpec:
    """A loss: label, from-scratch function and torch counterpart class."""

    name: str
    label: str
    fn: Callable[..., torch.Tensor]
    torch_cls: type[nn.Module]


#: name -> LossSpec
LOSSES: dict[str, LossSpec] = {
    "mse": LossSpec("mse", "MSE", mse_loss, nn.MSELoss),
    "mae": LossSpec("mae", "MAE", mae_loss, nn.L1Loss),
    "huber": LossSpec("huber", "Huber", huber_loss, nn.HuberLoss),
}


def get_loss(name: str) -> LossSpec:
    """Return the :class:`LossSpec` named ``name`` (``"mse"``, ``"mae"``, ``"huber"``)."""
    check_choice("loss", name, tuple(LOSSES))
    return LOSSES[name]


def torch_loss(
    name: str, y: torch.Tensor, y_hat: torch.Tensor, *, flatten: bool = False, **kwargs: float
) -> torch.Tensor:
    """The torch counterpart of a loss, after the same shape check as ours."""
    spec = get_loss(name)
    y, y_hat = _pair(y, y_hat, flatten)
    return spec.torch_cls(**kwargs)(y_hat, y)


def baselines(y: torch.Tensor, loss: str = "mse") -> dict[str, float]:
    """Loss of two trivial predictors: all zeros and the mean of ``y``.

    On the lab's target, predicting zero gives MSE ≈ 9.6e-6 — already below
    the lab's threshold ε = 1e-5. A loss is only good if it beats these.
    """
    fn = get_loss(loss).fn
    y = torch.as_tensor(y)
    return {
        "zero": float(fn(y, torch.zeros_like(y))),
        "mean": float(fn(y, torch.full_like(y, float(y.mean())))),
    }


def r_squared(y: torch.Tensor, y_hat: torch.Tensor, *, flatten: bool = False) -> float:
    """Coefficient of determination ``1 − SS_res / SS_tot`` (1 is perfect, 0 is predicting the mean).

    Returns ``nan`` when the target is constant.
    """
    y, y_hat = _pair(y, y_hat, flatten)
    y64, yh64 = y.double(), y_hat.double()
    ss_tot = float(((y64 - y64.mean()) ** 2).sum())
    ss_res = float(((y64 - yh64) ** 2).sum())
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
