"""Dashboard: every widget on one page, wired together — the Voilà app.

The dashboard holds the shared state — the ``dataset`` (from the target
explorer), the current ``net`` and the ``best_net`` found by the search — and
is the only place that moves it between the widgets. State flows one way:
each widget publishes what its user made (an output trait) and receives the
shared state through its own inputs or its one setter; no widget writes
another widget's controls, and nothing is sent back where it came from::

    TargetExplorer.dataset  ─▶ dataset ─▶ .dataset of LayerBuilder, LossInspector, RandomSearchStepper,
                                          NetworkExplorer
    LayerBuilder.net        ─▶ net     ─▶ RandomSearchStepper.net (a new search), LossInspector.net,
    NetworkExplorer.edited  ─▶ net        NetworkExplorer.show, ExportPanel.net
    ExportPanel.loaded      ─▶ net        (and LayerBuilder.show_net, so the builder shows it)
    RandomSearchStepper.best_net ─▶ best_net ─▶ LossInspector.net, NetworkExplorer.show, ExportPanel.net

An edit in the explorer restarts the search from the edited network (the
network changed, so that is what the search should start from). The search
publishes no network before its first step, and the explorer ignores the
network it already shows, so an edit never comes back as "a network from
outside" and stays undoable.

A share link (:mod:`mlp_widgets.config.share`) restores a state: the page's
URL query (``QUERY_STRING``, which Voilà sets for the kernel it starts for a
page) or ``Dashboard(share="target.n=30&…")`` replaces the config's target,
network and search settings with the link's, and its weights become the
network; a part the link cannot restore is refused with a sentence on the
status line and the rest loads. The "share" panel beside the export panel
makes such a link of the current state.

An :class:`~mlp_widgets.widgets.export_panel.ExportPanel` above the tabs saves
the latest network (``net`` or ``best_net``, whichever changed last), exports
its code or any figure, and loads a network file, which becomes ``net``.

Tabs are built the first time they are opened, so the page comes up after
building only the first one (cold start matters on Binder); a widget built
later starts from the current shared state.

A :class:`~mlp_widgets.config.DashboardConfig` (``Dashboard(config=...)``, or
the file named by the ``MLP_WIDGETS_CONFIG`` environment variable, which the
``mlp-widgets dashboard --config FILE`` command sets for its kernels) chooses
the target, the starting network and the search settings, the tabs shown, and
hides or fixes (disables) controls by name; each widget gets its part of the
config through its own setter.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from os import PathLike
from typing import Any

import ipywidgets as W
import traitlets

from ..config import PARTS, TABS, DashboardConfig, NetSpec, StepperSettings, TargetSpec, control_part
from ..config.page import page_config
from ..config.share import QUERY_ENV, read_share, share_query
from ..core import Dataset, Net, lab2_dataset, lab_net
from ..plots.figure import closed_on_error
from ..plots.style import FrameStyle
from ._base import WidgetBase

__all__ = ["TABS", "Dashboard"]

ConfigSource = DashboardConfig | Mapping | str | PathLike


class _ControlRule:
    """Keeps one control hidden (``layout.display = 'none'``) and/or fixed (disabled) until released.

    The owner widget may try to show or enable the control again (e.g. the
    search shows σ for the perturb strategy); an observer puts it back. A
    hidden control first gets a layout of its own, since some widgets share
    one ``Layout`` between several controls.
    """

    def __init__(self, widget: W.Widget, *, hide: bool, fix: bool) -> None:
        self.widget = widget
        self._undo: list[Callable[[], None]] = []
        if hide:
            self._hide()
        if fix:
            self._fix(widget)

    def _hide(self) -> None:
        widget = self.widget
        shared = widget.layout
        state = {k: v for k, v in shared.get_state().items() if not k.startswith("_") and v is not None}
        own = W.Layout(**state)
        widget.layout = own
        own.display = "none"

        def keep(change: dict) -> None:
            if change["new"] != "none":
                own.display = "none"

        own.observe(keep, names="display")

        def undo() -> None:
            own.unobserve(keep, names="display")
            own.display = state.get("display")

        self._undo.append(undo)

    def _fix(self, widget: W.Widget) -> None:
        if widget.has_trait("disabled"):
            before = widget.disabled
            widget.disabled = True

            def keep(change: dict) -> None:
                if not change["new"]:
                    widget.disabled = True

            widget.observe(keep, names="disabled")

            def undo() -> None:
                widget.unobserve(keep, names="disabled")
                widget.disabled = before

            self._undo.append(undo)
        if widget.has_trait("children"):
            for child in widget.children:
                self._fix(child)

            def new_children(change: dict) -> None:
                old = set(map(id, change["old"] or ()))
                for child in change["new"]:
                    if id(child) not in old:
                        self._fix(child)

            widget.observe(new_children, names="children")
            self._undo.append(lambda: widget.unobserve(new_children, names="children"))

    def release(self) -> None:
        """Show and enable the control again (as it was before)."""
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


class Dashboard(WidgetBase):
    """The whole lab in tabs: activations, network builder, target and loss, random search, network explorer.

    Parameters
    ----------
    tabs : sequence of str, optional
        Keys of the tabs to show, in order (default: the config's ``ui.tabs``,
        else all of :data:`TABS`). Given explicitly, it wins over the config.
    config : DashboardConfig, dict or path, optional
        The teacher's setup (see :mod:`mlp_widgets.config`). When omitted, the
        file named by the ``MLP_WIDGETS_CONFIG`` environment variable is read,
        if set (a bad file is reported on the status line and the lab's
        defaults are used).
    lazy : bool
        Build a tab's widgets the first time it is opened (default). With
        ``False`` every tab is built at once.
    student : mapping or object, optional
        The student's own ``Linear``, ``ReLU``, ``Sigmoid`` and ``Net`` (e.g.
        the exercise notebook's ``globals()``): the builder's output surface,
        the loss and the explorer's pictures are computed with them, each
        with a "your code" badge (see :mod:`mlp_widgets.checks.student`).
    share : str, optional
        A shared state's URL query (see :mod:`mlp_widgets.config.share`); it
        wins over the config's target, network and search. Default: the
        page's query in ``QUERY_STRING`` (set by Voilà), if it has any.
    style, backend :
        Figure options passed to every widget.

    Raises
    ------
    ValueError
        For an unknown tab or an invalid ``config`` (the sentence names the field).

    Attributes
    ----------
    dataset : Dataset
        The current target on its grid.
    net : Net or None
        The current network: built in the layer builder, edited in the explorer, or loaded from a file.
    best_net : Net or None
        The best network the search found so far (``None`` before its first step).
    config : DashboardConfig or None
        The config applied (``None``: the lab's defaults, no control hidden or fixed).
    parts : dict
        The widgets built so far, by name (``"export"``, ``"activations"``, ``"builder"``,
        ``"target"``, ``"inspector"``, ``"stepper"``, ``"explorer"``).
    export_panel : ExportPanel
        Save, load and export, above the tabs.
    """

    dataset = traitlets.Instance(Dataset)
    net = traitlets.Instance(Net, allow_none=True)
    best_net = traitlets.Instance(Net, allow_none=True)

    def __init__(
        self,
        tabs: tuple[str, ...] | list[str] | None = None,
        *,
        config: ConfigSource | None = None,
        lazy: bool = True,
        share: str | None = None,
        student: object | None = None,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        from ..checks.student import StudentCode

        self.student = StudentCode.of(student) if student is not None else None
        mine = {"student": self.student} if self.student is not None else {}
        self.parts: dict[str, WidgetBase] = {}
        self._observers: list[tuple[traitlets.HasTraits, Callable[[dict], None], str]] = []
        self._rules: dict[str, _ControlRule] = {}
        self._all_pages: dict[str, W.VBox] = {}
        self._options: dict[str, Any] = {"style": style, "backend": backend}
        self._student: dict[str, Any] = mine
        env_error = ""
        if config is None:  # the page's: a preset its URL names, or the server's default (see config.page)
            config, env_error = page_config()
        self.config: DashboardConfig | None = DashboardConfig.load(config) if config is not None else None
        self._keys = self._check_tabs(tabs if tabs is not None else (self.config.ui.tabs if self.config else None))
        shared_net, share_message = self._restore(share if share is not None else os.environ.get(QUERY_ENV, ""))
        self.dataset = self.config.target.dataset() if self.config else lab2_dataset()
        self.net = shared_net or (self.config.network.spec().build() if self.config else lab_net())
        self.best_net = None
        self.tab = W.Tab()
        self._layout_tabs()
        self._watch(self.tab, lambda change: self._build_tab(change["new"]), "selected_index")
        self._watch(self, lambda change: self._push_dataset(change["new"]), "dataset")
        self._watch(self, lambda change: self._push_net(change["new"]), "net")
        self._watch(self, lambda change: self._push_best(change["new"]), "best_net")
        self._build_export()
        from .guide import LabGuide
        from .share_panel import SharePanel

        self.share_panel = SharePanel(self.share_state)
        # one fold each, side by side with the guide's (two folds in one accordion stack, leaving a gap beside them)
        self.toolbar = tuple(
            W.Accordion(children=[panel], titles=(title,), selected_index=None, layout=W.Layout(flex="1 1 240px"))
            for panel, title in ((self.export_panel, "save · load · export"), (self.share_panel, "share this state"))
        )
        self.guide = LabGuide(self.open_place, beside=self.toolbar)
        self.status.layout.min_height = "0"  # the page's own line takes no room until it has something to say
        from ._page import page_fixes

        self.children = [page_fixes(), self.guide, self.status, self.tab]
        self.add_class("mlpw-dashboard")
        self.tab.selected_index = 0
        self._build_tab(0)
        if not lazy:
            for index in range(1, len(self._keys)):
                self._build_tab(index)
        if env_error or self._share_refused:
            self.show_error(" ".join(text for text in (env_error, share_message) if text))
        elif share_message:
            self.show_info(share_message)

    # -- share links ----------------------------------------------------------------------------
    def _restore(self, query: str) -> tuple[Net | None, str]:
        """Take a shared state's sections into the config; return its network (``None``: none shared) and a sentence."""
        self._share_refused = False
        if not query:
            return None, ""
        state = read_share(query)
        if state.empty and not state.refusals:
            return None, ""
        base = self.config if self.config is not None else DashboardConfig()
        self.config = replace(
            base,
            target=state.target or base.target,
            network=state.network or base.network,
            search=state.search or base.search,
        )
        restored = [name for name in ("target", "network", "weights", "search") if name in state.given]
        names = {
            "target": "the target",
            "network": "the network",
            "weights": "its weights",
            "search": "the search settings",
        }
        text = f"Restored from the link: {', '.join(names[n] for n in restored)}." if restored else ""
        if state.refusals:
            self._share_refused = True
            text = " ".join([text, *state.refusals]).strip()
        net = state.net() if "network" in state.given or state.weights is not None else None
        return net, text

    def share_state(self) -> tuple[str, str]:
        """The current state as a share link's query, and a sentence on what it leaves out.

        The target, the builder's network spec, the search settings (each
        from its widget when built, else from the config) and the network on
        screen (the search's best once it found one).
        """
        config = self.config if self.config is not None else DashboardConfig()
        target = self.parts["target"].spec if "target" in self.parts else TargetSpec.of(self.dataset)
        if "builder" in self.parts:
            spec = self.parts["builder"].spec
        else:
            try:
                spec = NetSpec.describing(self.net, config.network.spec())
            except ValueError:
                spec = config.network.spec()
        stepper = self.parts.get("stepper")
        settings = stepper.settings if stepper is not None else StepperSettings(**config.search.settings())
        return share_query(target, spec, settings, self._latest_net())

    @staticmethod
    def _check_tabs(tabs: Any) -> list[str]:
        known = dict(TABS)
        keys = list(tabs) if tabs is not None else [key for key, _ in TABS]
        unknown = [key for key in keys if key not in known]
        if unknown or not keys:
            raise ValueError(f"tabs must be a non-empty list of {', '.join(map(repr, known))}; got {list(keys)!r}.")
        return keys

    def _layout_tabs(self) -> None:
        for key in self._keys:
            self._all_pages.setdefault(key, W.VBox(layout=W.Layout(min_height="420px")))
        self._pages = [self._all_pages[key] for key in self._keys]
        self.tab.children = self._pages
        self.tab.titles = tuple(f"{i + 1} · {dict(TABS)[key]}" for i, key in enumerate(self._keys))

    # -- moving the shared state ----------------------------------------------------------------
    def _watch(self, source: traitlets.HasTraits, handler: Callable[[dict], Any], name: str) -> None:
        """Observe ``source.name`` with a guarded handler (removed again by :meth:`close`)."""
        guarded = self.guard(handler)
        source.observe(guarded, names=name)
        self._observers.append((source, guarded, name))

    def _latest_net(self) -> Net | None:
        """What the inspector, the explorer and the export panel show: the search's best once it found one."""
        return self.best_net if self.best_net is not None else self.net

    def _push_dataset(self, dataset: Dataset) -> None:
        for key in ("builder", "inspector", "stepper", "explorer"):
            if key in self.parts:
                self.parts[key].dataset = dataset

    def _push_net(self, net: Net | None) -> None:
        if net is None:
            return
        self.best_net = None  # a new network: what the search found belongs to the old one
        if "stepper" in self.parts:
            self.parts["stepper"].net = net  # a new search from it
        self._show_latest(net)

    def _push_best(self, best: Net | None) -> None:
        if best is not None:
            self._show_latest(best)

    def _show_latest(self, net: Net) -> None:
        if "inspector" in self.parts:
            self.parts["inspector"].net = net
        if "explorer" in self.parts:
            self.parts["explorer"].show(net)
        self.export_panel.net = net

    # -- building -------------------------------------------------------------------------------
    def _builders(self) -> dict[str, Callable[[], list[W.Widget]]]:
        return {
            "activations": self._build_activations,
            "network": self._build_network,
            "loss": self._build_loss,
            "search": self._build_search,
            "explorer": self._build_explorer,
        }

    def _build_tab(self, index: int | None) -> None:
        if index is None or self._pages[index].children:
            return
        key = self._keys[index]
        with closed_on_error():  # a tab that fails to build keeps no figure; opening it again retries
            self._pages[index].children = self._builders()[key]()
        self._apply_rules()
        self.export_panel.refresh_figures()

    def _build_export(self) -> None:
        from .export_panel import ExportPanel

        panel = ExportPanel(self._latest_net(), self._figures)
        self.export_panel = panel
        self.parts["export"] = panel
        self._watch(panel, lambda change: self._adopt(change["new"]), "loaded")

    def _adopt(self, net: Net | None) -> None:
        """A network loaded from a file becomes the current network (and the builder shows it)."""
        if net is None:
            return
        builder = self.parts.get("builder")
        if builder is not None:
            try:
                builder.show_net(net)  # ─▶ builder.net ─▶ self.net
            except ValueError as exc:
                builder.show_error(f"{exc} The loaded network is used everywhere else.")
        self.net = net

    def _build_activations(self) -> list[W.Widget]:
        from .activation_comparer import ActivationComparer

        part = ActivationComparer(dataset=self.dataset, **self._options)
        self.parts["activations"] = part
        return [part]

    def _build_network(self) -> list[W.Widget]:
        from .layer_builder import LayerBuilder

        part = LayerBuilder(dataset=self.dataset, **self._student, **self._options)
        spec = self.config.network.spec() if self.config is not None else part.spec
        try:  # the current network: configured, or loaded or edited before the tab was opened
            part.set_spec(NetSpec.describing(self.net, spec), net=self.net)
        except ValueError as exc:
            part.set_spec(spec)
            part.show_error(f"{exc} The builder starts from its own settings.")
        self.parts["builder"] = part
        self._watch(part, lambda change: setattr(self, "net", change["new"]), "net")
        return [part]

    def _build_loss(self) -> list[W.Widget]:
        from .loss_inspector import LossInspector
        from .target_explorer import TargetExplorer

        target = TargetExplorer(dataset=self.dataset, **self._options)
        self.parts["target"] = target
        self._watch(target, lambda change: setattr(self, "dataset", change["new"]), "dataset")
        inspector = LossInspector(net=self._latest_net(), dataset=self.dataset, **self._student, **self._options)
        self.parts["inspector"] = inspector
        return [target, inspector]

    def _build_search(self) -> list[W.Widget]:
        from .random_search import RandomSearchStepper

        settings = self.config.search.settings() if self.config is not None else {}
        part = RandomSearchStepper(net=self.net, dataset=self.dataset, **settings, **self._options)
        self.parts["stepper"] = part
        self._watch(part, lambda change: setattr(self, "best_net", change["new"]), "best_net")
        self._watch(part, lambda change: self._open_picked(change["new"]), "picked")
        return [part]

    def _open_picked(self, hit: Any) -> None:
        """A weight or unit clicked in the training view's network picture: look at it in the explorer."""
        if hit is None or "explorer" not in self._keys or hit.column == 0:
            return
        explorer = self.show("explorer")
        if hit.source is None:  # a unit: its bias
            explorer.select(hit.column - 1, -1, hit.unit)
        else:
            explorer.select(hit.layer, hit.source, hit.unit)

    def open_place(self, place: str) -> None:
        """Open a place a guide card points to: a tab key, or ``"<tab>.<part>"`` (``"network.code"``)."""
        key, _, sub = place.partition(".")
        if key not in self._keys:
            self.show_info("That part of the lab is not on this page (your teacher left it out).")
            return
        part = self.show(key)
        if key == "network" and part is not None:
            part.tabs.selected_index = 1 if sub == "code" else 0

    def _build_explorer(self) -> list[W.Widget]:
        from .network_explorer import NetworkExplorer

        part = NetworkExplorer(net=self._latest_net(), dataset=self.dataset, **self._student, **self._options)
        self.parts["explorer"] = part
        self._watch(part, lambda change: self._take_edit(change["new"]), "edited")
        return [part]

    def _take_edit(self, net: Net | None) -> None:
        if net is not None:
            self.net = net

    def _figures(self) -> dict[str, Any]:
        titles = dict(TABS)
        tab_of = {"activations": "activations", "builder": "network", "target": "loss", "inspector": "loss"}
        tab_of |= {"stepper": "search", "explorer": "explorer"}
        figures: dict[str, Any] = {}
        for key, part in self.parts.items():
            for view in part.views:
                if view.closed:
                    continue
                name = f"{titles.get(tab_of.get(key, ''), key)} · {view.title}"
                n, base = 2, name
                while name in figures:
                    name, n = f"{base} ({n})", n + 1
                figures[name] = view
        return figures

    # -- configuration --------------------------------------------------------------------------
    def control(self, name: str) -> W.Widget:
        """The control called ``name`` in :data:`mlp_widgets.config.CONTROLS` (e.g. ``"search.epsilon"``).

        Raises
        ------
        ValueError
            If no control has that name, or its tab is not built yet.
        """
        part_key, attribute = control_part(name)
        part = self.parts.get(part_key)
        if part is None:
            raise ValueError(f"The control {name!r} is in a tab that is not built yet; open its tab first.")
        return getattr(part, attribute)

    def _apply_rules(self) -> None:
        """Hide and fix the config's controls, and leave out its hidden parts, in every part built so far."""
        if self.config is None:
            return
        ui = self.config.ui
        for name in ui.hidden_parts:
            prefix, block = name.split(".", 1)
            part = self.parts.get(PARTS[prefix])
            if part is not None and block not in part.blocks.hidden:
                part.show_block(block, False)
        for name in dict.fromkeys([*ui.hidden_controls, *ui.fixed_controls]):
            part_key, _ = control_part(name)
            if name in self._rules or part_key not in self.parts:
                continue
            self._rules[name] = _ControlRule(
                self.control(name), hide=name in ui.hidden_controls, fix=name in ui.fixed_controls
            )

    def apply_config(self, config: ConfigSource) -> DashboardConfig:
        """Apply a config to this dashboard: target, network, search settings, tabs, hidden and fixed controls.

        The config is checked completely first: an invalid one is refused with
        its sentence (on the status line, and as a ``ValueError``) and nothing
        on screen changes. Each widget then gets its part through its own setter.

        Returns
        -------
        DashboardConfig
            The config now applied.
        """
        try:
            new = DashboardConfig.load(config)
        except ValueError as exc:
            self.show_error(str(exc))
            raise
        for rule in self._rules.values():
            rule.release()
        self._rules.clear()
        for part in self.parts.values():
            for block in list(part.blocks.hidden):
                part.show_block(block)
        self.config = new
        target = self.parts.get("target")
        if target is not None:
            target.set_spec(new.target)  # ─▶ target.dataset ─▶ self.dataset
        else:
            self.dataset = new.target.dataset()
        builder = self.parts.get("builder")
        if builder is not None:
            builder.set_spec(new.network.spec())  # ─▶ builder.net ─▶ self.net
            builder.clear_status()
        else:
            self.net = new.network.spec().build()
        stepper = self.parts.get("stepper")
        if stepper is not None:
            stepper.configure(**new.search.settings())
        if list(new.ui.tabs) != self._keys:
            self._keys = list(new.ui.tabs)
            self._layout_tabs()
            self.tab.selected_index = 0
            self._build_tab(0)
        self._apply_rules()
        self.show_info("Config applied.")
        return new

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
        """Stop watching and close every widget and figure."""
        for rule in self._rules.values():
            rule.release()
        self._rules.clear()
        for source, handler, name in self._observers:
            source.unobserve(handler, names=name)
        self._observers.clear()
        for part in self.parts.values():
            part.close()
        self.parts.clear()
        for page in self._all_pages.values():
            page.close()
        super().close()
