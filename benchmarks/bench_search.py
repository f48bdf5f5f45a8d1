"""Candidate networks evaluated per second on the lab's problem (2→25→1, 2,500 points).

Run:  python benchmarks/bench_search.py   (about a minute; prints only)

Measured side by side in one run, each a median of several repeats with min–max:

(a) the lab's section-4 loop: a fresh ``nn.Parameter`` per layer per
    iteration, one evaluation per iteration (the fixed indentation);
(b) ``RandomSearch("redraw")`` at batch size 1;
(c) batched ``RandomSearch`` steps at K = 64, 256, 1024 (eager torch,
    chunks of preallocated buffers), at 1 and at the default thread count;
(d) the same with the fused ``torch.compile`` kernel (compile time excluded).

It also estimates the machine's limit: FLOPs per candidate × the GFLOP/s of
a large float32 matrix product measured here, and prints where the eager
batched evaluator spends its time (``torch.profiler``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch
from torch import nn

from mlp_widgets.core import Net, TorchNet, lab2_dataset
from mlp_widgets.core.batched import ParamLayout, PopulationEvaluator, draw_uniform
from mlp_widgets.core.search import RandomSearch

REPEATS = 5
N_IN, HIDDEN = 2, 25


def rate(fn: Callable[[], int], repeats: int = REPEATS) -> tuple[float, float, float]:
    """Run ``fn`` (returns candidates evaluated) ``repeats`` times: median, min, max candidates/s."""
    fn()  # warm-up
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        n = fn()
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates), min(rates), max(rates)


def lab_loop(net: nn.Module, x: torch.Tensor, y: torch.Tensor, iters: int) -> int:
    """The lab's loop body, ``iters`` times (epsilon never met)."""
    mse = torch.nn.MSELoss()
    for _ in range(iters):
        for layer in net.children():
            if hasattr(layer, "reset_parameters"):
                layer.weight = torch.nn.Parameter(0.025 * (-2 * torch.rand(layer.weight.shape) + 1))
                layer.bias = torch.nn.Parameter(0.05 * (-2 * torch.rand(layer.bias.shape) + 1))
        prediction = net(x)
        loss = mse(y, prediction.squeeze(-1))
        loss.item()
    return iters


def search_steps(search: RandomSearch, steps: int) -> int:
    search.reset()
    for _ in range(steps):
        search.step()
    return steps * search.batch_size


def peak_gflops() -> float:
    """GFLOP/s of a 2048² float32 matrix product (median of 5), at the current thread count."""
    a, b = torch.rand(2048, 2048), torch.rand(2048, 2048)
    c = torch.empty(2048, 2048)
    torch.mm(a, b, out=c)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        torch.mm(a, b, out=c)
        times.append(time.perf_counter() - t0)
    return 2 * 2048**3 / statistics.median(times) / 1e9


def flops_per_candidate(n_points: int) -> int:
    """Layer 1 (multiply-add + bias), ReLU, layer 2 (multiply-add + bias), MSE (sub, square, add)."""
    layer1 = 2 * n_points * HIDDEN * N_IN + n_points * HIDDEN
    relu = n_points * HIDDEN
    layer2 = 2 * n_points * HIDDEN + n_points
    loss = 3 * n_points
    return layer1 + relu + layer2 + loss


def fmt(r: tuple[float, float, float]) -> str:
    med, lo, hi = r
    return f"{med:10,.0f} /s  (min–max {lo:,.0f}–{hi:,.0f})"


def main() -> None:
    t_start = time.perf_counter()
    default_threads = torch.get_num_threads()
    data = lab2_dataset()
    x, y = data.inputs, data.ground_truth
    n_points = x.shape[0]
    print(f"torch {torch.__version__}, {default_threads} threads, problem 2→25→1 on {n_points} points")
    print(f"median of {REPEATS} repeats, candidates evaluated per second\n")

    torch.manual_seed(999)
    net = TorchNet(N_IN, HIDDEN, 1)
    results: dict[str, tuple[float, float, float]] = {}
    results["(a) lab loop (fresh nn.Parameter)"] = rate(lambda: lab_loop(net, x, y, 300))
    redraw = RandomSearch(None, data, strategy="redraw", epsilon=1e-30, max_iters=10**6, seed=0)
    results["(b) redraw, batch 1"] = rate(lambda: search_steps(redraw, 300))
    for threads in sorted({1, default_threads}):
        torch.set_num_threads(threads)
        for k in (64, 256, 1024):
            search = RandomSearch(None, data, strategy="keep-best", batch_size=k, epsilon=1e-30, max_iters=10**6)
            steps = max(1, 4096 // k)
            results[f"(c) batched K={k}, {threads} thr"] = rate(lambda s=search, n=steps: search_steps(s, n))
    torch.set_num_threads(default_threads)

    compiled = RandomSearch(
        None, data, strategy="keep-best", batch_size=1024, chunk=256, compiled=True, epsilon=1e-30, max_iters=10**6
    )
    t0 = time.perf_counter()
    compiled.step()
    compile_s = time.perf_counter() - t0
    results[f"(d) compiled K=1024, {default_threads} thr"] = rate(lambda: search_steps(compiled, 8))

    lab = results["(a) lab loop (fresh nn.Parameter)"][0]
    gflops = peak_gflops()
    flops = flops_per_candidate(n_points)
    limit = gflops * 1e9 / flops
    for name, r in results.items():
        print(f"{name:36s} {fmt(r)}   ×{r[0] / lab:5.1f} lab   {100 * r[0] / limit:5.1f}% of limit")
    print(f"\n(d) first call (compiling, or loading the compile cache): {compile_s:.1f} s")
    print(
        f"machine limit estimate: {flops:,} FLOP per candidate × {gflops:.0f} GFLOP/s "
        f"(2048² float32 matmul, {default_threads} threads) = {limit:,.0f} candidates/s"
    )

    # where the eager batched evaluator spends its time
    layout = ParamLayout.from_net(Net.build(N_IN, (HIDDEN,), 1, init="zeros"))
    evaluator = PopulationEvaluator(layout, x, y)
    theta = torch.empty(1024, layout.size)
    scale = layout.scales(0.025, 0.05)
    generator = torch.Generator().manual_seed(0)
    evaluator.losses(draw_uniform(theta, scale, generator))
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        draw_uniform(theta, scale, generator)
        evaluator.losses(theta)
    print("\nwhere the time goes: eager evaluator, K=1024, chunk 8 (torch.profiler, self CPU time)")
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=8)
    print("\n".join(line[:110] for line in table.splitlines()))
    print(f"total run time {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
