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
from ..core.features import input_names
from .figure import FigureView
from .style import FrameStyle, get_style

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
    features = tuple(getattr(net, "features", ()))
    nodes = [GraphNode("input x", ", ".join(input_names(features)) if features else "", "io", shape)]
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


def snake_positions(count: int, per_row: int) -> list[tuple[float, float]]:
    """Box centres in rows of ``per_row``: left to right, then right to left below, and so on.

    The arrow from a row's last box to the next row's first then goes straight
    down, never across the picture.
    """
    pos = []
    for i in range(count):
        row, col = divmod(i, per_row)
        pos.append((float(col if row % 2 == 0 else per_row - 1 - col), -float(row)))
    return pos


def draw_graph(ax: Axes, nodes: list[GraphNode], per_row: int = 6, font_size: float = 8.0) -> None:
    """Draw the boxes in snaking rows of ``per_row`` on a cleared axis, shapes on the arrows."""
    ax.clear()
    ax.set_axis_off()
    per_row = max(1, min(per_row, len(nodes)))
    n_rows = (len(nodes) + per_row - 1) // per_row
    ax.set_xlim(-0.55, per_row - 0.45)
    ax.set_ylim(-n_rows + 0.45, 0.55)
    width, height = 0.66, 0.5
    pos = snake_positions(len(nodes), per_row)
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
        shape = _fmt(nodes[i].out_shape)
        if y0 == y1:  # along the row, the shape above the arrow
            sign = 1 if x1 > x0 else -1
            start, end = (x0 + sign * width / 2, y0), (x1 - sign * width / 2, y1)
            ax.text((x0 + x1) / 2, y0 + 0.05, shape, ha="center", va="bottom", fontsize=font_size - 1, color="#0B4F8A")
        else:  # down to the next row, the shape beside the arrow
            start, end = (x0, y0 - height / 2), (x1, y1 + height / 2)
            ax.text(x0 + 0.06, (y0 + y1) / 2, shape, ha="left", va="center", fontsize=font_size - 1, color="#0B4F8A")
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 0.9})


class GraphView(FigureView):
    """A figure with the computational graph of a network; :meth:`update` redraws it for a new net or batch size.

    Parameters
    ----------
    net : Net
        The network.
    batch_size : int
        Batch size used for the shapes on the arrows.
    per_row : int
        Most boxes per row (longer networks snake onto more rows; the figure grows to fit).
    style, backend :
        See :class:`~mlp_widgets.plots.figure.FigureView`.
    """

    def __init__(
        self,
        net: Net,
        batch_size: int = 2,
        *,
        per_row: int = 6,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__(get_style(style).with_size(*_size(len(graph_nodes(net, batch_size)), per_row)), backend)
        self.ax = self.fig.add_axes((0.0, 0.0, 1.0, 1.0))
        self.per_row = check_int("boxes per row", per_row, 1, 20)
        self.update(net, batch_size)

    def update(self, net: Net, batch_size: int = 2) -> str:
        """Draw ``net``'s graph for ``batch_size`` (a full redraw), unless the picture would not change."""
        nodes = graph_nodes(net, batch_size)
        if nodes == getattr(self, "nodes", None):
            return ""  # same picture (e.g. only the parameters changed)
        self.nodes = nodes
        size = _size(len(nodes), self.per_row)
        if tuple(self.fig.get_size_inches()) != size:
            self.fig.set_size_inches(*size, forward=True)
        draw_graph(self.ax, self.nodes, self.per_row, self.style.font_size + 1)
        return self.redraw(full=True)


def _size(count: int, per_row: int) -> tuple[float, float]:
    """Figure size (inches) for ``count`` boxes: 1.45 in per box across, 1.1 in per row."""
    across = max(1, min(per_row, count))
    rows = (count + per_row - 1) // per_row
    return (1.45 * across + 0.2, 1.1 * rows + 0.15)
