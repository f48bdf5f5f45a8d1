"""Random search: the training loop of Lab 2, section 4, done right.

The lab redraws every weight at random until the loss is below a threshold
ε. Its loop has two faults, fixed here: the evaluation sits *inside* the
per-layer loop (so it evaluates half-redrawn networks), and it forgets the
best network it has seen. :class:`RandomSearch` runs that loop one
:meth:`~RandomSearch.step` at a time, with three other strategies to race
against it.

Strategies (:data:`STRATEGIES`)
-------------------------------
``"redraw"``
    The lab's loop, fixed: every iteration draws all layers afresh
    (weights ``~ U(-0.025, 0.025)``, biases ``~ U(-0.05, 0.05)``), then
    evaluates once. The current network is the last draw (as in the lab);
    the best one is remembered.
``"keep-best"``
    Classic random search: draw, keep if better. It draws the very same
    candidates as ``"redraw"``, so its best loss is the same; the difference
    is that its current network is always the best one.
``"perturb"``
    Hill climbing, a (1+1)-evolution strategy: add Gaussian noise of scale
    ``sigma`` to the best weights, keep if better; with ``adapt_sigma`` the
    1/5th success rule grows ``sigma`` after a success and shrinks it
    after a failure.
``"gradient"``
    For comparison: ``torch.optim.Adam`` (or SGD) on the same loss, one step
    per :meth:`~RandomSearch.step`.

Bounded steps
-------------
A step's candidates are drawn and evaluated a block at a time, so its memory
stays within :data:`~mlp_widgets.core.limits.MEMORY_BUDGET` whatever the
batch size and the network; and its work comes in units of at most about
:data:`~mlp_widgets.core.limits.SLICE_WORK` multiply-adds.
:meth:`~RandomSearch.advance` runs steps for a given time and may stop in the
middle of a step (many or wide candidates), to finish it in the next call;
:meth:`~RandomSearch.step` runs a whole step. Either way the numbers are the
same.

Randomness
----------
Every draw comes from ``torch.Generator().manual_seed(seed)``. That
generator gives the same stream as the global one after
``torch.manual_seed(seed)``, so ``"redraw"`` with batch size 1 draws what
the lab's loop draws after ``torch.manual_seed(seed)``, draw for draw. Uniform
draws are the same in blocks as at once; Gaussian ones (``"perturb"``) are drawn
at once unless a batch of candidates is bigger than one block of parameters
(:func:`~mlp_widgets.core.batched.rows_per_block`), which depends on the
settings alone.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn

from ._validate import check_choice, check_float, check_int
from .batched import (
    DEFAULT_CHUNK,
    MAX_CHUNK,
    ParamLayout,
    PopulationEvaluator,
    SingleEvaluator,
    draw_uniform,
    rows_per_block,
)
from .limits import MAX_CANDIDATES, MAX_L2, SLICE_WORK
from .losses import LOSSES
from .net import Net
from .targets import Dataset, lab2_dataset
from .torchnet import from_torch

#: strategy names accepted by :class:`RandomSearch`, with their names in plain words
STRATEGY_LABELS: dict[str, str] = {
    "redraw": "redraw (the lab's loop)",
    "keep-best": "keep-best random search",
    "perturb": "perturb (hill climbing)",
    "gradient": "gradient descent (Adam)",
}
STRATEGIES: tuple[str, ...] = tuple(STRATEGY_LABELS)
#: optimizers of the ``"gradient"`` strategy
OPTIMIZERS: tuple[str, ...] = ("adam", "sgd")
#: the lab's stop criteria
LAB_EPSILON, LAB_MAX_ITERS = 1e-5, 50
#: 1/5th rule: multiply sigma by this after a success, by its -1/4 power after a failure
SIGMA_GROWTH = 1.5
#: stop reasons
THRESHOLD_MET, MAX_ITERATIONS = "threshold met", "max iterations"


@dataclass(frozen=True, slots=True)
class SearchRecord:
    """What one :meth:`RandomSearch.step` did.

    Attributes
    ----------
    iteration : int
        1 for the first step.
    candidate_loss : float
        Loss of this step's candidate (the best of the batch when the batch
        size is above 1; for ``"gradient"``, the loss before the update).
    best_loss : float
        Best loss seen so far, this step included.
    accepted : bool
        Whether this step improved on the best loss (always true for
        ``"gradient"``, which always takes its step).
    forward_passes : int
        Networks evaluated so far, over all steps (a gradient step counts 1,
        though its backward pass costs about two more).
    sigma : float
        Noise scale used by ``"perturb"`` (``nan`` for other strategies).
    data_loss : float
        The best network's loss on the training points, without the L2
        penalty (equal to ``best_loss`` when there is no penalty).
    test_loss : float
        The best network's loss on the held-out points (``nan`` without a test set).
    """

    iteration: int
    candidate_loss: float
    best_loss: float
    accepted: bool
    forward_passes: int
    sigma: float = math.nan
    data_loss: float = math.nan
    test_loss: float = math.nan


def _as_net(net: Net | nn.Module | None, seed: int) -> Net:
    if net is None:
        # the lab's network with torch's default (uniform ±1/√N_in) initialisation
        return Net.build(2, (25,), 1, "relu", init="uniform", seed=seed)
    if isinstance(net, Net):
        return net.copy()
    if isinstance(net, nn.Module):
        return from_torch(net)
    raise ValueError(
        f"net must be a Net or a torch nn.Module (e.g. TorchNet, nn.Sequential); got a {type(net).__name__}."
    )


class RandomSearch:
    """Train a network by random search, one step at a time.

    Parameters
    ----------
    net : Net or nn.Module, optional
        Starting network, any depth (copied; ``nn.Sequential``,
        :class:`TorchNet` … are converted with :func:`from_torch`).
        Default: the lab's 2→25→1 ReLU network, initialised like
        ``nn.Linear`` from ``seed``.
    dataset : Dataset, optional
        Inputs and target (default: :func:`lab2_dataset`). With a test set
        (:attr:`Dataset.has_split`) the search is trained, and its losses
        computed, on the training points only; the best network's loss on
        the held-out points is :attr:`best_test_loss`. A network with input
        features (:attr:`Net.features`) gets them computed from the grid.
    strategy : {"redraw", "keep-best", "perturb", "gradient"}
        See :data:`STRATEGIES` and the module docstring.
    loss : {"mse", "mae", "huber"}
        Loss between ``prediction.squeeze(-1)`` and the target.
    epsilon : float
        Stop once the best loss is at most ``epsilon`` (> 0; lab: 1e-5).
    max_iters : int
        Stop after this many steps (≥ 1; lab: 50).
    weight_range, bias_range : float
        Draws are ``U(-weight_range, weight_range)`` for weights and
        ``U(-bias_range, bias_range)`` for biases (≥ 0; lab: 0.025, 0.05).
    batch_size : int
        Candidates per step for ``"redraw"``, ``"keep-best"`` and
        ``"perturb"`` (≥ 1); above 1 they are evaluated together by a
        :class:`PopulationEvaluator`. ``"gradient"`` needs 1.
    sigma : float
        Noise scale of ``"perturb"`` (≥ 0).
    adapt_sigma : bool
        Apply the 1/5th success rule to ``sigma``.
    optimizer : {"adam", "sgd"}
        Optimizer of ``"gradient"``.
    lr : float
        Its learning rate (> 0).
    seed : int
        Seed of the ``torch.Generator`` every draw comes from.
    chunk : int
        Candidates the batched evaluator handles together.
    huber_delta : float
        ``delta`` of the Huber loss.
    compiled : bool
        Let the batched evaluator use a fused ``torch.compile`` kernel (see
        :class:`PopulationEvaluator`; batch sizes above 1 only).
    l2 : float
        λ of an L2 penalty ``λ·Σw²`` over the weights (biases are not
        penalised), 0 to :data:`~mlp_widgets.core.limits.MAX_L2`. The losses
        the search compares — a candidate's, the best, ε — are then the
        training loss plus the penalty; gradient descent descends that sum
        (weight decay). 0 (the lab's) adds nothing.

    Attributes
    ----------
    history : list of SearchRecord
        One record per step.
    best_loss : float
        Best loss so far (the starting network's loss before any step),
        the penalty included when ``l2`` > 0.
    best_data_loss, best_test_loss : float
        The best network's loss on the training points without the penalty,
        and on the held-out points (``nan`` without a test set).
    initial_loss : float
        The starting network's loss.
    stopped : bool
        Whether a stop criterion is met; ``stop_reason`` says which
        (``"threshold met"`` or ``"max iterations"``), else ``None``.

    Raises
    ------
    ValueError
        For any parameter outside the range given above, or a network that
        does not fit the dataset (it needs as many inputs as the dataset has
        features, and one output).
    """

    def __init__(
        self,
        net: Net | nn.Module | None = None,
        dataset: Dataset | None = None,
        *,
        strategy: str = "redraw",
        loss: str = "mse",
        epsilon: float = LAB_EPSILON,
        max_iters: int = LAB_MAX_ITERS,
        weight_range: float = 0.025,
        bias_range: float = 0.05,
        batch_size: int = 1,
        sigma: float = 0.01,
        adapt_sigma: bool = False,
        optimizer: str = "adam",
        lr: float = 0.01,
        seed: int = 0,
        chunk: int = DEFAULT_CHUNK,
        huber_delta: float = 1.0,
        compiled: bool = False,
        l2: float = 0.0,
    ) -> None:
        self.strategy = check_choice("strategy", strategy, STRATEGIES)
        self.loss = check_choice("loss", loss, tuple(LOSSES))
        self.epsilon = check_float("epsilon (loss threshold)", epsilon, lo=0.0, lo_open=True)
        self.max_iters = check_int("max_iters", max_iters, 1, 10**9)
        self.weight_range = check_float("weight_range", weight_range, lo=0.0)
        self.bias_range = check_float("bias_range", bias_range, lo=0.0)
        self.batch_size = check_int("batch_size", batch_size, 1, MAX_CANDIDATES)
        self.sigma0 = check_float("sigma (noise scale)", sigma, lo=0.0)
        self.adapt_sigma = bool(adapt_sigma)
        self.optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
        self.lr = check_float("lr (learning rate)", lr, lo=0.0, lo_open=True)
        self.seed = check_int("seed", seed, 0)
        self.l2 = check_float("l2 (L2 penalty)", l2, lo=0.0, hi=MAX_L2)
        chunk = check_int("chunk", chunk, 1, MAX_CHUNK)
        if self.strategy == "gradient" and self.batch_size != 1:
            raise ValueError(
                f"The gradient strategy takes one step per iteration: batch_size must be 1; got {batch_size}."
            )

        self.dataset = dataset if dataset is not None else lab2_dataset()
        if not isinstance(self.dataset, Dataset):
            raise ValueError(f"dataset must be a Dataset (e.g. lab2_dataset()); got a {type(self.dataset).__name__}.")
        self._template = _as_net(net, self.seed)
        self.layout = ParamLayout.from_net(self._template)
        features = self._template.features
        x, y = self.dataset.training(features)
        n_features = int(x.shape[1])
        if self.layout.n_in != n_features or self.layout.n_out != 1:
            raise ValueError(
                f"The network maps {self.layout.n_in} inputs to {self.layout.n_out} outputs; this dataset needs "
                f"{n_features} inputs and 1 output."
            )
        self._single = SingleEvaluator(self.layout, x, y, self.loss, huber_delta=huber_delta)
        self._batched = PopulationEvaluator(
            self.layout, x, y, self.loss, chunk=chunk, huber_delta=huber_delta, compiled=compiled
        )
        # every point (for predictions), and the held-out points (the test loss), when there is a test set
        self._grid = self._single
        self._test: tuple[SingleEvaluator, PopulationEvaluator] | None = None
        held_out = self.dataset.testing(features)
        if held_out is not None:
            self._grid = SingleEvaluator(
                self.layout, self.dataset.inputs_with(features), self.dataset.ground_truth, self.loss,
                huber_delta=huber_delta,
            )  # fmt: skip
            self._test = (
                SingleEvaluator(self.layout, *held_out, self.loss, huber_delta=huber_delta),
                PopulationEvaluator(self.layout, *held_out, self.loss, chunk=1, huber_delta=huber_delta),
            )
        # 1 at the weights, 0 at the biases: the L2 penalty's mask
        self._weights = self.layout.scales(1.0, 0.0)
        self._scale = self.layout.scales(self.weight_range, self.bias_range)
        self._theta0 = self.layout.flatten(self._template)
        # one candidate on every point within one unit of work: torch.nn's own arithmetic (bit for bit the
        # lab's); beyond, the batched evaluator splits the points and gradient steps accumulate over blocks
        n_points = int(x.shape[0])
        # a gradient step costs about three evaluations (forward, and backward for inputs and weights)
        cost = 3 if self.strategy == "gradient" else 1
        self._points_per_unit = max(1, SLICE_WORK // (cost * self.layout.work_per_point))
        self._use_single = self.batch_size == 1 and n_points <= self._points_per_unit
        self._rows = min(self.batch_size, rows_per_block(self.layout.size))
        self._candidates = torch.empty(self._rows, self.layout.size)
        self._block_losses = torch.empty(self._rows)
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Back to the starting network, an empty history and a freshly seeded generator."""
        self.generator = torch.Generator().manual_seed(self.seed)
        self.history: list[SearchRecord] = []
        self.iteration = 0
        self.forward_passes = 0
        self.sigma = self.sigma0
        self._current = self._theta0.clone()
        self._best = self._theta0.clone()
        data = self._loss_one(self._theta0)
        self.initial_loss = data + self._penalty_one(self._theta0)
        self.best_loss = self.initial_loss
        self.best_data_loss = data
        self.best_test_loss = self._test_loss(self._theta0)
        self._opt_params: list[torch.Tensor] = []
        self._opt: torch.optim.Optimizer | None = None
        if self.strategy == "gradient":
            self._opt_params = [p.clone().requires_grad_(True) for p in self._theta0_split()]
            cls = torch.optim.Adam if self.optimizer == "adam" else torch.optim.SGD
            self._opt = cls(self._opt_params, lr=self.lr)
        self.stop_reason: str | None = None
        self._work: Iterator[float] | None = None
        self.step_progress = 0.0
        self._check_stop()

    def _theta0_split(self) -> list[torch.Tensor]:
        return [t for pair in self.layout.unflatten(self._theta0) for t in pair]

    def _loss_one(self, theta: torch.Tensor) -> float:
        # the steps' own path, so a candidate equal to the best gets exactly the best's loss
        if self._use_single:
            return self._single(theta)
        return float(self._batched.losses(theta.unsqueeze(0))[0])

    def _penalty(self, theta: torch.Tensor) -> torch.Tensor:
        """``λ·Σw²`` of each row of ``theta`` (``[K, P]`` → ``[K]``)."""
        return self.l2 * (theta.square() * self._weights).sum(-1)

    def _penalty_one(self, theta: torch.Tensor) -> float:
        return float(self._penalty(theta.unsqueeze(0))[0]) if self.l2 > 0 else 0.0

    def _test_loss(self, theta: torch.Tensor) -> float:
        """The loss of ``theta`` on the held-out points (``nan`` without a test set)."""
        if self._test is None:
            return math.nan
        single, batched = self._test
        if single.inputs.shape[0] <= self._points_per_unit:
            return single(theta)
        return float(batched.losses(theta.unsqueeze(0))[0])

    def test_loss_of(self, net: Net) -> float:
        """A network's loss on the held-out points (``nan`` without a test set)."""
        return self._test_loss(self.layout.flatten(net))

    @property
    def stopped(self) -> bool:
        """Whether the search has met a stop criterion."""
        return self.stop_reason is not None

    def _check_stop(self) -> None:
        if self.best_loss <= self.epsilon:
            self.stop_reason = THRESHOLD_MET
        elif self.iteration >= self.max_iters:
            self.stop_reason = MAX_ITERATIONS

    @property
    def best_state(self) -> dict[str, torch.Tensor]:
        """The best network's parameters as a :meth:`Net.state_dict` (a copy)."""
        return self.best_net().state_dict()

    @property
    def best_params(self) -> torch.Tensor:
        """The best network as a flat vector in the lab's draw order (a copy)."""
        return self._best.clone()

    def best_net(self) -> Net:
        """A core :class:`Net` holding the best parameters seen."""
        return self.layout.to_net(self._best, self._template)

    def current_net(self) -> Net:
        """The network the strategy holds now (``"redraw"``: the last draw; others: the best)."""
        return self.layout.to_net(self._current, self._template)

    def predict(self, best: bool = True) -> torch.Tensor:
        """``[N]`` prediction of the best (or current) network on the dataset."""
        theta = self._best if best else self._current
        with torch.no_grad():
            return self._grid.predict(self.layout.unflatten(theta)).clone()

    # ------------------------------------------------------------------ steps
    def step(self) -> SearchRecord | None:
        """Run one iteration (or finish the one :meth:`advance` left) and return its record.

        Returns ``None`` if the search has already stopped.
        """
        if self.stopped:
            return None
        try:
            for _ in self._pending():
                pass
        finally:
            self._work = None
            self.step_progress = 0.0
        return self.history[-1]

    def advance(self, seconds: float) -> list[SearchRecord]:
        """Take steps for about ``seconds``; return the records of the steps finished.

        A step with many or wide candidates may be left unfinished when the
        time is up; the next call (or :meth:`step`) finishes it, with the
        same numbers. :attr:`step_progress` says how far it is. A call does
        at least one unit of work and ends at most one unit after ``seconds``.
        """
        deadline = time.perf_counter() + check_float("seconds", seconds, lo=0.0)
        records: list[SearchRecord] = []
        while not self.stopped:
            try:
                for fraction in self._pending():
                    self.step_progress = fraction
                    if time.perf_counter() >= deadline:
                        return records
            except BaseException:
                self._work, self.step_progress = None, 0.0  # an interrupted step is dropped, never recorded twice
                raise
            self._work = None
            self.step_progress = 0.0
            records.append(self.history[-1])
            if time.perf_counter() >= deadline:
                break
        return records

    def _pending(self) -> Iterator[float]:
        if self._work is None:
            self._work = self._step_units()
        return self._work

    def _step_units(self) -> Iterator[float]:
        """One iteration, a unit of work per ``next``; yields the fraction of the step done."""
        if self.strategy == "gradient":
            outcome: list[tuple[float, bool]] = []
            yield from self._gradient_units(outcome)
        else:
            outcome = []
            yield from self._search_units(outcome)
        candidate_loss, accepted = outcome[0]
        self.iteration += 1
        record = SearchRecord(
            self.iteration,
            candidate_loss,
            self.best_loss,
            accepted,
            self.forward_passes,
            self.sigma if self.strategy == "perturb" else math.nan,
            self.best_data_loss,
            self.best_test_loss,
        )
        if self.strategy == "perturb" and self.adapt_sigma:
            self.sigma *= SIGMA_GROWTH if accepted else SIGMA_GROWTH**-0.25
        self.history.append(record)
        self._check_stop()

    def _search_units(self, outcome: list[tuple[float, bool]]) -> Iterator[float]:
        total = self.batch_size
        best_loss, best_data, best_row, last_row = math.nan, math.nan, None, None
        for start in range(0, total, self._rows):
            k = min(self._rows, total - start)
            cands = self._candidates[:k]
            if self.strategy == "perturb":
                torch.randn(cands.shape, generator=self.generator, out=cands)
                cands.mul_(self.sigma).add_(self._best)
            else:
                draw_uniform(cands, self._scale, self.generator)
            if self._use_single:
                i, data = 0, self._single(cands[0])
                loss = data + self._penalty_one(cands[0])
            else:
                yield start / total  # drawing a block is about one unit of work
                losses = self._block_losses[:k]
                for done in self._batched.units(cands, losses):
                    yield (start + done) / total
                objective = losses + self._penalty(cands) if self.l2 > 0 else losses
                i = int(torch.argmin(objective))  # the first lowest; a NaN counts as lowest, as torch.argmin says
                loss, data = float(objective[i]), float(losses[i])
            # the first lowest over every block, with torch.argmin's rule for NaN
            if best_row is None or (not math.isnan(best_loss) and (math.isnan(loss) or loss < best_loss)):
                best_loss, best_data, best_row = loss, data, cands[i].clone()
            if start + k == total and self.strategy == "redraw":
                last_row = cands[k - 1].clone()
        self.forward_passes += total
        assert best_row is not None
        accepted = best_loss < self.best_loss
        if accepted:
            self.best_loss, self.best_data_loss = best_loss, best_data
            self._best = best_row
            self.best_test_loss = self._test_loss(best_row)
        self._current = last_row if last_row is not None else self._best
        outcome.append((best_loss, accepted))

    def _gradient_units(self, outcome: list[tuple[float, bool]]) -> Iterator[float]:
        assert self._opt is not None
        params = self._opt_params
        pairs = [(params[2 * j], params[2 * j + 1]) for j in range(len(params) // 2)]
        self._opt.zero_grad()
        if self.l2 > 0:  # the penalty's gradient, once (the data loss's follows, whole or over blocks)
            penalty = self.l2 * sum((w * w).sum() for w, _ in pairs)
            penalty.backward()
            penalty_value = float(penalty.detach())
        else:
            penalty_value = 0.0
        if self._use_single:
            loss = self._single.loss_of(pairs)
            loss.backward()
            candidate_loss = float(loss.detach())
        else:
            # too much work for one unit: accumulate the gradient of the mean over blocks of points
            n_points = int(self._single.target.numel())
            candidate_loss = 0.0
            for first in range(0, n_points, self._points_per_unit):
                points = slice(first, min(first + self._points_per_unit, n_points))
                part = self._single.loss_of(pairs, points) * ((points.stop - first) / n_points)
                part.backward()
                candidate_loss += float(part.detach())
                yield points.stop / n_points
        before = torch.cat([p.detach().reshape(-1) for p in params])
        self._opt.step()
        self.forward_passes += 1
        data_loss, candidate_loss = candidate_loss, candidate_loss + penalty_value
        if candidate_loss < self.best_loss:
            self.best_loss, self.best_data_loss = candidate_loss, data_loss
            self._best = before
            self.best_test_loss = self._test_loss(before)
        self._current = torch.cat([p.detach().reshape(-1) for p in params])
        outcome.append((candidate_loss, True))

    def stops_after(self, *, epsilon: float | None = None, max_iters: int | None = None) -> int | None:
        """After how many steps a search with these stop criteria stops, if within the steps taken so far.

        ``None``: the steps taken so far do not meet them (a search with them
        would go on). Criteria left out are this search's own.

        Raises
        ------
        ValueError
            For a bad ε or max iterations.
        """
        eps, most = self._criteria(epsilon, max_iters)
        if self.initial_loss <= eps:
            return 0
        for record in self.history:
            if record.best_loss <= eps or record.iteration >= most:
                return record.iteration
        return None

    def change_stop(self, *, epsilon: float | None = None, max_iters: int | None = None) -> bool:
        """Change ε and/or max iterations in place, if that gives what a replay under them would.

        The stop criteria change no draw, so unless the steps taken so far
        would have stopped earlier under the new criteria, this search *is*
        that replay: the criteria change and ``True`` is returned, with no
        step re-run. Otherwise (:meth:`stops_after` is below
        :attr:`iteration`) nothing changes and ``False`` is returned: a fresh
        search with the new criteria, advanced until it stops, is the replay.

        Raises
        ------
        ValueError
            For a bad ε or max iterations (nothing changes).
        """
        eps, most = self._criteria(epsilon, max_iters)
        stops = self.stops_after(epsilon=eps, max_iters=most)
        if stops is not None and stops < self.iteration:
            return False
        self.epsilon, self.max_iters = eps, most
        self.stop_reason = None
        self._check_stop()
        return True

    def _criteria(self, epsilon: float | None, max_iters: int | None) -> tuple[float, int]:
        eps = (
            self.epsilon if epsilon is None else check_float("epsilon (loss threshold)", epsilon, lo=0.0, lo_open=True)
        )
        most = self.max_iters if max_iters is None else check_int("max_iters", max_iters, 1, 10**9)
        return eps, most

    def run(self, n: int | None = None, callback: Callable[[SearchRecord], object] | None = None) -> list[SearchRecord]:
        """Run up to ``n`` steps (default: until a stop criterion), calling ``callback(record)`` after each.

        Returns
        -------
        list of SearchRecord
            The records of the steps taken (fewer than ``n`` if the search stopped).
        """
        n = self.max_iters if n is None else check_int("n (number of steps)", n, 0, 10**9)
        records = []
        for _ in range(n):
            record = self.step()
            if record is None:
                break
            records.append(record)
            if callback is not None:
                callback(record)
        return records

    def __repr__(self) -> str:
        state = self.stop_reason or "running"
        return (
            f"RandomSearch(strategy={self.strategy!r}, iteration={self.iteration}, "
            f"best_loss={self.best_loss:.4g}, {state})"
        )
