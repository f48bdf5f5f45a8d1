"""Control change → surface drawn, for the lab's 50×50 surface; and bytes per frame.

Run:  /work/venv/bin/python benchmarks/bench_surface.py [--changes 60]

Measured side by side in one run (Agg canvas, kernel side, draw included):

* naive: close the old figure, new figure + ``plot_surface`` + ``draw`` (what the lab's
  ``plot_result_surface`` does on every call);
* in place: ``SurfaceView.update`` — new vertices and colours, blitted over the cached axes;
* widget: moving the ActivationComparer's ``w1`` slider (validation, the neuron's forward
  pass, the formula text, the surface update) — the whole control path.

Frame bytes: a full frame is the PNG ``savefig`` writes at the figure's dpi (what a first
display or a rotation sends); an update frame is the PNG of the changed pixels only, as
ipympl's diff mode sends after a blit.
"""

from __future__ import annotations

import argparse
import io
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from mlp_widgets.core import lab2_dataset  # noqa: E402
from mlp_widgets.plots import SurfaceView, get_style  # noqa: E402
from mlp_widgets.widgets import ActivationComparer  # noqa: E402


def surfaces(ds, n):
    """``n`` different neuron outputs over the grid (what the single-neuron sliders draw)."""
    x, y = ds.x_nodes, ds.y_nodes
    return [np.tanh((1 + 0.02 * k) * x - (0.5 + 0.01 * k) * y + 0.01 * k) for k in range(n)]


def stats(times):
    ms = np.asarray(times) * 1e3
    return float(np.median(ms)), float(np.percentile(ms, 95))


def naive(ds, zs):
    times, fig = [], None
    for z in zs:
        t = time.perf_counter()
        if fig is not None:
            fig.clear()
        fig = Figure(figsize=(6.4, 4.8))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(projection="3d")
        ax.plot_surface(ds.x_nodes, ds.y_nodes, z, cmap="coolwarm", linewidth=0, antialiased=False)
        fig.canvas.draw()
        times.append(time.perf_counter() - t)
    return times


def in_place(ds, zs, zlim, style="default"):
    view = SurfaceView(ds.x_nodes, ds.y_nodes, zs[0], zlim=zlim, style=style, backend="agg")
    times, kinds = [], []
    for z in zs:
        t = time.perf_counter()
        kinds.append(view.update(z))
        times.append(time.perf_counter() - t)
    view.close()
    return times, kinds


def widget_path(n):
    comparer = ActivationComparer(backend="agg")
    comparer.neuron_dropdown.value = "tanh"
    times, kinds = [], []
    for k in range(n):
        t = time.perf_counter()
        comparer.w1_slider.value = round(-2.0 + 4.0 * k / n, 2)
        times.append(time.perf_counter() - t)
        kinds.append(comparer.neuron_view.last_redraw)
    assert not comparer.message, comparer.message
    comparer.close()
    return times, kinds


def frame_bytes(ds, zs, style):
    view = SurfaceView(ds.x_nodes, ds.y_nodes, zs[0], zlim=(-1.5, 1.5), style=style, backend="agg")
    full = len(view.png())
    diffs = []
    prev = np.asarray(view.canvas.buffer_rgba()).copy()
    for z in zs[1:21]:
        view.update(z)
        buf = np.asarray(view.canvas.buffer_rgba())
        now, old = buf.view(np.uint32).squeeze(2), prev.view(np.uint32).squeeze(2)
        out = np.where(now != old, now, 0).view(np.uint8).reshape(buf.shape)
        png = io.BytesIO()
        Image.fromarray(out).save(png, format="png")
        diffs.append(len(png.getvalue()))
        prev = buf.copy()
    view.close()
    return full, float(np.median(diffs))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=60)
    args = parser.parse_args()
    n = max(50, args.changes)
    ds = lab2_dataset()
    zs = surfaces(ds, n)

    naive(ds, zs[:3])  # warm-up (imports, font cache)
    t_naive = naive(ds, zs)
    t_fixed, k_fixed = in_place(ds, zs, (-1.5, 1.5))
    t_auto, k_auto = in_place(ds, zs, None)
    t_widget, k_widget = widget_path(n)

    print(f"50×50 surface, {n} changes each, Agg, kernel side (ms)")
    print(f"{'path':48s} {'median':>8s} {'p95':>8s}  redraws")
    rows = [
        ("naive: new figure + plot_surface + draw", t_naive, None),
        ("in place, fixed z-limits (blit)", t_fixed, k_fixed),
        ("in place, auto z-limits", t_auto, k_auto),
        ("widget: ActivationComparer w1 slider → drawn", t_widget, k_widget),
    ]
    med_naive = stats(t_naive)[0]
    for name, times, kinds in rows:
        med, p95 = stats(times)
        redraws = "all full" if kinds is None else f"{kinds.count('blit')} blit / {kinds.count('full')} full"
        print(f"{name:48s} {med:8.1f} {p95:8.1f}  {redraws}  ({med_naive / med:.1f}× faster than naive)")
    med, p95 = stats(t_widget)
    verdict = "MET" if med <= 25 and p95 <= 60 else "NOT met"
    print(f"target median ≤ 25 ms, p95 ≤ 60 ms (widget path): {verdict}")

    print("\nbytes per frame (PNG)")
    for name in ("default", "sharp"):
        style = get_style(name)
        full, diff = frame_bytes(ds, zs, name)
        w, h = style.pixels
        print(
            f"{name:8s} {w}×{h} px, antialiased={style.antialiased}, levels={style.levels}: "
            f"full frame {full / 1024:.1f} KiB, update (diff) frame {diff / 1024:.1f} KiB"
        )


if __name__ == "__main__":
    main()
