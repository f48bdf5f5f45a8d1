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
* **Smaller frames.** matplotlib encodes every frame as an RGBA PNG. Here a
  frame is lossless WebP (:data:`FRAME_FORMAT`), about 2.5× smaller than PNG
  for the same pixels; the front-end hands the bytes to an ``Image`` as a blob
  labelled ``image/png``, and browsers decode images by their content, not by
  that label (checked by the browser tests in Chromium). Where Pillow has no
  WebP, frames stay PNG: a palette PNG when a frame has at most 256 colours,
  else RGB when opaque. This replaces ``get_diff_image`` (keeping its
  full/diff protocol: ``_last_buff``, ``_force_full``, ``set_image_mode``).
* **Frames during a drag.** Rotating a 3-D view redraws it on every mouse
  motion, and ipympl fetches each frame with a round trip (the kernel sends a
  ``draw`` event, the browser answers ``draw``, the kernel renders): on a slow
  link with latency that is about one frame a second (matplotlib/matplotlib#2189
  discusses drawing cheaper frames while the mouse is down). While a mouse
  button is held on a 3-D axes the kernel instead *pushes* frames itself, at
  most :data:`DRAG_FRAMES_AHEAD` ahead of the browser's acknowledgement (a
  ``draw`` event after each frame, which the browser answers once it has the
  frame), always of the newest view (motions that arrive meanwhile only move the
  view); each is a draft (views registered with :func:`on_drag` draw fewer
  facets) in a lossy 256-colour palette. On release — or when no motion came for
  :data:`DRAG_IDLE_END` seconds, since a release outside the canvas is never
  sent — one full-quality whole frame is drawn. It replaces ``draw_idle``,
  ``handle_draw`` and ``send_binary`` on the canvas instance, keeping the
  browser's rule that it asks for a frame only when it is not waiting for one:
  when the browser waits, the kernel answers with a frame instead of a
  ``draw`` event it would ignore.
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

import asyncio
import io
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from PIL import Image, features

from ..core.limits import MAX_CANVAS_PIXELS, MAX_DEVICE_PIXEL_RATIO

#: a frame that follows the previous one within this many seconds is sent whole
WHOLE_FRAME_GAP = 0.25
#: the ipympl version these overrides were checked against
CHECKED_WITH = "0.10.0"
#: frames a drag sends ahead of the browser's acknowledgement: more hide the link's latency,
#: fewer let the full-quality frame after the release arrive sooner
DRAG_FRAMES_AHEAD = 2
#: a drag with no mouse motion for this many seconds is over (its full-quality frame is drawn)
DRAG_IDLE_END = 0.6
#: zlib level of PNG frames
PNG_LEVEL = 6
#: encoding of frames: "webp" (lossless, where Pillow has WebP) or "png"
FRAME_FORMAT = "webp" if features.check("webp") else "png"

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
    canvas._mlpw_frames = _Frames(canvas)
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


def on_drag(fig: Figure, draft: Callable[[bool], None]) -> None:
    """Call ``draft(True)`` when a drag of ``fig``'s 3-D view starts and ``draft(False)`` before its final frame.

    Between the two the view may draw a cheaper version of itself; after
    ``draft(False)`` it must be exactly as before the drag. Nothing happens on
    a canvas that is not an ipympl canvas.
    """
    frames = getattr(fig.canvas, "_mlpw_frames", None)
    if frames is not None:
        frames.drafts.append(draft)


def encode_frame(pixels: np.ndarray, *, lossy: bool = False, fmt: str | None = None) -> bytes:
    """Encode ``pixels`` (``(h, w, 4)`` uint8 RGBA) for the browser: exact unless ``lossy``.

    Lossy (drag frames, opaque): the nearest 256-colour palette, then encoded
    exactly. ``fmt`` is ``"webp"`` (lossless WebP) or ``"png"``; default
    :data:`FRAME_FORMAT`.
    """
    fmt = fmt or FRAME_FORMAT
    image = Image.fromarray(pixels, "RGBA")
    opaque = bool(pixels[..., 3].min() == 255)
    if lossy and opaque:
        image = image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
    buf = io.BytesIO()
    if fmt == "webp":
        if image.mode == "P" or opaque:
            image = image.convert("RGB")
        image.save(buf, format="webp", lossless=True, method=1, exact=True)
        return buf.getvalue()
    options: dict[str, Any] = {"compress_level": PNG_LEVEL}
    if image.mode == "P":
        pass
    elif (colours := image.getcolors(256)) is not None:
        palette = np.array([colour for _, colour in colours], dtype=np.uint8)
        keys = palette.view(np.uint32).ravel()
        order = np.argsort(keys)
        keys, palette = keys[order], palette[order]
        index = np.searchsorted(keys, np.ascontiguousarray(pixels).view(np.uint32)[..., 0]).astype(np.uint8)
        image = Image.fromarray(index, "P")
        image.putpalette(palette[:, :3].tobytes(), "RGB")
        if not opaque:
            options["transparency"] = palette[:, 3].tobytes()
    elif opaque:
        image = image.convert("RGB")
    image.save(buf, format="png", **options)
    return buf.getvalue()


class _Frames:
    """Which frame a canvas sends, how it is encoded, and when (see the module's docstring)."""

    def __init__(self, canvas: Any) -> None:
        self.canvas = canvas
        self.drafts: list[Callable[[bool], None]] = []
        self.last_sent = -float("inf")
        self.dragging = False
        self.drafted = False  # a draft was drawn in this drag: the release draws the full-quality frame
        self.dirty = False  # the view changed since the last frame
        self.ahead = 0  # drag frames sent whose acknowledgement has not come back
        self.acks = 0  # 'draw' events sent to be acknowledged, not answered yet
        self.owed = False  # the browser asked for a frame and has had none since: it ignores 'draw' events
        self.last_motion = 0.0
        self._scheduled: set[str] = set()
        self._ask_browser = canvas.draw_idle  # ipympl's: a 'draw' event, which the browser answers with 'draw'
        self._send_binary = canvas.send_binary
        canvas.get_diff_image = self.frame
        canvas.send_binary = self._sent
        canvas.draw_idle = self.draw_idle
        canvas.handle_draw = self.handle_draw
        canvas.mpl_connect("button_press_event", self._press)
        canvas.mpl_connect("motion_notify_event", self._motion)
        canvas.mpl_connect("button_release_event", self._release)

    # -- what is sent --------------------------------------------------------------------------
    def frame(self) -> bytes | None:
        """The next PNG to send (``get_diff_image``): whole or a diff against the last one sent."""
        canvas = self.canvas
        if not canvas._png_is_old:
            return None
        pixels = np.asarray(canvas.get_renderer().buffer_rgba())
        buff = pixels.view(np.uint32)[..., 0]
        now = time.monotonic()
        whole = (
            canvas._force_full
            or self.dragging
            or now - self.last_sent < WHOLE_FRAME_GAP
            or buff.shape != canvas._last_buff.shape
            or bool((pixels[..., 3] != 255).any())  # a diff cannot show transparency
        )
        self.last_sent = now
        canvas.set_image_mode("full" if whole else "diff")
        out = pixels if whole else np.where((buff != canvas._last_buff)[..., None], pixels, 0).astype(np.uint8)
        canvas._last_buff = buff.copy()
        canvas._png_is_old = False
        # after a lossy frame the browser shows an approximation: diff nothing against it
        canvas._force_full = self.dragging
        return encode_frame(out, lossy=self.dragging)

    def _sent(self, data: bytes) -> None:
        self.owed = False
        self._send_binary(data)

    # -- when ----------------------------------------------------------------------------------
    def draw_idle(self) -> None:
        """Replaces ``canvas.draw_idle``: a drag frame, a frame the browser waits for, or ipympl's 'draw' event."""
        if self.dragging:
            self.dirty = True
            self._soon(self._push)
        elif self.owed:
            self.dirty = True
            self._soon(self._draw)
        else:
            self._ask_browser()

    def handle_draw(self, event: dict) -> None:
        """Replaces ``canvas.handle_draw``: the browser asks for a frame (and so acknowledges the ones before)."""
        self.owed = True
        if self.acks > 0:
            self.acks -= 1
            self.ahead = max(0, self.ahead - 1)
            if self.dragging:
                self._push()
            elif self.dirty:
                self._draw()
            return
        self._draw()

    def _draw(self) -> None:
        self.dirty = False
        self.canvas.draw()  # renders, then sends frame() through send_binary

    def _push(self) -> None:
        if not (self.dragging and self.dirty) or self.ahead >= DRAG_FRAMES_AHEAD:
            return
        self.drafted = True
        self._draw()
        self.ahead += 1
        self.acks += 1
        self._ask_browser()  # answered once the browser has the frame: the acknowledgement

    def _soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` once after the messages already queued (coalescing), or now without an event loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            fn()
            return
        if fn.__name__ in self._scheduled:
            return
        self._scheduled.add(fn.__name__)

        def run() -> None:
            self._scheduled.discard(fn.__name__)
            fn()

        loop.call_soon(run)

    # -- the drag ------------------------------------------------------------------------------
    def _press(self, event: Any) -> None:
        if self.dragging or event.inaxes is None or getattr(event.inaxes, "name", "") != "3d":
            return
        self.dragging, self.drafted, self.ahead = True, False, 0
        self.last_motion = time.monotonic()
        for draft in self.drafts:
            draft(True)
        self._watch()

    def _motion(self, event: Any) -> None:
        if not self.dragging:
            if getattr(event, "buttons", None) and event.inaxes is not None and event.inaxes.name == "3d":
                self._press(event)  # still held after a pause ended the drag
            return
        if getattr(event, "buttons", True) == set():  # released outside the canvas
            self._end()
            return
        self.last_motion = time.monotonic()

    def _release(self, event: Any) -> None:
        if self.dragging:
            self._end()

    def _watch(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return

        def check() -> None:
            if not self.dragging:
                return
            idle = time.monotonic() - self.last_motion
            if idle >= DRAG_IDLE_END:
                self._end()
            else:
                loop.call_later(DRAG_IDLE_END - idle, check)

        loop.call_later(DRAG_IDLE_END, check)

    def _end(self) -> None:
        """Leave the drag: the views draw in full again, and one full-quality whole frame is sent now."""
        self.dragging = False
        for draft in self.drafts:
            draft(False)
        if self.drafted or self.dirty:
            self.canvas._force_full = True
            self._draw()


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
    return (
        _EMBEDDED is not None and isinstance(fig.canvas, _EMBEDDED) or type(fig.canvas).__module__.startswith("ipympl")
    )
