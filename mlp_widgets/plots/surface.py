"""A 3-D surface over a grid, updated in place (the lab's ``plot_result_surface``, live)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..core._validate import check_float
from .figure import FigureView
from .style import SIGNED_CMAP, FrameStyle, get_cmap


def quads(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The grid's cells as quadrilaterals, shape ``((n-1)·(m-1), 4, 3)``."""

    def corners(a: np.ndarray) -> np.ndarray:
        return np.stack([a[:-1, :-1], a[:-1, 1:], a[1:, 1:], a[1:, :-1]], axis=-1).reshape(-1, 4)

    return np.stack([corners(x), corners(y), corners(z)], axis=-1)


def subsample_index(n: int, max_count: int) -> np.ndarray:
    """At most ``max_count`` evenly spread indices of ``range(n)``, both ends included."""
    if n <= max_count:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_count).round().astype(int))


def nice_limits(lo: float, hi: float, n_ticks: int = 4) -> tuple[float, float]:
    """Round ``[lo, hi]`` outwards to tick values (a flat range gets a small pad)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return -1.0, 1.0
    if hi - lo < 1e-12 * max(1.0, abs(lo), abs(hi)):
        pad = 0.5 if lo == 0 else 0.1 * abs(lo)
        lo, hi = lo - pad, hi + pad
    ticks = MaxNLocator(n_ticks).tick_values(lo, hi)
    return float(ticks[0]), float(ticks[-1])


class SurfaceView(FigureView):
    """One figure with a 3-D axis showing ``z`` over the grid ``(x_nodes, y_nodes)``.

    :meth:`update` replaces the surface's vertices and colours in place and
    blits it over the cached axes, so the user's rotation and zoom survive and
    the unchanged axes are not redrawn. The axes are redrawn in full only when
    the z-limits change (auto mode widens them when the data leave them, and
    narrows them when the data fill less than half of them).

    Parameters
    ----------
    x_nodes, y_nodes : ndarray, shape (n, m)
        Grid coordinates, as from ``np.meshgrid`` (e.g. ``Dataset.x_nodes``).
    z : ndarray, optional
        Values on the grid (any shape with ``n·m`` elements); zeros if omitted.
    zlim : (float, float), optional
        Fixed z-limits; automatic when omitted.
    cmap : str, optional
        Colour map name from :data:`~mlp_widgets.plots.style.COLORMAPS` (coolwarm).
    symmetric : bool
        Centre the colour scale on zero (for signed values such as residuals).
    title, xlabel, ylabel, zlabel : str
        Decoration.
    style, backend :
        See :class:`~mlp_widgets.plots.figure.FigureView`.
    """

    def __init__(
        self,
        x_nodes: np.ndarray,
        y_nodes: np.ndarray,
        z: np.ndarray | None = None,
        *,
        zlim: Sequence[float] | None = None,
        cmap: str | None = None,
        symmetric: bool = False,
        title: str = "",
        xlabel: str = "x",
        ylabel: str = "y",
        zlabel: str = "",
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__(style, backend)
        self.ax = self.fig.add_subplot(projection="3d")
        self.fig.subplots_adjust(left=0.06, right=0.9, bottom=0.04, top=0.95 if title else 1.0)
        self.symmetric = bool(symmetric)
        self.cmap_name = cmap or SIGNED_CMAP
        self._cmap = get_cmap(self.cmap_name, self.style.levels)
        self._auto_z = zlim is None
        self._zlim_set = False
        self._decorate(title, xlabel, ylabel, zlabel)
        self.surface = None
        self.n_nonfinite = 0
        self._set_grid(x_nodes, y_nodes)
        if zlim is not None:
            self._apply_zlim(zlim)
        self.update(np.zeros(self._shape) if z is None else z)

    # -- decoration -----------------------------------------------------------------------------
    def _decorate(self, title: str, xlabel: str, ylabel: str, zlabel: str) -> None:
        ax, style = self.ax, self.style
        ax.grid(style.grid)
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
            axis.set_major_locator(MaxNLocator(style.n_ticks))
            axis.set_pane_color((0.96, 0.96, 0.96, 1.0))
        ax.tick_params(labelsize=style.font_size, pad=0)
        # the z tick labels keep clear of their tick marks, or a label's minus sign is drawn on its tick and
        # −0.465 reads as 0.465; the axis labels keep clear of the tick labels
        ax.tick_params(axis="z", pad=4)
        ax.set_xlabel(xlabel, fontsize=style.font_size, labelpad=-4)
        ax.set_ylabel(ylabel, fontsize=style.font_size, labelpad=-4)
        ax.set_zlabel(zlabel, fontsize=style.font_size, labelpad=8)
        if title:
            ax.set_title(title, fontsize=style.font_size + 1)

    # -- grid and data --------------------------------------------------------------------------
    def _set_grid(self, x_nodes: np.ndarray, y_nodes: np.ndarray) -> None:
        x_nodes, y_nodes = np.asarray(x_nodes, dtype=float), np.asarray(y_nodes, dtype=float)
        if x_nodes.ndim != 2 or x_nodes.shape != y_nodes.shape or min(x_nodes.shape) < 2:
            raise ValueError(
                f"x_nodes and y_nodes must be 2-D grids of equal shape, at least 2×2; "
                f"got {x_nodes.shape} and {y_nodes.shape}."
            )
        self._shape = x_nodes.shape
        self._rows = subsample_index(x_nodes.shape[0], self.style.max_count)
        self._cols = subsample_index(x_nodes.shape[1], self.style.max_count)
        sub = np.ix_(self._rows, self._cols)
        self._x, self._y = x_nodes[sub], y_nodes[sub]
        self.ax.set_xlim(float(x_nodes.min()), float(x_nodes.max()))
        self.ax.set_ylim(float(y_nodes.min()), float(y_nodes.max()))

    def set_grid(self, x_nodes: np.ndarray, y_nodes: np.ndarray, z: np.ndarray) -> str:
        """Show ``z`` on a new grid (a full redraw)."""
        self._set_grid(x_nodes, y_nodes)
        return self.update(z, full=True)

    def _grid_values(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(getattr(z, "detach", lambda: z)(), dtype=float)
        if z.size != self._shape[0] * self._shape[1]:
            raise ValueError(f"Expected {self._shape[0] * self._shape[1]} values (one per grid point); got {z.size}.")
        return z.reshape(self._shape)[np.ix_(self._rows, self._cols)]

    def update(self, z: np.ndarray, full: bool = False) -> str:
        """Show new values on the same grid.

        Parameters
        ----------
        z : ndarray or torch.Tensor
            One value per grid point. Non-finite values leave holes (counted in
            :attr:`n_nonfinite`).
        full : bool
            Force a full redraw.

        Returns
        -------
        str
            ``"blit"`` or ``"full"`` — how the figure was redrawn.
        """
        zg = self._grid_values(z)
        polys, values = self._facets(self._x, self._y, zg)
        self.n_nonfinite = int((~np.isfinite(zg)).sum())
        self.values = zg
        self._drafting = False
        if self.surface is None:
            self.surface = self.ax.plot_surface(
                self._x, self._y, np.zeros_like(self._x), cmap=self._cmap, linewidth=0,
                antialiased=self.style.antialiased, rcount=len(self._rows), ccount=len(self._cols),
            )  # fmt: skip
            self.blitter.add(self.surface)
            full = True
        self.surface.set_verts(polys)
        self.surface.set_array(values)
        self._set_clim(values)
        if self._auto_z and self._auto_zlim(zg):
            full = True
        return self.redraw(full)

    @staticmethod
    def _facets(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The finite quadrilaterals of the grid and the value (mean height) that colours each."""
        polys = quads(x, y, z)
        finite = np.isfinite(polys).all(axis=(1, 2))
        if not finite.all():
            polys = polys[finite]
        return polys, polys[..., 2].mean(axis=-1)

    def draft(self, on: bool) -> None:
        """While dragged, draw a quarter of the facets (every other grid line, edges kept); restore them after.

        The colour limits stay those of the full surface, so colours do not jump.
        """
        if self.surface is None or on == self._drafting:
            return
        self._drafting = on
        if on:
            rows = subsample_index(len(self._rows), (len(self._rows) + 1) // 2)
            cols = subsample_index(len(self._cols), (len(self._cols) + 1) // 2)
            sub = np.ix_(rows, cols)
            polys, values = self._facets(self._x[sub], self._y[sub], self.values[sub])
        else:
            polys, values = self._facets(self._x, self._y, self.values)
        self.surface.set_verts(polys)
        self.surface.set_array(values)

    def _set_clim(self, values: np.ndarray) -> None:
        if values.size == 0:
            return
        lo, hi = float(values.min()), float(values.max())
        if self.symmetric:
            m = max(abs(lo), abs(hi)) or 1.0
            lo, hi = -m, m
        elif hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        self.surface.set_clim(lo, hi)

    # -- z-limits -------------------------------------------------------------------------------
    @property
    def zlim(self) -> tuple[float, float]:
        """Current z-limits."""
        lo, hi = self.ax.get_zlim()
        return float(lo), float(hi)

    def _apply_zlim(self, zlim: Sequence[float]) -> None:
        lo = check_float("lower z-limit", zlim[0])
        hi = check_float("upper z-limit", zlim[1])
        if hi <= lo:
            raise ValueError(f"The upper z-limit must be above the lower one; got {lo:g} and {hi:g}.")
        self.ax.set_zlim(lo, hi)

    def _auto_zlim(self, zg: np.ndarray) -> bool:
        """Adjust auto z-limits to the data; return whether they changed."""
        finite = zg[np.isfinite(zg)]
        if finite.size == 0:
            return False
        dlo, dhi = float(finite.min()), float(finite.max())
        lo, hi = self.zlim
        if self._zlim_set and lo <= dlo and dhi <= hi and (dhi - dlo) >= 0.4 * (hi - lo):
            return False
        new = nice_limits(dlo, dhi, self.style.n_ticks)
        if self._zlim_set and new == (lo, hi):
            return False
        self.ax.set_zlim(*new)
        self._zlim_set = True
        return True

    def set_zlim(self, zlim: Sequence[float] | None) -> str:
        """Fix the z-limits, or make them automatic again with ``None`` (a full redraw).

        Raises
        ------
        ValueError
            If a limit is not finite or the upper is not above the lower.
        """
        if zlim is None:
            self._auto_z = True
            self._zlim_set = False
            self._auto_zlim(self.values)
        else:
            self._apply_zlim(zlim)
            self._auto_z = False
        return self.redraw(full=True)

    def set_cmap(self, name: str) -> str:
        """Change the colour map (a blit: the axes do not change)."""
        self._cmap = get_cmap(name, self.style.levels)
        self.cmap_name = name
        self.surface.set_cmap(self._cmap)
        return self.redraw()

    def set_view(self, elev: float, azim: float) -> str:
        """Look from ``elev`` degrees above the grid and ``azim`` degrees around it (a full redraw)."""
        self.ax.view_init(elev=check_float("elevation", elev, lo=-90.0, hi=90.0), azim=check_float("azimuth", azim))
        return self.redraw(full=True)

    @property
    def view_angles(self) -> tuple[float, float]:
        """The user's current ``(elev, azim)``."""
        return float(self.ax.elev), float(self.ax.azim)

    def set_marks(
        self,
        xs: Sequence[float] = (),
        ys: Sequence[float] = (),
        zs: Sequence[float] | None = None,
        *,
        redraw: bool = True,
    ) -> str:
        """Mark points over the grid (the held-out test set) with a light scatter; no points clears them.

        ``zs``: the height of each mark (e.g. the target's value there); by default the floor of the z axis.
        """
        xs, ys = np.asarray(xs, dtype=float).ravel(), np.asarray(ys, dtype=float).ravel()
        if xs.shape != ys.shape:
            raise ValueError(f"Give as many y as x values to mark; got {xs.size} and {ys.size}.")
        heights = np.full(xs.shape, self.zlim[0]) if zs is None else np.asarray(zs, dtype=float).ravel()
        old = getattr(self, "marks", None)
        if old is not None:
            old.remove()
        self.marks = None
        if xs.size:
            # drawn over the surface (a 3-D axis would otherwise sort the dots behind it and hide them)
            self.ax.computed_zorder = False
            self.marks = self.ax.scatter(
                xs, ys, heights, s=3, c="0.1", alpha=0.45, depthshade=False, linewidths=0, zorder=5
            )
        return self.redraw(full=True) if redraw else "deferred"

    @property
    def marked(self) -> int:
        """How many points are marked."""
        marks = getattr(self, "marks", None)
        return 0 if marks is None else len(marks.get_offsets())
