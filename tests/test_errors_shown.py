"""No error vanishes: an exception inside any widget's callback shows as a sentence inside the widget,
and its traceback goes to the ``mlp_widgets`` logger (the server log under Voilà).

Each case breaks something a callback calls (a ``RuntimeError`` with a marker
text), then does what a student does — click, type, move a slider, open a
tab — and checks both ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from mlp_widgets.config import TargetSpec
from mlp_widgets.core import Race
from mlp_widgets.widgets import activation_comparer, loss_inspector, network_explorer, search_histogram
from mlp_widgets.widgets.activation_comparer import ActivationComparer
from mlp_widgets.widgets.dashboard import Dashboard
from mlp_widgets.widgets.export_panel import ExportPanel
from mlp_widgets.widgets.layer_builder import LayerBuilder, NetSpec
from mlp_widgets.widgets.loss_inspector import LossInspector
from mlp_widgets.widgets.network_explorer import NetworkExplorer
from mlp_widgets.widgets.random_search import RandomSearchStepper
from mlp_widgets.widgets.target_explorer import TargetExplorer

MARKER = "injected failure 4711"


def boom(*args: Any, **kwargs: Any) -> Any:
    """The injected failing callback."""
    raise RuntimeError(MARKER)


def _layer_builder_button(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = LayerBuilder(backend="agg")
    mp.setattr(NetSpec, "build", boom)
    return w, lambda w: w.reset_button.click()


def _layer_builder_box(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = LayerBuilder(backend="agg")
    mp.setattr(NetSpec, "build", boom)
    return w, lambda w: setattr(w.seed_box, "value", 1234)


def _activation_checkbox(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = ActivationComparer(backend="agg")
    mp.setattr(activation_comparer, "activation_errors", boom)
    return w, lambda w: setattr(w.derivative_box, "value", not w.derivative_box.value)


def _activation_slider(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = ActivationComparer(backend="agg")
    mp.setattr(w, "neuron_output", boom)
    return w, lambda w: setattr(w.w1_slider, "value", 2.5)


def _target_box(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = TargetExplorer(backend="agg")
    mp.setattr(TargetSpec, "dataset", boom)
    return w, lambda w: setattr(w.lo_box, "value", -3.0)


def _inspector_button(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = LossInspector(backend="agg")
    mp.setattr(loss_inspector, "loss_landscape", boom)
    return w, lambda w: w.compute_button.click()


def _inspector_toggle(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = LossInspector(backend="agg")
    mp.setattr(w.surface_view, "update", boom)
    return w, lambda w: setattr(w.view_toggle, "value", "residual")


def _stepper_step(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = RandomSearchStepper(backend="agg")
    mp.setattr(w.engine, "step", boom)
    return w, lambda w: w.step_button.click()


def _stepper_box(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = RandomSearchStepper(backend="agg")
    mp.setattr(w, "_restart", boom)
    return w, lambda w: setattr(w.seed_box, "value", 17)


def _race(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = RandomSearchStepper(backend="agg")
    mp.setattr(Race, "advance", boom)
    return w.race_panel, lambda panel: panel.run_button.click()


def _histogram(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = RandomSearchStepper(backend="agg")
    mp.setattr(search_histogram, "sample_losses", boom)
    return w.histogram_panel, lambda panel: panel.sample_button.click()


def _explorer_dropdown(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = NetworkExplorer(backend="agg")
    mp.setattr(w.graph_view, "select", boom)
    return w, lambda w: setattr(w.to_dropdown, "value", w.to_dropdown.options[1][1])


def _explorer_undo(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = NetworkExplorer(backend="agg")
    w.set_value(0.5)
    mp.setattr(w, "_render_value", boom)
    return w, lambda w: w.undo_button.click()


def _export_button(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = ExportPanel(net=NetSpec().build())
    mp.setattr(w, "json_bytes", boom)
    return w, lambda w: w.save_json_button.click()


def _dashboard_tab(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = Dashboard(backend="agg")  # lazy: the other tabs are built when they are opened

    class Failing(dict):
        def __missing__(self, key: str) -> Callable[..., Any]:
            return boom

    mp.setattr(w, "_builders", Failing)
    return w, lambda w: setattr(w.tab, "selected_index", len(w.tab.children) - 1)


CASES: dict[str, Callable[[pytest.MonkeyPatch], tuple[Any, Callable[[Any], None]]]] = {
    "LayerBuilder button": _layer_builder_button,
    "LayerBuilder number box": _layer_builder_box,
    "ActivationComparer checkbox": _activation_checkbox,
    "ActivationComparer slider": _activation_slider,
    "TargetExplorer number box": _target_box,
    "LossInspector button": _inspector_button,
    "LossInspector toggle": _inspector_toggle,
    "RandomSearchStepper step": _stepper_step,
    "RandomSearchStepper number box": _stepper_box,
    "RacePanel button": _race,
    "HistogramPanel button": _histogram,
    "NetworkExplorer dropdown": _explorer_dropdown,
    "NetworkExplorer undo": _explorer_undo,
    "ExportPanel button": _export_button,
    "Dashboard tab": _dashboard_tab,
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_failing_callback_shows_a_message_and_logs_its_traceback(case, monkeypatch, caplog):
    caplog.set_level(logging.ERROR, logger="mlp_widgets")
    widget, act = CASES[case](monkeypatch)
    try:
        n_before = len(widget.messages)
        act(widget)
        # inside the widget: a short sentence naming the error, on the status line
        assert len(widget.messages) > n_before, f"{case}: no message was shown"
        assert MARKER in widget.message and "RuntimeError" in widget.message
        assert MARKER in widget.status.value
        assert widget.status in _descendants(widget), "the status line is not on screen"
        assert "Traceback" not in widget.message
        # in the log: the traceback, from an mlp_widgets logger
        records = [r for r in caplog.records if r.name.startswith("mlp_widgets") and r.exc_info]
        assert records, f"{case}: nothing logged"
        text = caplog.text
        assert "Traceback" in text and MARKER in text and "in boom" in text
    finally:
        monkeypatch.undo()
        widget.close()


def _builder_seed(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = LayerBuilder(backend="agg")
    mp.setattr(w, "_refresh", boom)  # called by the observer of ``net``, which the seed box sets
    return w, lambda w: setattr(w.seed_box, "value", 1234)


def _explorer_value(mp: pytest.MonkeyPatch) -> tuple[Any, Callable[[Any], None]]:
    w = NetworkExplorer(backend="agg")
    mp.setattr(network_explorer, "forward_parts", boom)  # called by the observer of ``net``
    return w, lambda w: setattr(w.value_box, "value", 0.75)


@pytest.mark.parametrize("make", [_builder_seed, _explorer_value], ids=["LayerBuilder", "NetworkExplorer"])
def test_an_error_in_an_observer_set_off_by_a_control_stays_on_screen(make, monkeypatch, caplog):
    widget, act = make(monkeypatch)
    try:
        act(widget)
        assert MARKER in caplog.text  # logged ...
        assert MARKER in widget.message  # ... and still on screen
    finally:
        monkeypatch.undo()
        widget.close()


def test_a_bad_value_is_not_logged_as_an_error(caplog):
    """A refused value is the user's mistake: a sentence on screen, no traceback in the server log."""
    widget = TargetExplorer(backend="agg")
    try:
        widget.points_box.value = 5000
        assert "Points per axis" in widget.message
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        widget.close()


def _descendants(widget: Any) -> list[Any]:
    out, todo = [], list(getattr(widget, "children", ()))
    while todo:
        child = todo.pop()
        out.append(child)
        todo.extend(getattr(child, "children", ()))
    return out
