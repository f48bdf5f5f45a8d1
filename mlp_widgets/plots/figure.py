"""Figures owned by views, and the blitting that keeps their updates cheap.

Every view owns one figure, created once and updated in place. A redraw is
either *full* (``canvas.draw_idle()``: axes, ticks, panes and data) or a
*blit*: the figure without its changing ("animated") artists is cached as a
background on every full draw, and an update restores that background and
draws only the changed artists. A full draw happens on the first update, when
the axes themselves change (limits, labels), and whenever anything else asks
the canvas for one — a user rotating or zooming with the mouse, a resize — so
the background is always the current view.

Under Jupyter/Voilà (an IPython kernel with ipympl installed) the canvas is an
ipympl ``Canvas``, which sends each redraw to the browser; elsewhere (tests,
scripts) it is a plain Agg canvas. Figures are never registered with pyplot,
so they do not pile up in ``plt.get_fignums()``; :func:`open_figures` counts
the ones still open.
"""

from __future__ import annotations

import io
import logging
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..core._validate import check_choice
from . import _ipympl
from .style import FrameStyle, get_style

log = logging.getLogger(__name__)

#: canvas kinds accepted by :func:`new_figure`
BACKENDS: tuple[str, ...] = ("auto", "agg", "ipympl")

_OPEN: weakref.WeakSet[Figure] = weakref.WeakSet()


def in_kernel() -> bool:
    """Whether we run inside an IPython kernel (Jupyter, Voilà) rather than a script or pytest."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def new_figure(style: str | FrameStyle | None = None, backend: str = "auto") -> Figure:
    """Create a figure that is not shown by itself and not registered with pyplot.

    Parameters
    ----------
    style : str or FrameStyle, optional
        Size and resolution (see :mod:`mlp_widgets.plots.style`).
    backend : {"auto", "agg", "ipympl"}
        ``"auto"`` picks ipympl inside a kernel (when installed), Agg elsewhere.

    Returns
    -------
    matplotlib.figure.Figure
        Its ``canvas`` is an ipympl ``Canvas`` (a widget) or a ``FigureCanvasAgg``.
    """
    style = get_style(style)
    backend = check_choice("backend", backend, BACKENDS)
    if backend == "auto":
        backend = "ipympl" if in_kernel() and _ipympl.available() else "agg"
    fig = Figure(figsize=style.figsize, dpi=style.dpi)
    if backend == "ipympl":
        _ipympl.attach_canvas(fig, hidpi=style.hidpi)
    else:
        FigureCanvasAgg(fig)
    _OPEN.add(fig)
    return fig


def close_figure(fig: Figure) -> None:
    """Close a figure made by :func:`new_figure` (and its ipympl widget, if any)."""
    _OPEN.discard(fig)
    close = getattr(fig.canvas, "close", None)  # ipympl's Canvas is a widget
    if callable(close):
        close()
    fig.clear()


@contextmanager
def closed_on_error() -> Iterator[None]:
    """Close every figure made by :func:`new_figure` inside the block if the block raises.

    A view whose constructor fails half way has already made its figure, and an
    ipympl figure is never freed unless it is closed: without this, each failed
    attempt to build a panel would keep its figures (and their frames) for the
    kernel's lifetime.
    """
    before = set(_OPEN)
    try:
        yield
    except BaseException:
        for fig in [f for f in _OPEN if f not in before]:
            close_figure(fig)
        raise


def open_figures() -> int:
    """Number of figures made by :func:`new_figure` that are not closed yet."""
    return len(_OPEN)


def is_widget_canvas(fig: Figure) -> bool:
    """Whether the figure's canvas is an ipympl widget (to be embedded as is)."""
    return _ipympl.is_canvas(fig)


def png_bytes(fig: Figure, dpi: float | None = None) -> bytes:
    """The figure as PNG (what a full frame costs to send)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi)
    return buf.getvalue()


class Blitter:
    """Redraw only a figure's changing artists over a cached background.

    Parameters
    ----------
    fig : Figure
        The figure (its canvas must support ``copy_from_bbox``: Agg, ipympl).
    artists : iterable of Artist
        The changing artists; they are marked ``animated`` so full draws skip
        them (``savefig`` still draws them).
    """

    def __init__(self, fig: Figure, artists: Iterable[Artist] = ()) -> None:
        self.fig = fig
        self.artists: list[Artist] = []
        self.background: Any = None
        self.n_full = 0
        self.n_blit = 0
        self._cid = fig.canvas.mpl_connect("draw_event", self._on_draw)
        for artist in artists:
            self.add(artist)

    def add(self, artist: Artist) -> Artist:
        """Register a changing artist."""
        artist.set_animated(True)
        self.artists.append(artist)
        return artist

    def remove(self, artist: Artist) -> None:
        """Forget an artist (it is not removed from its axes)."""
        if artist in self.artists:
            self.artists.remove(artist)

    def invalidate(self) -> None:
        """Drop the background: the next :meth:`refresh` draws everything."""
        self.background = None

    def _on_draw(self, event: Any) -> None:
        canvas = self.fig.canvas
        if canvas.is_saving():  # savefig draws the animated artists itself, maybe at another dpi
            self.background = None
            return
        self.n_full += 1
        self.background = canvas.copy_from_bbox(self.fig.bbox)
        self._draw_artists()

    def _draw_artists(self) -> None:
        # 3-D collections need their projection (and depth order) computed, as Axes3D.draw does
        depth = {}
        for artist in self.artists:
            project = getattr(artist, "do_3d_projection", None)
            if artist.get_visible() and callable(project):
                depth[id(artist)] = project()
        ordered = sorted(self.artists, key=lambda a: -depth.get(id(a), float("-inf")))
        for artist in ordered:
            if artist.get_visible() and artist.axes is not None:
                artist.axes.draw_artist(artist)
            elif artist.get_visible() and artist.figure is not None:
                self.fig.draw_artist(artist)

    def refresh(self, full: bool = False) -> str:
        """Show the current artists: a blit if the background is valid, else a full draw.

        Returns
        -------
        str
            ``"blit"`` or ``"full"``.
        """
        canvas = self.fig.canvas
        if full or self.background is None:
            self.background = None
            canvas.draw_idle()  # Agg: draws now; ipympl: the browser asks for the draw
            return "full"
        canvas.restore_region(self.background)
        self._draw_artists()
        canvas.blit(self.fig.bbox)
        self.n_blit += 1
        return "blit"

    def disconnect(self) -> None:
        """Stop following the canvas' draws."""
        self.fig.canvas.mpl_disconnect(self._cid)


class FigureView:
    """Base of every view: one figure, created once, updated in place, closed once.

    Parameters
    ----------
    style : str or FrameStyle, optional
        Frame style.
    backend : {"auto", "agg", "ipympl"}
        Canvas kind, see :func:`new_figure`.
    """

    def __init__(self, style: str | FrameStyle | None = None, backend: str = "auto") -> None:
        self.style = get_style(style)
        self.fig = new_figure(self.style, backend)
        self.blitter = Blitter(self.fig)
        self.last_redraw = ""
        self._listeners: list[Callable[[FigureView], None]] = []
        _ipympl.on_drag(self.fig, self.draft)

    @property
    def canvas(self) -> Any:
        """The figure's canvas (an ipympl widget under Jupyter, Agg otherwise)."""
        return self.fig.canvas

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self.fig not in _OPEN

    def draft(self, on: bool) -> None:
        """Draw a cheaper version of the view while the user drags it (``on``), or the full one again.

        Called by the ipympl canvas around a drag of a 3-D view; the full view
        must be exactly restored by ``draft(False)``. Views with nothing cheaper
        to draw keep this no-op.
        """

    @property
    def title(self) -> str:
        """The figure's title (its first axes' title), or its kind when it has none."""
        ax = self.fig.axes[0] if self.fig.axes else None
        return (ax.get_title() if ax is not None else "") or type(self).__name__

    def set_title(self, title: str, *, redraw: bool = True) -> str:
        """Change the title (a full redraw, now or with the next update when ``redraw=False``)."""
        ax = self.fig.axes[0]
        if ax.get_title() == title:
            return ""
        ax.set_title(title, fontsize=self.style.font_size + 1)
        self.blitter.invalidate()
        return self.redraw(full=True) if redraw else ""

    def on_redraw(self, callback: Callable[[FigureView], None]) -> None:
        """Call ``callback(view)`` after every redraw (e.g. to refresh a PNG fallback)."""
        self._listeners.append(callback)

    def redraw(self, full: bool = False) -> str:
        """Show the current state: blit the changing artists, or draw all if ``full``."""
        if self.closed:
            return ""
        self.last_redraw = self.blitter.refresh(full)
        for callback in self._listeners:
            callback(self)
        return self.last_redraw

    @property
    def is_widget(self) -> bool:
        """Whether the canvas is an ipympl widget (shown as it is; else as PNG images)."""
        return is_widget_canvas(self.fig)

    def png(self, dpi: float | None = None) -> bytes:
        """The current figure as PNG bytes (drawn afresh, at ``dpi``)."""
        return png_bytes(self.fig, dpi)

    def use_agg(self) -> Any:
        """Move the figure to a plain Agg canvas and draw it; return the canvas it had.

        For a front-end that cannot show the ipympl widget: redraws then render
        at once, with no browser to ask for them, and :meth:`screen_png` shows them.
        """
        previous = self.fig.canvas
        FigureCanvasAgg(self.fig)
        self.fig.canvas.draw()
        return previous

    def screen_png(self) -> bytes:
        """PNG of the canvas' current pixels, as shown (cheaper than :meth:`png`: no redraw)."""
        from PIL import Image

        try:
            pixels = np.asarray(self.fig.canvas.buffer_rgba())
        except AttributeError:  # never drawn
            return self.png()
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="png", compress_level=1)  # fast: refreshed on every redraw
        return buf.getvalue()

    def close(self) -> None:
        """Close the figure; further updates do nothing."""
        if not self.closed:
            self.blitter.disconnect()
            close_figure(self.fig)
        self._listeners.clear()
