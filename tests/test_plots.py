"""The plotting layer: in-place updates, blitting, view survival, frame sizes, no figure growth."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from mlp_widgets.core import Net, lab2_dataset
from mlp_widgets.plots import (
    GraphView,
    HeatmapView,
    LineView,
    SurfaceView,
    get_cmap,
    get_style,
    nice_limits,
    open_figures,
    quads,
    subsample_index,
)


@pytest.fixture(scope="module")
def grid():
    ds = lab2_dataset()
    return ds.x_nodes, ds.y_nodes


def wave(x, y, k):
    return np.sin(x + 0.1 * k) * np.cos(y)


def test_quads_match_grid_cells():
    x, y = np.meshgrid(np.arange(3.0), np.arange(2.0))
    z = x + 10 * y
    q = quads(x, y, z)
    assert q.shape == (2, 4, 3)
    # first cell: corners (0,0), (1,0), (1,1), (0,1) in x, y
    assert q[0, :, 0].tolist() == [0, 1, 1, 0]
    assert q[0, :, 1].tolist() == [0, 0, 1, 1]
    assert q[1, :, 2].tolist() == [1, 2, 12, 11]


def test_subsample_keeps_ends_and_limit():
    idx = subsample_index(200, 50)
    assert idx[0] == 0 and idx[-1] == 199 and len(idx) <= 50
    assert subsample_index(10, 50).tolist() == list(range(10))


def test_nice_limits_cover_the_data():
    lo, hi = nice_limits(0.0029, 0.0032)
    assert lo <= 0.0029 and hi >= 0.0032
    flat = nice_limits(2.0, 2.0)
    assert flat[0] < 2.0 < flat[1]


def test_surface_update_changes_artist_data_in_place(grid):
    x, y = grid
    view = SurfaceView(x, y, wave(x, y, 0), backend="agg")
    surface = view.surface
    before = surface.get_array().copy()
    assert view.update(wave(x, y, 1)) == "blit"
    assert view.surface is surface  # same artist, new data
    after = surface.get_array()
    assert not np.allclose(before, after)
    # the colour values are the cell means of the new data
    expected = quads(x, y, wave(x, y, 1))[..., 2].mean(axis=-1)
    np.testing.assert_allclose(after, expected)
    assert len(view.ax.collections) == 1
    view.close()


def test_blit_draws_the_new_surface_pixels(grid):
    x, y = grid
    view = SurfaceView(x, y, wave(x, y, 0), zlim=(-1.5, 1.5), backend="agg")
    view.update(wave(x, y, 0))
    px0 = np.asarray(view.canvas.buffer_rgba()).copy()
    assert view.update(-wave(x, y, 0)) == "blit"
    px1 = np.asarray(view.canvas.buffer_rgba()).copy()
    assert (px0 != px1).any(axis=-1).mean() > 0.05
    # a full redraw of the same state gives the same pixels as the blit
    view.redraw(full=True)
    px2 = np.asarray(view.canvas.buffer_rgba())
    assert (px1 != px2).any(axis=-1).mean() < 0.01
    view.close()


def test_user_rotation_survives_updates_and_refreshes_background(grid):
    x, y = grid
    view = SurfaceView(x, y, wave(x, y, 0), zlim=(-1.5, 1.5), backend="agg")
    full_draws = view.blitter.n_full
    view.ax.view_init(elev=12, azim=75)
    view.canvas.draw_idle()  # what a mouse rotation does
    assert view.blitter.n_full == full_draws + 1
    assert view.update(wave(x, y, 3)) == "blit"
    assert view.view_angles == (12.0, 75.0)
    view.close()


def test_auto_zlim_redraws_only_when_needed(grid):
    x, y = grid
    view = SurfaceView(x, y, wave(x, y, 0), backend="agg")
    lim = view.zlim
    assert lim[0] <= -1 + 1e-6 and lim[1] >= 1 - 1e-6
    assert view.update(0.95 * wave(x, y, 0)) == "blit"
    assert view.update(10 * wave(x, y, 0)) == "full"
    assert view.zlim[1] >= 10 - 1e-6
    assert view.update(0.001 * wave(x, y, 0)) == "full"  # shrinks when the data fill little
    assert view.zlim[1] < 1
    view.set_zlim((-3, 3))
    assert view.zlim == (-3.0, 3.0)
    assert view.update(10 * wave(x, y, 0)) == "blit"  # fixed limits stay
    with pytest.raises(ValueError, match="upper z-limit"):
        view.set_zlim((1, 1))
    view.close()


def test_surface_nonfinite_values_are_counted_not_fatal(grid):
    x, y = grid
    z = wave(x, y, 0)
    z[0, 0] = np.nan
    z[5, 5] = np.inf
    view = SurfaceView(x, y, z, backend="agg")
    assert view.n_nonfinite == 2
    assert len(view.surface.get_array()) == 49 * 49 - 5  # cells touching a bad corner are left out
    view.close()


def test_surface_rejects_wrong_size(grid):
    x, y = grid
    view = SurfaceView(x, y, backend="agg")
    with pytest.raises(ValueError, match="one per grid point"):
        view.update(np.zeros(10))
    view.close()


def test_large_grid_is_subsampled(grid):
    xs = np.linspace(-2, 2, 200)
    x, y = np.meshgrid(xs, xs)
    view = SurfaceView(x, y, x * y, backend="agg")
    assert len(view.surface.get_array()) <= 49 * 49
    view.close()


def test_default_frame_is_small_and_sharp_is_bigger():
    ds = lab2_dataset()
    default = SurfaceView(ds.x_nodes, ds.y_nodes, ds.ground_truth, backend="agg")
    sharp = SurfaceView(ds.x_nodes, ds.y_nodes, ds.ground_truth, style="sharp", backend="agg")
    small, big = len(default.png()), len(sharp.png())
    assert small <= 25 * 1024
    assert big > small
    default.close()
    sharp.close()


def test_colormaps_and_styles():
    assert get_cmap("viridis", 16).N == 16
    assert get_cmap().name.startswith("coolwarm")
    with pytest.raises(ValueError, match="colour map"):
        get_cmap("jet")
    with pytest.raises(ValueError, match="style"):
        get_style("huge")
    assert get_style("default").pixels == (480, 360)


def test_heatmap_updates_image_and_marker():
    z = np.outer(np.arange(5.0), np.ones(4))
    view = HeatmapView(z, extent=(0, 1, 0, 1), contours=3, colorbar=True, backend="agg")
    assert view.update(z * 2) == "full"  # colour bar range changed
    np.testing.assert_allclose(view.image.get_array(), z * 2)
    assert view.update(z * 2 + 0) == "blit"
    view.mark(0.5, 0.25)
    assert list(view.marker.get_xdata()) == [0.5]
    view.close()


def test_lines_blit_when_limits_fit():
    view = LineView(backend="agg")
    x = np.linspace(0, 1, 50)
    assert view.set_line("a", x, x) == "full"  # new curve: legend changes
    assert view.set_line("a", x, 0.9 * x + 0.05) == "blit"
    assert view.set_line("a", x, 5 * x) == "full"  # leaves the limits
    np.testing.assert_allclose(view.lines["a"].get_ydata(), 5 * x)
    view.set_hline("eps", 1.0)
    assert "eps" in view.refs
    view.remove_line("a")
    assert "a" not in view.lines
    view.close()


def test_graph_view_shows_layers_and_shapes():
    net = Net.build(3, [5], 1)
    view = GraphView(net, batch_size=2, backend="agg")
    texts = [t.get_text() for t in view.ax.texts]
    assert "Linear 3→5\nW 3×5, b 5" in texts
    assert "(2, 3)" in texts and "(2, 5)" in texts and "(2, 1)" in texts
    view.update(Net.build(3, [7, 4], 2), batch_size=8)
    texts = [t.get_text() for t in view.ax.texts]
    assert "(8, 7)" in texts and "(8, 2)" in texts and "(2, 5)" not in texts
    view.close()


def test_no_figure_growth_over_100_updates(grid, open_figure_count):
    x, y = grid
    gc.collect()
    start = open_figure_count()
    view = SurfaceView(x, y, wave(x, y, 0), backend="agg")
    for k in range(100):
        view.update(wave(x, y, k))
    assert len(view.fig.axes) == 1 and len(view.ax.collections) == 1
    view.close()
    assert view.update(wave(x, y, 1)) == ""  # closed views ignore updates
    assert open_figure_count() == start
    assert open_figures() == start[1]


def test_ipympl_canvas_is_created_updated_and_closed():
    """Under Jupyter/Voilà the figures are ipympl canvases; creating one must work (a string figure number broke it)."""
    from mlp_widgets.core import lab2_dataset
    from mlp_widgets.plots import SurfaceView, open_figures

    data = lab2_dataset()
    start = open_figures()
    view = SurfaceView(data.x_nodes, data.y_nodes, data.ground_truth, backend="ipympl")
    from ipympl.backend_nbagg import Canvas

    assert isinstance(view.fig.canvas, Canvas) and not view.fig.canvas.resizable  # embedded: no resize handle
    assert open_figures() == start + 1
    view.update(2 * data.ground_truth)
    assert view.values.max() == pytest.approx(2 * float(data.ground_truth.max()), rel=1e-6)
    # a frame right after another goes to the browser whole (a diff on a dropped frame would spoil the
    # picture); after a pause, a diff
    import time

    from mlp_widgets.plots._ipympl import WHOLE_FRAME_GAP

    canvas = view.fig.canvas
    modes = []
    for pause in (0.0, 0.0, WHOLE_FRAME_GAP + 0.05, 0.0):
        time.sleep(pause)
        view.update(data.ground_truth * (len(modes) + 3))
        canvas.draw()  # what the browser asks for after draw_idle; it sends the frame (ipympl's manager)
        modes.append(canvas._current_image_mode)
    assert modes[1:] == ["full", "diff", "full"]
    view.close()
    assert open_figures() == start


# -- figures a student reads: shared scales, minus signs --------------------------------------------
def test_target_and_prediction_share_one_colour_scale_and_the_residual_has_its_own():
    from mlp_widgets.core import make_dataset
    from mlp_widgets.plots.fit import FitView

    ds = make_dataset("two_bumps", n=20)
    target = ds.grid(ds.ground_truth)
    view = FitView(target, (ds.lo, ds.hi, ds.lo, ds.hi), backend="agg")
    view.update(0.4 * ds.ground_truth.numpy())  # reaches 40 % of the peak
    truth, prediction, residual = view.images
    assert truth.get_clim() == prediction.get_clim()  # so 40 % looks like 40 %
    lo, hi = truth.get_clim()
    assert lo <= target.min() and target.max() <= hi and hi < 2 * target.max()
    r_lo, r_hi = residual.get_clim()
    assert r_lo == -r_hi and r_hi >= 0.6 * target.max()
    view.close()


def test_negative_z_tick_labels_keep_their_minus_sign_clear_of_the_ticks():
    from mlp_widgets.core import lab2_dataset

    ds = lab2_dataset()
    z = -0.465 - 0.012 * np.exp(-(ds.x_nodes**2 + ds.y_nodes**2))
    view = SurfaceView(ds.x_nodes, ds.y_nodes, z, zlabel="ŷ", backend="agg")
    view.png()
    labels = [t.get_text() for t in view.ax.zaxis.get_ticklabels() if t.get_text()]
    assert labels and all(label.startswith("\u2212") for label in labels), labels
    assert view.ax.zaxis.get_major_ticks()[0].get_pad() >= 3  # the label keeps clear of its tick mark
    view.close()
