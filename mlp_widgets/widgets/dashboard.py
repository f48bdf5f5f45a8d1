"""Dashboard: every widget on one page, wired together — the Voilà app.

The dashboard holds the shared state as three traits — the ``dataset`` (from
the target explorer), the built ``net`` (from the layer builder) and the
``best_net`` found by the search — and links each widget to them with
``traitlets.dlink``:

    TargetExplorer.dataset ─▶ dataset ─▶ LayerBuilder / LossInspector / RandomSearchStepper
    LayerBuilder.net       ─▶ net     ─▶ LossInspector.net, RandomSearchStepper.net
    RandomSearchStepper.best_net ─▶ best_net ─▶ LossInspector.net

Tabs are built the first time they are opened, so the page comes up after
building only the first one (cold start matters on Binder); a widget built
later starts from the current shared state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W
import traitlets

from ..core import Dataset, Net, lab2_dataset
from ..plots.style import FrameStyle
from ._base import WidgetBase

#: (tab key, tab title) in the order of the lab
TABS: tuple[tuple[str, str], ...] = (
    ("activations", "1 · Activations"),
    ("network", "2 · Build a network"),
    ("loss", "3 · Target & loss"),
    ("search", "4 · Random search"),
)


class Dashboard(WidgetBase):
    """The whole lab in tabs: activations, network builder, target and loss, random search.

    Parameters
    ----------
    tabs : sequence of str, optional
        Keys of the tabs to show, in order (default: all of :data:`TABS`).
    lazy : bool
        Build a tab's widgets the first time it is opened (default). With
        ``False`` every tab is built at once.
    style, backend :
        Figure options passed to every widget.

    Attributes
    ----------
    dataset : Dataset
        The current target on its grid.
    net : Net or None
        The network built in the layer builder.
    best_net : Net or None
        The best network the search found so far.
    parts : dict
        The widgets built so far, by name (``"target"``, ``"builder"``, ``"inspector"``,
        ``"stepper"``, ``"activations"``).
    """

    dataset = traitlets.Instance(Dataset)
    net = traitlets.Instance(Net, allow_none=True)
    best_net = traitlets.Instance(Net, allow_none=True)

    def __init__(
        self,
        tabs: tuple[str, ...] | list[str] | None = None,
        *,
        lazy: bool = True,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        known = dict(TABS)
        keys = list(tabs) if tabs is not None else [key for key, _ in TABS]
        unknown = [key for key in keys if key not in known]
        if unknown or not keys:
            raise ValueError(f"tabs must be a non-empty list of {', '.join(map(repr, known))}; got {list(keys)!r}.")
        self._options: dict[str, Any] = {"style": style, "backend": backend}
        self.parts: dict[str, WidgetBase] = {}
        self._links: list[traitlets.dlink] = []
        self.dataset = lab2_dataset()
        self._keys = keys
        self._pages = [W.VBox(layout=W.Layout(min_height="420px")) for _ in keys]
        self.tab = W.Tab(children=self._pages, titles=tuple(known[key] for key in keys))
        self.tab.observe(self.guard(lambda change: self._build_tab(change["new"])), names="selected_index")
        self.children = [self.status, self.tab]
        self.add_class("mlpw-dashboard")
        self.tab.selected_index = 0
        self._build_tab(0)
        if not lazy:
            for index in range(1, len(keys)):
                self._build_tab(index)

    # -- building -------------------------------------------------------------------------------
    def _builders(self) -> dict[str, Callable[[], list[W.Widget]]]:
        return {
            "activations": self._build_activations,
            "network": self._build_network,
            "loss": self._build_loss,
            "search": self._build_search,
        }

    def _build_tab(self, index: int | None) -> None:
        if index is None or self._pages[index].children:
            return
        key = self._keys[index]
        self._pages[index].children = self._builders()[key]()

    def _link(self, source: tuple[Any, str], target: tuple[Any, str]) -> None:
        self._links.append(traitlets.dlink(source, target))

    def _build_activations(self) -> list[W.Widget]:
        from .activation_comparer import ActivationComparer

        part = ActivationComparer(dataset=self.dataset, **self._options)
        self.parts["activations"] = part
        return [part]

    def _build_network(self) -> list[W.Widget]:
        from .layer_builder import LayerBuilder

        part = LayerBuilder(dataset=self.dataset, **self._options)
        self.parts["builder"] = part
        self._link((self, "dataset"), (part, "dataset"))
        self._link((part, "net"), (self, "net"))
        return [part]

    def _build_loss(self) -> list[W.Widget]:
        from .loss_inspector import LossInspector
        from .target_explorer import TargetExplorer

        target = TargetExplorer(dataset=self.dataset, **self._options)
        self.parts["target"] = target
        self._link((target, "dataset"), (self, "dataset"))
        inspector = LossInspector(net=self._latest_net(), dataset=self.dataset, **self._options)
        self.parts["inspector"] = inspector
        self._link((self, "dataset"), (inspector, "dataset"))
        self._link((self, "net"), (inspector, "net"))
        self._link((self, "best_net"), (inspector, "net"))
        return [target, inspector]

    def _build_search(self) -> list[W.Widget]:
        from .random_search import RandomSearchStepper

        part = RandomSearchStepper(net=self.net, dataset=self.dataset, **self._options)
        self.parts["stepper"] = part
        self._link((self, "dataset"), (part, "dataset"))
        self._link((self, "net"), (part, "net"))
        self._link((part, "best_net"), (self, "best_net"))
        return [part]

    def _latest_net(self) -> Net | None:
        return self.best_net if self.best_net is not None else self.net

    # -- navigation -----------------------------------------------------------------------------
    def show(self, key: str) -> WidgetBase | None:
        """Open the tab ``key`` (building it if needed); return its main widget."""
        if key not in self._keys:
            raise ValueError(f"There is no tab {key!r}; the tabs are {', '.join(map(repr, self._keys))}.")
        index = self._keys.index(key)
        self.tab.selected_index = index
        self._build_tab(index)
        return self._pages[index].children[-1] if self._pages[index].children else None

    def close(self) -> None:
        """Unlink and close every widget and figure."""
        for link in self._links:
            link.unlink()
        self._links.clear()
        for part in self.parts.values():
            part.close()
        self.parts.clear()
        super().close()
