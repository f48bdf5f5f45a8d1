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

Two bounds keep one evaluation from hurting the kernel that runs it
(:mod:`~mlp_widgets.core.limits`): its buffers stay within a share of
:data:`~mlp_widgets.core.limits.MEMORY_BUDGET`, and its work comes in *units*
of at most about :data:`~mlp_widgets.core.limits.SLICE_WORK` multiply-adds,
so a caller on an event loop can stop between two. A unit is a chunk of
candidates on a block of points: a network too wide to evaluate on every
point within one unit is evaluated block by block (the prediction is
assembled first, so the loss is reduced once, over every point).
:class:`SlicedJob` drives such work in time slices; :class:`LossSample` is
:func:`sample_losses` done that way.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from ._validate import check_choice, check_float, check_int
from .activations import ELU, Activation, LeakyReLU, ReLU, Sigmoid, Tanh
from .limits import ELEMENT_WORK, MAX_SAMPLES, MEMORY_BUDGET, SLICE_WORK
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
#: bytes of an evaluator's buffers (hidden activations, predictions)
EVALUATOR_BYTES = MEMORY_BUDGET // 2
#: bytes of candidate parameters drawn or built at once (drawing them takes about one unit)
THETA_BYTES = MEMORY_BUDGET // 8


def rows_per_block(size: int) -> int:
    """Candidates of ``size`` parameters to draw or build at once: as many as :data:`THETA_BYTES` hold (≥ 1)."""
    return max(1, THETA_BYTES // (4 * max(1, size)))


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
    def work_per_point(self) -> int:
        """Multiply-adds to evaluate one candidate on one point, activations and biases included."""
        return sum(o * (i + ELEMENT_WORK) for o, i in self.shapes)

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
        hidden activations in a 2 MB L2 cache. Fewer are taken together when
        a chunk would not fit the memory share or one unit of work
        (:attr:`plan`); that changes no number.
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
    Per chunk of ``C`` candidates and block of ``M`` points: the first layer
    is one matrix product ``[C·N_out, N_in+1] @ [N_in+1, M]`` (the bias rides
    along as a column against a row of ones), every further layer a batched
    product ``[C, N_out, N_in] @ [C, N_in, M]`` into one of two reused
    buffers, activations are applied in place, and the loss is reduced per
    row once every block of points is predicted. All buffers are allocated
    once and reused. ``M`` is every point unless one candidate on every point
    would exceed one unit of work or the memory share; then the blocks are
    equal and fixed by the network and the data alone, so the numbers never
    depend on timing.
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
        self.plan = _plan(layout, self.n_points, self.chunk)
        self._hidden: tuple[torch.Tensor, torch.Tensor] | None = None
        self._pred = torch.empty(0)
        self._w_aug = torch.empty(0)
        self.compiled = bool(compiled)
        self._fused: Callable[..., torch.Tensor] | None = None
        self._pad = torch.empty(0)

    @property
    def units_per_candidate(self) -> float:
        """Units of work one candidate costs (blocks of points per candidate, over candidates per chunk)."""
        chunk, points = self.plan
        return math.ceil(self.n_points / points) / chunk

    def _ensure_buffers(self) -> None:
        if self._hidden is not None:
            return
        c, m = self.plan
        widest = max(o for o, _ in self.layout.shapes)
        o0, i0 = self.layout.shapes[0]
        self._w_aug = torch.empty(c, o0, i0 + 1)
        # two flat buffers, used in turn by consecutive layers (a product never writes over its input)
        self._hidden = (torch.empty(c * widest * m), torch.empty(c * widest * m))
        self._pred = torch.empty(c, self.n_points)

    def losses(self, theta: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """Loss of every row of ``theta`` (``[K, P]``) as a ``[K]`` tensor.

        Raises
        ------
        ValueError
            If ``theta`` is not ``[K, P]`` with this layout's ``P``.
        """
        out = self._out(theta, out)
        for _ in self.units(theta, out):
            pass
        return out

    def _out(self, theta: torch.Tensor, out: torch.Tensor | None) -> torch.Tensor:
        if theta.ndim != 2 or theta.shape[1] != self.layout.size:
            raise ValueError(
                f"Candidates must be a [K, {self.layout.size}] tensor (one flat parameter vector per row); "
                f"got shape {tuple(theta.shape)}."
            )
        return torch.empty(theta.shape[0]) if out is None else out

    def units(self, theta: torch.Tensor, out: torch.Tensor) -> Iterator[float]:
        """Compute :meth:`losses` into ``out`` one unit of work at a time.

        A generator: each ``next`` does one unit and yields how many rows of
        ``out`` are done so far (a fraction while a row's blocks of points are
        under way), so a caller can stop between two units and resume later
        (the buffers are this evaluator's: one computation at a time).
        """
        self._out(theta, out)
        k = theta.shape[0]
        if self.compiled:
            yield from self._compiled_units(theta, out)
            return
        self._ensure_buffers()
        chunk, points = self.plan
        for start in range(0, k, chunk):
            stop = min(start + chunk, k)
            pred = self._pred[: stop - start]
            for first in range(0, self.n_points, points):
                last = min(first + points, self.n_points)
                with torch.no_grad():
                    self._forward(theta[start:stop], first, last, pred)
                if last < self.n_points:
                    yield start + (stop - start) * last / self.n_points
            with torch.no_grad():
                out[start:stop] = self._reduce(pred)
            yield stop

    def _compiled_units(self, theta: torch.Tensor, out: torch.Tensor) -> Iterator[float]:
        if self._fused is None:
            self._fused = torch.compile(_fused_losses_fn(self.layout, self.loss, self.huber_delta), dynamic=False)
            self._pad = torch.zeros(self.chunk, self.layout.size)
        x = self._x_aug[:-1]
        for start in range(0, theta.shape[0], self.chunk):
            stop = min(start + self.chunk, theta.shape[0])
            block = theta[start:stop]
            if stop - start < self.chunk:
                self._pad[: stop - start] = block
                block = self._pad
            with torch.no_grad():
                out[start:stop] = self._fused(block, x, self.target)[: stop - start]
            yield stop

    def _forward(self, theta: torch.Tensor, first: int, last: int, pred: torch.Tensor) -> None:
        """Predict points ``first:last`` for the candidates ``theta`` into ``pred[:, first:last]``."""
        assert self._hidden is not None
        c, m = theta.shape[0], last - first
        params = self.layout.unflatten(theta)
        h: torch.Tensor | None = None
        turn = 0
        for op in self.layout.ops:
            if isinstance(op, Activation):
                if h is None:
                    raise ValueError("An activation before the first linear layer is not supported in a search.")
                _activation_inplace(op, h)
                continue
            w, b = params[op]
            o = self.layout.shapes[op][0]
            buf = self._hidden[turn][: c * o * m].view(c, o, m)
            turn = 1 - turn
            if h is None:
                w_aug = self._w_aug[:c]
                w_aug[..., :-1] = w
                w_aug[..., -1] = b
                x = self._x_aug if m == self.n_points else self._x_aug[:, first:last]
                torch.mm(w_aug.view(-1, w_aug.shape[-1]), x, out=buf.view(-1, m))
            else:
                torch.bmm(w, h, out=buf)
                buf += b.unsqueeze(-1)
            h = buf
        pred[:, first:last] = h.view(c, m)

    def _reduce(self, pred: torch.Tensor) -> torch.Tensor:
        err = pred.sub_(self.target)
        if self.loss == "mse":
            return err.square_().mean(-1)
        if self.loss == "mae":
            return err.abs_().mean(-1)
        err = err.abs_()
        d = self.huber_delta
        return torch.where(err <= d, 0.5 * err * err, d * (err - 0.5 * d)).mean(-1)


def _plan(layout: ParamLayout, n_points: int, chunk: int) -> tuple[int, int]:
    """``(candidates per chunk, points per block)`` within one unit of work and :data:`EVALUATOR_BYTES`.

    Fixed by the network, the number of points and ``chunk`` alone (never by
    timing), so the numbers an evaluator gives never change between runs.
    """
    widest = max(o for o, _ in layout.shapes)
    work = layout.work_per_point
    # per candidate and point: two hidden buffers; per candidate: the prediction and the first layer's weights
    per_point_bytes = 4 * 2 * widest
    fixed_bytes = 4 * (n_points + layout.shapes[0][0] * (layout.shapes[0][1] + 1))
    fit = min(SLICE_WORK // work, (EVALUATOR_BYTES - fixed_bytes) // per_point_bytes)
    blocks = math.ceil(n_points / max(1, min(n_points, fit)))
    points = math.ceil(n_points / blocks)
    by_work = SLICE_WORK // (work * points)
    by_memory = EVALUATOR_BYTES // (per_point_bytes * points + fixed_bytes)
    return max(1, min(chunk, by_work, by_memory)), points


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

    def predict(self, params: list[tuple[torch.Tensor, torch.Tensor]], points: slice | None = None) -> torch.Tensor:
        """The network's ``[N]`` prediction for per-layer ``(W, b)`` (torch layout); ``points``: only those."""
        h = self.inputs if points is None else self.inputs[points]
        for op in self._modules:
            h = F.linear(h, *params[op]) if isinstance(op, int) else op(h)
        return h.squeeze(-1)

    def loss_of(self, params: list[tuple[torch.Tensor, torch.Tensor]], points: slice | None = None) -> torch.Tensor:
        """The loss (a 0-d tensor, differentiable if the parameters are); ``points``: the loss on those only."""
        pred = self.predict(params, points)
        target = self.target if points is None else self.target[points]
        if self.loss == "huber":
            return self.loss_fn(target, pred, self.huber_delta)
        return self.loss_fn(target, pred)

    def __call__(self, theta: torch.Tensor) -> float:
        """Loss of one flat parameter vector ``[P]``."""
        with torch.no_grad():
            return float(self.loss_of(self.layout.unflatten(theta)))


class SlicedJob:
    """Work that runs a slice at a time, so a caller on an event loop can draw progress and stop it.

    A subclass writes its work as the generator :meth:`_units`, which does one
    unit (at most about :data:`~mlp_widgets.core.limits.SLICE_WORK`
    multiply-adds) per ``next`` and yields the fraction done. Pausing is
    simply not calling :meth:`advance` again; the numbers are the same however
    the work is sliced.

    Attributes
    ----------
    progress : float
        Fraction of the work done, 0 to 1.
    seconds : float
        Time spent computing, over every slice.
    """

    def __init__(self) -> None:
        self.progress = 0.0
        self.seconds = 0.0
        self._work: Iterator[float] | None = None
        self._done = False

    def _units(self) -> Iterator[float]:  # pragma: no cover - every job defines it
        raise NotImplementedError
        yield 0.0

    def _context(self) -> AbstractContextManager[object]:
        """Entered around every slice (e.g. the torch threads the job uses)."""
        return nullcontext()

    @property
    def done(self) -> bool:
        """Whether all the work is done."""
        return self._done

    def advance(self, seconds: float) -> bool:
        """Work for about ``seconds`` (at least one unit); return :attr:`done`.

        A slice ends at most one unit after ``seconds``.
        """
        deadline = time.perf_counter() + check_float("seconds", seconds, lo=0.0)
        if self._done:
            return True
        if self._work is None:
            self._work = self._units()
        started = time.perf_counter()
        try:
            with self._context():
                for fraction in self._work:
                    self.progress = fraction
                    if time.perf_counter() >= deadline:
                        break
                else:
                    self._done, self.progress = True, 1.0
        except BaseException:
            self._work, self.progress = None, 0.0  # an interrupted job starts over, never ends half-done
            raise
        finally:
            self.seconds += time.perf_counter() - started
        return self._done

    def run(self) -> SlicedJob:
        """Do all the remaining work now; return the job."""
        while not self.advance(3600.0):
            pass
        return self

    def _check_done(self) -> None:
        if not self._done:
            raise ValueError(
                f"The computation is {100 * self.progress:.0f} % done: call advance() until it returns True "
                "(or run()) before asking for the result."
            )


class LossSample(SlicedJob):
    """The losses of ``n`` random networks, computed in slices (see :func:`sample_losses`).

    Memory stays bounded whatever ``n`` and the network: candidates are drawn
    a block at a time (at most :data:`THETA_BYTES` of them) and evaluated by a
    :class:`PopulationEvaluator` within its own share. Drawing in blocks
    draws the same numbers as drawing all at once (``torch.rand`` fills
    serially from the stream), so the losses never depend on the blocks.
    Arguments as for :func:`sample_losses`.
    """

    def __init__(
        self,
        n: int,
        net: Net | nn.Module | None = None,
        dataset: Dataset | None = None,
        *,
        loss: str = "mse",
        weight_range: float = 0.025,
        bias_range: float = 0.05,
        seed: int = 0,
        chunk: int = DEFAULT_CHUNK,
    ) -> None:
        from .torchnet import from_torch

        super().__init__()
        self.n = check_int("n (number of random networks)", n, 1, MAX_POPULATION)
        weight_range = check_float("weight_range", weight_range, lo=0.0)
        bias_range = check_float("bias_range", bias_range, lo=0.0)
        self.seed = check_int("seed", seed, 0)
        if net is None:
            net = Net.build(2, (25,), 1, "relu", init="zeros")
        elif isinstance(net, nn.Module):
            net = from_torch(net)
        elif not isinstance(net, Net):
            raise ValueError(f"net must be a Net or a torch nn.Module; got a {type(net).__name__}.")
        dataset = dataset if dataset is not None else lab2_dataset()
        self.layout = ParamLayout.from_net(net)
        x, y = dataset.training(net.features)  # a split's training points: the losses a search compares
        self._evaluator = PopulationEvaluator(self.layout, x, y, loss, chunk=chunk)
        self._scale = self.layout.scales(weight_range, bias_range)
        self._out = torch.empty(self.n)

    def _units(self) -> Iterator[float]:
        generator = torch.Generator().manual_seed(self.seed)
        block = min(self.n, rows_per_block(self.layout.size))
        theta = torch.empty(block, self.layout.size)
        for start in range(0, self.n, block):
            k = min(block, self.n - start)
            draw_uniform(theta[:k], self._scale, generator)
            yield start / self.n
            for done in self._evaluator.units(theta[:k], self._out[start : start + k]):
                yield (start + done) / self.n

    def result(self) -> torch.Tensor:
        """The ``[n]`` losses, in draw order.

        Raises
        ------
        ValueError
            If the work is not done yet.
        """
        self._check_done()
        return self._out


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
    them from ``torch.Generator().manual_seed(seed)``. Runs a
    :class:`LossSample` to the end; use that to compute in slices.

    Returns
    -------
    torch.Tensor
        ``[n]`` losses, in draw order.

    Raises
    ------
    ValueError
        For ``n < 1``, negative ranges, or a network that does not fit the data.
    """
    job = LossSample(
        n, net, dataset, loss=loss, weight_range=weight_range, bias_range=bias_range, seed=seed, chunk=chunk
    )
    job.run()
    return job.result()
