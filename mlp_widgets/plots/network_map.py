"""The network as a picture: every unit drawn as a small heatmap of what it computes, weights as lines.

Columns from left to right: the inputs (``x``, ``y`` — each input's value over
the grid), every hidden layer's units, and the output ``ŷ``. Lines join the
units of neighbouring columns, red for a positive weight and blue for a
negative one, thicker and darker the larger the weight is within its layer.
Each unit's picture is on its own colour scale (red > 0, blue < 0): it shows
*where* the unit is active, which is what a student reads off it.

All the pictures live in ONE image (a mosaic in figure pixels), drawn over the
weight lines: an update fills the mosaic with numpy and blits one image and
one line collection, however many units there are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from ..core import Net
from ..core._validate import check_int
from ..core.features import input_names
from ..core.units import hidden_activations, structure
from .figure import FigureView
from .style import SIGNED_CMAP, FrameStyle, get_cmap, get_style

#: most units drawn per column (the first ones)
MAX_MAP_UNITS = 32
#: largest and smallest side of a unit's picture, in figure pixels
TILE_MAX, TILE_MIN = 56, 8
_HIGHLIGHT = "#E69F00"  # Okabe–Ito orange


@dataclass(frozen=True)
class Hit:
    """What is under the mouse: a unit (``source`` is None) or the weight ``W[layer][source, unit]``."""

    column: int
    unit: int
    layer: int | None = None
    source: int | None = None


class NetworkMapView(FigureView):
    """Every unit of a network as a small picture of its output over the grid, joined by its weights.

    Parameters
    ----------
    net : Net
        The network (its architecture sets the layout; any number of inputs and outputs).
    input_names : list of str, optional
        Names of the inputs (``x``, ``y`` for two; ``x1 …`` otherwise).
    max_units : int
        Most units drawn per column (1–64; the first ones).
    size : (float, float)
        Figure size in inches (the default style's dpi applies).
    style, backend :
        See :class:`~mlp_widgets.plots.figure.FigureView`.
    """

    def __init__(
        self,
        net: Net,
        *,
        input_names: list[str] | None = None,
        max_units: int = MAX_MAP_UNITS,
        size: tuple[float, float] = (6.6, 4.6),
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__(get_style(style).with_size(*size), backend)
        self.max_units = check_int("units drawn per column", max_units, 1, 64)
        self._input_names = input_names
        self.ax = self.fig.add_axes((0.0, 0.0, 1.0, 1.0))
        self.ax.set_axis_off()
        self._cmap = get_cmap(SIGNED_CMAP, self.style.levels)
        self._lut = (self._cmap(np.linspace(0.0, 1.0, 256)) * 255).astype(np.uint8)
        self._edge_cmap = get_cmap(SIGNED_CMAP)
        self.edges = LineCollection([], zorder=1, antialiased=self.style.antialiased)
        self.ax.add_collection(self.edges, autolim=False)
        self.mosaic = self.ax.imshow(
            np.zeros((2, 2, 4), dtype=np.uint8), origin="upper", interpolation="nearest", zorder=2, aspect="auto"
        )
        (self.edge_mark,) = self.ax.plot([], [], color=_HIGHLIGHT, linewidth=3, alpha=0.9, zorder=1.5)
        self.tile_mark = self.ax.add_patch(
            Rectangle((0, 0), 0, 0, fill=False, edgecolor=_HIGHLIGHT, linewidth=2.5, zorder=4, visible=False)
        )
        for artist in (self.edges, self.mosaic, self.edge_mark, self.tile_mark):
            self.blitter.add(artist)
        self._structure: tuple | None = None
        self._texts: list = []
        self.highlight: Hit | None = None
        self.update(net, None)

    # -- layout ---------------------------------------------------------------------------------
    def _layout(self, net: Net) -> None:
        width_px, height_px = (round(v) for v in (self.fig.bbox.width, self.fig.bbox.height))
        self.ax.set_xlim(0, width_px)
        self.ax.set_ylim(height_px, 0)  # pixel coordinates, y down, like the mosaic
        sizes = [net.n_in] + [layer.N_out for layer in net.linear_layers]
        self.sizes = sizes
        self.shown = [min(s, self.max_units) for s in sizes]
        header = 3.2 * self.style.font_size * 1.4  # two lines of column titles
        top, bottom = header + 4, height_px - 6
        n_cols = len(sizes)
        col_w = width_px / n_cols
        gap = 0.18
        # a layer of many units wraps into a few columns of pictures, so each picture stays big enough to read
        layouts = [_best_wrap(count, bottom - top, 0.86 * col_w, gap) for count in self.shown]
        tile = int(max(TILE_MIN, min(TILE_MAX, *(t for t, _ in layouts))))
        self.tile = tile
        self.positions = []  # per column: (count, 2) top-left corners
        for c, (count, (_, wraps)) in enumerate(zip(self.shown, layouts, strict=True)):
            rows = -(-count // wraps)
            block_w = wraps * tile + (wraps - 1) * gap * tile
            block_h = rows * tile + (rows - 1) * gap * tile
            x_start = (c + 0.5) * col_w - block_w / 2
            y_start = top + max(0.0, (bottom - top - block_h) / 2)
            u = np.arange(count)
            xs = x_start + (u // rows) * tile * (1 + gap)
            ys = y_start + (u % rows) * tile * (1 + gap)
            self.positions.append(np.column_stack([xs, ys]))
        self._mosaic = np.zeros((height_px, width_px, 4), dtype=np.uint8)
        self.mosaic.set_data(self._mosaic)
        self.mosaic.set_extent((0, width_px, height_px, 0))
        index, segments = [], []
        for k in range(n_cols - 1):
            for i in range(self.shown[k]):
                for j in range(self.shown[k + 1]):
                    index.append((k, i, j))
                    segments.append([self.positions[k][i] + tile / 2, self.positions[k + 1][j] + tile / 2])
        self.edge_index = index
        self.edges.set_segments(segments)
        for text in self._texts:
            text.remove()
        acts = hidden_activations(net)
        fs = self.style.font_size
        titles = ["inputs"]
        for k, act in enumerate(acts):
            name = type(act).__name__ if act is not None else "linear"
            more = f", {self.shown[k + 1]} of {sizes[k + 1]}" if sizes[k + 1] > self.shown[k + 1] else ""
            titles.append(f"hidden layer {k + 1}\n{name}, {sizes[k + 1]} units{more}")
        titles.append("output")
        self._texts = [
            self.ax.text((c + 0.5) * col_w, 4, title, ha="center", va="top", fontsize=fs, linespacing=1.1)
            for c, title in enumerate(titles)
        ]
        names_in = self._input_names or (
            input_names(net.features) if net.n_in == 2 + len(net.features) else [f"x{i + 1}" for i in range(net.n_in)]
        )
        names_out = ["ŷ"] if net.n_out == 1 else [f"ŷ{i + 1}" for i in range(net.n_out)]
        for c, names in ((0, names_in), (n_cols - 1, names_out)):
            for u, (x0, y0) in enumerate(self.positions[c][: len(names)]):
                side = -3 if c == 0 else tile + 3
                ha = "right" if c == 0 else "left"
                self._texts.append(
                    self.ax.text(x0 + side, y0 + tile / 2, names[u], ha=ha, va="center", fontsize=fs + 1)
                )

    # -- data -----------------------------------------------------------------------------------
    def _tile_rgba(self, values: np.ndarray, n: int) -> np.ndarray:
        """One unit's ``n × n`` picture, on its own signed scale, resampled to the tile (nearest)."""
        grid = values.reshape(n, n)[::-1]  # row 0 at the top: y grows upwards in the picture
        finite = np.isfinite(grid)
        m = float(np.abs(grid[finite]).max()) if finite.any() else 0.0
        scaled = np.where(finite, 0.5 + 0.5 * grid / m, 0.5) if m > 0 else np.full(grid.shape, 0.5)
        idx = np.clip((scaled * 255).round().astype(int), 0, 255)
        pick = (np.arange(self.tile) * n // self.tile).astype(int)
        return self._lut[idx[np.ix_(pick, pick)]]

    def update(self, net: Net, parts: tuple[np.ndarray, list[np.ndarray], np.ndarray] | None) -> str:
        """Show ``net``'s weights and, when ``parts`` is given, every unit's output.

        Parameters
        ----------
        net : Net
            The network.
        parts : (inputs, hidden, output) or None
            Values on a square grid of ``n × n`` points: ``inputs`` ``(n², n_in)``, one
            ``(n², width)`` array per hidden layer, ``output`` ``(n², n_out)``
            (:func:`mlp_widgets.core.units.forward_parts` gives them). ``None``
            draws blank pictures (a network whose inputs are not a 2-D grid).

        Returns
        -------
        str
            How the figure was redrawn.
        """
        key = (structure(net), tuple(getattr(net, "features", ())))
        full = key != self._structure
        if full:
            self._structure = key
            self._layout(net)
        self._net = net
        self._mosaic[:] = 0
        if parts is not None:
            inputs, hidden, output = parts
            columns = [np.asarray(inputs), *[np.asarray(h) for h in hidden], np.asarray(output)]
            n = int(round(np.sqrt(columns[0].shape[0])))
            for c, values in enumerate(columns):
                for u, (x0, y0) in enumerate(self.positions[c]):
                    x0, y0 = int(round(x0)), int(round(y0))
                    self._mosaic[y0 : y0 + self.tile, x0 : x0 + self.tile] = self._tile_rgba(values[:, u], n)
        else:
            for c in range(len(self.positions)):
                for x0, y0 in self.positions[c]:
                    x0, y0 = int(round(x0)), int(round(y0))
                    self._mosaic[y0 : y0 + self.tile, x0 : x0 + self.tile] = (235, 235, 235, 255)
        self.mosaic.set_data(self._mosaic)
        colors, widths = [], []
        for k, layer in enumerate(net.linear_layers):
            w = layer.weight[: self.shown[k], : self.shown[k + 1]].numpy().astype(float).ravel()
            m = float(np.abs(w).max()) if w.size else 0.0
            size = np.abs(w) / m if m > 0 else np.zeros(w.size)
            rgba = self._edge_cmap(0.5 + 0.5 * (w / m if m > 0 else w))
            rgba[:, 3] = 0.12 + 0.88 * size  # small weights fade out
            colors.append(rgba)
            widths.append(0.3 + 2.4 * size)
        self.edges.set_color(np.concatenate(colors))
        self.edges.set_linewidth(np.concatenate(widths))
        self._mark()
        return self.redraw(full)

    # -- reading what is under the mouse ------------------------------------------------------
    def hit(self, x: float | None, y: float | None) -> Hit | None:
        """The unit whose picture is at ``(x, y)`` (data = figure pixels, y down), else the nearest weight line."""
        if x is None or y is None:
            return None
        t = self.tile
        for c, corners in enumerate(self.positions):
            inside = (corners[:, 0] <= x) & (x <= corners[:, 0] + t) & (corners[:, 1] <= y) & (y <= corners[:, 1] + t)
            if inside.any():
                return Hit(c, int(np.argmax(inside)))
        segs = np.asarray(self.edges.get_segments())
        if segs.size == 0:
            return None
        a, b = segs[:, 0], segs[:, 1]
        ab = b - a
        p = np.array([x, y])
        s = np.clip(((p - a) * ab).sum(axis=1) / np.maximum((ab * ab).sum(axis=1), 1e-9), 0, 1)
        dist = np.hypot(*(a + s[:, None] * ab - p).T)
        best = int(np.argmin(dist))
        if dist[best] > 6:
            return None
        k, i, j = self.edge_index[best]
        return Hit(k + 1, j, layer=k, source=i)

    def set_highlight(self, hit: Hit | None, *, redraw: bool = True) -> str:
        """Outline a unit's picture or thicken a weight line (``None`` clears it)."""
        if hit == self.highlight:
            return ""
        self.highlight = hit
        self._mark()
        return self.redraw() if redraw else ""

    def _mark(self) -> None:
        hit, t = self.highlight, self.tile
        self.edge_mark.set_data([], [])
        self.tile_mark.set_visible(False)
        if hit is None or hit.column >= len(self.positions) or hit.unit >= len(self.positions[hit.column]):
            return
        if hit.source is None:
            x0, y0 = self.positions[hit.column][hit.unit]
            self.tile_mark.set_bounds(x0 - 1, y0 - 1, t + 2, t + 2)
            self.tile_mark.set_visible(True)
        elif hit.source < len(self.positions[hit.layer]):
            a = self.positions[hit.layer][hit.source] + t / 2
            b = self.positions[hit.layer + 1][hit.unit] + t / 2
            self.edge_mark.set_data([a[0], b[0]], [a[1], b[1]])


def _best_wrap(count: int, height: float, width: float, gap: float) -> tuple[float, int]:
    """``(tile side, columns)``: the biggest square pictures for ``count`` units in a ``width × height`` box."""
    best = (0.0, 1)
    for wraps in range(1, 5):
        rows = -(-max(count, 1) // wraps)
        side = min(height / (rows + (rows - 1) * gap), width / (wraps + (wraps - 1) * gap))
        if side > best[0] * 1.15:  # another column only for clearly bigger pictures
            best = (side, wraps)
    return best
