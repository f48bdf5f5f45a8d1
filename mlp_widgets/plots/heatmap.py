"""A 2-D companion of the surface: values over a grid as a colour image, updated in place."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .figure import FigureView
from .style import SIGNED_CMAP, FrameStyle, get_cmap


class HeatmapView(FigureView):
    """One figure showing ``z`` on a regular grid as an image, with optional contours and a marker.

    Updates set the image's data and colour limits and blit the image (and
    contours and marker) over the cached axes; with a colour bar, a change of
    the colour limits redraws everything.

    Parameters
    ----------
    z : ndarray, shape (n, m)
        Values; row ``i`` is ``y[i]``, column ``j`` is ``x[j]`` (``meshgrid`` order).
    extent : (xmin, xmax, ymin, ymax)
        Data coordinates of the grid's corners.
    cmap : str, optional
        Colour map name (coolwarm).
    symmetric : bool
        Centre the colour scale on zero.
    contours : int
        Number of contour lines drawn over the image (0 for none).
    colorbar : bool
        Show a colour bar.
    title, xlabel, ylabel : str
        Decoration.
    style, backend :
        See :class:`~mlp_widgets.plots.figure.FigureView`.
    """

    def __init__(
        self,
        z: np.ndarray,
        extent: Sequence[float] = (-2.0, 2.0, -2.0, 2.0),
        *,
        cmap: str | None = None,
        symmetric: bool = False,
        contours: int = 0,
        colorbar: bool = False,
        title: str = "",
        xlabel: str = "x",
        ylabel: str = "y",
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__(style, backend)
        self.ax = self.fig.add_subplot()
        self.symmetric = bool(symmetric)
        self.n_contours = int(contours)
        self._cmap = get_cmap(cmap or SIGNED_CMAP, self.style.levels)
        z = self._check(z)
        self.image = self.ax.imshow(
            z, origin="lower", extent=tuple(float(e) for e in extent), cmap=self._cmap, aspect="auto",
            interpolation="nearest" if not self.style.antialiased else "antialiased",
        )  # fmt: skip
        self.blitter.add(self.image)
        self.colorbar = self.fig.colorbar(self.image, ax=self.ax) if colorbar else None
        if self.colorbar is not None:
            self.colorbar.ax.tick_params(labelsize=self.style.font_size)
        self.ax.tick_params(labelsize=self.style.font_size)
        self.ax.set_xlabel(xlabel, fontsize=self.style.font_size)
        self.ax.set_ylabel(ylabel, fontsize=self.style.font_size)
        if title:
            self.ax.set_title(title, fontsize=self.style.font_size + 1)
        (self.marker,) = self.ax.plot([], [], marker="x", color="k", markersize=8, linestyle="none")
        self.blitter.add(self.marker)
        self.contour_set = None
        self._overlays: dict[str, object] = {}
        self._needs_full = False
        self.fig.tight_layout()
        self.update(z, full=True)

    @staticmethod
    def _check(z: np.ndarray) -> np.ndarray:
        z = np.asarray(getattr(z, "detach", lambda: z)(), dtype=float)
        if z.ndim != 2 or min(z.shape) < 2:
            raise ValueError(f"A heatmap needs a 2-D array of at least 2×2 values; got shape {z.shape}.")
        return z

    def _limits(self, z: np.ndarray) -> tuple[float, float]:
        finite = z[np.isfinite(z)]
        if finite.size == 0:
            return -1.0, 1.0
        lo, hi = float(finite.min()), float(finite.max())
        if self.symmetric:
            m = max(abs(lo), abs(hi)) or 1.0
            return -m, m
        return (lo - 0.5, hi + 0.5) if hi <= lo else (lo, hi)

    def update(self, z: np.ndarray, full: bool = False) -> str:
        """Show new values (same grid). Returns ``"blit"`` or ``"full"``."""
        z = self._check(z)
        self.values = z
        self.image.set_data(np.ma.masked_invalid(z))
        clim = self._limits(z)
        if self.colorbar is not None and tuple(self.image.get_clim()) != clim:
            full = True
        self.image.set_clim(*clim)
        if self.n_contours > 0:
            self._draw_contours(z)
        full, self._needs_full = full or self._needs_full, False
        return self.redraw(full)

    def _draw_contours(self, z: np.ndarray) -> None:
        if self.contour_set is not None:
            self.blitter.remove(self.contour_set)
            self.contour_set.remove()
            self.contour_set = None
        finite = z[np.isfinite(z)]
        if finite.size == 0 or finite.min() == finite.max():
            return
        x0, x1, y0, y1 = self.image.get_extent()
        xs, ys = np.linspace(x0, x1, z.shape[1]), np.linspace(y0, y1, z.shape[0])
        self.contour_set = self.ax.contour(xs, ys, z, levels=self.n_contours, colors="k", linewidths=0.6, alpha=0.6)
        self.blitter.add(self.contour_set)

    def mark(self, x: float | None, y: float | None = None, *, redraw: bool = True) -> str:
        """Mark one point (e.g. the current weights in a loss landscape); ``None`` hides it."""
        if x is None:
            self.marker.set_data([], [])
        else:
            self.marker.set_data([float(x)], [float(y)])
        return self.redraw() if redraw else ""

    def set_extent(self, extent: Sequence[float], *, redraw: bool = True) -> str:
        """Change the grid's corners and fit the axes to them (a full redraw)."""
        x0, x1, y0, y1 = (float(e) for e in extent)
        self.image.set_extent((x0, x1, y0, y1))
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)
        self._needs_full = True
        return self.redraw(full=True) if redraw else ""

    def segments(self, name: str) -> list[np.ndarray]:
        """The segments of the overlay ``name`` now shown (empty if there is none)."""
        overlay = self._overlays.get(name)
        return [] if overlay is None else list(overlay.get_segments())

    def set_segments(self, name: str, segments: Sequence | np.ndarray, *, redraw: bool = True, **style: object) -> str:
        """Draw (or replace) a named overlay of line segments, e.g. a layer's kink lines (a blit).

        ``segments`` is a sequence of ``[[x0, y0], [x1, y1]]``; segments with a
        non-finite end are left out. ``style`` (colors, linewidths,
        linestyles) applies when the overlay is first made.
        """
        from matplotlib.collections import LineCollection

        kept = [s for s in np.asarray(segments, dtype=float).reshape(-1, 2, 2) if np.isfinite(s).all()]
        overlay = self._overlays.get(name)
        if overlay is None:
            options = {"colors": "k", "linewidths": 0.7, "linestyles": "--", "antialiased": False, **style}
            overlay = LineCollection([], **options)
            self.ax.add_collection(overlay, autolim=False)
            self.blitter.add(overlay)
            self._overlays[name] = overlay
        overlay.set_segments(kept)
        return self.redraw() if redraw else ""
