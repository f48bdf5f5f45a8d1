"""Frame styles and colour maps shared by every view.

ipympl sends each redraw to the browser as a PNG, and a Binder session gets
about 1 Mbit/s, so the default style keeps frames small (``benchmarks/bench_surface.py`` measures them): a
480×360 figure, no anti-aliasing, a colour map with 16 discrete levels, no
grid lines and few, small tick labels. ``"sharp"`` trades bytes for looks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from matplotlib import colormaps
from matplotlib.colors import Colormap

from ..core._validate import check_choice

#: diverging map for signed surfaces (the lab's choice)
SIGNED_CMAP = "coolwarm"
#: perceptually uniform map for one-signed values (losses, densities)
SEQUENTIAL_CMAP = "viridis"

#: colour maps offered by the widgets, with a note for each
COLORMAPS: dict[str, str] = {
    "coolwarm": "blue–white–red diverging map of the lab; blue/red stays distinct for red–green colour blindness",
    "viridis": "perceptually uniform, colour-blind safe, prints in grey",
    "cividis": "designed for colour vision deficiency (blue–yellow only)",
    "RdBu_r": "red–blue diverging map, colour-blind safe",
    "PuOr_r": "purple–orange diverging map, colour-blind safe",
    "magma": "perceptually uniform, dark to light",
}

#: line colours (Okabe–Ito palette, safe for colour-blind readers)
LINE_COLORS: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)


#: one colour per activation, the same in every widget (Okabe–Ito, then a brown for the eighth)
ACTIVATION_COLORS: dict[str, str] = {
    "relu": "#0072B2",
    "sigmoid": "#D55E00",
    "tanh": "#009E73",
    "leaky_relu": "#56B4E9",
    "identity": "#000000",
    "gelu": "#CC79A7",
    "elu": "#E69F00",
    "softplus": "#8C564B",
}


@dataclass(frozen=True)
class FrameStyle:
    """How a view's figure looks, and so how many bytes each frame costs.

    Attributes
    ----------
    name : str
        Style name.
    figsize : (float, float)
        Figure size in inches.
    dpi : float
        Dots per inch (``figsize × dpi`` pixels).
    antialiased : bool
        Anti-aliasing of surfaces and images (off: far smaller PNGs).
    levels : int or None
        Number of discrete colours in colour maps; ``None`` for a continuous map.
    max_count : int
        Largest number of grid points per axis drawn in a 3-D surface (bigger
        grids are subsampled, as ``plot_surface``'s ``rcount`` does).
    grid : bool
        Draw grid lines (they cost about half a 3-D frame's bytes).
    n_ticks : int
        Largest number of ticks per axis.
    font_size : float
        Tick label size in points.
    hidpi : bool
        Let a high-DPI browser double the canvas resolution (4× the bytes).
    """

    name: str = "default"
    figsize: tuple[float, float] = (4.8, 3.6)
    dpi: float = 100.0
    antialiased: bool = False
    levels: int | None = 16
    max_count: int = 50
    grid: bool = False
    n_ticks: int = 4
    font_size: float = 7.0
    hidpi: bool = False

    @property
    def pixels(self) -> tuple[int, int]:
        """Figure size in pixels ``(width, height)``."""
        return round(self.figsize[0] * self.dpi), round(self.figsize[1] * self.dpi)

    def with_size(self, width: float, height: float) -> FrameStyle:
        """A copy with another figure size (inches)."""
        return replace(self, figsize=(float(width), float(height)))


#: named styles
STYLES: dict[str, FrameStyle] = {
    "default": FrameStyle(),
    "sharp": FrameStyle(
        name="sharp",
        figsize=(6.4, 4.8),
        dpi=100.0,
        antialiased=True,
        levels=None,
        max_count=100,
        grid=True,
        n_ticks=6,
        font_size=9.0,
        hidpi=True,
    ),
}


def get_style(style: str | FrameStyle | None = None) -> FrameStyle:
    """Return a :class:`FrameStyle` for a name in :data:`STYLES` (``None`` is ``"default"``).

    Raises
    ------
    ValueError
        If ``style`` is not a known name.
    """
    if isinstance(style, FrameStyle):
        return style
    name = check_choice("style", "default" if style is None else style, tuple(STYLES))
    return STYLES[name]


def get_cmap(name: str | None = None, levels: int | None = None) -> Colormap:
    """A colour map from :data:`COLORMAPS`, optionally with ``levels`` discrete colours.

    Raises
    ------
    ValueError
        If ``name`` is not offered.
    """
    name = check_choice("colour map", SIGNED_CMAP if name is None else name, tuple(COLORMAPS))
    cmap = colormaps[name]
    return cmap.resampled(int(levels)) if levels else cmap
