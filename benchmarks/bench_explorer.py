"""NetworkExplorer: kernel-side time from a weight edit to every figure drawn, in place vs rebuilt.

In place (the widget): new Net, forward pass, loss, graph colours/widths, the
changed unit picture, surface and heatmap blitted. Naive: the same numbers,
then four new figures (graph, 16 pictures, surface, heatmap) built and drawn.
Both with Agg (the PNG fallback used outside Jupyter is switched off, as under
ipympl). Also prints each figure's full-frame PNG size.

Run: ``/work/venv/bin/python benchmarks/bench_explorer.py``
"""

from __future__ import annotations

import time

import numpy as np

from mlp_widgets.core.units import forward_parts
from mlp_widgets.plots import HeatmapView, SurfaceView
from mlp_widgets.plots.network import NetworkGraphView, UnitPicturesView
from mlp_widgets.widgets.network_explorer import NetworkExplorer

N_EDITS = 60


def naive_edit(explorer: NetworkExplorer, value: float) -> None:
    explorer.set_parameter(0, 0, 3, value)  # same numbers, then new figures
    net, ds = explorer.net, explorer.dataset
    _, hidden, out = forward_parts(net, ds.inputs)
    views = [NetworkGraphView(net, backend="agg")]
    pictures = UnitPicturesView(16, (ds.lo, ds.hi, ds.lo, ds.hi), backend="agg")
    pictures.update(hidden[0][:, :16].T.numpy().reshape(16, ds.n, ds.n), [""] * 16)
    views += [pictures, SurfaceView(ds.x_nodes, ds.y_nodes, out, backend="agg")]
    views.append(HeatmapView(ds.grid(out), (ds.lo, ds.hi, ds.lo, ds.hi), backend="agg"))
    for view in views:
        view.fig.canvas.draw()
        view.close()


def main() -> None:
    explorer = NetworkExplorer(backend="agg")
    for view in explorer.views:
        view._listeners.clear()  # no PNG fallback: what a kernel with ipympl does
    values = np.sin(np.arange(N_EDITS + 5)) * 1.5
    for v in values[:5]:
        explorer.set_parameter(0, 0, 3, float(v))
    in_place, naive = [], []
    for v in values[5:]:  # interleaved, so both see the same machine load
        t = time.perf_counter()
        explorer.set_parameter(0, 0, 3, float(v))
        in_place.append(time.perf_counter() - t)
        t = time.perf_counter()
        naive_edit(explorer, float(v))
        naive.append(time.perf_counter() - t)
    a, b = np.array(in_place) * 1e3, np.array(naive) * 1e3
    print(f"{N_EDITS} edits of W1[x1 → h4], lab network 2 → 25 → 1 on the 50×50 grid (kernel side, Agg draw included)")
    print(f"  in place : median {np.median(a):6.1f} ms   p95 {np.percentile(a, 95):6.1f} ms")
    print(f"  rebuilt  : median {np.median(b):6.1f} ms   p95 {np.percentile(b, 95):6.1f} ms")
    print(f"  ratio rebuilt / in place (medians): {np.median(b) / np.median(a):.1f}×")
    print("full-frame PNG per figure (default style):")
    for view in explorer.views:
        print(f"  {type(view).__name__:18s} {len(view.png()) / 1024:5.1f} KiB")
    explorer.close()


if __name__ == "__main__":
    main()
