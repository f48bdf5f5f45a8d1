"""Pictures of a network's insides: its graph (weights as coloured lines) and one small picture per hidden unit.

Both views own one figure and update it in place (``set_color``,
``set_linewidth``, ``set_data``), blitting what changed; only a new
architecture redraws the axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Colormap

from ..core import Net
from ..core._validate import check_int
from ..core.units import hidden_activations, structure
from .figure import FigureView
from .style import SIGNED_CMAP, FrameStyle, get_cmap

#: ``source`` index that stands for the bias instead of a weight
BIAS = -1
#: most units per layer drawn in the graph
MAX_GRAPH_UNITS = 32
_HIGHLIGHT = "#E69F00"  # Okabe–Ito orange


def _signed_colors(cmap: Colormap, values: np.ndarray) -> np.ndarray:
    m = float(np.abs(values).max()) if values.size else 0.0
    return cmap(0.5 + 0.5 * values / m) if m > 0 else cmap(np.full(values.shape, 0.5))


class NetworkGraphView(FigureView):
    """Units as dots, weights as lines (red > 0, blue < 0, width ∝ |w| within the layer), biases as fills.

    Parameter changes update the artists in place (``set_color``,
    ``set_linewidth``, ``set_facecolor``) and blit; only a new architecture
    redraws the axes.

    Parameters
    ----------
    net : Net
        The network.
    max_units : int
        Most units drawn per layer (the first ones).
    style, backend :
        See :class:`~mlp_widgets.plots.figure.FigureView`.
    """

    def __init__(
        self,
        net: Net,
        *,
        max_units: int = MAX_GRAPH_UNITS,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__(style, backend)
        self.max_units = check_int("units drawn per layer", max_units, 1, 256)
        self.ax = self.fig.add_axes((0.02, 0.02, 0.96, 0.9))
        self.cmap = get_cmap(SIGNED_CMAP)
        self.edges = LineCollection([], zorder=1, antialiased=self.style.antialiased)  # aliased: ⅓ the bytes
        self.ax.add_collection(self.edges, autolim=False)
        self.nodes = self.ax.scatter([], [], s=40, zorder=3, edgecolors="0.2", linewidths=0.6)
        (self.edge_mark,) = self.ax.plot([], [], color=_HIGHLIGHT, linewidth=5, alpha=0.8, zorder=2)
        (self.node_mark,) = self.ax.plot(
            [], [], marker="o", markersize=13, markerfacecolor="none", markeredgecolor=_HIGHLIGHT,
            markeredgewidth=2.5, linestyle="none", zorder=4,
        )  # fmt: skip
        for artist in (self.edges, self.nodes, self.edge_mark, self.node_mark):
            self.blitter.add(artist)
        self._structure: tuple | None = None
        self._headers: list[Any] = []
        self.selection: tuple[int, int, int] | None = None
        self.update(net)

    def _layout(self, net: Net) -> None:
        sizes = [net.n_in] + [layer.N_out for layer in net.linear_layers]
        self.sizes = sizes
        self.shown = [min(s, self.max_units) for s in sizes]
        top = max(self.shown)
        self.positions = [
            np.column_stack([np.full(s, float(c)), ((s - 1) / 2 - np.arange(s)) / max(top - 1, 1) * 2])
            for c, s in enumerate(self.shown)
        ]
        index, segments = [], []
        for k in range(len(sizes) - 1):
            for i in range(self.shown[k]):
                for j in range(self.shown[k + 1]):
                    index.append((k, i, j))
                    segments.append([self.positions[k][i], self.positions[k + 1][j]])
        self.edge_index = index
        self.edges.set_segments(segments)
        self.nodes.set_offsets(np.concatenate(self.positions))
        self.nodes.set_sizes([max(12.0, 60.0 - 1.5 * top)])
        for text in self._headers:
            text.remove()
        acts = hidden_activations(net)
        names = ["inputs"] + [
            f"hidden {k + 1}" + (f"\n{type(a).__name__}" if a is not None else "") for k, a in enumerate(acts)
        ]
        names.append("output")
        fs = self.style.font_size
        self._headers = [
            self.ax.text(c, 1.12, name + (f"\n({self.shown[c]} of {s})" if s > self.shown[c] else ""),
                         ha="center", va="bottom", fontsize=fs)
            for c, (name, s) in enumerate(zip(names, sizes, strict=True))
        ]  # fmt: skip
        self.ax.set_xlim(-0.4, len(sizes) - 0.6)
        self.ax.set_ylim(-1.15, 1.4)
        self.ax.set_axis_off()

    def update(self, net: Net) -> str:
        """Show ``net``'s parameters (a full redraw only when its structure changed)."""
        full = structure(net) != self._structure
        if full:
            self._structure = structure(net)
            self._layout(net)
        linear = net.linear_layers
        weights = []
        widths = []
        colors = []
        for k, layer in enumerate(linear):
            w = layer.weight[: self.shown[k], : self.shown[k + 1]].numpy().astype(float)
            m = float(np.abs(w).max()) if w.size else 0.0
            size = np.abs(w.ravel()) / m if m > 0 else np.zeros(w.size)
            rgba = _signed_colors(self.cmap, w.ravel())
            rgba[:, 3] = 0.15 + 0.85 * size  # small weights fade out
            weights.append(w.ravel())
            widths.append(0.3 + 2.7 * size)
            colors.append(rgba)
        self.weights = np.concatenate(weights)
        self.edges.set_color(np.concatenate(colors))
        self.edges.set_linewidth(np.concatenate(widths))
        fills = [np.tile([0.85, 0.85, 0.85, 1.0], (self.shown[0], 1))]
        for k, layer in enumerate(linear):
            b = layer.bias[: self.shown[k + 1]].numpy().astype(float)
            fills.append(_signed_colors(self.cmap, b))
        self.nodes.set_facecolor(np.concatenate(fills))
        self._net = net
        self._mark()
        return self.redraw(full)

    def select(self, layer: int, source: int, unit: int) -> str:
        """Highlight weight ``W[layer][source, unit]``, or the bias of ``unit`` when ``source`` is :data:`BIAS`."""
        self.selection = (layer, source, unit)
        self._mark()
        return self.redraw()

    def _mark(self) -> None:
        self.edge_mark.set_data([], [])
        self.node_mark.set_data([], [])
        if self.selection is None:
            return
        k, i, j = self.selection
        if k + 1 >= len(self.shown) or j >= self.shown[k + 1]:
            return
        if i == BIAS:
            x, y = self.positions[k + 1][j]
            self.node_mark.set_data([x], [y])
        elif i < self.shown[k]:
            (x0, y0), (x1, y1) = self.positions[k][i], self.positions[k + 1][j]
            self.edge_mark.set_data([x0, x1], [y0, y1])


class UnitPicturesView(FigureView):
    """Small pictures, one per hidden unit, in ONE figure (a grid of image axes updated with ``set_data``).

    Parameters
    ----------
    count : int
        Number of pictures.
    extent : (xmin, xmax, ymin, ymax)
        Grid corners.
    style, backend :
        See :class:`~mlp_widgets.plots.figure.FigureView`.
    """

    def __init__(
        self,
        count: int,
        extent: tuple[float, float, float, float] = (-2.0, 2.0, -2.0, 2.0),
        *,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__(style, backend)
        self._cmap = get_cmap(SIGNED_CMAP, self.style.levels)
        self.extent = tuple(float(e) for e in extent)
        self.images: list[Any] = []
        self.labels: list[Any] = []
        self.kinks: list[Any] = []
        self.set_count(count)

    @property
    def count(self) -> int:
        """Number of pictures laid out."""
        return len(self.images)

    def set_count(self, count: int) -> None:
        """Lay out ``count`` pictures (clears the figure; the next update draws everything)."""
        count = check_int("number of pictures", count, 0, 64)
        self.fig.clear()
        self.blitter.artists.clear()
        self.blitter.invalidate()
        self.images, self.labels, self.kinks = [], [], []
        cols = max(1, int(np.ceil(np.sqrt(count))))
        rows = max(1, int(np.ceil(count / cols)))
        self.fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99, wspace=0.06, hspace=0.06)
        blank = np.zeros((2, 2))
        lo, hi = self.extent[0], self.extent[1]
        for k in range(count):
            ax = self.fig.add_subplot(rows, cols, k + 1)
            ax.set_axis_off()
            image = ax.imshow(blank, origin="lower", extent=self.extent, cmap=self._cmap, interpolation="nearest")
            label = ax.text(
                0.03, 0.97, "", transform=ax.transAxes, ha="left", va="top", fontsize=self.style.font_size - 1,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "alpha": 0.7, "linewidth": 0},
            )  # fmt: skip
            (kink,) = ax.plot([], [], color="k", linewidth=0.8, linestyle="--")
            ax.set_xlim(lo, hi)
            ax.set_ylim(self.extent[2], self.extent[3])
            for artist in (image, kink, label):
                self.blitter.add(artist)
            self.images.append(image)
            self.labels.append(label)
            self.kinks.append(kink)

    def set_extent(self, extent: tuple[float, float, float, float]) -> None:
        """Move every picture to a new grid (the next update draws everything)."""
        self.extent = tuple(float(e) for e in extent)
        for image in self.images:
            image.set_extent(self.extent)
            image.axes.set_xlim(self.extent[0], self.extent[1])
            image.axes.set_ylim(self.extent[2], self.extent[3])
        self.blitter.invalidate()

    def update(self, values: np.ndarray, labels: list[str], kinks: np.ndarray | None = None, full: bool = False) -> str:
        """Show ``values[k]`` (an ``(n, n)`` grid) in picture ``k``, with its label and kink segment.

        Only the pictures that changed are redrawn: each one's patch of the
        cached background is restored and its artists drawn over it (editing
        one first-layer weight changes one picture, not sixteen).

        Returns
        -------
        str
            ``"full"``, ``"blit"`` (some pictures redrawn) or ``""`` (nothing changed).
        """
        values = np.asarray(values, dtype=float)
        if values.shape[0] != len(self.images):
            raise ValueError(f"Expected {len(self.images)} pictures; got {values.shape[0]}.")
        old = getattr(self, "values", None)
        same_grid = old is not None and old.shape == values.shape
        changed = []
        for k, image in enumerate(self.images):
            z = values[k]
            segment = kinks[k] if kinks is not None and np.isfinite(kinks[k]).all() else None
            key = (labels[k], None if segment is None else segment.tobytes())
            if same_grid and not full and np.array_equal(old[k], z) and getattr(image, "_mlpw_key", None) == key:
                continue
            changed.append(k)
            image._mlpw_key = key
            image.set_data(np.ma.masked_invalid(z))
            finite = z[np.isfinite(z)]
            m = float(np.abs(finite).max()) if finite.size else 0.0
            image.set_clim(-(m or 1.0), m or 1.0)
            self.labels[k].set_text(labels[k])
            if segment is not None:
                self.kinks[k].set_data(segment[:, 0], segment[:, 1])
            else:
                self.kinks[k].set_data([], [])
        self.values = values
        if full or self.blitter.background is None or self.closed:
            return self.redraw(full=True)
        if not changed:
            return ""
        canvas = self.fig.canvas
        height = self.fig.bbox.height
        for k in changed:
            box = self.images[k].axes.bbox  # Agg counts rows from the top
            canvas.restore_region(self.blitter.background, bbox=(box.x0, height - box.y1, box.x1, height - box.y0))
            for artist in (self.images[k], self.kinks[k], self.labels[k]):
                artist.axes.draw_artist(artist)
        canvas.blit(self.fig.bbox)
        self.blitter.n_blit += 1
        self.last_redraw = "blit"
        for callback in self._listeners:
            callback(self)
        return "blit"
