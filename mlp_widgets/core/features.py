"""Input features: extra inputs computed from (x, y), TensorFlow Playground's set.

A network fed only ``x`` and ``y`` must build every curve from its hidden
units; given ``x²`` or ``sin x`` as inputs it can fit a bowl or a ripple with
fewer units. A feature is a name, the label shown on screen and the torch
expression of ``x`` and ``y`` that computes it — the same text goes into the
generated PyTorch code (:mod:`mlp_widgets.export.code`), so the code and the
widgets compute the same floats.

A network knows its features (:attr:`mlp_widgets.core.Net.features`): its
inputs are ``x, y`` followed by the features in :data:`FEATURES` order, so
``n_in = 2 + len(features)``. :func:`net_inputs` gives the inputs a network
takes on a dataset's grid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch

from ._validate import shown


@dataclass(frozen=True)
class Feature:
    """One extra input: its ``name``, its ``label`` on screen and the torch ``code`` computing it from x and y."""

    name: str
    label: str
    code: str
    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


#: name -> Feature, in the order the inputs follow x and y
FEATURES: dict[str, Feature] = {
    "x2": Feature("x2", "x²", "x * x", lambda x, y: x * x),
    "y2": Feature("y2", "y²", "y * y", lambda x, y: y * y),
    "xy": Feature("xy", "x·y", "x * y", lambda x, y: x * y),
    "sin_x": Feature("sin_x", "sin x", "torch.sin(x)", lambda x, y: torch.sin(x)),
    "sin_y": Feature("sin_y", "sin y", "torch.sin(y)", lambda x, y: torch.sin(y)),
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)


def check_features(features: object, name: str = "The input features") -> tuple[str, ...]:
    """``features`` as a tuple of known names in :data:`FEATURES` order.

    Raises
    ------
    ValueError
        If it is not a list of names, names an unknown feature, or names one twice.
    """
    if features is None:
        return ()
    if isinstance(features, str) or not isinstance(features, Iterable):
        raise ValueError(
            f"{name} must be a list of names from {', '.join(map(repr, FEATURES))}; got {shown(features)}."
        )
    items = list(features)
    if len(items) > len(FEATURES):
        raise ValueError(f"{name} may name at most the {len(FEATURES)} features {', '.join(map(repr, FEATURES))}.")
    for item in items:
        if not isinstance(item, str) or item not in FEATURES:
            raise ValueError(f"{name} must be names from {', '.join(map(repr, FEATURES))}; got {shown(item)}.")
    if len(set(items)) != len(items):
        raise ValueError(f"{name} name a feature twice: {shown(items)}.")
    return tuple(key for key in FEATURES if key in items)


def input_names(features: Iterable[str] = ()) -> list[str]:
    """The names of a network's inputs on screen: ``x``, ``y``, then each feature's label."""
    return ["x", "y", *(FEATURES[key].label for key in check_features(features))]


def with_features(xy: torch.Tensor, features: Iterable[str]) -> torch.Tensor:
    """``xy`` (``(N, 2)``: x, y) with a column per feature appended: ``(N, 2 + k)``, float32.

    Without features the very tensor given comes back, so the lab's inputs stay the lab's.

    Raises
    ------
    ValueError
        For an unknown feature or inputs that are not ``(N, 2)``.
    """
    names = check_features(features)
    if not names:
        return xy
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"Input features are computed from (x, y): the inputs must be (N, 2); got {tuple(xy.shape)}.")
    x, y = xy[:, 0], xy[:, 1]
    return torch.cat([xy, *(FEATURES[key].fn(x, y).unsqueeze(1) for key in names)], dim=1).contiguous()


def net_features(net: object) -> tuple[str, ...]:
    """The features a network takes (``()`` for a network of another kind, such as a student's own)."""
    return tuple(getattr(net, "features", ()) or ())


def takes_grid(net: object) -> bool:
    """Whether ``net`` maps (x, y) — and its features, if any — to one output: it can be drawn over the grid."""
    n_in = getattr(net, "n_in", None)
    return n_in == 2 + len(net_features(net)) and getattr(net, "n_out", None) == 1


def net_inputs(net: object, dataset: object) -> torch.Tensor:
    """The inputs ``net`` takes on ``dataset``'s grid: its x, y and the network's features."""
    return dataset.inputs_with(net_features(net))  # type: ignore[attr-defined]
