"""A histogram with vertical markers (e.g. losses of random networks, the best loss and ε), updated in place."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..core._validate import check_choice, check_int
from .figure import FigureView
from .style import LINE_COLORS, FrameStyle

#: smallest value shown on a log axis (zero losses are drawn there)
LOG_FLOOR = 1e-30


def histogram_edges(values: np.ndarray, bins: int, log: bool) -> np.ndarray:
    """``bins + 1`` bin edges spanning the finite ``values``: evenly spaced, or evenly in ``log10`` if ``log``."""
    vmin, vmax = float(values.min()), float(values.max())
    lo, hi = (np.log10(max(vmin, LOG_FLOOR)), np.log10(max(vmax, LOG_FLOOR))) if log else (vmin, vmax)
    if hi <= lo:
        pad = 0.5 if (log or lo == 0) else 0.1 * abs(lo)
        lo, hi = lo - pad, hi + pad
        vmin = vmax = None
    edges = np.linspace(lo, hi, bins + 1)
    if log:
        edges = 10.0**edges
    if vmin is not None:  # exact ends: 10**log10(x) may round below x and drop the largest value
        edges[0], edges[-1] = vmin, vmax
    return edges


class HistogramView(FigureView):
    """One axis holding a histogram (bars made once, resized in place) and named vertical markers.

    :meth:`set_values` recomputes the counts and moves the existing bars (a
    full redraw: the axes' limits change). :meth:`set_marker` moves a
    marker line and blits it while it stays inside the x-limits; a new
    marker, or one that leaves the limits, redraws everything (the legend or
    the limits change).

    Parameters
    ----------
    bins : int
        Number of bars (2 to 200).
    xscale : {"log", "linear"}
        Scale of the value axis; bins are evenly spaced on it.
    title, xlabel, ylabel : str
        Decoration.
    style, backend :
        See :class:`~mlp_widgets.plots.figure.FigureView`.

    Attributes
    ----------
    counts : ndarray
        Number of values per bin (empty before the first :meth:`set_values`).
    edges : ndarray
        Bin edges (``len(counts) + 1``).
    n_values, n_dropped : int
        Values counted, and non-finite values left out.
    """

    def __init__(
        self,
        *,
        bins: int = 40,
        xscale: str = "log",
        title: str = "",
        xlabel: str = "",
        ylabel: str = "count",
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__(style, backend)
        self.n_bins = check_int("number of bins", bins, 2, 200)
        self.log = check_choice("xscale", xscale, ("log", "linear")) == "log"
        self.ax = self.fig.add_subplot()
        self.ax.set_xscale(xscale)
        self.ax.tick_params(labelsize=self.style.font_size)
        self.ax.set_xlabel(xlabel, fontsize=self.style.font_size)
        self.ax.set_ylabel(ylabel, fontsize=self.style.font_size)
        if title:
            self.ax.set_title(title, fontsize=self.style.font_size + 1)
        self.counts = np.zeros(0, dtype=int)
        self.edges = np.zeros(0)
        self.n_values = self.n_dropped = 0
        self.bars: list[Rectangle] = []
        self.markers: dict[str, Line2D] = {}
        self._pending_full = False
        self.fig.tight_layout()
        self.redraw(full=True)

    # -- bars -----------------------------------------------------------------------------------
    def set_values(self, values: Sequence[float] | np.ndarray) -> str:
        """Count ``values`` into the bins and show them (non-finite values are left out and counted).

        Raises
        ------
        ValueError
            If there is no finite value.
        """
        v = np.asarray(getattr(values, "detach", lambda: values)(), dtype=float).ravel()
        finite = v[np.isfinite(v)]
        if finite.size == 0:
            raise ValueError("A histogram needs at least one finite value; got none.")
        if self.log:
            finite = np.maximum(finite, LOG_FLOOR)
        self.n_values, self.n_dropped = int(finite.size), int(v.size - finite.size)
        self.edges = histogram_edges(finite, self.n_bins, self.log)
        self.counts, _ = np.histogram(finite, self.edges)
        if not self.bars:
            self.bars = [
                self.ax.add_patch(Rectangle((0.0, 0.0), 1.0, 0.0, facecolor=LINE_COLORS[0], alpha=0.75, linewidth=0))
                for _ in range(self.n_bins)
            ]
        for bar, lo, hi, count in zip(self.bars, self.edges[:-1], self.edges[1:], self.counts, strict=True):
            bar.set_x(lo)
            bar.set_width(hi - lo)
            bar.set_height(count)
        self.ax.set_ylim(0, max(1, int(self.counts.max())) * 1.08)
        self._fit_xlim()
        return self.redraw(full=True)

    def fraction_below(self, x: float) -> float:
        """Approximate share of the counted values below ``x`` (from the bins; exact at bin edges)."""
        if self.n_values == 0:
            return float("nan")
        cum = np.concatenate([[0], np.cumsum(self.counts)])
        return float(np.interp(x, self.edges, cum) / self.n_values)

    # -- markers --------------------------------------------------------------------------------
    def set_marker(
        self,
        name: str,
        x: float | None,
        *,
        label: str | None = None,
        color: str | None = None,
        linestyle: str = "--",
        redraw: bool = True,
    ) -> str:
        """Put the vertical marker ``name`` at ``x`` (``None`` or a non-finite value hides it).

        With ``redraw=False`` nothing is drawn: call :meth:`flush` once after several changes.

        Returns
        -------
        str
            How the figure was redrawn (``""`` when ``redraw`` is false).
        """
        line = self.markers.get(name)
        visible = x is not None and np.isfinite(x) and (x > 0 or not self.log)
        full = False
        if line is None:
            color = color or LINE_COLORS[(len(self.markers) + 1) % len(LINE_COLORS)]
            line = self.ax.axvline(1.0 if self.log else 0.0, color=color, linestyle=linestyle, linewidth=1.5)
            line.set_label(label or name)
            self.blitter.add(line)
            self.markers[name] = line
            self._update_legend()
            full = True
        elif label is not None and label != line.get_label():
            line.set_label(label)
            self._update_legend()
            full = True
        line.set_visible(bool(visible))
        if visible:
            line.set_xdata([float(x), float(x)])
            lo, hi = self.ax.get_xlim()
            if not lo <= x <= hi:
                self._fit_xlim()
                full = True
        if not redraw:
            self._pending_full = self._pending_full or full
            return ""
        return self.redraw(full)

    def flush(self) -> str:
        """Draw the changes made with ``redraw=False``: a blit, or a full draw if one of them needs it."""
        full, self._pending_full = self._pending_full, False
        return self.redraw(full)

    def marker_x(self, name: str) -> float | None:
        """Where the marker ``name`` is (``None`` if hidden or missing)."""
        line = self.markers.get(name)
        if line is None or not line.get_visible():
            return None
        return float(line.get_xdata()[0])

    def _update_legend(self) -> None:
        old = self.ax.get_legend()
        if old is not None:
            old.remove()
        if self.markers:
            handles = [Line2D([], [], color=m.get_color(), linestyle=m.get_linestyle()) for m in self.markers.values()]
            labels = [m.get_label() for m in self.markers.values()]
            self.ax.legend(handles, labels, fontsize=self.style.font_size, loc="upper right", frameon=False)

    def _fit_xlim(self) -> None:
        xs = [self.marker_x(name) for name in self.markers]
        xs = [x for x in xs if x is not None]
        if self.edges.size:
            xs += [float(self.edges[0]), float(self.edges[-1])]
        if not xs:
            return
        lo, hi = min(xs), max(xs)
        if self.log:
            lo, hi = max(lo, LOG_FLOOR), max(hi, LOG_FLOOR)
            self.ax.set_xlim(lo / 1.5, hi * 1.5)
        else:
            pad = 0.05 * (hi - lo) if hi > lo else 0.5
            self.ax.set_xlim(lo - pad, hi + pad)
