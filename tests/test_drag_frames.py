"""Frames while a 3-D view is dragged: pushed drafts, acknowledged by the browser, one full-quality frame on release.

The browser side of ipympl's protocol is played here by hand on a real ipympl
``Canvas`` (no kernel: its comm sends nowhere, and ``send`` is recorded): the
messages are the ones the jupyter-matplotlib front-end sends (``refresh``,
``initialized``, ``draw``, ``button_press``, ``motion_notify``, ``button_release``).
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from mlp_widgets.core.targets import lab2_dataset
from mlp_widgets.plots import _ipympl
from mlp_widgets.plots.surface import SurfaceView


class Browser:
    """Records what the kernel sends to one canvas and sends what the front-end would."""

    def __init__(self, view: SurfaceView) -> None:
        self.view = view
        self.canvas = view.fig.canvas
        self.sent: list[tuple[dict, list | None]] = []
        self.waiting = False  # the front-end's waiting_for_image: it asked for a frame and has had none since
        self.answers = 0  # 'draw' requests the front-end would send once the messages so far have arrived
        self.canvas.send = self._receive
        for kind in ("send_image_mode", "refresh", "initialized"):
            self.message(kind)
        self.acknowledge()  # the answer to the 'draw' event that 'refresh' sent

    def message(self, kind: str, **content) -> None:
        self.canvas._handle_message(self.canvas, {"type": kind, **content}, [])

    def mouse(self, kind: str, x: float, y: float, buttons: int) -> None:
        self.message(kind, x=x, y=y, button=0, buttons=buttons, modifiers=[], guiEvent={})

    def _receive(self, content: dict, buffers: list | None = None) -> None:
        message = json.loads(content["data"])
        self.sent.append((message, buffers))
        if message["type"] == "binary":
            self.waiting = False
        elif message["type"] == "draw" and not self.waiting:  # as the front-end's send_draw_message
            self.waiting = True
            self.answers += 1

    def acknowledge(self) -> None:
        """Send the 'draw' requests the front-end has sent since the last call (its answers to 'draw' events)."""
        answers, self.answers = self.answers, 0
        for _ in range(answers):
            self.message("draw")

    def take(self) -> list[tuple[str, np.ndarray | None]]:
        """Messages sent since the last call: (type, decoded frame or None)."""
        out = [(m["type"], frame(b[0]) if m["type"] == "binary" else None) for m, b in self.sent]
        self.sent.clear()
        return out


def frame(png: bytes | memoryview) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGBA"))


def angles(view: SurfaceView) -> tuple[float, float, float]:
    """``(elev, azim, roll)``: matplotlib's default mouse rotation (arcball) also rolls the view."""
    return float(view.ax.elev), float(view.ax.azim), float(view.ax.roll)


def fresh_render(angles: tuple[float, ...]) -> np.ndarray:
    """The same surface, drawn from scratch on a plain Agg canvas at ``angles`` (elev, azim, roll)."""
    data = lab2_dataset()
    view = SurfaceView(data.x_nodes, data.y_nodes, data.ground_truth, backend="agg")
    view.ax.view_init(*angles)
    view.fig.canvas.draw()
    pixels = np.asarray(view.fig.canvas.buffer_rgba()).copy()
    view.close()
    return pixels


@pytest.fixture
def browser():
    pytest.importorskip("ipympl")
    data = lab2_dataset()
    view = SurfaceView(data.x_nodes, data.y_nodes, data.ground_truth, backend="ipympl")
    client = Browser(view)
    client.take()
    yield client
    view.close()


def drag(browser: Browser, steps: int = 12, ack_every: int = 3) -> list[tuple[str, np.ndarray | None]]:
    browser.mouse("button_press", 240, 180, 1)
    for step in range(1, steps + 1):
        browser.mouse("motion_notify", 240 + 6 * step, 180 - step, 1)
        if step % ack_every == 0:
            browser.acknowledge()
    return browser.take()


def test_a_drag_pushes_frames_without_a_round_trip_and_rotates_the_view(browser):
    before = angles(browser.view)
    browser.mouse("button_press", 240, 180, 1)
    browser.mouse("motion_notify", 250, 178, 1)
    sent = browser.take()
    # the frame comes at once, followed by the 'draw' event that the browser answers as an acknowledgement
    assert [kind for kind, _ in sent if kind in ("binary", "draw")] == ["binary", "draw"]
    assert angles(browser.view) != before


def test_no_more_than_the_allowed_frames_go_ahead_of_the_acknowledgements(browser):
    browser.mouse("button_press", 240, 180, 1)
    for step in range(1, 10):
        browser.mouse("motion_notify", 240 + 5 * step, 180, 1)
    assert sum(kind == "binary" for kind, _ in browser.take()) == _ipympl.DRAG_FRAMES_AHEAD
    browser.answers = 1
    browser.acknowledge()  # one acknowledgement: one more frame, of the newest view
    sent = browser.take()
    assert sum(kind == "binary" for kind, _ in sent) == 1
    assert sent[-1][0] == "draw"


def test_the_canvas_changes_during_the_drag_and_the_final_frame_is_a_fresh_full_render(browser):
    sent = drag(browser)
    frames = [f for kind, f in sent if kind == "binary"]
    assert len(frames) >= 3
    assert all(not np.array_equal(a, b) for a, b in zip(frames, frames[1:], strict=False)), (
        "every frame shows a new view"
    )
    browser.mouse("button_release", 320, 168, 0)
    after = [f for kind, f in browser.take() if kind == "binary"]
    assert len(after) == 1, "one frame on release"
    final = after[0]
    expected = fresh_render(angles(browser.view))
    assert final.shape == expected.shape
    assert np.array_equal(final, expected), f"{(final != expected).any(axis=-1).sum()} pixels differ"
    # the drafts were cheaper: fewer facets and a lossy palette, so none equals a full render of its view
    assert not any(np.array_equal(f, final) for f in frames)


def test_drag_frames_are_drafts_and_the_surface_is_whole_again_after_release(browser):
    view = browser.view
    full = len(view.surface.get_paths())
    browser.mouse("button_press", 240, 180, 1)
    assert len(view.surface.get_paths()) < full / 3  # every other grid line: about a quarter of the facets
    browser.mouse("motion_notify", 260, 176, 1)
    browser.mouse("button_release", 262, 176, 0)
    assert len(view.surface.get_paths()) == full


def test_a_click_without_motion_sends_nothing_extra(browser):
    browser.mouse("button_press", 240, 180, 1)
    browser.mouse("button_release", 240, 180, 0)
    assert [kind for kind, _ in browser.take() if kind == "binary"] == []


def test_a_release_outside_the_canvas_ends_the_drag_on_the_next_motion(browser):
    browser.mouse("button_press", 240, 180, 1)
    browser.mouse("motion_notify", 250, 180, 1)
    browser.take()
    browser.mouse("motion_notify", 250, 180, 0)  # back over the canvas with no button held
    after = [f for kind, f in browser.take() if kind == "binary"]
    assert len(after) == 1
    assert np.array_equal(after[0], fresh_render(angles(browser.view)))


def test_after_a_drag_the_browser_acknowledgements_draw_nothing_and_later_updates_still_arrive(browser):
    drag(browser)
    browser.mouse("button_release", 320, 168, 0)
    browser.take()
    browser.acknowledge()  # late acknowledgements of the last drag frames
    assert [kind for kind, _ in browser.take() if kind == "binary"] == []
    # the browser now waits for a frame, so a redraw must send one (a 'draw' event would be ignored)
    browser.view.set_zlim((-1.0, 1.0))
    assert [kind for kind, _ in browser.take() if kind == "binary"] == ["binary"]


@pytest.mark.parametrize("fmt", ["webp", "png"])
@pytest.mark.parametrize("colours", [2, 256, 300])
def test_frames_are_exact_unless_lossy(colours, fmt):
    rng = np.random.default_rng(0)
    palette = rng.integers(0, 256, size=(colours, 4), dtype=np.uint8)
    palette[:, 3] = 255
    palette[0] = 0  # a diff's transparent pixel
    pixels = palette[rng.integers(0, colours, size=(60, 80))]
    assert np.array_equal(frame(_ipympl.encode_frame(pixels, fmt=fmt)), pixels)
    opaque = pixels.copy()
    opaque[..., 3] = 255
    assert np.array_equal(frame(_ipympl.encode_frame(opaque, fmt=fmt)), opaque)
    lossy = frame(_ipympl.encode_frame(opaque, lossy=True, fmt=fmt))
    assert lossy.shape == opaque.shape and len(np.unique(lossy.reshape(-1, 4), axis=0)) <= 256
