"""Curves on one axis (activations, loss curves), updated in place."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.lines import Line2D

from ..core._validate import check_choice
from .figure import FigureView
from .style import LINE_COLORS, FrameStyle, get_style


def _padded(lo: float, hi: float, log: bool) -> tuple[float, float]:
    if log:
        lo, hi = max(lo, 1e-300), max(hi, 1e-300)
        return (lo / 2, hi * 2) if hi <= lo else (lo / 1.5, hi * 1.5)
    if hi <= lo:
        pad = 0.5 if lo == 0 else 0.1 * abs(lo)
        return lo - pad, hi + pad
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


class LineView(FigureView):
    """One axis holding named curves and reference lines.

    Curves are set by name (:meth:`set_line`); setting data blits the curves
    when the axis limits still fit, and redraws everything when limits change
    or a curve is added or removed (the legend changes). Auto limits follow the
    data with some slack, so a growing loss curve does not redraw on every step.

    Parameters
    ----------
    title, xlabel, ylabel : str
        Decoration.
    xscale, yscale : {"linear", "log"}
        Axis scales.
    xlim, ylim : (float, float), optional
        Fixed limits; automatic when omitted.
    legend : bool
        Show a legend of the curves and the labelled reference lines.
    legend_outside : bool
        Put the legend right of the axes, so it never hides the data.
    size : (float, float), optional
        Figure size in inches (the style's otherwise).
    style, backend :
        See :class:`~mlp_widgets.plots.figure.FigureView`.
    """

    def __init__(
        self,
        *,
        title: str = "",
        xlabel: str = "",
        ylabel: str = "",
        xscale: str = "linear",
        yscale: str = "linear",
        xlim: Sequence[float] | None = None,
        ylim: Sequence[float] | None = None,
        legend: bool = True,
        legend_outside: bool = False,
        size: tuple[float, float] | None = None,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        frame = get_style(style)
        super().__init__(frame.with_size(*size) if size is not None else frame, backend)
        self.ax = self.fig.add_subplot()
        self.ax.set_xscale(check_choice("xscale", xscale, ("linear", "log")))
        self.ax.set_yscale(check_choice("yscale", yscale, ("linear", "log")))
        self.ax.set_autoscale_on(False)  # limits follow the curves (see _autoscale), not reference lines
        self.ax.tick_params(labelsize=self.style.font_size)
        self.ax.set_xlabel(xlabel, fontsize=self.style.font_size)
        self.ax.set_ylabel(ylabel, fontsize=self.style.font_size)
        if self.style.grid:
            self.ax.grid(True, alpha=0.3)
        if title:
            self.ax.set_title(title, fontsize=self.style.font_size + 1)
        self.legend = bool(legend)
        self.legend_outside = bool(legend_outside)
        self.lines: dict[str, Line2D] = {}
        self.refs: dict[str, Line2D] = {}
        self._in_view: set[str] = set()
        self._fixed = {"x": xlim is not None, "y": ylim is not None}
        if xlim is not None:
            self.ax.set_xlim(*xlim)
        if ylim is not None:
            self.ax.set_ylim(*ylim)
        self.fig.tight_layout()
        if yscale == "log":  # room for labels such as "2×10⁻³", which tight_layout cannot see before data
            self.fig.subplots_adjust(left=max(self.fig.subplotpars.left, 0.2))
        if self.legend_outside:
            self.fig.subplots_adjust(right=0.7)
        self.redraw(full=True)

    # -- curves ---------------------------------------------------------------------------------
    def set_line(
        self,
        name: str,
        x: Sequence[float] | np.ndarray,
        y: Sequence[float] | np.ndarray,
        *,
        label: str | None = None,
        color: str | None = None,
        linestyle: str = "-",
        first_marker: str | None = None,
        redraw: bool = True,
    ) -> str:
        """Create or update the curve ``name``.

        ``first_marker`` (a matplotlib marker, when the curve is created) marks
        the curve's first point only: a curve of one point is otherwise drawn as
        nothing at all (where a search starts, before its first step).

        Returns
        -------
        str
            How the figure was redrawn (``""`` when ``redraw`` is false).
        """
        x = np.asarray(getattr(x, "detach", lambda: x)(), dtype=float).ravel()
        y = np.asarray(getattr(y, "detach", lambda: y)(), dtype=float).ravel()
        if x.shape != y.shape:
            raise ValueError(f"x and y must have the same length; got {x.size} and {y.size}.")
        full = False
        line = self.lines.get(name)
        if line is None:
            color = color or LINE_COLORS[len(self.lines) % len(LINE_COLORS)]
            marks = {"marker": first_marker, "markevery": [0], "markersize": 5} if first_marker else {}
            (line,) = self.ax.plot(
                x, y, color=color, linestyle=linestyle, label=label or name, linewidth=1.5, **marks
            )  # fmt: skip
            self.blitter.add(line)
            self.lines[name] = line
            self._update_legend()
            full = True
        else:
            line.set_data(x, y)
            if color is not None:
                line.set_color(color)
        return self._after_change(full, redraw)

    @property
    def names(self) -> list[str]:
        """The names of the curves shown, in the order they were added."""
        return list(self.lines)

    def remove_line(self, name: str, redraw: bool = True) -> str:
        """Remove the curve ``name`` (nothing happens if there is none)."""
        line = self.lines.pop(name, None)
        if line is None:
            return ""
        self.blitter.remove(line)
        line.remove()
        self._update_legend()
        return self._after_change(True, redraw)

    def clear_lines(self, redraw: bool = True) -> str:
        """Remove every curve."""
        for name in list(self.lines):
            self.remove_line(name, redraw=False)
        return self._after_change(True, redraw)

    def _update_legend(self) -> None:
        old = self.ax.get_legend()
        if old is not None:
            old.remove()
        shown = [*self.lines.values(), *(ln for ln in self.refs.values() if not ln.get_label().startswith("_"))]
        if self.legend and shown:
            # legend entries are proxies: the curves themselves are animated
            handles = [Line2D([], [], color=ln.get_color(), linestyle=ln.get_linestyle()) for ln in shown]
            labels = [ln.get_label() for ln in shown]
            where = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0)} if self.legend_outside else {"loc": "best"}
            self.ax.legend(handles, labels, fontsize=self.style.font_size, frameon=False, **where)

    # -- reference lines ------------------------------------------------------------------------
    def set_hline(
        self, name: str, y: float | None, *, redraw: bool = True, keep_in_view: bool = False, **kwargs: object
    ) -> str:
        """A horizontal reference line (e.g. the threshold ε); ``None`` removes it.

        With ``keep_in_view`` the automatic y-limits always include it (the
        threshold a student aims at must be on screen); a ``label`` puts it in the legend.
        """
        (self._in_view.add if keep_in_view else self._in_view.discard)(name)
        return self._set_ref(name, y, self.ax.axhline, redraw, **kwargs)

    def set_vline(self, name: str, x: float | None, *, redraw: bool = True, **kwargs: object) -> str:
        """A vertical reference line (e.g. the current best); ``None`` removes it."""
        return self._set_ref(name, x, self.ax.axvline, redraw, **kwargs)

    def _set_ref(self, name: str, value: float | None, make, redraw: bool, **kwargs: object) -> str:  # noqa: ANN001
        old = self.refs.pop(name, None)
        if old is not None:
            self.blitter.remove(old)
            old.remove()
        if value is not None:
            kwargs.setdefault("color", "0.3")
            kwargs.setdefault("linestyle", ":")
            kwargs.setdefault("linewidth", 1.0)
            kwargs.setdefault("label", "_" + name)
            self.refs[name] = self.blitter.add(make(float(value), **kwargs))
        self._update_legend()
        return self._after_change(True, redraw)

    # -- limits ---------------------------------------------------------------------------------
    def set_limits(self, xlim: Sequence[float] | None = None, ylim: Sequence[float] | None = None) -> str:
        """Fix limits (``None`` makes that axis automatic again); a full redraw."""
        for key, lim, setter in (("x", xlim, self.ax.set_xlim), ("y", ylim, self.ax.set_ylim)):
            self._fixed[key] = lim is not None
            if lim is not None:
                setter(*lim)
        self._autoscale(force=True)
        return self.redraw(full=True)

    def _data_range(self, axis: int) -> tuple[float, float] | None:
        log = (self.ax.get_xscale() if axis == 0 else self.ax.get_yscale()) == "log"
        parts = []
        for line in self.lines.values():
            d = np.asarray(line.get_data()[axis], dtype=float)
            d = d[np.isfinite(d) & ((d > 0) if log else True)]
            if d.size:
                parts.append((d.min(), d.max()))
        if axis == 1:
            for name in self._in_view & set(self.refs):
                y = float(self.refs[name].get_ydata()[0])
                if np.isfinite(y) and (y > 0 or not log):
                    parts.append((y, y))
        if not parts:
            return None
        return float(min(p[0] for p in parts)), float(max(p[1] for p in parts))

    def _autoscale(self, force: bool = False) -> bool:
        changed = False
        for axis, key, get, set_ in (
            (0, "x", self.ax.get_xlim, self.ax.set_xlim),
            (1, "y", self.ax.get_ylim, self.ax.set_ylim),
        ):
            if self._fixed[key]:
                continue
            rng = self._data_range(axis)
            if rng is None:
                continue
            log = (self.ax.get_xscale() if axis == 0 else self.ax.get_yscale()) == "log"
            lo, hi = get()
            dlo, dhi = rng
            if log:
                span_ok = np.log10(max(dhi, 1e-300) / max(dlo, 1e-300)) >= 0.4 * np.log10(hi / lo)
            else:
                span_ok = (dhi - dlo) >= 0.4 * (hi - lo)
            if not force and lo <= dlo and dhi <= hi and span_ok:
                continue
            set_(*_padded(dlo, dhi, log))
            changed = True
        return changed

    def _after_change(self, full: bool, redraw: bool) -> str:
        if not redraw:
            return ""
        if self._autoscale():
            full = True
        return self.redraw(full)
