"""The race: random search and gradient descent on one target with one budget of forward passes.

Every racer starts from the same network and seed and runs until it has
evaluated ``budget`` networks; its best loss after each step, against forward
passes, is its curve. A :class:`Race` advances in time slices
(:meth:`Race.advance`), so a caller on an event loop can draw progress and
stop it between two slices; :func:`race` runs one to the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validate import check_float, check_int
from .limits import MAX_RACE_BUDGET
from .net import Net
from .search import STRATEGY_LABELS, RandomSearch
from .targets import Dataset
from .threads import one_thread

#: the strategies raced, in the order they run
RACERS: tuple[str, ...] = ("keep-best", "perturb", "gradient")
#: an ε no loss reaches, so every racer spends its whole budget
_NEVER = 1e-300


@dataclass(frozen=True)
class RaceCurve:
    """One racer's result.

    Attributes
    ----------
    strategy : str
        The :class:`RandomSearch` strategy.
    forward_passes : ndarray
        Networks evaluated after each step.
    best_loss : ndarray
        The best network's loss on the training points after each step,
        without any L2 penalty (so racers with and without one compare).
    seconds : float
        Time spent stepping this racer.
    test_loss : ndarray
        The best network's loss on the held-out points after each step
        (empty without a test set).
    """

    strategy: str
    forward_passes: np.ndarray
    best_loss: np.ndarray
    seconds: float
    test_loss: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def label(self) -> str:
        """The strategy's name in plain words."""
        return STRATEGY_LABELS[self.strategy]

    @property
    def final(self) -> float:
        """Best loss at the end of the budget."""
        return float(self.best_loss[-1]) if self.best_loss.size else float("nan")

    @property
    def final_test(self) -> float:
        """The best network's test loss at the end (``nan`` without a test set)."""
        return float(self.test_loss[-1]) if self.test_loss.size else float("nan")


class Race:
    """Racers that advance one time slice at a time.

    Parameters
    ----------
    budget : int
        Forward passes per racer (1 to :data:`~mlp_widgets.core.limits.MAX_RACE_BUDGET`).
        A gradient step counts as one, though its backward pass costs about two more.
    net, dataset :
        Starting network and target (see :class:`RandomSearch`).
    strategies : tuple of str
        Strategies of :data:`~mlp_widgets.core.search.STRATEGIES` to race.
    batch_size : int
        Candidates per step of the search strategies (evaluated together; the
        budget counts every one). Gradient takes one per step.
    seed : int
        Seed of every racer.
    l2 : float
        Weight decay of the gradient racer: it descends the training loss
        plus ``l2·Σw²`` (see :class:`RandomSearch`). The random racers get no
        penalty, and every curve is the plain training loss, so they compare.
    **search_kwargs :
        Further :class:`RandomSearch` settings (``weight_range``, ``sigma``, ``lr`` …);
        ``epsilon``, ``max_iters`` and ``strategy`` are the race's own.

    Raises
    ------
    ValueError
        For a bad budget or setting (nothing runs then).
    """

    def __init__(
        self,
        budget: int = 2000,
        net: Net | None = None,
        dataset: Dataset | None = None,
        *,
        strategies: tuple[str, ...] = RACERS,
        batch_size: int = 32,
        seed: int = 0,
        l2: float = 0.0,
        **search_kwargs: Any,
    ) -> None:
        self.budget = check_int("race budget (forward passes)", budget, 1, MAX_RACE_BUDGET)
        kwargs = {k: v for k, v in search_kwargs.items() if k not in ("epsilon", "max_iters", "strategy", "l2")}
        self.engines: dict[str, RandomSearch] = {}
        for strategy in strategies:
            batch = 1 if strategy == "gradient" else max(1, min(batch_size, self.budget))
            self.engines[strategy] = RandomSearch(
                net, dataset, strategy=strategy, epsilon=_NEVER, max_iters=-(-self.budget // batch),
                batch_size=batch, seed=seed, l2=l2 if strategy == "gradient" else 0.0, **kwargs,
            )  # fmt: skip
        self._seconds = dict.fromkeys(self.engines, 0.0)

    @property
    def done(self) -> bool:
        """Whether every racer has spent its budget."""
        return all(engine.stopped for engine in self.engines.values())

    @property
    def progress(self) -> float:
        """Fraction of all racers' forward passes done, 0 to 1."""
        total = sum(min(e.forward_passes, self.budget) for e in self.engines.values())
        return total / (self.budget * len(self.engines)) if self.engines else 1.0

    def advance(self, seconds: float) -> bool:
        """Step the racers, in order, for about ``seconds``; return :attr:`done`.

        A big step is split (:meth:`RandomSearch.advance`), so a slice ends at
        most one unit of work late.
        """
        deadline = time.perf_counter() + check_float("seconds", seconds, lo=0.0)
        with one_thread():
            for strategy, engine in self.engines.items():
                if engine.stopped:
                    continue
                started = time.perf_counter()
                engine.advance(max(0.0, deadline - started))
                self._seconds[strategy] += time.perf_counter() - started
                if not engine.stopped:
                    break
        return self.done

    def curves(self) -> dict[str, RaceCurve]:
        """Each racer's curve so far."""
        out = {}
        for strategy, engine in self.engines.items():
            passes = np.array([r.forward_passes for r in engine.history], dtype=float)
            best = np.array([r.data_loss for r in engine.history], dtype=float)
            test = np.array([r.test_loss for r in engine.history] if engine.dataset.has_split else [], dtype=float)
            out[strategy] = RaceCurve(strategy, passes, best, self._seconds[strategy], test)
        return out


def race(
    budget: int = 2000, net: Net | None = None, dataset: Dataset | None = None, **kwargs: Any
) -> dict[str, RaceCurve]:
    """Run a :class:`Race` to the end and return its curves (arguments as for :class:`Race`)."""
    contest = Race(budget, net, dataset, **kwargs)
    while not contest.advance(3600.0):
        pass
    return contest.curves()
