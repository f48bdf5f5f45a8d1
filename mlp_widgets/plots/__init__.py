"""The plotting layer: matplotlib views that own one figure each and update it in place.

No ipywidgets here: a view's ``fig.canvas`` is an ipympl widget under Jupyter
and a plain Agg canvas elsewhere; the widgets decide how to embed it.
"""

from .figure import BACKENDS, Blitter, FigureView, close_figure, in_kernel, new_figure, open_figures, png_bytes
from .graph import GraphNode, GraphView, draw_graph, graph_nodes
from .heatmap import HeatmapView
from .lines import LineView
from .style import (
    COLORMAPS,
    LINE_COLORS,
    SEQUENTIAL_CMAP,
    SIGNED_CMAP,
    STYLES,
    FrameStyle,
    get_cmap,
    get_style,
)
from .surface import SurfaceView, nice_limits, quads, subsample_index

__all__ = [
    "BACKENDS",
    "COLORMAPS",
    "LINE_COLORS",
    "SEQUENTIAL_CMAP",
    "SIGNED_CMAP",
    "STYLES",
    "Blitter",
    "FigureView",
    "FrameStyle",
    "GraphNode",
    "GraphView",
    "HeatmapView",
    "LineView",
    "SurfaceView",
    "close_figure",
    "draw_graph",
    "get_cmap",
    "get_style",
    "graph_nodes",
    "in_kernel",
    "new_figure",
    "nice_limits",
    "open_figures",
    "png_bytes",
    "quads",
    "subsample_index",
]
