"""Evaluate a population of candidate networks in one go (Lab 2, section 4, made fast).

A candidate network is one flat parameter vector. Its layout is the lab's
draw order: for each linear layer, the weight in ``torch.nn.Linear``'s
``(N_out, N_in)`` layout (row-major), then the bias. A population of ``K``
candidates is a ``[K, P]`` tensor, so one ``torch.rand`` call draws ``K``
candidates exactly as ``K`` iterations of the lab's loop would.

:class:`PopulationEvaluator` computes the loss of every row. It works on
chunks of a few candidates so the hidden activations (``chunk × width × N``
floats) stay in the CPU's cache, and it reuses preallocated buffers across
calls: allocating fresh ``[K, …]`` tensors every call makes the batched
version *slower* than a plain loop (page faults dominate).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from ._validate import check_choice, check_float, check_int
from .activations import ELU, Activation, LeakyReLU, ReLU, Sigmoid, Tanh
from .limits import MAX_SAMPLES
from .linear import Linear
from .losses import LOSSES, get_loss
from .net import Net
from .targets import Dataset, lab2_dataset

#: largest population drawn and evaluated at once
MAX_POPULATION = MAX_SAMPLES
#: largest chunk of candidates evaluated together
MAX_CHUNK = 4096
#: default chunk: 8 candidates of the lab's 2→25→1 net keep 2 MB of hidden activations in L2
DEFAULT_CHUNK = 8


@dataclass(frozen=True)
class ParamLayout:
    """Where each layer's weight and bias sit in a flat parameter vector.

    Attributes
    ----------
    shapes : tuple of (int, int)
        ``(N_out, N_in)`` of each linear layer, in order (torch's layout).
    ops : tuple
        The network as a sequence: an ``int`` is the index of a linear
        layer in ``shapes``, an :class:`Activation` is applied element-wise.
    """

    shapes: tuple[tuple[int, int], ...]
    ops: tuple[int | Activation, ...]

    @classmethod
    def from_net(cls, net: Net) -> ParamLayout:
        """The layout of a core :class:`Net` (any depth)."""
        shapes: list[tuple[int, int]] = []
        ops: list[int | Activation] = []
        for layer in net.layers:
            if isinstance(layer, Linear):
                ops.append(len(shapes))
                shapes.append((layer.N_out, layer.N_in))
            else:
                ops.append(layer)
        if not shapes:
            raise ValueError("The network has no linear layer: there is nothing to search over.")
        return cls(tuple(shapes), tuple(ops))

    @property
    def size(self) -> int:
        """Number of parameters ``P``."""
        return sum(o * i + o for o, i in self.shapes)

    @property
    def n_in(self) -> int:
        """Input features."""
        return self.shapes[0][1]

    @property
    def n_out(self) -> int:
        """Output features."""
        return self.shapes[-1][0]

    def offsets(self) -> list[tuple[int, int, int]]:
        """``(weight_start, bias_start, end)`` of each linear layer."""
        out, pos = [], 0
        for o, i in self.shapes:
            out.append((pos, pos + o * i, pos + o * i + o))
            pos += o * i + o
        return out

    def unflatten(self, theta: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Views ``(W, b)`` per layer of ``theta`` of shape ``[..., P]``.

        ``W`` has shape ``[..., N_out, N_in]`` and ``b`` ``[..., N_out]``.
        """
        lead = theta.shape[:-1]
        return [
            (theta[..., w0:b0].reshape(*lead, o, i), theta[..., b0:end])
            for (o, i), (w0, b0, end) in zip(self.shapes, self.offsets(), strict=True)
        ]

    def scales(self, weight_range: float, bias_range: float) -> torch.Tensor:
        """A ``[P]`` vector holding ``weight_range`` at weights and ``bias_range`` at biases."""
        scale = torch.empty(self.size)
        for w0, b0, end in self.offsets():
            scale[w0:b0] = weight_range
            scale[b0:end] = bias_range
        return scale

    def flatten(self, net: Net) -> torch.Tensor:
        """The parameters of ``net`` as a flat ``[P]`` vector (weights transposed to torch's layout)."""
        parts = []
        for lin in net.linear_layers:
            parts += [lin.weight.detach().T.reshape(-1), lin.bias.detach().reshape(-1)]
        return torch.cat(parts).float()

    def to_net(self, theta: torch.Tensor, template: Net) -> Net:
        """A copy of ``template`` holding the parameters ``theta`` (shape ``[P]``)."""
        net = template.copy()
        for lin, (w, b) in zip(net.linear_layers, self.unflatten(theta.detach()), strict=True):
            lin.weight = w.T.contiguous().clone()
            lin.bias = b.clone()
        return net


def draw_uniform(out: torch.Tensor, scale: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill ``out`` (``[K, P]``) with ``scale · (1 − 2u)``, ``u ~ U[0, 1)``, in place.

    The arithmetic is the lab's, ``0.025 * (-2 * torch.rand(shape) + 1)``,
    step for step in float32, so the numbers are bit-identical; and because a
    row holds the layers in the lab's order, row ``k`` is what the lab's
    ``k``-th iteration draws (``torch.rand`` fills serially from the stream).
    """
    torch.rand(out.shape, generator=generator, out=out)
    return out.mul_(-2).add_(1).mul_(scale)


def _activation_inplace(act: Activation, x: torch.Tensor) -> None:
    """Apply ``act`` to ``x`` in place (torch kernels where one exists)."""
    if type(act) is ReLU:
        x.relu_()
    elif type(act) is Tanh:
        x.tanh_()
    elif type(act) is Sigmoid:
        x.sigmoid_()
    elif type(act) is LeakyReLU:
        F.leaky_relu_(x, act.negative_slope)
    elif type(act) is ELU:
        F.elu_(x, act.alpha)
    else:
        x.copy_(act.forward(x))


class PopulationEvaluator:
    """Losses of many candidate networks on one dataset.

    Parameters
    ----------
    layout : ParamLayout
        The network's shape (its last layer must have one output).
    inputs : torch.Tensor
        ``[N, n_in]`` inputs.
    target : torch.Tensor
        ``[N]`` target values.
    loss : {"mse", "mae", "huber"}
        Loss of :data:`~mlp_widgets.core.losses.LOSSES`, comparing the
        prediction ``[N]`` (last layer squeezed) with the target.
    chunk : int
        Candidates evaluated together (1 to 4096). About 8 keeps the lab's
        hidden activations in a 2 MB L2 cache.
    huber_delta : float
        ``delta`` of the Huber loss.
    compiled : bool
        Evaluate each chunk with one fused kernel made by ``torch.compile``
        (needs a C++ compiler; the first call compiles for ~20 s). It never
        stores the hidden activations, so it is several times faster; use a
        large ``chunk`` (e.g. 256) with it. The last chunk is padded to the
        full size so the kernel is compiled once.

    Notes
    -----
    Per chunk of ``C`` candidates: the first layer is one matrix product
    ``[C·N_out, N_in+1] @ [N_in+1, N]`` (the bias rides along as a column
    against a row of ones), every further layer a batched product
    ``[C, N_out, N_in] @ [C, N_in, N]`` into a reused buffer, activations
    are applied in place, and the loss is reduced per row. All buffers are
    allocated once and reused.
    """

    def __init__(
        self,
        layout: ParamLayout,
        inputs: torch.Tensor,
        target: torch.Tensor,
        loss: str = "mse",
        *,
        chunk: int = DEFAULT_CHUNK,
        huber_delta: float = 1.0,
        compiled: bool = False,
    ) -> None:
        self.layout = layout
        self.loss = check_choice("loss", loss, tuple(LOSSES))
        self.chunk = check_int("chunk", chunk, 1, MAX_CHUNK)
        self.huber_delta = check_float("huber_delta", huber_delta, lo=0.0, lo_open=True)
        inputs = torch.as_tensor(inputs, dtype=torch.float32)
        target = torch.as_tensor(target, dtype=torch.float32).reshape(-1)
        if inputs.ndim != 2 or inputs.shape[1] != layout.n_in:
            raise ValueError(
                f"The network expects {layout.n_in} input features, so inputs must have shape (N, {layout.n_in}); "
                f"got {tuple(inputs.shape)}."
            )
        if layout.n_out != 1:
            raise ValueError(
                f"The target has one value per point, so the network needs 1 output; it has {layout.n_out}."
            )
        if target.numel() != inputs.shape[0]:
            raise ValueError(f"Expected one target value per input point ({inputs.shape[0]}); got {target.numel()}.")
        self.n_points = int(inputs.shape[0])
        self.target = target.contiguous()
        # inputs transposed, with a row of ones that multiplies the first layer's bias
        self._x_aug = torch.cat([inputs.T, torch.ones(1, self.n_points)]).contiguous()
        self._buffers: list[torch.Tensor] = []
        self._w_aug = torch.empty(0)
        self.compiled = bool(compiled)
        self._fused: Callable[..., torch.Tensor] | None = None
        self._pad = torch.empty(0)

    def _ensure_buffers(self) -> None:
        if self._buffers:
            return
        c, n = self.chunk, self.n_points
        o0, i0 = self.layout.shapes[0]
        self._w_aug = torch.empty(c, o0, i0 + 1)
        self._buffers = [torch.empty(c, o, n) for o, _ in self.layout.shapes]

    def losses(self, theta: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """Loss of every row of ``theta`` (``[K, P]``) as a ``[K]`` tensor.

        Raises
        ------
        ValueError
            If ``theta`` is not ``[K, P]`` with this layout's ``P``.
        """
        if theta.ndim != 2 or theta.shape[1] != self.layout.size:
            raise ValueError(
                f"Candidates must be a [K, {self.layout.size}] tensor (one flat parameter vector per row); "
                f"got shape {tuple(theta.shape)}."
            )
        k = theta.shape[0]
        if out is None:
            out = torch.empty(k)
        if self.compiled:
            return self._compiled_losses(theta, out)
        self._ensure_buffers()
        with torch.no_grad():
            for start in range(0, k, self.chunk):
                stop = min(start + self.chunk, k)
                out[start:stop] = self._chunk_losses(theta[start:stop])
        return out

    def _compiled_losses(self, theta: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        if self._fused is None:
            self._fused = torch.compile(_fused_losses_fn(self.layout, self.loss, self.huber_delta), dynamic=False)
            self._pad = torch.zeros(self.chunk, self.layout.size)
        x = self._x_aug[:-1]
        with torch.no_grad():
            for start in range(0, theta.shape[0], self.chunk):
                stop = min(start + self.chunk, theta.shape[0])
                block = theta[start:stop]
                if stop - start < self.chunk:
                    self._pad[: stop - start] = block
                    block = self._pad
                out[start:stop] = self._fused(block, x, self.target)[: stop - start]
        return out

    def _chunk_losses(self, theta: torch.Tensor) -> torch.Tensor:
        c = theta.shape[0]
        params = self.layout.unflatten(theta)
        h: torch.Tensor | None = None
        for op in self.layout.ops:
            if isinstance(op, Activation):
                if h is None:
                    raise ValueError("An activation before the first linear layer is not supported in a search.")
                _activation_inplace(op, h)
                continue
            w, b = params[op]
            buf = self._buffers[op][:c]
            if h is None:
                w_aug = self._w_aug[:c]
                w_aug[..., :-1] = w
                w_aug[..., -1] = b
                torch.mm(w_aug.view(-1, w_aug.shape[-1]), self._x_aug, out=buf.view(-1, self.n_points))
            else:
                torch.bmm(w, h, out=buf)
                buf += b.unsqueeze(-1)
            h = buf
        pred = h.view(c, self.n_points)
        return self._reduce(pred)

    def _reduce(self, pred: torch.Tensor) -> torch.Tensor:
        err = pred.sub_(self.target)
        if self.loss == "mse":
            return err.square_().mean(-1)
        if self.loss == "mae":
            return err.abs_().mean(-1)
        err = err.abs_()
        d = self.huber_delta
        return torch.where(err <= d, 0.5 * err * err, d * (err - 0.5 * d)).mean(-1)


def _fused_losses_fn(layout: ParamLayout, loss: str, delta: float) -> Callable[..., torch.Tensor]:
    """A function ``(theta [C, P], x [n_in, N], y [N]) -> [C]`` written for ``torch.compile``.

    Each linear layer is a broadcast multiply and a sum, which the compiler
    fuses with the activations and the loss into loops that keep everything
    in registers; run eagerly it would be slow and memory-hungry.
    """
    ops = [op if isinstance(op, int) else op.torch_module() for op in layout.ops]
    slices = list(zip(layout.shapes, layout.offsets(), strict=True))

    def fused(theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        c = theta.shape[0]
        h = x.unsqueeze(0)
        for op in ops:
            if isinstance(op, int):
                (o, i), (w0, b0, end) = slices[op]
                w = theta[:, w0:b0].reshape(c, o, i)
                h = (w.unsqueeze(-1) * h.unsqueeze(1)).sum(2) + theta[:, b0:end].unsqueeze(-1)
            else:
                h = op(h)
        err = h[:, 0, :] - y
        if loss == "mse":
            return (err * err).mean(-1)
        err = err.abs()
        if loss == "mae":
            return err.mean(-1)
        return torch.where(err <= delta, 0.5 * err * err, delta * (err - 0.5 * delta)).mean(-1)

    return fused


class SingleEvaluator:
    """Loss of one candidate, computed the way ``torch.nn`` computes it.

    Each linear layer is ``F.linear`` (what ``nn.Linear`` runs), each
    activation its ``torch.nn`` module, and the loss the core's loss on
    ``prediction.squeeze(-1)``: the same floats as the lab's loop (fixed),
    bit for bit. Used for batch size 1 and for gradient steps.
    """

    def __init__(
        self,
        layout: ParamLayout,
        inputs: torch.Tensor,
        target: torch.Tensor,
        loss: str = "mse",
        *,
        huber_delta: float = 1.0,
    ) -> None:
        self.layout = layout
        self.loss_fn = get_loss(loss).fn
        self.loss = loss
        self.huber_delta = check_float("huber_delta", huber_delta, lo=0.0, lo_open=True)
        self.inputs = torch.as_tensor(inputs, dtype=torch.float32)
        self.target = torch.as_tensor(target, dtype=torch.float32).reshape(-1)
        self._modules: list[int | nn.Module] = [op if isinstance(op, int) else op.torch_module() for op in layout.ops]

    def predict(self, params: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """The network's ``[N]`` prediction for per-layer ``(W, b)`` (torch layout)."""
        h = self.inputs
        for op in self._modules:
            h = F.linear(h, *params[op]) if isinstance(op, int) else op(h)
        return h.squeeze(-1)

    def loss_of(self, params: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """The loss (a 0-d tensor, differentiable if the parameters are)."""
        pred = self.predict(params)
        if self.loss == "huber":
            return self.loss_fn(self.target, pred, self.huber_delta)
        return self.loss_fn(self.target, pred)

    def __call__(self, theta: torch.Tensor) -> float:
        """Loss of one flat parameter vector ``[P]``."""
        with torch.no_grad():
            return float(self.loss_of(self.layout.unflatten(theta)))


def sample_losses(
    n: int,
    net: Net | nn.Module | None = None,
    dataset: Dataset | None = None,
    *,
    loss: str = "mse",
    weight_range: float = 0.025,
    bias_range: float = 0.05,
    seed: int = 0,
    chunk: int = DEFAULT_CHUNK,
) -> torch.Tensor:
    """Losses of ``n`` random networks: "how good is a random network?".

    Each network has the architecture of ``net`` (default: the lab's
    2→25→1 ReLU net) with weights ``~ U(-weight_range, weight_range)`` and
    biases ``~ U(-bias_range, bias_range)``, drawn as the lab's loop draws
    them from ``torch.Generator().manual_seed(seed)``.

    Returns
    -------
    torch.Tensor
        ``[n]`` losses, in draw order.

    Raises
    ------
    ValueError
        For ``n < 1``, negative ranges, or a network that does not fit the data.
    """
    from .torchnet import from_torch

    n = check_int("n (number of random networks)", n, 1, MAX_POPULATION)
    weight_range = check_float("weight_range", weight_range, lo=0.0)
    bias_range = check_float("bias_range", bias_range, lo=0.0)
    seed = check_int("seed", seed, 0)
    if net is None:
        net = Net.build(2, (25,), 1, "relu", init="zeros")
    elif isinstance(net, nn.Module):
        net = from_torch(net)
    elif not isinstance(net, Net):
        raise ValueError(f"net must be a Net or a torch nn.Module; got a {type(net).__name__}.")
    dataset = dataset if dataset is not None else lab2_dataset()
    layout = ParamLayout.from_net(net)
    evaluator = PopulationEvaluator(layout, dataset.inputs, dataset.ground_truth, loss, chunk=chunk)
    generator = torch.Generator().manual_seed(seed)
    scale = layout.scales(weight_range, bias_range)
    block = 4096
    theta = torch.empty(min(n, block), layout.size)
    out = torch.empty(n)
    for start in range(0, n, block):
        k = min(block, n - start)
        draw_uniform(theta[:k], scale, generator)
        evaluator.losses(theta[:k], out[start : start + k])
    return out
