"""How well a prediction fits its target, at a glance: target and prediction on ONE colour scale, and their difference.

Three pictures over the grid in one figure: the target, the prediction, and
the residual (prediction − target). Target and prediction share their colour
scale, so a prediction that reaches 40 % of the target's peak *looks* 40 % as
strong — two pictures each on its own scale would look alike. The residual
has its own scale, centred on zero (red: too high, blue: too low).

Updates change the prediction's and residual's pixels and blit them; the
shared scale is rounded outwards to tick values, so it changes (a full
redraw, colour bars included) only when the prediction leaves it or fills
less than half of it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .figure import FigureView
from .style import SIGNED_CMAP, FrameStyle, get_cmap, get_style
from .surface import nice_limits


class FitView(FigureView):
    """Target, prediction (one shared colour scale) and residual (its own, centred on 0) side by side.

    Parameters
    ----------
    target : ndarray, shape (n, n)
        The target on the grid (``meshgrid`` order: row ``i`` is ``y[i]``).
    extent : (xmin, xmax, ymin, ymax)
        The grid's corners.
    size : (float, float)
        Figure size in inches.
    style, backend :
        See :class:`~mlp_widgets.plots.figure.FigureView`.
    """

    def __init__(
        self,
        target: np.ndarray,
        extent: Sequence[float] = (-2.0, 2.0, -2.0, 2.0),
        *,
        size: tuple[float, float] = (6.6, 2.5),
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__(get_style(style).with_size(*size), backend)
        fs = self.style.font_size
        cmap = get_cmap("viridis", self.style.levels)
        signed = get_cmap(SIGNED_CMAP, self.style.levels)
        self.fig.subplots_adjust(left=0.06, right=0.93, bottom=0.12, top=0.86, wspace=0.55)
        self.axes = [self.fig.add_subplot(1, 3, k + 1) for k in range(3)]
        blank = np.zeros((2, 2))
        extent = tuple(float(e) for e in extent)
        self.images = []
        titles = ("target", "prediction ŷ", "residual ŷ − target")
        for ax, title, cm in zip(self.axes, titles, (cmap, cmap, signed), strict=True):
            image = ax.imshow(blank, origin="lower", extent=extent, cmap=cm, interpolation="nearest", aspect="equal")
            ax.set_title(title, fontsize=fs + 1)
            ax.tick_params(labelsize=fs - 0.5, length=2, pad=1)
            ax.locator_params(nbins=3)
            self.images.append(image)
        self.shared_bar = self.fig.colorbar(self.images[1], ax=self.axes[:2], fraction=0.05, pad=0.03)
        self.residual_bar = self.fig.colorbar(self.images[2], ax=self.axes[2], fraction=0.1, pad=0.05)
        for bar in (self.shared_bar, self.residual_bar):
            bar.ax.tick_params(labelsize=fs - 0.5, length=2, pad=1)
        for image in self.images[1:]:
            self.blitter.add(image)
        self.shared_limits = (0.0, 1.0)
        self.residual_limit = 1.0
        # held-out test points, as small open circles on every picture (empty: no test set)
        self.marks = [ax.scatter([], [], s=2, c="white", linewidths=0, alpha=0.55, zorder=3) for ax in self.axes]
        self.set_target(target, extent)

    @property
    def title(self) -> str:
        """The figure's name (it has three titles)."""
        return "target, prediction and residual"

    def set_target(self, target: np.ndarray, extent: Sequence[float] | None = None) -> str:
        """Show a new target (and grid); the prediction is reset to zeros (a full redraw)."""
        self.target = _grid(target)
        if extent is not None:
            for image in self.images:
                image.set_extent(tuple(float(e) for e in extent))
        self.images[0].set_data(self.target)
        self.prediction = np.zeros_like(self.target)
        self.shared_limits = (np.nan, np.nan)
        return self.update(self.prediction, full=True)

    def set_marks(self, xs: Sequence[float] = (), ys: Sequence[float] = (), *, redraw: bool = True) -> str:
        """Mark points (the held-out test set) on the three pictures; no points clears the marks."""
        points = np.column_stack([np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)]).reshape(-1, 2)
        for mark in self.marks:
            mark.set_offsets(points)
        return self.redraw(full=True) if redraw else "deferred"

    @property
    def marked(self) -> int:
        """How many points are marked."""
        return len(self.marks[0].get_offsets())

    def update(self, prediction: np.ndarray, full: bool = False) -> str:
        """Show a new prediction on the same grid (a blit unless a colour scale must change)."""
        p = _grid(prediction)
        if p.shape != self.target.shape:
            raise ValueError(f"The prediction needs {self.target.size} values on the target's grid; got {p.size}.")
        self.prediction = p
        with np.errstate(invalid="ignore"):
            residual = p - self.target
        shared = self._shared(p)
        if shared != self.shared_limits:
            self.shared_limits = shared
            for image in self.images[:2]:
                image.set_clim(*shared)
            full = True
        finite = residual[np.isfinite(residual)]
        r = float(np.abs(finite).max()) if finite.size else 0.0
        limit = nice_limits(-r, r)[1] if r > 0 else 1e-12
        if not (0.4 * self.residual_limit <= r <= self.residual_limit):
            self.residual_limit = limit
            self.images[2].set_clim(-limit, limit)
            full = True
        self.images[1].set_data(np.ma.masked_invalid(p))
        self.images[2].set_data(np.ma.masked_invalid(residual))
        return self.redraw(full)

    def _shared(self, prediction: np.ndarray) -> tuple[float, float]:
        """The shared scale: the target's range, widened to the prediction's, rounded to ticks; kept while it fits."""
        both = np.concatenate([self.target[np.isfinite(self.target)], prediction[np.isfinite(prediction)]])
        if both.size == 0:
            return (0.0, 1.0)
        lo, hi = float(both.min()), float(both.max())
        old_lo, old_hi = self.shared_limits
        if np.isfinite(old_lo) and old_lo <= lo and hi <= old_hi and (hi - lo) >= 0.5 * (old_hi - old_lo):
            return (old_lo, old_hi)
        return nice_limits(lo, hi)


def _grid(values: np.ndarray) -> np.ndarray:
    values = np.asarray(getattr(values, "detach", lambda: values)(), dtype=float)
    n = int(round(np.sqrt(values.size)))
    if n * n != values.size or n < 2:
        raise ValueError(f"Expected the values of a square grid (n² values, n ≥ 2); got {values.size}.")
    return values.reshape(n, n)
