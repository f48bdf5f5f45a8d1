"""The computational graph of a :class:`~mlp_widgets.core.Net` as a picture (Lab 2, Question 1.10).

Layers are boxes, in order; the arrows between them carry the tensor shape
for a chosen batch size.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from ..core import Linear, Net
from ..core._validate import check_int
from .figure import FigureView
from .style import FrameStyle

_COLORS = {"io": "#E8E8E8", "linear": "#CFE3F5", "activation": "#F9DDBE"}


@dataclass(frozen=True)
class GraphNode:
    """One box of the graph: its text, kind (``io``, ``linear``, ``activation``) and the shape it outputs."""

    label: str
    detail: str
    kind: str
    out_shape: tuple[int, ...]


def graph_nodes(net: Net, batch_size: int = 2) -> list[GraphNode]:
    """The boxes of ``net``'s graph for an input of shape ``(batch_size, n_in)``."""
    batch_size = check_int("batch size", batch_size, 1, 1_000_000)
    shape = (batch_size, net.n_in)
    nodes = [GraphNode("input x", "", "io", shape)]
    for layer, (_, _, out) in zip(net.layers, net.shapes(shape), strict=True):
        if isinstance(layer, Linear):
            detail = f"W {layer.N_in}×{layer.N_out}, b {layer.N_out}"
            nodes.append(GraphNode(f"Linear {layer.N_in}→{layer.N_out}", detail, "linear", out))
        else:
            nodes.append(GraphNode(type(layer).__name__, "", "activation", out))
    nodes.append(GraphNode("output ŷ", "", "io", nodes[-1].out_shape))
    return nodes


def _fmt(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ")"


def draw_graph(ax: Axes, nodes: list[GraphNode], per_row: int = 4, font_size: float = 7.0) -> None:
    """Draw the boxes in rows of ``per_row`` (left to right, then the next row) on a cleared axis."""
    ax.clear()
    ax.set_axis_off()
    n_rows = (len(nodes) + per_row - 1) // per_row
    ax.set_xlim(-0.6, per_row - 0.4)
    ax.set_ylim(-n_rows + 0.4, 0.6)
    width, height = 0.62, 0.42
    pos = [(i % per_row, -(i // per_row)) for i in range(len(nodes))]
    for (x, y), node in zip(pos, nodes, strict=True):
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02",
                facecolor=_COLORS[node.kind], edgecolor="0.4", linewidth=0.8,
            )
        )  # fmt: skip
        text = node.label if not node.detail else f"{node.label}\n{node.detail}"
        ax.text(x, y, text, ha="center", va="center", fontsize=font_size)
    for i in range(len(nodes) - 1):
        (x0, y0), (x1, y1) = pos[i], pos[i + 1]
        if y0 == y1:
            start, end = (x0 + width / 2, y0), (x1 - width / 2, y1)
            label_xy, va = ((x0 + x1) / 2, y0 + 0.06), "bottom"
        else:  # wrap to the next row
            start, end = (x0, y0 - height / 2), (x1 + width / 2, y1 + 0.05)
            label_xy, va = ((x0 + x1) / 2 + 0.3, (y0 + y1) / 2 + 0.05), "center"
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 0.8})
        ax.text(*label_xy, _fmt(nodes[i].out_shape), ha="center", va=va, fontsize=font_size - 1, color="#0B4F8A")


class GraphView(FigureView):
    """A figure with the computational graph of a network; :meth:`update` redraws it for a new net or batch size.

    Parameters
    ----------
    net : Net
        The network.
    batch_size : int
        Batch size used for the shapes on the arrows.
    per_row : int
        Boxes per row.
    style, backend :
        See :class:`~mlp_widgets.plots.figure.FigureView`.
    """

    def __init__(
        self,
        net: Net,
        batch_size: int = 2,
        *,
        per_row: int = 4,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__(style, backend)
        self.ax = self.fig.add_axes((0.0, 0.0, 1.0, 1.0))
        self.per_row = check_int("boxes per row", per_row, 1, 20)
        self.update(net, batch_size)

    def update(self, net: Net, batch_size: int = 2) -> str:
        """Draw ``net``'s graph for ``batch_size`` (a full redraw), unless the picture would not change."""
        nodes = graph_nodes(net, batch_size)
        if nodes == getattr(self, "nodes", None):
            return ""  # same picture (e.g. only the parameters changed)
        self.nodes = nodes
        draw_graph(self.ax, self.nodes, self.per_row, self.style.font_size)
        return self.redraw(full=True)
