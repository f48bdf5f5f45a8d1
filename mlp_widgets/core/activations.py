"""Activation functions written from scratch, each with its derivative and its
``torch.nn`` counterpart (Lab 2, section 1.2)."""

from __future__ import annotations

import math

import torch
from torch import nn

from ._validate import check_choice, check_float


class Activation:
    """Base class: an element-wise non-linearity.

    Subclasses implement :meth:`forward`, :meth:`derivative` and
    :meth:`torch_module`. Instances are callable like the lab's objects
    (``act.forward(x)``) and like torch modules (``act(x)``).
    """

    #: short registry name, e.g. ``"relu"``
    name: str = ""
    #: one-line note for students: output range, saturation, zero-centred or not
    note: str = ""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the activation element-wise."""
        raise NotImplementedError

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        """Return d act(x) / dx element-wise."""
        raise NotImplementedError

    def torch_module(self) -> nn.Module:
        """Return the equivalent ``torch.nn`` module."""
        raise NotImplementedError

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x)

    def num_params(self) -> int:
        """Activations have no learnable parameters."""
        return 0

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Element-wise: the output has the input's shape."""
        return tuple(input_shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(vars(self).items()))))


class ReLU(Activation):
    """Rectified linear unit, ``max(0, x)``; derivative 1 for ``x > 0`` else 0."""

    name = "relu"
    note = "range [0, ∞); zero for negative inputs (a 'dead' unit passes no gradient); not zero-centred."

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(x, min=0)

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        return (x > 0).to(x.dtype)

    def torch_module(self) -> nn.Module:
        return nn.ReLU()


class Sigmoid(Activation):
    """Logistic sigmoid ``1 / (1 + exp(-x))``; derivative ``s(x)(1 - s(x))``."""

    name = "sigmoid"
    note = "range (0, 1); saturates for |x| > ~5 (gradient ≤ 0.25, vanishing); not zero-centred."

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 1.0 / (1.0 + torch.exp(-x))

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        s = self.forward(x)
        return s * (1.0 - s)

    def torch_module(self) -> nn.Module:
        return nn.Sigmoid()


class Tanh(Activation):
    """Hyperbolic tangent; derivative ``1 - tanh(x)^2``."""

    name = "tanh"
    note = "range (-1, 1); saturates for |x| > ~3; zero-centred."

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e2x = torch.exp(-2.0 * torch.abs(x))
        return torch.sign(x) * (1.0 - e2x) / (1.0 + e2x)

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        t = self.forward(x)
        return 1.0 - t * t

    def torch_module(self) -> nn.Module:
        return nn.Tanh()


class LeakyReLU(Activation):
    """``x`` for ``x >= 0`` else ``negative_slope * x``."""

    name = "leaky_relu"
    note = "range (-∞, ∞); a small slope for negative inputs keeps units from dying; nearly zero-centred."

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = check_float("negative_slope", negative_slope, lo=0.0, hi=1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.where(x >= 0, x, self.negative_slope * x)

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        one = torch.ones_like(x)
        return torch.where(x > 0, one, self.negative_slope * one)

    def torch_module(self) -> nn.Module:
        return nn.LeakyReLU(self.negative_slope)

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope:g})"


class Identity(Activation):
    """No non-linearity: ``x``. Stacking linear layers with it stays linear."""

    name = "identity"
    note = "range (-∞, ∞); linear — a stack of linear layers with it is still one linear map."

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.clone()

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ones_like(x)

    def torch_module(self) -> nn.Module:
        return nn.Identity()


class GELU(Activation):
    """Gaussian error linear unit ``x Φ(x)`` (exact, with ``erf``)."""

    name = "gelu"
    note = "range [≈-0.17, ∞); smooth ReLU-like curve used in transformers; nearly zero-centred."

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        cdf = 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
        pdf = torch.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        return cdf + x * pdf

    def torch_module(self) -> nn.Module:
        return nn.GELU()


class ELU(Activation):
    """Exponential linear unit: ``x`` for ``x > 0`` else ``alpha (exp(x) - 1)``."""

    name = "elu"
    note = "range (-alpha, ∞); smooth for negative inputs, saturating at -alpha; nearly zero-centred."

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = check_float("alpha", alpha, lo=0.0, lo_open=True, hi=10.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.where(x > 0, x, self.alpha * (torch.exp(torch.clamp(x, max=0)) - 1.0))

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        return torch.where(x > 0, torch.ones_like(x), self.alpha * torch.exp(torch.clamp(x, max=0)))

    def torch_module(self) -> nn.Module:
        return nn.ELU(self.alpha)

    def __repr__(self) -> str:
        return f"ELU(alpha={self.alpha:g})"


class Softplus(Activation):
    """``log(1 + exp(x))``, a smooth ReLU; its derivative is the sigmoid."""

    name = "softplus"
    note = "range (0, ∞); smooth everywhere, never exactly zero; not zero-centred."

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), stable for large |x|
        return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        return 1.0 / (1.0 + torch.exp(-x))

    def torch_module(self) -> nn.Module:
        # torch switches to the identity above x = 20; set the threshold high so
        # both agree everywhere a float32 can tell.
        return nn.Softplus(beta=1.0, threshold=1e4)


#: registry name -> activation class
ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (ReLU, Sigmoid, Tanh, LeakyReLU, Identity, GELU, ELU, Softplus)
}

#: torch module class -> our class
TORCH_TO_ACTIVATION: dict[type[nn.Module], type[Activation]] = {
    nn.ReLU: ReLU,
    nn.Sigmoid: Sigmoid,
    nn.Tanh: Tanh,
    nn.LeakyReLU: LeakyReLU,
    nn.Identity: Identity,
    nn.GELU: GELU,
    nn.ELU: ELU,
    nn.Softplus: Softplus,
}


def get_activation(name: str | Activation) -> Activation:
    """Return a fresh activation for a registry name (``"relu"``, ``"tanh"`` ...).

    An :class:`Activation` instance is returned unchanged.

    Raises
    ------
    ValueError
        If ``name`` is not a known activation.
    """
    if isinstance(name, Activation):
        return name
    key = str(name).lower().replace("-", "_")
    check_choice("activation", key, tuple(ACTIVATIONS))
    return ACTIVATIONS[key]()


def activation_from_torch(module: nn.Module) -> Activation:
    """Return our activation equivalent to a torch activation module.

    Raises
    ------
    ValueError
        If the module is not one of the supported activations.
    """
    cls = TORCH_TO_ACTIVATION.get(type(module))
    if cls is None:
        names = ", ".join(c.__name__ for c in TORCH_TO_ACTIVATION)
        raise ValueError(f"{type(module).__name__} is not supported; supported activations are {names}.")
    if cls is LeakyReLU:
        return LeakyReLU(module.negative_slope)
    if cls is ELU:
        return ELU(module.alpha)
    if cls is GELU and getattr(module, "approximate", "none") != "none":
        raise ValueError("GELU(approximate='tanh') is not supported; use the exact GELU().")
    if cls is Softplus and getattr(module, "beta", 1.0) != 1.0:
        raise ValueError("Softplus with beta != 1 is not supported.")
    return cls()
