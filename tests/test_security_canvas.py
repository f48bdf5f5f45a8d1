"""A forged canvas message cannot make a figure bigger than a screen (issue 13).

The browser tells the kernel what size it shows a canvas at and, on a high-DPI
screen, its device-pixel ratio; the kernel renders that many pixels. A forged
``resize`` to 10000 × 10000 took a dashboard kernel from 292 to 1821 MiB. The
canvas is capped at :data:`~mlp_widgets.core.limits.MAX_CANVAS_PIXELS` device
pixels (its shape kept), the ratio at :data:`~mlp_widgets.core.limits.MAX_DEVICE_PIXEL_RATIO`,
and a size that is no number is ignored (``tests/test_memory.py`` measures the
memory of the capped render).
"""

from __future__ import annotations

import math

import pytest
from matplotlib.figure import Figure

from mlp_widgets.core.limits import MAX_CANVAS_PIXELS, MAX_DEVICE_PIXEL_RATIO
from mlp_widgets.plots import _ipympl

pytestmark = pytest.mark.skipif(not _ipympl.available(), reason="ipympl is not installed")


def _canvas(hidpi: bool = False):
    fig = Figure(figsize=(5, 4), dpi=100)
    fig.add_subplot().plot([0, 1], [1, 0])
    return fig, _ipympl.attach_canvas(fig, hidpi=hidpi)


def _send(canvas, **content) -> None:
    canvas._handle_message(canvas, content, [])  # what a comm message from the browser calls


def test_an_ordinary_resize_is_honoured():
    fig, canvas = _canvas()
    _send(canvas, type="resize", width=640, height=480)
    assert tuple(fig.bbox.size) == (640, 480)


@pytest.mark.parametrize(("width", "height"), [(10000, 10000), (10**9, 2), (3000, 3000)])
def test_a_huge_resize_is_scaled_down_to_the_cap_keeping_its_shape(width, height):
    fig, canvas = _canvas()
    _send(canvas, type="resize", width=width, height=height)
    w, h = fig.bbox.size
    assert w * h <= MAX_CANVAS_PIXELS
    assert w * h > 0.9 * MAX_CANVAS_PIXELS or min(w, h) <= 2
    assert math.isclose(w / h, width / height, rel_tol=0.01) or min(w, h) <= 2


@pytest.mark.parametrize("bad", ["wide", None, float("nan"), -5, 0, [1, 2], float("inf")])
def test_a_size_that_is_no_number_is_ignored(bad):
    fig, canvas = _canvas()
    before = tuple(fig.bbox.size)
    _send(canvas, type="resize", width=bad, height=400)
    assert tuple(fig.bbox.size) == before


def test_a_forged_device_pixel_ratio_is_capped_on_high_dpi_canvases():
    fig, canvas = _canvas(hidpi=True)
    _send(canvas, type="resize", width=1900, height=1000)
    _send(canvas, type="set_device_pixel_ratio", device_pixel_ratio=100)
    assert canvas.device_pixel_ratio == MAX_DEVICE_PIXEL_RATIO
    w, h = fig.bbox.size
    assert w * h <= MAX_CANVAS_PIXELS  # the same size at a higher ratio was shrunk to the cap
    _send(canvas, type="set_device_pixel_ratio", device_pixel_ratio="x")
    assert canvas.device_pixel_ratio == MAX_DEVICE_PIXEL_RATIO
    plain_fig, plain = _canvas(hidpi=False)
    _send(plain, type="set_device_pixel_ratio", device_pixel_ratio=2)
    assert plain.device_pixel_ratio == 1  # the default style ignores the ratio altogether
