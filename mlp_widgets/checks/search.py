"""``check_random_search``: the student's random-search loop (Lab 2, Task 4.1).

The loop is written as a function with this signature::

    def random_search(net, nodes, ground_truth, epsilon, max_iters, seed):
        ...
        return best_net, losses

- ``net``: an ``nn.Module`` such as ``TorchNet(2, 25, 1)``; ``nodes``: float32
  tensor ``(n, 2)``; ``ground_truth``: float32 tensor ``(n,)``.
- ``losses[0]`` is the MSE of ``net`` as given; then, while the best loss so
  far is above ``epsilon`` and fewer than ``max_iters`` updates were made:
  redraw every ``nn.Linear``'s weight and bias as the lab does, evaluate the
  network **once**, and append its MSE to ``losses``.
- The MSE compares equal shapes: ``mean((net(nodes).squeeze(-1) - ground_truth)²)``.
- Randomness comes from ``seed`` (``torch.manual_seed(seed)`` or a generator),
  so the same seed gives the same losses.
- ``best_net`` is the network with the lowest loss seen (a copy, or ``net``
  with the best parameters put back).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..core import TorchNet as CoreTorchNet
from ..core import make_dataset
from ._compare import expect_tensor, max_abs_error
from ._guard import call, plain_tensor
from ._runner import DEFAULT_TIME_LIMIT, Case, Fail, check_title, guarded, run_check
from .result import CheckResult

NOT_BEST = (
    "You returned the last network, not the best: whenever the loss improves, keep a copy "
    "(best_net = copy.deepcopy(net)); a plain best_net = net is the same object and keeps changing."
)
BROADCAST = (
    "Your losses are not the MSE on equal shapes: net(nodes) is (n, 1) and ground_truth is (n,), which broadcast "
    "to (n, n). Compare prediction.squeeze(-1) with ground_truth."
)
HINTS = (
    (" positional argument", "Write random_search(net, nodes, ground_truth, epsilon, max_iters, seed)."),
    ("cannot unpack", "Return two things: best_net, losses."),
)


def _counting_net_class() -> type[nn.Module]:
    class CountingTorchNet(CoreTorchNet):
        """The lab's TorchNet, counting forward calls (shared by copies through the class)."""

        calls = 0

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            type(self).calls += 1
            return super().forward(x)

    return CountingTorchNet


def _predict(net: nn.Module, nodes: torch.Tensor) -> torch.Tensor:
    """``net(nodes)``: the returned network may be the student's own module, so it runs as student code."""
    with torch.no_grad():
        return expect_tensor(call(net, nodes), "the returned network")


def _mse(net: nn.Module, nodes: torch.Tensor, target: torch.Tensor) -> float:
    return float(((_predict(net, nodes).reshape(-1) - target) ** 2).mean())


def _broadcast_mse(net: nn.Module, nodes: torch.Tensor, target: torch.Tensor) -> float:
    return float(((_predict(net, nodes) - target) ** 2).mean())


def _as_float(value: object) -> float:
    """``float(value)``, refusing a tensor subclass (its ``__float__`` could say anything)."""
    return float(plain_tensor(value) if isinstance(value, torch.Tensor) else value)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 + 1e-5 * abs(b)


@guarded
def check_random_search(fn: Callable, *, seed: int = 0, time_limit: float = DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check a student's random-search loop ``fn(net, nodes, ground_truth, epsilon, max_iters, seed)``.

    See the module docstring for the contract: ``fn`` returns ``(best_net, losses)``.

    Parameters
    ----------
    fn : callable
        The student's function.
    seed : int
        Seed of the starting network and of the runs.
    time_limit : float
        Seconds allowed for each case.
    """
    # a narrow bump (values 0 to 0.32): broadcasting (n,) against (n, 1) then changes the loss visibly
    data = make_dataset("gaussian", -2.0, 2.0, 8, variance=0.5)
    nodes, target = data.inputs, data.ground_truth
    net_cls = _counting_net_class()

    def fresh() -> nn.Module:
        torch.manual_seed(seed)
        return net_cls(2, 25, 1)

    def run(epsilon: float, max_iters: int, run_seed: int = seed) -> tuple[nn.Module, list[float], int]:
        net = fresh()
        net_cls.calls = 0
        out = call(fn, net, nodes, target, epsilon, max_iters, run_seed, names=("net", "nodes", "ground_truth"))
        calls = net_cls.calls
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Fail(
                f"returned a {type(out).__name__}, not (best_net, losses)", hint="End with: return best_net, losses."
            )
        best, losses = out
        if not isinstance(best, nn.Module):
            raise Fail(
                f"best_net is a {type(best).__name__}, not an nn.Module",
                hint="Return the network itself, not its loss.",
            )
        try:
            losses = [_as_float(v) for v in losses]
        except Exception as exc:
            raise Fail("losses is not a list of numbers", hint="Append float(loss) once per evaluation.") from exc
        if not losses:
            raise Fail("losses is empty", hint="losses[0] is the loss of the network as given.")
        return best, losses, calls

    def returns_pair() -> str:
        best, losses, _ = run(0.0, 5)
        return f"returned an nn.Module and {len(losses)} losses"

    def first_loss() -> tuple[str, float]:
        start = _mse(fresh(), nodes, target)
        _, losses, _ = run(0.0, 3)
        err = abs(losses[0] - start)
        if not _same(losses[0], start):
            if _same(losses[0], _broadcast_mse(fresh(), nodes, target)):
                raise Fail("losses[0] is the broadcast (n × n) MSE", hint=BROADCAST, max_abs_error=err)
            raise Fail(
                f"losses[0] = {losses[0]:.4g}, but the network as given has MSE {start:.4g}",
                hint="Start the list with the loss of the network before any update.",
                max_abs_error=err,
            )
        return "losses[0] is the MSE of the network as given", err

    def max_iters() -> str:
        _, losses, _ = run(0.0, 12)
        if len(losses) != 13:
            raise Fail(
                f"with ε = 0 and max_iters = 12 there are {len(losses)} losses, expected 13",
                hint="Expect the starting loss plus one per update, and stop after max_iters updates (iter_num < max_iters).",
            )
        return "ε = 0: exactly max_iters updates"

    def once_per_iteration() -> str:
        _, losses, calls = run(0.0, 12)
        if calls not in (len(losses), len(losses) + 1):
            per = (calls - 1) / max(len(losses) - 1, 1)
            raise Fail(
                f"{calls} forward passes for {len(losses) - 1} updates (about {per:.1f} per update)",
                hint="Evaluate once per iteration: is the evaluation indented inside the `for layer in "
                "net.children()` loop, as in the lab's listing?",
            )
        return f"{calls} forward passes for {len(losses) - 1} updates"

    def keeps_best() -> tuple[str, float]:
        best, losses, _ = run(0.0, 15)
        got = _mse(best, nodes, target)
        err = abs(got - min(losses))
        if not _same(got, min(losses)):
            if _same(got, losses[-1]):
                raise Fail(
                    f"the returned network has loss {got:.4g}, the best seen was {min(losses):.4g}",
                    hint=NOT_BEST,
                    max_abs_error=err,
                )
            if _same(_broadcast_mse(best, nodes, target), min(losses)):
                raise Fail("the losses are broadcast (n × n) MSEs", hint=BROADCAST, max_abs_error=err)
            raise Fail(
                f"the returned network has loss {got:.4g}, the best seen was {min(losses):.4g}",
                hint=NOT_BEST,
                max_abs_error=err,
            )
        return f"the returned network has the lowest loss seen ({got:.3g})", err

    def reproducible() -> str:
        _, a, _ = run(0.0, 6)
        _, b, _ = run(0.0, 6)
        if a != b:
            raise Fail(
                "two runs with the same seed gave different losses",
                hint="Call torch.manual_seed(seed) first (or draw from a generator seeded with seed).",
            )
        _, c, _ = run(0.0, 6, seed + 1)
        if c == a:
            raise Fail("a different seed gave the same losses", hint="Use the seed argument, not a fixed number.")
        return "same seed, same losses; another seed, other losses"

    def no_update_when_good() -> str:
        start = _mse(fresh(), nodes, target)
        best, losses, _ = run(start * 10, 20)
        if len(losses) != 1:
            raise Fail(
                f"the starting loss {start:.3g} is already ≤ ε, yet {len(losses) - 1} update(s) ran",
                hint="Test the loss before updating: while loss > epsilon and iter_num < max_iters.",
            )
        err = max_abs_error(_predict(best, nodes), fresh()(nodes).detach())
        if err > 1e-6:
            raise Fail(
                "no update ran but the returned network changed", hint="Return the network as given.", max_abs_error=err
            )
        return "ε above the starting loss: no update"

    def stops_at_epsilon() -> str:
        _, full, _ = run(0.0, 15)
        running = [min(full[: i + 1]) for i in range(len(full))]
        drops = [i for i in range(1, len(full)) if running[i] < running[i - 1]]
        if not drops:
            raise Fail(
                "no update ever lowered the loss, so ε cannot be tested", hint="Redraw the parameters each iteration."
            )
        k = drops[-1] if len(drops) == 1 else drops[len(drops) // 2]
        _, cut, _ = run(running[k], 15)
        if len(cut) != k + 1:
            raise Fail(
                f"with ε = {running[k]:.4g} the loop ran {len(cut) - 1} updates; the loss reached ε after {k}",
                hint="Stop as soon as the (best) loss is ≤ ε: while loss > epsilon and iter_num < max_iters.",
            )
        return f"ε = {running[k]:.3g}: stopped after update {k}, where the loss reached ε"

    cases = [
        Case("returns (best_net, losses)", returns_pair),
        Case("losses[0] is the MSE of the network as given", first_loss),
        Case("respects max_iters", max_iters),
        Case("evaluates the network once per iteration", once_per_iteration),
        Case("keeps the best network", keeps_best),
        Case("same seed, same run", reproducible),
        Case("no update when the loss is already ≤ ε", no_update_when_good),
        Case("stops at the first loss ≤ ε", stops_at_epsilon),
    ]
    return run_check(check_title("check_random_search", fn), cases, time_limit=time_limit, extra_hints=HINTS)
