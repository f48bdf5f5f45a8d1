"""The fully connected layer of Lab 2, section 1.1: ``y = x · W + b``."""

from __future__ import annotations

import math

import torch

from ._validate import check_choice, check_float, check_int
from .limits import MAX_WIDTH

#: initialisation schemes accepted by :meth:`Linear.init_params`
INIT_SCHEMES: tuple[str, ...] = ("lab", "normal", "uniform", "zeros")


class Linear:
    """Fully connected layer ``y = x · W + b``.

    ``weight`` has shape ``(N_in, N_out)`` — the transpose of
    ``torch.nn.Linear.weight`` — and ``bias`` has shape ``(N_out,)``; the bias
    is broadcast over the batch dimension.

    Parameters
    ----------
    N_in : int
        Number of input features (1 to :data:`~mlp_widgets.core.limits.MAX_WIDTH`).
    N_out : int
        Number of output features (1 to ``MAX_WIDTH``).
    init : {"lab", "normal", "uniform", "zeros"}
        Initialisation scheme, see :meth:`init_params`. The default ``"lab"``
        draws exactly what the lab's ``init_params`` draws.
    mean, std : float
        Mean and standard deviation for ``init="normal"``.
    generator : torch.Generator, optional
        Source of randomness; the global generator (``torch.manual_seed``)
        when omitted, as in the lab.

    Notes
    -----
    Lab errata: the lab's ``init_params`` docstring says "sampling from uniform
    distribution over [0,1)", but its code draws the weight with
    ``torch.randn_like`` (standard *normal*) and only the bias with
    ``torch.rand_like`` (uniform on [0, 1)). ``init="lab"`` reproduces the
    code, draw for draw: weight first, then bias.
    """

    def __init__(
        self,
        N_in: int,
        N_out: int,
        init: str = "lab",
        *,
        mean: float = 0.0,
        std: float = 0.02,
        generator: torch.Generator | None = None,
    ) -> None:
        self.N_in = check_int("N_in (number of input features)", N_in, 1, MAX_WIDTH)
        self.N_out = check_int("N_out (number of output features)", N_out, 1, MAX_WIDTH)
        self.weight = torch.zeros(self.N_in, self.N_out)
        self.bias = torch.zeros(self.N_out)
        self.init_params(init, mean=mean, std=std, generator=generator)

    def init_params(
        self,
        scheme: str = "lab",
        *,
        mean: float = 0.0,
        std: float = 0.02,
        generator: torch.Generator | None = None,
    ) -> None:
        """(Re)initialise ``weight`` and ``bias`` in place of the old tensors.

        Parameters
        ----------
        scheme : {"lab", "normal", "uniform", "zeros"}
            ``"lab"``: weight ~ N(0, 1) (``randn``), then bias ~ U[0, 1)
            (``rand``) — the lab's code. ``"normal"``: weight ~ N(mean, std²),
            bias = 0 — the lab's ``reset_params`` (Task 1.12).
            ``"uniform"``: weight and bias ~ U(-1/√N_in, 1/√N_in) — the range
            ``torch.nn.Linear`` uses. ``"zeros"``: everything 0 (every unit
            then computes the same thing — try it to see why nobody does).
        mean, std : float
            Parameters of ``"normal"``; ``std`` must be ≥ 0.
        generator : torch.Generator, optional
            Source of randomness (global generator when omitted).
        """
        check_choice("init", scheme, INIT_SCHEMES)
        shape_w, shape_b = (self.N_in, self.N_out), (self.N_out,)
        if scheme == "lab":
            self.weight = torch.randn(shape_w, generator=generator)
            self.bias = torch.rand(shape_b, generator=generator)
        elif scheme == "normal":
            mean = check_float("mean", mean)
            std = check_float("std", std, lo=0.0)
            self.weight = torch.randn(shape_w, generator=generator) * std + mean
            self.bias = torch.zeros(shape_b)
        elif scheme == "uniform":
            bound = 1.0 / math.sqrt(self.N_in)
            self.weight = (2 * torch.rand(shape_w, generator=generator) - 1) * bound
            self.bias = (2 * torch.rand(shape_b, generator=generator) - 1) * bound
        else:
            self.weight = torch.zeros(shape_w)
            self.bias = torch.zeros(shape_b)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``x @ weight + bias`` for ``x`` of shape ``(..., N_in)``.

        Raises
        ------
        ValueError
            If the last dimension of ``x`` is not ``N_in``.
        """
        if x.ndim == 0 or x.shape[-1] != self.N_in:
            raise ValueError(
                f"Linear({self.N_in}, {self.N_out}) expects inputs whose last dimension is "
                f"{self.N_in}; got a tensor of shape {tuple(x.shape)}."
            )
        return x @ self.weight + self.bias

    __call__ = forward

    def parameters(self) -> list[torch.Tensor]:
        """Return ``[weight, bias]``."""
        return [self.weight, self.bias]

    def num_params(self) -> int:
        """Number of scalars in ``weight`` and ``bias``: ``N_in·N_out + N_out``."""
        return self.N_in * self.N_out + self.N_out

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of ``forward(x)`` for ``x`` of ``input_shape``.

        Raises
        ------
        ValueError
            If the last dimension of ``input_shape`` is not ``N_in``.
        """
        input_shape = tuple(input_shape)
        if not input_shape or input_shape[-1] != self.N_in:
            raise ValueError(
                f"Linear({self.N_in}, {self.N_out}) expects inputs whose last dimension is "
                f"{self.N_in}; got shape {input_shape}."
            )
        return input_shape[:-1] + (self.N_out,)

    def __repr__(self) -> str:
        return f"Linear(N_in={self.N_in}, N_out={self.N_out})"
