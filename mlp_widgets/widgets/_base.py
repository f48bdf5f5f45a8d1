"""Machinery shared by every widget of the package.

:class:`WidgetBase` is a ``VBox`` with

* a status line (``widget.status``) where every callback's error appears as a
  short sentence — Voilà shows uncaught callback errors nowhere — while the
  traceback goes to the ``mlp_widgets`` logger;
* :meth:`~WidgetBase.bind`: a control whose new value is validated and
  applied, or refused with a sentence and put back to its last valid value;
* figure ownership: :meth:`~WidgetBase.add_view` and :meth:`~WidgetBase.embed`
  put a view's canvas on screen (the ipympl widget itself under Jupyter, a PNG
  ``Image`` elsewhere), and :meth:`~WidgetBase.close` closes every figure and
  child widget, so repeated use does not grow the number of open figures.
"""

from __future__ import annotations

import asyncio
import functools
import html
import io
import logging
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import numpy as np
import traitlets

from ..plots.figure import FigureView, is_widget_canvas
from ._canvas import canvas_or_images

log = logging.getLogger("mlp_widgets.widgets")

_ERROR_STYLE = "color:#B00020"
_INFO_STYLE = "color:#1B5E20"


def short_message(exc: BaseException) -> str:
    """The sentence shown for an exception: a ``ValueError``'s own text, else its type and text."""
    if isinstance(exc, ValueError):
        return str(exc)
    text = str(exc) or "no details"
    return f"Something went wrong ({type(exc).__name__}: {text}); the last valid state is kept."


class WidgetBase(W.VBox):
    """Base of the package's widgets: status line, guarded callbacks, validated controls, owned figures."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.status = W.HTML(value="", layout=W.Layout(min_height="1.6em"))
        #: the messages shown so far (newest last), for tests and logs
        self.messages: list[str] = []
        self._message = ""
        self._views: list[FigureView] = []
        self._last_valid: dict[int, Any] = {}
        self._reverting: set[int] = set()

    # -- status line ----------------------------------------------------------------------------
    @property
    def message(self) -> str:
        """The text on the status line now (empty when clear)."""
        return self._message

    def show_error(self, message: str) -> None:
        """Show ``message`` as an error on the status line."""
        self._message = message
        self.messages.append(message)
        self.status.value = f'<span style="{_ERROR_STYLE}">⚠ {html.escape(message)}</span>'

    def show_info(self, message: str) -> None:
        """Show ``message`` as information on the status line."""
        self._message = message
        self.status.value = f'<span style="{_INFO_STYLE}">{html.escape(message)}</span>'

    def clear_status(self) -> None:
        """Clear the status line."""
        self._message = ""
        self.status.value = ""

    # -- guarded callbacks ----------------------------------------------------------------------
    def guard(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap ``fn`` so any exception it raises is shown on the status line (and logged), not lost."""

        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every error must reach the user
                if not isinstance(exc, ValueError):
                    log.exception("Error in a callback of %s", type(self).__name__)
                self.show_error(short_message(exc))
                return None

        return guarded

    def on_change(self, control: W.Widget, handler: Callable[[Any], Any], names: str = "value") -> None:
        """Call ``handler(new_value)`` when ``control`` changes, guarded."""
        control.observe(self.guard(lambda change: handler(change["new"])), names=names)

    def on_click(self, button: W.Button, handler: Callable[[], Any]) -> None:
        """Call ``handler()`` when ``button`` is clicked, guarded."""
        button.on_click(self.guard(lambda _button: handler()))

    def bind(
        self,
        control: W.ValueWidget,
        apply: Callable[[Any], Any],
        check: Callable[[Any], Any] | None = None,
    ) -> None:
        """Validate and apply every new value of ``control``; refuse bad ones.

        ``check(value)`` returns the cleaned value or raises ``ValueError``;
        ``apply(clean)`` acts on it (and may raise ``ValueError`` too). On
        success the status line is cleared and the value remembered; on
        failure the sentence is shown and the control goes back to the last
        valid value, so what is on screen stays consistent.
        """
        key = id(control)
        self._last_valid[key] = control.value

        def handler(change: dict) -> None:
            if key in self._reverting:
                return
            shown = len(self.messages)
            try:
                value = check(change["new"]) if check is not None else change["new"]
                apply(value)
            except Exception as exc:  # noqa: BLE001
                if not isinstance(exc, ValueError):
                    log.exception("Error applying %r in %s", change["new"], type(self).__name__)
                self.show_error(short_message(exc))
                self.revert(control)
                return
            self._last_valid[key] = control.value
            if len(self.messages) == shown:  # keep an error that an observer set off by apply() showed
                self.clear_status()

        control.observe(handler, names="value")
        self._guard_browser_state(control)

    def _guard_browser_state(self, control: W.ValueWidget) -> None:
        """Show a sentence when the browser sends a value the control's trait refuses.

        A number box given "Infinity" or "1e999" sends ``null`` (JSON has no
        infinity); the trait refuses it inside ``set_state``, where ipywidgets
        would only log it. Here the sentence goes on the status line and the
        box in the browser is put back to the last valid value.
        """
        original = control.set_state

        def set_state(sync_data: dict) -> None:
            try:
                original(sync_data)
            except traitlets.TraitError:
                name = getattr(control, "description", "") or "That box"
                self.show_error(
                    f"{name} needs a finite number; {sync_data.get('value')!r} is not one. "
                    "The last valid value is kept."
                )
                control.send_state("value")

        control.set_state = set_state

    def revert(self, control: W.ValueWidget) -> None:
        """Put ``control`` back to its last valid value without applying it again."""
        key = id(control)
        if key not in self._last_valid:
            return
        self._reverting.add(key)
        try:
            control.value = self._last_valid[key]
        finally:
            self._reverting.discard(key)

    def set_quietly(self, control: W.ValueWidget, value: Any) -> None:
        """Set a bound control's value (and remember it as valid) without applying it."""
        key = id(control)
        self._reverting.add(key)
        try:
            control.value = value
        finally:
            self._reverting.discard(key)
        self._last_valid[key] = control.value

    # -- figures --------------------------------------------------------------------------------
    def add_view(self, view: FigureView) -> FigureView:
        """Take ownership of a view: :meth:`close` will close its figure."""
        self._views.append(view)
        return view

    def embed(self, view: FigureView) -> W.Widget:
        """The widget that shows ``view``: its ipympl canvas, or a PNG image refreshed on every redraw."""
        if view not in self._views:
            self.add_view(view)
        canvas = view.fig.canvas
        if is_widget_canvas(view.fig):
            canvas.header_visible = False
            canvas.footer_visible = False
            canvas.resizable = False
            canvas.toolbar_visible = "fade-in-fade-out"
            canvas.toolbar_position = "left"
            return canvas_or_images(view, _buffer_png)  # PNG images if the front-end cannot show the canvas
        image = W.Image(format="png", layout=W.Layout(width=f"{view.style.pixels[0]}px"))

        def refresh(v: FigureView) -> None:
            image.value = _buffer_png(v)

        refresh(view)
        view.on_redraw(refresh)
        return image

    @property
    def views(self) -> list[FigureView]:
        """The views this widget owns."""
        return list(self._views)

    def close(self) -> None:
        """Close every owned figure, every child widget and the widget itself."""
        for view in self._views:
            view.close()
        self._views.clear()
        _close_tree(self.children)
        self.status.close()
        super().close()


def _buffer_png(view: FigureView) -> bytes:
    """PNG of the canvas' current pixels (cheaper than ``savefig``: no redraw)."""
    from PIL import Image

    canvas = view.fig.canvas
    try:
        pixels = np.asarray(canvas.buffer_rgba())
    except AttributeError:  # never drawn
        return view.png()
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="png", compress_level=1)  # fast: refreshed on every redraw
    return buf.getvalue()


def _close_tree(children: Any) -> None:
    for child in children or ():
        if isinstance(child, WidgetBase):
            child.close()
            continue
        _close_tree(getattr(child, "children", ()))
        if isinstance(child, W.Widget):
            child.close()


class Throttle:
    """Call a function at most once per ``interval`` seconds, and always once after the last request.

    In a kernel with a running event loop the trailing call is scheduled on
    the loop; without one (scripts, tests) a call that comes too early is run
    anyway, so nothing is lost.

    Parameters
    ----------
    fn : callable
        Called with no arguments.
    interval : float
        Smallest time between two calls, in seconds.
    """

    def __init__(self, fn: Callable[[], Any], interval: float = 0.05) -> None:
        self.fn = fn
        self.interval = float(interval)
        self._last = -np.inf
        self._pending: asyncio.Handle | None = None

    def __call__(self) -> None:
        now = time.perf_counter()
        wait = self._last + self.interval - now
        if wait <= 0:
            self._run()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._run()
            return
        if self._pending is None:
            self._pending = loop.call_later(wait, self._run)

    def _run(self) -> None:
        self._pending = None
        self._last = time.perf_counter()
        self.fn()

    def flush(self) -> None:
        """Run a pending call now."""
        if self._pending is not None:
            self._pending.cancel()
            self._run()
