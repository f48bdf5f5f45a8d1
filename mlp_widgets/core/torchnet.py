"""The same networks as ``torch.nn`` modules, and conversion both ways
(Lab 2, Tasks 1.5, 1.11 and 1.12)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from ._validate import check_float, check_int
from .activations import Activation, activation_from_torch
from .limits import MAX_WIDTH
from .linear import Linear
from .net import Net


class TorchNet(nn.Module):
    """The lab's two-layer PyTorch network: ``layer1 → relu → layer2``.

    The modules are created in the lab's order (``layer1``, ``relu``,
    ``layer2``), so ``torch.manual_seed(999); TorchNet(2, 25, 1)`` holds the
    same numbers as the network of the lab's Task 2.2.

    Parameters
    ----------
    N_in, hidden_dim, N_out : int
        Input, hidden and output features.
    """

    def __init__(self, N_in: int, hidden_dim: int, N_out: int) -> None:
        super().__init__()
        N_in = check_int("N_in", N_in, 1, MAX_WIDTH)
        hidden_dim = check_int("hidden_dim", hidden_dim, 1, MAX_WIDTH)
        N_out = check_int("N_out", N_out, 1, MAX_WIDTH)
        self.layer1 = nn.Linear(N_in, hidden_dim)
        self.relu = nn.ReLU()
        self.layer2 = nn.Linear(hidden_dim, N_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``layer2(relu(layer1(x)))``."""
        return self.layer2(self.relu(self.layer1(x)))


class TorchNet1(nn.Module):
    """The lab's single-layer network ``layer → relu`` with ``reset_params``.

    Lab errata: the lab's ``TorchNet1.forward`` calls ``self.layer1``, but the
    layer is stored as ``self.layer``, so the lab's class raises
    ``AttributeError`` on its first forward pass. This one uses ``self.layer``.

    Parameters
    ----------
    N_in, N_out : int
        Input and output features.
    """

    def __init__(self, N_in: int, N_out: int) -> None:
        super().__init__()
        self.layer = nn.Linear(check_int("N_in", N_in, 1, MAX_WIDTH), check_int("N_out", N_out, 1, MAX_WIDTH))
        self.relu = nn.ReLU()
        self.reset_params()

    def reset_params(self, mean: float = 0.0, std: float = 0.02) -> None:
        """Weight ~ N(mean, std²), bias = 0 (Task 1.12 uses mean 0, std 1)."""
        mean = check_float("mean", mean)
        std = check_float("std", std, lo=0.0)
        nn.init.normal_(self.layer.weight, mean=mean, std=std)
        nn.init.constant_(self.layer.bias, 0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``relu(layer(x))``."""
        return self.relu(self.layer(x))


def to_torch(net: Net) -> nn.Sequential:
    """Return an ``nn.Sequential`` equal to ``net``, of any depth.

    Each ``Linear`` becomes an ``nn.Linear`` whose weight is our weight
    **transposed** (torch stores ``(N_out, N_in)``, we store ``(N_in, N_out)``);
    each activation becomes its ``torch.nn`` counterpart. Tensors are copied.
    """
    modules: list[nn.Module] = []
    for layer in net.layers:
        if isinstance(layer, Linear):
            lin = nn.Linear(layer.N_in, layer.N_out)
            with torch.no_grad():
                lin.weight.copy_(layer.weight.T)
                lin.bias.copy_(layer.bias)
            modules.append(lin)
        else:
            modules.append(layer.torch_module())
    return nn.Sequential(*modules)


def from_torch(module: nn.Module) -> Net:
    """Return a from-scratch :class:`Net` equal to a torch module.

    The module's children are read in registration order (true for
    ``nn.Sequential``, :class:`TorchNet` and :class:`TorchNet1`); nested
    ``nn.Sequential`` blocks are flattened. Weights are copied and transposed.

    Raises
    ------
    ValueError
        If a child is neither ``nn.Linear`` nor a supported activation, or a
        linear layer has no bias.
    """
    layers: list[Linear | Activation] = []

    def visit(mod: nn.Module) -> None:
        for child in mod.children():
            if isinstance(child, nn.Sequential):
                visit(child)
            elif isinstance(child, nn.Linear):
                if child.bias is None:
                    raise ValueError("nn.Linear(bias=False) is not supported: our Linear always has a bias.")
                lin = Linear(child.in_features, child.out_features, "zeros")
                lin.weight = child.weight.detach().T.clone().float()
                lin.bias = child.bias.detach().clone().float()
                layers.append(lin)
            else:
                layers.append(activation_from_torch(child))

    visit(module)
    return Net(layers)


#: the seed of the lab's Task 2.2 (``torch.manual_seed(999)``)
LAB_SEED = 999


def lab_net() -> Net:
    """The lab's Task 2.2 network as a core :class:`Net`: ``torch.manual_seed(999)``, then ``TorchNet(2, 25, 1)``.

    It is the starting network of every widget. The global random state is
    left as it was, so building it never changes what a student's own
    ``torch.rand`` draws next.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(LAB_SEED)
        return from_torch(TorchNet(2, 25, 1))


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare`.

    Attributes
    ----------
    allclose : bool
        ``torch.allclose(out_a, out_b, rtol, atol)`` (False if shapes differ).
    max_abs_error : float
        Largest ``|out_a - out_b|`` (``nan`` if shapes differ).
    shape_a, shape_b : tuple of int
        Output shapes.
    """

    allclose: bool
    max_abs_error: float
    shape_a: tuple[int, ...]
    shape_b: tuple[int, ...]

    def __bool__(self) -> bool:
        return self.allclose

    def __str__(self) -> str:
        if self.shape_a != self.shape_b:
            return f"outputs differ in shape: {self.shape_a} vs {self.shape_b}"
        verdict = "identical (allclose)" if self.allclose else "NOT close"
        return f"outputs {verdict}; max abs error {self.max_abs_error:.3g}"


def _run(model: object, x: torch.Tensor) -> torch.Tensor:
    if isinstance(model, nn.Module):
        return model(x)
    forward = getattr(model, "forward", None)
    if callable(forward):
        return forward(x)
    if isinstance(model, Callable):  # a plain function
        return model(x)
    raise ValueError(f"Cannot run a {type(model).__name__}: give a Net, an nn.Module or a function.")


def compare(a: object, b: object, x: torch.Tensor, *, rtol: float = 1e-5, atol: float = 1e-6) -> Comparison:
    """Run ``a`` and ``b`` on ``x`` and compare their outputs.

    Parameters
    ----------
    a, b : Net, nn.Module, layer or callable
        Anything with ``forward(x)`` or callable on ``x``.
    x : torch.Tensor
        The input.
    rtol, atol : float
        Tolerances passed to ``torch.allclose``.

    Returns
    -------
    Comparison
        ``allclose`` and the max absolute error (truthy when close).
    """
    with torch.no_grad():
        out_a, out_b = _run(a, x), _run(b, x)
    shape_a, shape_b = tuple(out_a.shape), tuple(out_b.shape)
    if shape_a != shape_b:
        return Comparison(False, float("nan"), shape_a, shape_b)
    diff = (out_a.double() - out_b.double()).abs()
    max_err = float(diff.max()) if diff.numel() else 0.0
    close = bool(torch.allclose(out_a, out_b, rtol=rtol, atol=atol))
    return Comparison(close, max_err, shape_a, shape_b)
