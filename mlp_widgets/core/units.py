"""What each unit of a network computes: per-layer outputs, the linear pieces of a ReLU network.

A ReLU (or leaky ReLU) unit is linear on each side of its kink, so a network of
them is piecewise linear: the on/off pattern of its units says which piece a
point is on, and counting the distinct patterns over a grid counts the pieces.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .linear import Linear
from .net import Net
from .threads import one_thread

#: activations with a kink at 0 (their units are piecewise linear)
KINKED = ("ReLU", "LeakyReLU")
#: activations whose networks stay piecewise linear
PIECEWISE_LINEAR = ("ReLU", "LeakyReLU", "Identity")


def structure(net: Net) -> tuple:
    """What fixes the picture of a network (layer kinds and sizes), not its parameter values."""
    return tuple(
        ("linear", layer.N_in, layer.N_out) if isinstance(layer, Linear) else (type(layer).__name__,)
        for layer in net.layers
    )


def same_parameters(a: Net, b: Net) -> bool:
    """Whether two networks have the same structure and equal parameters."""
    return structure(a) == structure(b) and all(
        torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


def hidden_activations(net: Net) -> list[Any]:
    """The activation following each linear layer but the last (``None`` where there is none)."""
    acts: list[Any] = []
    for i, layer in enumerate(net.layers):
        if isinstance(layer, Linear):
            following = net.layers[i + 1] if i + 1 < len(net.layers) else None
            acts.append(None if isinstance(following, Linear) else following)
    return acts[:-1]


def forward_parts(net: Net, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor]:
    """Run ``x`` through ``net`` keeping every linear layer's output (``pre``) and each hidden layer's output.

    Returns
    -------
    pre : list of Tensor
        Output of each linear layer (before its activation).
    hidden : list of Tensor
        Output of each hidden layer (after its activation(s)), one per linear layer but the last.
    output : Tensor
        The network's output.
    """
    pre, hidden = [], []
    h = x
    with torch.no_grad(), one_thread():
        for i, layer in enumerate(net.layers):
            h = layer.forward(h)
            if isinstance(layer, Linear):
                pre.append(h)
            nxt = net.layers[i + 1] if i + 1 < len(net.layers) else None
            if isinstance(nxt, Linear):
                hidden.append(h)
    return pre, hidden, h


def count_pieces(net: Net, pre: list[torch.Tensor]) -> int | None:
    """Number of linear pieces of a piecewise-linear network on the sampled points (``None`` if it is not one).

    Two points are on the same piece when every ReLU-like unit is on (or off)
    for both: the distinct on/off patterns over the grid are counted.
    """
    acts = hidden_activations(net)
    if any(act is not None and type(act).__name__ not in PIECEWISE_LINEAR for act in acts):
        return None
    columns = [p.numpy() > 0 for p, act in zip(pre, acts, strict=False) if type(act).__name__ in KINKED]
    if not columns:
        return 1
    patterns = np.packbits(np.concatenate(columns, axis=1), axis=1)
    return int(np.unique(patterns, axis=0).shape[0])


def kink_segments(weight: np.ndarray, bias: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """For each unit, a segment of its line ``w₁·x + w₂·y + b = 0`` spanning ``[lo, hi]²`` (NaN if it has none).

    Parameters
    ----------
    weight : ndarray, shape (2, units)
        First-layer weights (our ``(N_in, N_out)`` layout).
    bias : ndarray, shape (units,)
        First-layer biases.

    Returns
    -------
    ndarray, shape (units, 2, 2)
        End points ``[[x0, y0], [x1, y1]]``, reaching past the square (the axes clip them).
    """
    w1, w2, b = np.asarray(weight[0], float), np.asarray(weight[1], float), np.asarray(bias, float)
    pad = hi - lo
    a, z = lo - pad, hi + pad
    segs = np.full((w1.size, 2, 2), np.nan)
    steep = np.abs(w2) >= np.abs(w1)  # solve for y when the line is closer to horizontal
    with np.errstate(divide="ignore", invalid="ignore"):
        ys = -(w1[:, None] * np.array([a, z]) + b[:, None]) / w2[:, None]
        xs = -(w2[:, None] * np.array([a, z]) + b[:, None]) / w1[:, None]
    segs[steep, :, 0] = [a, z]
    segs[steep, :, 1] = ys[steep]
    segs[~steep, :, 0] = xs[~steep]
    segs[~steep, :, 1] = [a, z]
    segs[(w1 == 0) & (w2 == 0)] = np.nan
    segs[~np.isfinite(segs).all(axis=(1, 2))] = np.nan
    return segs
