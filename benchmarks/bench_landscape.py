"""Time of the 51×51 loss landscape of the lab's 2→25→1 network (2,500 grid points of data).

Run:  python benchmarks/bench_landscape.py   (about half a minute; prints only)

Measured side by side in one run, each the median of a few repeats (min–max):

(a) ``loss_landscape(n=51)``: all 2,601 parameter vectors built in blocks and
    evaluated by the batched ``PopulationEvaluator``;
(b) a per-point loop: for each grid point, the parameters are written into
    the network's torch twin (``vector_to_parameters``), then one forward pass
    and ``nn.MSELoss`` — the obvious loop, with no Python-level copies of the net;
    run with torch's default thread count and with one thread (the loop's
    tiny products do not gain from threads, and lose a lot on a busy machine),
    and the speed-up is taken against the faster of the two.

Target: (a) under 2 s on 2 cores.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch
from torch.nn.utils import vector_to_parameters

from mlp_widgets.core import TorchNet, from_torch, lab2_dataset, to_torch, torch_threads
from mlp_widgets.core.batched import ParamLayout
from mlp_widgets.core.landscape import landscape_axis, loss_landscape, random_directions

N = 51
REPEATS_BATCHED = 5
REPEATS_LOOP = 3


def timed(fn, repeats: int) -> tuple[float, float, float, object]:  # noqa: ANN001
    """Run ``fn`` ``repeats`` times after a warm-up: median, min, max seconds and the last result."""
    result = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times), result


def per_point_loop(net, dataset, directions, n: int) -> np.ndarray:  # noqa: ANN001
    """The loss at each grid point, one forward pass at a time."""
    layout = ParamLayout.from_net(net)
    theta0 = layout.flatten(net)
    model = to_torch(net)
    mse = torch.nn.MSELoss()
    axis = landscape_axis(n, 1.0)
    out = np.empty((n, n))
    d1, d2 = directions
    with torch.no_grad():
        for i, beta in enumerate(axis):
            for j, alpha in enumerate(axis):
                vector_to_parameters(theta0 + float(alpha) * d1 + float(beta) * d2, model.parameters())
                out[i, j] = float(mse(model(dataset.inputs).squeeze(-1), dataset.ground_truth))
    return out


def main() -> None:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(999)
        net = from_torch(TorchNet(2, 25, 1))
    ds = lab2_dataset()
    directions = random_directions(net, seed=0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; grid {N}×{N} = {N * N} points")

    med_b, lo_b, hi_b, land = timed(lambda: loss_landscape(net, ds, n=N, directions=directions), REPEATS_BATCHED)
    med_l, lo_l, hi_l, ref = timed(lambda: per_point_loop(net, ds, directions, N), REPEATS_LOOP)
    with torch_threads(1):
        med_1, lo_1, hi_1, _ = timed(lambda: per_point_loop(net, ds, directions, N), REPEATS_LOOP)
    err = float(np.max(np.abs(land.losses - ref) / np.maximum(np.abs(ref), 1e-30)))

    print(f"(a) batched loss_landscape     : median {med_b:7.3f} s  (min {lo_b:.3f}, max {hi_b:.3f})")
    print(
        f"(b) per-point loop, {torch.get_num_threads()} threads : median {med_l:7.3f} s  (min {lo_l:.3f}, max {hi_l:.3f})"
    )
    print(f"(b) per-point loop, 1 thread  : median {med_1:7.3f} s  (min {lo_1:.3f}, max {hi_1:.3f})")
    best = min(med_l, med_1)
    print(f"speed-up (faster b)/(a): {best / med_b:.1f}×   max relative difference of the losses: {err:.2e}")
    verdict = "met" if med_b < 2.0 else "NOT met"
    print(f"target 51×51 under 2 s: {verdict} ({med_b:.2f} s)")


if __name__ == "__main__":
    main()
