"""How lucky must a draw be? The losses of N random networks as a histogram, with the best loss and ε marked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W
import numpy as np

from ..core._validate import check_int
from ..core.batched import LossSample
from ..core.limits import MAX_SAMPLES
from ..plots.histogram import HistogramView
from ..plots.style import LINE_COLORS, FrameStyle
from ._base import WidgetBase, flow
from ._slices import Slicer


class HistogramPanel(WidgetBase):
    """A box for N, a "sample" button, and the histogram of N random networks' losses.

    The networks have the search's architecture and draw scales, drawn from
    its seed (:func:`~mlp_widgets.core.sample_losses`). Markers: the search's
    current best loss (moved by :meth:`mark_best`, a blit), ε and the loss of
    predicting zero.

    Parameters
    ----------
    settings : callable
        Returns ``sample_losses`` keyword arguments (``net``, ``dataset``,
        ``loss``, ``weight_range``, ``bias_range``, ``seed``) when sampling.
    n : int
        Starting number of networks.
    style, backend :
        See :class:`~mlp_widgets.plots.figure.FigureView`.

    Attributes
    ----------
    losses : ndarray
        The last sample's losses (empty before the first).
    """

    def __init__(
        self,
        settings: Callable[[], dict[str, Any]],
        n: int = 5000,
        *,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        self._settings = settings
        self.losses = np.zeros(0)
        self.n_box = W.BoundedIntText(
            value=check_int("number of random networks", n, 1, MAX_SAMPLES), min=1, max=MAX_SAMPLES,
            description="N nets", layout=W.Layout(width="190px"),
        )  # fmt: skip
        self.sample_button = W.Button(
            description="sample", icon="random", tooltip="Draw N random networks and show their losses",
            layout=W.Layout(width="110px"),
        )  # fmt: skip
        self.stop_button = W.Button(
            description="stop", icon="stop", disabled=True, tooltip="Stop drawing", layout=W.Layout(width="90px")
        )
        self.progress = W.FloatProgress(value=0.0, min=0.0, max=1.0, layout=W.Layout(width="160px"))
        self._work = Slicer(self.guard)
        self.on_click(self.stop_button, self._work.stop)
        self.summary = W.HTML()
        self.view = HistogramView(
            title="losses of random networks", xlabel="loss", style=style, backend=backend,
        )  # fmt: skip
        self._marks: dict[str, float | None] = {}
        self.on_click(self.sample_button, self.sample)
        self.children = (
            flow(self.n_box, self.sample_button, self.stop_button, self.progress),
            self.status,
            self.summary,
            self.embed(self.view),
        )

    def sample(self) -> np.ndarray:
        """Draw N random networks with the current settings and show their losses.

        In a kernel the draws run in slices on the event loop (**stop** ends
        them) and this returns the previous sample at once; elsewhere it
        returns the new losses.
        """
        n = check_int("number of random networks", self.n_box.value, 1, MAX_SAMPLES)
        job = LossSample(n, **self._settings())
        self.sample_button.disabled, self.stop_button.disabled = True, False
        self.progress.value = 0.0

        def show() -> None:
            self.progress.value = job.progress

        def finish(done: bool) -> None:
            self.sample_button.disabled, self.stop_button.disabled = False, True
            if not done:
                return
            self.progress.value = 1.0
            self.losses = job.result().numpy().astype(float)
            self.view.set_values(self.losses)
            self._summarise()
            self.clear_status()

        self._work.start(job.advance, show, finish)
        return self.losses

    def mark(self, epsilon: float, zero_loss: float, best: float | None) -> None:
        """Place the ε, predict-zero and best-loss markers (moving only what changed)."""
        marks = {"epsilon": epsilon, "zero": zero_loss, "best": best}
        styles = {
            "epsilon": (f"ε = {epsilon:.3g}", "0.2", ":"),
            "zero": ("predict zero", LINE_COLORS[4], "-."),
            "best": ("current best", LINE_COLORS[1], "--"),
        }
        changed = False
        for name, x in marks.items():
            if self._marks.get(name, "unset") == x:
                continue
            label, color, linestyle = styles[name]
            self.view.set_marker(name, x, label=label, color=color, linestyle=linestyle, redraw=False)
            self._marks[name] = x
            changed = True
        if changed:
            self.view.flush()
        self._summarise()

    def mark_best(self, best: float | None) -> None:
        """Move the current-best marker (a blit while it stays in view)."""
        if self._marks.get("best", "unset") == best:
            return
        self.view.set_marker("best", best)
        self._marks["best"] = best
        self._summarise()

    def _summarise(self) -> None:
        if self.losses.size == 0:
            self.summary.value = "Press <b>sample</b> to see how good a random network usually is."
            return
        n = self.losses.size
        parts = [f"{n} random networks: median loss {np.median(self.losses):.3g}, lowest {self.losses.min():.3g}"]
        for name, what in (("epsilon", "ε"), ("best", "the current best")):
            x = self._marks.get(name)
            if isinstance(x, float):
                k = int((self.losses <= x).sum())
                parts.append(f"{k} of {n} ({100 * k / n:.2g} %) are at or below {what}")
        self.summary.value = " · ".join(parts)

    def close(self) -> None:
        """Stop drawing and close the figure."""
        self._work.cancel()
        super().close()
