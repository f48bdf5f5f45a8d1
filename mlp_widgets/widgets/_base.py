"""Machinery shared by every widget of the package.

:class:`WidgetBase` is a ``VBox`` with

* a status line (``widget.status``) where every callback's error appears as a
  short sentence — Voilà shows uncaught callback errors nowhere — while the
  traceback goes to the ``mlp_widgets`` logger;
* :meth:`~WidgetBase.bind`: how a control and the widget's state meet, in one
  direction. A control *shows* a value derived from the state
  (``shown()``); a new value on it is user input only if it is not what the
  state shows, and then it is validated and applied (the widget's setter
  changes the state), or refused with a sentence. After either, the control
  shows the state again. Writing a control from the widget therefore never
  acts, whatever the browser sends back: an echo of a shown value *is* the
  shown value. No flag says where a change came from;
* :meth:`~WidgetBase.put`: the one way a widget writes a control — all traits
  in one message to the browser and one notification in the kernel, so the
  browser never sees a new range with an old value (it would clamp the old
  value and send it back as if the user had moved it);
* figure ownership: :meth:`~WidgetBase.add_view` and :meth:`~WidgetBase.embed`
  put a view's canvas on screen (the ipympl widget itself under Jupyter, a PNG
  ``Image`` elsewhere), and :meth:`~WidgetBase.close` closes every figure and
  child widget, so repeated use does not grow the number of open figures.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np
import traitlets

from ..plots.figure import FigureView
from ._canvas import canvas_or_images

log = logging.getLogger("mlp_widgets.widgets")

#: status colours from the page's theme (JupyterLab's variables; the fallbacks are for other front-ends):
#: the error colour reads at 4.5:1 or better on both of JupyterLab's themes, and information uses the
#: theme's own text colour, which always does
_ERROR_STYLE = "color:var(--jp-error-color1, #B00020)"
_INFO_STYLE = "color:var(--jp-ui-font-color1, inherit)"


def short_message(exc: BaseException) -> str:
    """The sentence shown for an exception: a ``ValueError``'s own text, else its type and text."""
    if isinstance(exc, ValueError):
        return str(exc)
    text = str(exc) or "no details"
    return f"Something went wrong ({type(exc).__name__}: {text}); the last valid state is kept."


@dataclass(eq=False)
class _Binding:
    """A bound control and how to tell the value its state shows."""

    control: W.ValueWidget
    shown: Callable[[], Any] | None
    accepted: Any = None

    def value(self) -> Any:
        """What the control should show now."""
        return self.shown() if self.shown is not None else self.accepted

    def shows(self, value: Any) -> bool:
        """Whether ``value`` is what the control shows for the current state."""
        target = self.value()
        if isinstance(self.control, W.FloatSlider) and _finite(value) and _finite(target):
            return abs(float(value) - float(target)) <= self.control.step / 2
        if _finite(value) is False and _finite(target) is False:
            return str(value) == str(target)  # NaN is NaN
        return bool(value == target)


def _finite(value: Any) -> bool | None:
    """``True``/``False`` for a real number (finite or not), ``None`` for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        return None
    return math.isfinite(float(value))


class WidgetBase(W.VBox):
    """Base of the package's widgets: status line, guarded callbacks, validated controls, owned figures."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.status = W.HTML(value="", layout=W.Layout(min_height="1.6em"))
        #: the messages shown so far (newest last), for tests and logs
        self.messages: list[str] = []
        self._message = ""
        self._views: list[FigureView] = []
        self._bindings: list[_Binding] = []

    # -- status line ----------------------------------------------------------------------------
    @property
    def message(self) -> str:
        """The text on the status line now (empty when clear)."""
        return self._message

    def show_error(self, message: str) -> None:
        """Show ``message`` as an error on the status line."""
        self._message = message
        self.messages.append(message)
        self.status.value = f'<span class="mlpw-status-error" style="{_ERROR_STYLE}">⚠ {html.escape(message)}</span>'

    def show_info(self, message: str) -> None:
        """Show ``message`` as information on the status line."""
        self._message = message
        self.status.value = f'<span class="mlpw-status-info" style="{_INFO_STYLE}">{html.escape(message)}</span>'

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
        *,
        shown: Callable[[], Any] | None = None,
    ) -> None:
        """Make ``control`` an input of the widget's state, and a view of it.

        Parameters
        ----------
        control : ipywidgets.ValueWidget
            The control.
        apply : callable
            ``apply(clean)`` acts on a new user value — normally the widget's
            setter, with one field of its state changed. It may raise
            ``ValueError`` with a sentence; the state is then unchanged.
        check : callable, optional
            ``check(value)`` returns the cleaned value or raises ``ValueError``.
        shown : callable, optional
            The value the control shows for the current state. Without it the
            control shows the last value it accepted (a parameter read when an
            action runs, such as the landscape's grid size).

        Notes
        -----
        A new value equal to ``shown()`` is not input (for a float slider:
        within half a step — a slider cannot say more, and the browser snaps
        to its step). Any other value is checked and applied; on success the
        status line is cleared (unless ``apply`` showed an error of its own),
        on failure the sentence is shown. Either way the control then shows
        ``shown()`` again.
        """
        binding = _Binding(control, shown)
        if shown is None:
            binding.accepted = control.value

        def handler(change: dict) -> None:
            if binding.shows(change["new"]):
                return  # the state's own value: written by the widget, or echoed by the browser
            before = len(self.messages)
            try:
                value = check(change["new"]) if check is not None else change["new"]
                apply(value)
            except Exception as exc:  # noqa: BLE001 - every error must reach the user
                if not isinstance(exc, ValueError):
                    log.exception("Error applying %r in %s", change["new"], type(self).__name__)
                self.show_error(short_message(exc))
                self.put(control, value=binding.value())
                return
            if shown is None:
                binding.accepted = value
            if not binding.shows(control.value):
                self.put(control, value=binding.value())  # e.g. a value the state rounded
            if len(self.messages) == before:  # keep an error that an observer set off by apply() showed
                self.clear_status()

        control.observe(handler, names="value")
        self._bindings.append(binding)
        self._guard_browser_state(control)

    def render_controls(self) -> None:
        """Make every control bound with ``shown`` show the current state (call it at the end of a setter)."""
        for binding in self._bindings:
            if binding.shown is not None and not binding.shows(binding.control.value):
                self.put(binding.control, value=binding.value())

    def unbind(self, control: W.ValueWidget) -> None:
        """Forget a control that is being removed (its row was deleted)."""
        self._bindings = [b for b in self._bindings if b.control is not control]

    @staticmethod
    def put(control: W.Widget, **traits: Any) -> None:
        """Write ``traits`` on a control from the widget: one message to the browser, one notification here.

        Traits are set in the order given and checked together at the end, so
        a slider's new range and value never contradict each other on the way.
        """
        with control.hold_sync(), control.hold_trait_notifications():
            for name, value in traits.items():
                setattr(control, name, value)

    def _guard_browser_state(self, control: W.ValueWidget) -> None:
        """Show a sentence when the browser sends a value the control's trait refuses.

        A number box given "Infinity" or "1e999" sends ``null`` (JSON has no
        infinity); the trait refuses it inside ``set_state``, where ipywidgets
        would only log it. Here the sentence goes on the status line and the
        box in the browser is put back to the value it showed.
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

    # -- figures --------------------------------------------------------------------------------
    def add_view(self, view: FigureView) -> FigureView:
        """Take ownership of a view: :meth:`close` will close its figure."""
        self._views.append(view)
        return view

    def embed(self, view: FigureView) -> W.Widget:
        """The widget that shows ``view``: its ipympl canvas, or a PNG image refreshed on every redraw."""
        if view not in self._views:
            self.add_view(view)
        canvas = view.canvas
        if view.is_widget:
            canvas.header_visible = False
            canvas.footer_visible = False
            canvas.resizable = False
            canvas.toolbar_visible = "fade-in-fade-out"
            canvas.toolbar_position = "left"
            return canvas_or_images(view)  # PNG images if the front-end cannot show the canvas
        image = W.Image(format="png", layout=W.Layout(width=f"{view.style.pixels[0]}px"))

        def refresh(v: FigureView) -> None:
            image.value = v.screen_png()

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
