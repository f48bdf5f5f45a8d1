"""The loss landscape: the loss on a 2-D slice of parameter space around a network's weights.

After Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets": pick two
random directions ``d1``, ``d2`` in parameter space, *filter-normalise* them —
each row of a direction's weight matrix (one output unit's incoming weights,
torch's ``(N_out, N_in)`` layout) is rescaled to the norm of the matching row
of the network's weight, and the bias entries are zeroed — and evaluate

    L(α, β) = loss(θ + α·d1 + β·d2)

on a grid of ``(α, β)``. Without the normalisation a step of 1 would mean
something different in every layer (and every network); with it, α = 1 moves
each unit by as much as its own weights are long.

All grid points are evaluated in batches by
:class:`~mlp_widgets.core.batched.PopulationEvaluator`, for a network of any
depth. A :class:`LandscapeJob` computes them in time slices (a caller on an
event loop draws its progress and can stop it); :func:`loss_landscape` runs
one to the end.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass

import numpy as np
import torch

from ._validate import check_choice, check_float, check_int
from .batched import ParamLayout, PopulationEvaluator, SlicedJob, rows_per_block
from .limits import LANDSCAPE_POINTS_MAX, LANDSCAPE_POINTS_MIN, MAX_SPAN
from .losses import LOSSES, get_loss
from .net import Net
from .targets import Dataset
from .threads import torch_threads

#: multiply-adds per candidate below which one torch thread is fastest (the lab's net: 1.9e5)
_SMALL_WORK = 2_000_000


def filter_normalized_direction(
    net: Net, generator: torch.Generator | None = None, *, layout: ParamLayout | None = None
) -> torch.Tensor:
    """A random direction in ``net``'s parameter space, filter-normalised (Li et al. 2018).

    Each weight matrix of the direction is drawn ``~ N(0, 1)`` and each of its
    rows (in torch's ``(N_out, N_in)`` layout, one per output unit) is rescaled
    to the norm of the same row of the network's weight; bias entries are 0.

    Parameters
    ----------
    net : Net
        The network whose weights set the row norms.
    generator : torch.Generator, optional
        Source of randomness (the global generator when omitted).
    layout : ParamLayout, optional
        ``ParamLayout.from_net(net)``, if already at hand.

    Returns
    -------
    torch.Tensor
        A flat ``[P]`` vector in :class:`~mlp_widgets.core.batched.ParamLayout` order.
    """
    layout = layout or ParamLayout.from_net(net)
    theta = layout.flatten(net)
    direction = torch.zeros(layout.size)
    for (w, _b), (d_w, d_b) in zip(layout.unflatten(theta), layout.unflatten(direction), strict=True):
        rand = torch.randn(w.shape, generator=generator).double()
        rand_norm = rand.norm(dim=1, keepdim=True).clamp_min(1e-12)
        # float64: the squares of huge weights (|w| > 1e19) overflow float32
        d_w.copy_(rand / rand_norm * w.double().norm(dim=1, keepdim=True))
        d_b.zero_()
    return direction


def random_directions(net: Net, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two filter-normalised directions drawn from ``torch.Generator().manual_seed(seed)``.

    The global random state is not touched.
    """
    seed = check_int("seed", seed, 0, 2**63 - 1)
    generator = torch.Generator().manual_seed(seed)
    layout = ParamLayout.from_net(net)
    return (
        filter_normalized_direction(net, generator, layout=layout),
        filter_normalized_direction(net, generator, layout=layout),
    )


def landscape_axis(n: int, span: float) -> np.ndarray:
    """``n`` evenly spaced steps over ``[-span, span]``; for odd ``n`` the middle one is exactly 0."""
    half = (n - 1) / 2
    return (np.arange(n) - half) * (span / half)


@dataclass(frozen=True, eq=False)
class Landscape:
    """The loss on a grid around a network's weights.

    Attributes
    ----------
    alphas, betas : ndarray, shape (n,)
        Steps along the first and second direction.
    losses : ndarray, shape (n, n)
        ``losses[i, j]`` is the loss at ``θ + alphas[j]·d1 + betas[i]·d2``
        (``meshgrid`` order: rows follow β, columns α). May hold ``inf``/``nan``
        where the network overflows.
    center_loss : float
        The loss at ``(0, 0)``, i.e. of the network itself.
    directions : (Tensor, Tensor)
        ``d1`` and ``d2`` as flat ``[P]`` vectors.
    loss, seed, span :
        How it was computed.
    seconds : float
        Wall time of the computation.
    """

    alphas: np.ndarray
    betas: np.ndarray
    losses: np.ndarray
    center_loss: float
    directions: tuple[torch.Tensor, torch.Tensor]
    loss: str
    seed: int
    span: float
    seconds: float

    @property
    def n(self) -> int:
        """Grid points per axis."""
        return int(self.alphas.size)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(α_min, α_max, β_min, β_max)`` for an image of :attr:`losses`."""
        return float(self.alphas[0]), float(self.alphas[-1]), float(self.betas[0]), float(self.betas[-1])

    @property
    def n_nonfinite(self) -> int:
        """Grid points where the loss is ``inf`` or ``nan``."""
        return int((~np.isfinite(self.losses)).sum())

    def argmin(self) -> tuple[float, float, float]:
        """``(α, β, loss)`` of the lowest finite loss on the grid (``nan``s if there is none)."""
        finite = np.where(np.isfinite(self.losses), self.losses, np.inf)
        if not np.isfinite(finite).any():
            return math.nan, math.nan, math.nan
        i, j = np.unravel_index(int(np.argmin(finite)), finite.shape)
        return float(self.alphas[j]), float(self.betas[i]), float(self.losses[i, j])


def _check_net_and_data(net: Net, dataset: Dataset) -> ParamLayout:
    if not isinstance(net, Net):
        raise ValueError(f"The landscape needs a core Net; got a {type(net).__name__}.")
    if not isinstance(dataset, Dataset):
        raise ValueError(f"The landscape needs a Dataset; got a {type(dataset).__name__}.")
    wanted = dataset.nodes.shape[1] + len(net.features)
    if net.n_in != wanted or net.n_out != 1:
        raise ValueError(
            f"The loss landscape needs a network with {wanted} inputs and 1 output "
            f"(x, y → ŷ); this one has {net.n_in} inputs and {net.n_out} outputs."
        )
    return ParamLayout.from_net(net)


def auto_threads(layout: ParamLayout, n_points: int) -> int | None:
    """1 for small networks (splitting their small products costs more than it saves, and much
    more on a busy machine; ``benchmarks/bench_landscape.py`` compares them);
    ``None`` (torch's own setting) for bigger ones."""
    work = n_points * sum(o * i for o, i in layout.shapes)
    return 1 if work < _SMALL_WORK else None


class LandscapeJob(SlicedJob):
    """The loss of ``net`` on ``dataset`` over an ``n × n`` grid of ``θ + α·d1 + β·d2``, computed in slices.

    :meth:`advance` evaluates grid points for about the given time (at most
    one unit of work more, see :class:`~mlp_widgets.core.batched.SlicedJob`);
    :attr:`progress` says how far it is; :meth:`result` gives the
    :class:`Landscape` once :attr:`done`. The numbers do not depend on the
    slices: :func:`loss_landscape` runs the same job to the end. Memory stays
    within the evaluator's share of :data:`~mlp_widgets.core.limits.MEMORY_BUDGET`
    plus one block of grid points' parameters.

    Parameters
    ----------
    net : Net
        The network (any depth; ``dataset``'s inputs in, 1 output).
    dataset : Dataset
        Inputs and target.
    n : int
        Grid points per axis (3 to 51); odd ``n`` puts ``(0, 0)`` on the grid.
    span : float
        The grid covers ``α, β ∈ [-span, span]`` (above 0, at most 100).
    seed : int
        Seed of the two random directions (the global random state is not touched).
    loss : {"mse", "mae", "huber"}
        The loss.
    huber_delta : float
        ``delta`` of the Huber loss.
    directions : (Tensor, Tensor), optional
        Use these ``[P]`` directions instead of drawing them from ``seed``.
    progress : callable, optional
        Called as ``progress(done, total)`` after each block of grid points.
    threads : int or None
        Torch threads used while computing (restored after each slice); ``-1``
        picks with :func:`auto_threads`, ``None`` keeps torch's setting.

    Raises
    ------
    ValueError
        For a bad grid size, span, seed or loss, or a network that does not fit the data.
    """

    def __init__(
        self,
        net: Net,
        dataset: Dataset,
        *,
        n: int = 25,
        span: float = 1.0,
        seed: int = 0,
        loss: str = "mse",
        huber_delta: float = 1.0,
        directions: tuple[torch.Tensor, torch.Tensor] | None = None,
        progress: Callable[[int, int], object] | None = None,
        threads: int | None = -1,
    ) -> None:
        super().__init__()
        started = time.perf_counter()
        self.n = check_int("grid size", n, LANDSCAPE_POINTS_MIN, LANDSCAPE_POINTS_MAX)
        self.span = check_float("span", span, lo=0.0, lo_open=True, hi=MAX_SPAN)
        self.seed = check_int("seed", seed, 0, 2**63 - 1)
        self.loss = check_choice("loss", loss, tuple(LOSSES))
        self.layout = layout = _check_net_and_data(net, dataset)
        x, y = dataset.training(net.features)  # the loss the search descends: on the training points
        if threads == -1:
            threads = auto_threads(layout, x.shape[0])
        elif threads is not None:
            threads = check_int("threads", threads, 1, 256)
        self._threads = threads
        self._evaluator = PopulationEvaluator(layout, x, y, self.loss, chunk=8, huber_delta=huber_delta)
        if directions is None:
            directions = random_directions(net, self.seed)
        d1, d2 = (torch.as_tensor(d, dtype=torch.float32).reshape(-1) for d in directions)
        if d1.numel() != layout.size or d2.numel() != layout.size:
            raise ValueError(f"Each direction must have {layout.size} entries (one per parameter).")
        self.directions = (d1, d2)
        self._theta0 = layout.flatten(net)
        self._axis = landscape_axis(self.n, self.span)
        self._on_progress = progress
        self._out = torch.empty(self.n * self.n)
        self._center = math.nan
        self.seconds = time.perf_counter() - started

    def _context(self) -> AbstractContextManager[object]:
        # entered per slice, never held across a yield: a suspended job must leave grad mode and threads alone
        stack = ExitStack()
        stack.enter_context(torch_threads(self._threads))
        stack.enter_context(torch.no_grad())
        return stack

    def _units(self) -> Iterator[float]:
        layout, (d1, d2), n = self.layout, self.directions, self.n
        a_grid, b_grid = np.meshgrid(self._axis, self._axis)  # rows follow β, columns α
        alphas = torch.from_numpy(a_grid.ravel().astype(np.float32))
        betas = torch.from_numpy(b_grid.ravel().astype(np.float32))
        total = n * n
        block = min(n, rows_per_block(layout.size))  # at most one grid row per progress report
        theta = torch.empty(block, layout.size)
        for first in range(0, total, block):
            k = min(block, total - first)
            rows = theta[:k]
            rows.copy_(self._theta0.expand(k, -1))
            rows.addcmul_(alphas[first : first + k, None], d1)
            rows.addcmul_(betas[first : first + k, None], d2)
            for done in self._evaluator.units(rows, self._out[first : first + k]):
                yield (first + done) / (total + 1)
            if self._on_progress is not None:
                self._on_progress(first + k, total)
        self._center = float(self._evaluator.losses(self._theta0[None, :])[0])

    def result(self) -> Landscape:
        """The landscape.

        Raises
        ------
        ValueError
            If the work is not done yet.
        """
        self._check_done()
        return Landscape(
            alphas=self._axis.copy(),
            betas=self._axis.copy(),
            losses=self._out.numpy().astype(np.float64).reshape(self.n, self.n),
            center_loss=self._center,
            directions=self.directions,
            loss=self.loss,
            seed=self.seed,
            span=self.span,
            seconds=self.seconds,
        )


def loss_landscape(
    net: Net,
    dataset: Dataset,
    *,
    n: int = 25,
    span: float = 1.0,
    seed: int = 0,
    loss: str = "mse",
    huber_delta: float = 1.0,
    directions: tuple[torch.Tensor, torch.Tensor] | None = None,
    progress: Callable[[int, int], object] | None = None,
    threads: int | None = -1,
) -> Landscape:
    """The loss of ``net`` on ``dataset`` over an ``n × n`` grid of ``θ + α·d1 + β·d2``.

    Runs a :class:`LandscapeJob` (same arguments) to the end; use that to
    compute in slices.

    Returns
    -------
    Landscape

    Raises
    ------
    ValueError
        For a bad grid size, span, seed or loss, or a network that does not fit the data.
    """
    job = LandscapeJob(
        net, dataset, n=n, span=span, seed=seed, loss=loss, huber_delta=huber_delta,
        directions=directions, progress=progress, threads=threads,
    )  # fmt: skip
    job.run()
    return job.result()


def point_loss(
    net: Net,
    dataset: Dataset,
    directions: tuple[torch.Tensor, torch.Tensor],
    alpha: float,
    beta: float,
    loss: str = "mse",
    huber_delta: float = 1.0,
) -> float:
    """The loss at one point ``θ + α·d1 + β·d2``, computed the plain way (a moved copy of ``net``,
    its forward pass, the core loss) — the per-point reference for :func:`loss_landscape`."""
    layout = ParamLayout.from_net(net)
    theta = layout.flatten(net) + float(alpha) * directions[0] + float(beta) * directions[1]
    moved = layout.to_net(theta, net)
    fn = get_loss(loss).fn
    x, y = dataset.training(net.features)
    with torch.no_grad():
        pred = moved.forward(x).squeeze(-1)
        value = fn(y, pred, huber_delta) if loss == "huber" else fn(y, pred)
    return float(value)
