"""Show a view's ipympl canvas — or, when the front-end cannot show it, PNG images that update.

The kernel cannot tell from what *it* has installed whether the *front-end*
can draw an ipympl canvas: VS Code, Colab, Kaggle or a JupyterLab without the
jupyter-matplotlib extension show each canvas as an error box
("Click to show javascript error."), although ipympl imports fine in the
kernel. So the front-end is asked: the canvas's front-end model sends
``initialized`` when it is created (ipympl turns ``syncing_data_url`` off).
A canvas that has not said so within :data:`CONFIRM_SECONDS` of a front-end
being there is replaced by a PNG ``Image`` refreshed on every redraw (the
figure moves to a plain Agg canvas), with one line saying how to get
rotatable figures.

*A front-end being there*: a notebook front-end (JupyterLab, Notebook 7,
VS Code, Colab) is connected when the cell that makes the canvas runs, so the
clock starts then. Voilà runs the notebook before the page connects; there the
clock starts when the page's widget manager asks for the widgets' state
(ipywidgets' ``jupyter.widget.control`` comm). Only time when the kernel was
free counts: a long cell keeps the front-end's ``initialized`` message queued,
and must not be mistaken for silence.
"""

from __future__ import annotations

import asyncio
import os
import time
import weakref
from typing import Any

import ipywidgets as W

from ..plots.figure import FigureView

#: seconds of a free kernel, with a front-end connected, within which a canvas must report that it rendered
CONFIRM_SECONDS = 5.0
#: seconds between two checks of the waiting canvases
_TICK = 0.25
#: what the page says under a figure shown as images
NOTE = (
    "Static images: this front-end cannot show interactive figures. For figures you can rotate, use "
    "JupyterLab or Notebook 7 with ipympl installed, or the dashboard (mlp-widgets dashboard)."
)
#: class of the note, for tests and styling
NOTE_CLASS = "mlpw-static-note"

_waiting: weakref.WeakSet[CanvasOrImages] = weakref.WeakSet()
_hooked = [False]
#: whether a front-end's widget manager has connected to this kernel (Voilà: the page has loaded)
_connected = [False]


def in_voila() -> bool:
    """Whether this kernel was started by Voilà (it passes its URLs in the environment)."""
    return "VOILA_BASE_URL" in os.environ or "VOILA_REQUEST_URL" in os.environ


class CanvasOrImages(W.Box):
    """The ipympl canvas of ``view`` until the front-end is known not to render it; then PNG images.

    Parameters
    ----------
    view : FigureView
        A view whose figure has an ipympl canvas.
    """

    def __init__(self, view: FigureView) -> None:
        self.view = view
        self.canvas = view.canvas
        self.images = False
        super().__init__(children=(self.canvas,), layout=W.Layout(width="auto"))
        if self.confirmed:
            return
        self.canvas.on_msg(self._on_canvas_message)
        self._clock: float | None = None  # seconds of free kernel counted so far, None: not started
        self._last_tick = 0.0
        if _running_loop() is None:
            return  # no kernel loop (a script, a test): nothing can answer, nothing to show
        _waiting.add(self)
        _hook_control_comm()
        if not in_voila() or _connected[0]:
            self.start_clock()

    @property
    def confirmed(self) -> bool:
        """Whether the canvas's front-end model has said it is there."""
        return getattr(self.canvas, "syncing_data_url", True) is False

    def start_clock(self) -> None:
        """Start (or restart) counting the time the front-end has to confirm the canvas."""
        if self.images or self.confirmed:
            return
        self._clock = 0.0
        self._last_tick = time.monotonic()
        loop = _running_loop()
        if loop is not None:
            loop.call_later(_TICK, self._tick)

    def _tick(self) -> None:
        if self.images or self.confirmed or self._clock is None:
            return
        now = time.monotonic()
        gap, self._last_tick = now - self._last_tick, now
        if gap < 4 * _TICK:  # a late tick means the kernel was busy: that time does not count
            self._clock += gap
        if self._clock >= CONFIRM_SECONDS:
            self.show_images()
            return
        loop = _running_loop()
        if loop is not None:
            loop.call_later(_TICK, self._tick)

    def _on_canvas_message(self, widget: Any, content: dict, buffers: list) -> None:
        if isinstance(content, dict) and content.get("type") == "initialized":
            _waiting.discard(self)

    def show_images(self) -> None:
        """Show the view as PNG images that update on every redraw, with the note; close the canvas widget."""
        if self.images:
            return
        self.images = True
        _waiting.discard(self)
        view, canvas = self.view, self.canvas
        view.use_agg()  # redraws now render at once, with no front-end to ask for them
        image = W.Image(format="png", layout=W.Layout(width=f"{view.style.pixels[0]}px"))

        def refresh(v: FigureView) -> None:
            image.value = v.screen_png()

        refresh(view)
        view.on_redraw(refresh)
        note = W.HTML(f'<span style="font-size:85%;opacity:0.75">{NOTE}</span>')
        note.add_class(NOTE_CLASS)
        self.layout.flex_flow = "column"
        self.children = (image, note)
        canvas.close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _hook_control_comm() -> None:
    """Start the clocks when a front-end's widget manager connects and asks for the widgets' state."""
    if _hooked[0]:
        return
    try:
        from comm import get_comm_manager
    except ImportError:  # pragma: no cover - ipywidgets 8 depends on comm
        return
    manager = get_comm_manager()
    target = getattr(manager, "targets", {}).get("jupyter.widget.control")
    if manager is None or target is None:
        return
    _hooked[0] = True

    def opened(comm: Any, msg: dict) -> None:
        target(comm, msg)
        _connected[0] = True
        for waiting in list(_waiting):
            waiting.start_clock()

    manager.register_target("jupyter.widget.control", opened)


def canvas_or_images(view: FigureView) -> W.Widget:
    """The widget that shows ``view``'s ipympl canvas, falling back to PNG images (see the module docstring)."""
    return CanvasOrImages(view)
