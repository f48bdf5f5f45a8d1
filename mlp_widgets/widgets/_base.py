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

from ..core._validate import shown
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
        #: parts a teacher may leave out of the page (see :meth:`show_block`)
        self.blocks = Blocks()
        self.observe(lambda change: self._guard_tree(), names="children")

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

    def _guard_browser_state(self, control: W.Widget) -> None:
        """Refuse, with a sentence, what the browser sends a control that its own UI could never send.

        A number box given "Infinity" or "1e999" sends ``null`` (JSON has no
        infinity), and a forged message can send any value, index or tab
        number. The trait would refuse some of it inside ``set_state``, where
        ipywidgets only logs it, and silently clamp the rest (a slider sent
        10⁹ takes its maximum — an edit nobody made). Here a value outside a
        bounded control's range, or one its trait refuses, changes nothing:
        the sentence goes on the status line and the browser is sent the
        control's state back. Each control is guarded once.
        """
        if getattr(control, "_mlpw_guarded", False):
            return
        original = control.set_state

        def set_state(sync_data: dict) -> None:
            refusal = _out_of_range(control, sync_data)
            if refusal is None:
                try:
                    original(sync_data)
                    return
                except (traitlets.TraitError, TypeError, ValueError):
                    refusal = _refusal(control, sync_data)
            self.show_error(refusal)
            control.send_state()

        control.set_state = set_state
        control._mlpw_guarded = True

    def _guard_tree(self, change: dict | None = None) -> None:
        """Guard every control inside this widget against forged browser values (see :meth:`_guard_browser_state`)."""
        stack = list(self.children)
        while stack:
            widget = stack.pop()
            if isinstance(widget, WidgetBase) and widget is not self:
                continue  # it guards its own
            if isinstance(widget, W.Box):
                stack.extend(widget.children)
            if isinstance(widget, (W.Tab, W.Accordion)) or (
                isinstance(widget, W.DOMWidget) and widget.has_trait("value") and not isinstance(widget, W.HTML)
            ):
                self._guard_browser_state(widget)

    def show_block(self, name: str, shown: bool = True) -> None:
        """Show (or, with ``shown=False``, leave out) the part called ``name`` (see :data:`mlp_widgets.config.BLOCKS`)."""
        self.blocks.set_shown(name, shown)

    # -- figures --------------------------------------------------------------------------------
    def add_view(self, view: FigureView) -> FigureView:
        """Take ownership of a view: :meth:`close` will close its figure."""
        self._views.append(view)
        return view

    def embed(self, view: FigureView) -> W.Widget:
        """The widget that shows ``view``: its ipympl canvas, or a PNG image refreshed on every redraw."""
        if view not in self._views:
            self.add_view(view)
        if view.is_widget:
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


class Blocks:
    """Parts of a widget a teacher may leave out of the page, by name: sub-tabs, folds or plain boxes.

    A tab's page or a fold is taken out of its container (its title with it),
    so the page shows no empty tab; a plain box is hidden. Shown again, each
    goes back to its place.
    """

    def __init__(self) -> None:
        self._where: dict[str, tuple[W.Widget, W.Widget]] = {}
        self._all: dict[int, list[tuple[W.Widget, str]]] = {}
        self.hidden: set[str] = set()

    def add(self, name: str, block: W.Widget, container: W.Widget | None = None) -> None:
        """Register ``block``; ``container`` is the ``Tab`` or ``Accordion`` it is a page of (``None``: a box)."""
        self._where[name] = (block, container)
        if container is not None and id(container) not in self._all:
            self._all[id(container)] = list(zip(container.children, container.titles, strict=False))

    def set_shown(self, name: str, shown: bool) -> None:
        """Show or leave out the block ``name``.

        Raises
        ------
        ValueError
            If the widget has no such block.
        """
        if name not in self._where:
            raise ValueError(f"There is no part {name!r} here; the parts are {', '.join(map(repr, self._where))}.")
        (self.hidden.discard if shown else self.hidden.add)(name)
        block, container = self._where[name]
        if container is None:
            block.layout.display = None if shown else "none"
            return
        hidden = {id(self._where[n][0]) for n in self.hidden if self._where[n][1] is container}
        pages = [(child, title) for child, title in self._all[id(container)] if id(child) not in hidden]
        selected = container.selected_index
        container.children = tuple(child for child, _ in pages)
        container.titles = tuple(title for _, title in pages)
        if selected is not None and selected >= len(pages):
            container.selected_index = 0 if pages else None


def _out_of_range(control: W.Widget, sync_data: dict) -> str | None:
    """A sentence if ``sync_data`` holds a number outside the control's own min/max (or not a number at all)."""
    if "value" not in sync_data or not (control.has_trait("min") and control.has_trait("max")):
        return None
    value, lo, hi = sync_data["value"], control.min, control.max
    name = getattr(control, "description", "") or "That control"
    values = value if isinstance(value, (list, tuple)) else [value]
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
            return f"{name} must be a number from {lo:g} to {hi:g}; got {shown(value)}. The last valid value is kept."
    return None


def _refusal(control: W.Widget, sync_data: dict) -> str:
    name = getattr(control, "description", "") or "That control"
    if "index" in sync_data or "selected_index" in sync_data:
        return f"{name} must be one of its own choices; got {shown(sync_data)}. The last valid one is kept."
    if control.has_trait("value") and isinstance(getattr(control, "value", None), (int, float)):
        return (
            f"{name} needs a finite number; {shown(sync_data.get('value'))} is not one. The last valid value is kept."
        )
    return f"{name} must get a value of its own kind; got {shown(sync_data)}. The last valid value is kept."


def flow(*children: W.Widget) -> W.HBox:
    """Controls side by side that wrap onto a new line when the page is too narrow (nothing is clipped)."""
    return W.HBox(list(children), layout=W.Layout(flex_flow="row wrap", align_items="center"))


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
