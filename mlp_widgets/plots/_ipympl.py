"""Every use of ipympl's private API, in one place, with why it is needed.

ipympl (checked against 0.10.0, on matplotlib 3.11) renders a figure in the
kernel and sends each redraw to the browser as a PNG. Two of its defaults cost
our users: we change them here, and only here.

* **Whole frames after quick successions.** ipympl sends a redraw as a *diff*
  against the previous frame when it can. Its front-end shows a frame by
  pointing one ``Image`` at it; when the next frame arrives before that image
  has loaded (a few quick steps, Play, a fast drag), the first is dropped. A
  dropped diff leaves the picture wrong for good — later diffs paint over a
  stale image (seen in the browser: curves drawn on old axes). This is
  matplotlib/matplotlib#19116 ("Stale information drawn by nbAgg"), still
  open. So a frame sent within :data:`WHOLE_FRAME_GAP` of the previous one is
  sent whole, which repairs whatever was dropped before it; a frame after a
  pause stays a diff, small on a slow link (Binder), where the transfer itself
  spaces the frames out. It relies on ``Canvas._png_is_old``, ``_force_full``
  and ``get_diff_image``.
* **An embedded look from the first message.** The canvas is created with no
  header, footer or resize handle (a subclass with other defaults): set
  afterwards, they arrived too late for the first cell Voilà renders, and its
  figures kept a resize handle.
* **One canvas pixel per figure pixel.** On a high-DPI screen ipympl asks the
  kernel to render at the screen's device-pixel ratio, which quadruples every
  frame on a 2× screen. The default style keeps one canvas pixel per figure
  pixel by ignoring ``handle_set_device_pixel_ratio`` / ``handle_set_dpi_ratio``.
* **A canvas no bigger than a screen.** The browser tells the kernel the size
  it shows a canvas at (a ``resize`` message) and the kernel renders that many
  pixels; a forged message may ask for 10000 × 10000 (measured: the kernel
  grew from 292 to 1821 MiB and sent 381 MiB of frames). The rendered size is
  capped at :data:`~mlp_widgets.core.limits.MAX_CANVAS_PIXELS` device pixels
  (scaled down, its shape kept) and the device-pixel ratio at
  :data:`~mlp_widgets.core.limits.MAX_DEVICE_PIXEL_RATIO`; a size that is not a
  number is ignored. It wraps ``handle_resize`` and ``_handle_set_device_pixel_ratio``.
"""

from __future__ import annotations

import math
import time
from typing import Any

from matplotlib.figure import Figure

from ..core.limits import MAX_CANVAS_PIXELS, MAX_DEVICE_PIXEL_RATIO

#: a frame that follows the previous one within this many seconds is sent whole
WHOLE_FRAME_GAP = 0.25
#: the ipympl version these overrides were checked against
CHECKED_WITH = "0.10.0"

_counter = [0]


def available() -> bool:
    """Whether ipympl can be imported here."""
    try:
        import ipympl.backend_nbagg  # noqa: F401
    except ImportError:  # pragma: no cover - ipympl is a dependency
        return False
    return True


def attach_canvas(fig: Figure, *, hidpi: bool) -> Any:
    """Give ``fig`` an ipympl ``Canvas`` (a widget) with the overrides above; return the canvas."""
    from ipympl.backend_nbagg import FigureManager

    _counter[0] += 1
    canvas = _embedded_canvas_class()(fig)
    FigureManager(canvas, _counter[0])  # an int: matplotlib formats the figure number with {:d}
    if not hidpi:
        canvas.handle_set_device_pixel_ratio = lambda event: None
        canvas.handle_set_dpi_ratio = lambda event: None
    _send_whole_frames_in_quick_succession(canvas)
    _cap_canvas_size(canvas)
    return canvas


def _embedded_canvas_class() -> type:
    """ipympl's ``Canvas`` with no header, footer or resize handle *in the state it is created with*.

    Set after creation, these changes reach the browser as an update that,
    for the canvases of the first cell Voilà renders, arrives after their
    views have drawn — the page kept a resize handle (and a header) the
    kernel had already turned off. Defaults travel with the widget's first
    message, so nothing is drawn twice.
    """
    global _EMBEDDED
    if _EMBEDDED is None:
        import traitlets
        from ipympl.backend_nbagg import Canvas

        class EmbeddedCanvas(Canvas):
            header_visible = traitlets.Bool(False).tag(sync=True)
            footer_visible = traitlets.Bool(False).tag(sync=True)
            resizable = traitlets.Bool(False).tag(sync=True)

        _EMBEDDED = EmbeddedCanvas
    return _EMBEDDED


_EMBEDDED: type | None = None


def _send_whole_frames_in_quick_succession(canvas: Any) -> None:
    get_diff_image = canvas.get_diff_image
    last = [-float("inf")]

    def frame() -> bytes | None:
        if not canvas._png_is_old:
            return None
        now = time.monotonic()
        if now - last[0] < WHOLE_FRAME_GAP:
            canvas._force_full = True
        last[0] = now
        return get_diff_image()

    canvas.get_diff_image = frame


def _number(value: Any) -> float | None:
    """``value`` as a finite positive float, or ``None``."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _cap_canvas_size(canvas: Any) -> None:
    handle_resize = canvas.handle_resize
    set_ratio = canvas._handle_set_device_pixel_ratio

    def resize(event: Any) -> None:
        if not isinstance(event, dict):
            return
        width, height = _number(event.get("width", 800)), _number(event.get("height", 800))
        if width is None or height is None:
            return
        ratio = float(canvas.device_pixel_ratio)
        limit = MAX_CANVAS_PIXELS / (ratio * ratio)  # in the browser's pixels
        scale = min(1.0, math.sqrt(limit / (width * height)))
        w, h = max(1, int(width * scale)), max(1, int(height * scale))
        if w * h > limit:  # a side rounded up to 1: the other gives way
            w, h = (max(1, int(limit // h)), h) if h <= w else (w, max(1, int(limit // w)))
        handle_resize({**event, "width": w, "height": h})

    def set_device_pixel_ratio(ratio: Any) -> None:
        number = _number(ratio)
        if number is None:
            return
        set_ratio(min(number, MAX_DEVICE_PIXEL_RATIO))
        width, height = canvas.figure.bbox.size
        if width * height > MAX_CANVAS_PIXELS:  # the same size at a higher ratio: shrink it to the cap
            shown = canvas.device_pixel_ratio
            resize({"width": width / shown, "height": height / shown})

    canvas.handle_resize = resize
    canvas._handle_set_device_pixel_ratio = set_device_pixel_ratio


def is_canvas(fig: Figure) -> bool:
    """Whether the figure's canvas is an ipympl widget (to be embedded as is)."""
    return _EMBEDDED is not None and isinstance(fig.canvas, _EMBEDDED) or type(fig.canvas).__module__.startswith(
        "ipympl"
    )
