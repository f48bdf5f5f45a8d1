"""Bad input everywhere: every number box and slider of every widget, fed what a class types.

Each value is sent as the browser sends it (``control.set_state({"value": v})``,
the path of a widget ``update`` message). The property, for any value:

* the control's own type refuses it (a ``TraitError``: nothing happens), or
* the widget refuses it with a sentence that says what is allowed, puts the
  control back and keeps its network / dataset / engine, or
* the widget accepts it: then it is a finite number, no message is shown,
  and what the widget computes follows it;

never an unexpected exception (nothing is logged as an error). NaN and ±inf
are always refused, and after every value a valid one is still applied (the
widget stays usable). Networks whose outputs overflow float32 are shown with
a note, not a traceback.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from traitlets import TraitError

from mlp_widgets.core import Net, make_dataset
from mlp_widgets.widgets.activation_comparer import ActivationComparer
from mlp_widgets.widgets.layer_builder import LayerBuilder
from mlp_widgets.widgets.loss_inspector import LossInspector
from mlp_widgets.widgets.network_explorer import NetworkExplorer
from mlp_widgets.widgets.random_search import RandomSearchStepper
from mlp_widgets.widgets.target_explorer import TargetExplorer

#: what a class types into a number box: empty, 0, negative, huge, NaN, ±inf, words
CANONICAL_BAD: tuple[Any, ...] = ("", 0, -1, -3.5, 1e9, math.nan, math.inf, -math.inf, "abc", None)
#: a sentence that says what is allowed
ALLOWED = re.compile(r"must be|at most|at least|allowed|choose|only|needs", re.IGNORECASE)

any_value = st.one_of(
    st.sampled_from(CANONICAL_BAD),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.text(max_size=6),
)


@dataclass
class Control:
    """One control of a widget: how to find it, two valid values, whether 1e9 is in its range."""

    name: str
    find: Callable[[Any], Any]
    valid: tuple[Any, Any]
    huge_ok: bool = False
    slider: bool = False  # a slider clamps out-of-range numbers to its ends itself


def _builder() -> LayerBuilder:
    # ipympl, as under Jupyter and Voilà (test_layer_builder_on_agg_takes_three_inputs covers Agg)
    return LayerBuilder(backend="ipympl")


def _state_builder(w: LayerBuilder) -> tuple:
    return (w.spec, w.net, w.batch_size)


def _state_comparer(w: ActivationComparer) -> tuple:
    return (w.w1_slider.value, w.w2_slider.value, w.b_slider.value, w.range_slider.value, w.formula.value)


def _state_target(w: TargetExplorer) -> tuple:
    return (w.dataset,)


def _state_inspector(w: LossInspector) -> tuple:
    return (w.epsilon, w.huber_delta, w.span_box.value, w.seed_box.value, w.grid_slider.value, w.rows)


def _state_stepper(w: RandomSearchStepper) -> tuple:
    return (w.settings, w.engine)


def _state_explorer(w: NetworkExplorer) -> tuple:
    return (w.net,)


#: widget name -> (factory, state, controls)
WIDGETS: dict[str, tuple[Callable[[], Any], Callable[[Any], tuple], list[Control]]] = {
    "LayerBuilder": (
        _builder,
        _state_builder,
        [
            Control("inputs", lambda w: w.n_in_box, (2, 3)),
            Control("outputs", lambda w: w.n_out_box, (1, 2)),
            Control("mean", lambda w: w.mean_box, (0.1, 0.2)),
            Control("std", lambda w: w.std_box, (0.5, 0.25)),
            Control("seed", lambda w: w.seed_box, (5, 6), huge_ok=True),
            Control("batch size", lambda w: w.batch_box, (3, 4)),
            Control("hidden width", lambda w: w.rows[0].width_box, (10, 12)),
        ],
    ),
    "ActivationComparer": (
        lambda: ActivationComparer(backend="agg"),
        _state_comparer,
        [
            Control("w1", lambda w: w.w1_slider, (0.5, 1.5), slider=True),
            Control("w2", lambda w: w.w2_slider, (0.5, 1.5), slider=True),
            Control("b", lambda w: w.b_slider, (0.5, 1.5), slider=True),
        ],
    ),
    "TargetExplorer": (
        lambda: TargetExplorer(backend="agg"),
        _state_target,
        [
            Control("mu_x", lambda w: w.param_boxes["mu_x"], (0.5, 0.25)),
            Control("mu_y", lambda w: w.param_boxes["mu_y"], (0.5, 0.25)),
            Control("variance", lambda w: w.param_boxes["variance"], (40.0, 30.0)),
            Control("grid from", lambda w: w.lo_box, (-2.5, -3.0)),
            Control("grid to", lambda w: w.hi_box, (2.5, 3.0)),
            Control("points/axis", lambda w: w.points_box, (20, 30)),
        ],
    ),
    "LossInspector": (
        lambda: LossInspector(backend="agg"),
        _state_inspector,
        [
            Control("epsilon", lambda w: w.epsilon_box, (1e-3, 1e-4)),
            Control("huber delta", lambda w: w.delta_box, (0.5, 2.0)),
            Control("span", lambda w: w.span_box, (0.5, 1.5)),
            Control("seed", lambda w: w.seed_box, (1, 2), huge_ok=True),
            Control("grid", lambda w: w.grid_slider, (5, 7), slider=True),
        ],
    ),
    "RandomSearchStepper": (
        lambda: RandomSearchStepper(backend="agg"),
        _state_stepper,
        [
            Control("epsilon", lambda w: w.epsilon_box, (1e-4, 1e-3)),
            Control("max iterations", lambda w: w.max_iters_box, (20, 30)),
            Control("weights", lambda w: w.weight_box, (0.05, 0.1)),
            Control("biases", lambda w: w.bias_box, (0.05, 0.1)),
            Control("sigma", lambda w: w.sigma_box, (0.02, 0.03)),
            Control("learning rate", lambda w: w.lr_box, (0.02, 0.03)),
            Control("candidates per step", lambda w: w.candidates_box, (2, 3)),
            Control("seed", lambda w: w.seed_box, (1, 2), huge_ok=True),
        ],
    ),
    "NetworkExplorer": (
        lambda: NetworkExplorer(backend="agg"),
        _state_explorer,
        [
            Control("value box", lambda w: w.value_box, (0.3, 0.4)),
            Control("value slider", lambda w: w.value_slider, (300, 400), slider=True),
        ],
    ),
}


def _same(a: tuple, b: tuple) -> bool:
    def eq(x: Any, y: Any) -> bool:
        if x is y:
            return True
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            return True
        try:
            return bool(x == y)
        except Exception:  # noqa: BLE001 - objects without a meaningful ==
            return False

    return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b, strict=True))


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def send(control: Any, value: Any) -> bool:
    """Send ``value`` as a browser ``update`` message would; ``False`` if the control's type refused it."""
    try:
        control.set_state({"value": value})
    except TraitError:
        return False
    return True


@pytest.fixture(scope="module")
def widgets():
    made = {name: factory() for name, (factory, _, _) in WIDGETS.items()}
    yield made
    for widget in made.values():
        widget.close()


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("mlp_widgets") and r.levelno >= logging.ERROR]


def check_one(widget: Any, state: Callable[[Any], tuple], spec: Control, value: Any) -> str:
    """Send ``value`` to one control and check the property; return what happened."""
    control = spec.find(widget)
    old_value, before, n_messages = control.value, state(widget), len(widget.messages)
    if send(control, value) is False:
        assert control.value == old_value or (math.isnan(old_value) and math.isnan(control.value))
        assert _same(state(widget), before), f"{spec.name}: the state changed although {value!r} was refused"
        outcome = "refused by its type"
    elif len(widget.messages) > n_messages:
        message = widget.messages[-1]
        assert widget.message == message
        assert ALLOWED.search(message) and message.rstrip().endswith("."), f"not a sentence: {message!r}"
        assert not message.startswith("Something went wrong"), message
        assert control.value == old_value, f"{spec.name}: the control was not put back after {value!r}"
        assert _same(state(widget), before), f"{spec.name}: the state changed although {value!r} was refused"
        outcome = "refused with a sentence"
    else:
        shown = control.value
        assert isinstance(shown, (int, float)) and math.isfinite(shown), f"{spec.name}: {value!r} accepted"
        if not spec.huge_ok and not spec.slider:
            assert abs(shown) < 1e9, f"{spec.name}: {value!r} accepted"
        assert widget.message == "" or not widget.message.startswith("Something"), widget.message
        if shown != old_value:
            assert not _same(state(widget), before), f"{spec.name}: {value!r} accepted but nothing follows it"
        outcome = "accepted"
    # still usable: a valid value afterwards is applied
    valid = spec.valid[0] if control.value != spec.valid[0] else spec.valid[1]
    before_valid = state(widget)
    assert send(control, valid)
    assert control.value == valid
    assert widget.message == "", f"{spec.name}: {valid!r} refused after {value!r}: {widget.message}"
    assert not _same(state(widget), before_valid), f"{spec.name}: the valid {valid!r} was not applied"
    return outcome


CASES = [(name, spec) for name, (_, _, controls) in WIDGETS.items() for spec in controls]


@pytest.mark.parametrize(("name", "spec"), CASES, ids=[f"{n}-{s.name}" for n, s in CASES])
def test_canonical_bad_values_are_refused_with_a_sentence(widgets, caplog, name, spec):
    widget, state = widgets[name], WIDGETS[name][1]
    outcomes = {}
    for value in CANONICAL_BAD:
        if spec.slider and _is_nan(value):
            continue  # see test_sliders_refuse_nan_that_only_python_can_send
        outcomes[repr(value)] = check_one(widget, state, spec, value)
    for value in ("'abc'", "''", "None") if spec.slider else ("nan", "inf", "-inf", "'abc'", "''", "None"):
        assert outcomes[value] != "accepted", f"{name} {spec.name}: {value} accepted"
    if not spec.huge_ok and not spec.slider:
        assert outcomes["1000000000.0"] != "accepted"
    # a value the trait takes but the widget must refuse reaches the widget's sentence
    if not spec.slider:
        assert "refused with a sentence" in outcomes.values()
    assert _errors(caplog) == []


@pytest.mark.parametrize("name", list(WIDGETS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_value_in_any_control_keeps_the_widget_consistent(widgets, caplog, name, data):
    _, state, controls = WIDGETS[name]
    spec = data.draw(st.sampled_from(controls), label="control")
    value = data.draw(any_value, label="value")
    assume(not (spec.slider and _is_nan(value)))  # a browser cannot send NaN; see the slider test below
    outcome = check_one(widgets[name], state, spec, value)
    if isinstance(value, float) and (math.isnan(value) or (math.isinf(value) and not spec.slider)):
        assert outcome != "accepted"  # a slider clamps ±inf to its ends, like any out-of-range number
    assert _errors(caplog) == []


SLIDERS = [(name, spec) for name, spec in CASES if spec.slider]


@pytest.mark.parametrize(
    ("name", "spec"),
    SLIDERS,
    ids=[f"{n}-{s.name}" for n, s in SLIDERS],
)
def test_sliders_refuse_nan_that_only_python_can_send(widgets, name, spec):
    """A FloatSlider's trait takes NaN (a browser cannot send it, code can): the widget still refuses it."""
    assert check_one(widgets[name], WIDGETS[name][1], spec, math.nan) != "accepted"


def test_layer_builder_on_agg_takes_three_inputs(caplog):
    widget = LayerBuilder(backend="agg")
    try:
        widget.n_in_box.value = 3
        assert widget.net.n_in == 3
        assert _errors(caplog) == [] and not any(m.startswith("Something") for m in widget.messages)
    finally:
        widget.close()


def test_infinity_typed_in_a_float_box_gets_a_sentence():
    widget = LossInspector(backend="agg")
    try:
        n = len(widget.messages)
        try:
            widget.epsilon_box.set_state({"value": None})  # what the browser sends for "Infinity"
        except TraitError:
            pass
        assert len(widget.messages) > n
    finally:
        widget.close()


# -- overflow -------------------------------------------------------------------------------------
def _overflowing_net() -> Net:
    """2 → 4 → 1 identity network with weights 1e30: its output is inf (float32 ends at 3.4e38)."""
    net = Net.build(2, (4,), 1, "identity", init="normal", mean=0.0, std=1.0, seed=0)
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(1e30)
    return net


def test_overflowing_networks_are_shown_with_a_note(caplog):
    net = _overflowing_net()
    with torch.no_grad():
        assert not torch.isfinite(net.forward(torch.ones(1, 2))).all()

    wide_grid = make_dataset("gaussian", -100.0, 100.0, 20)  # inputs up to 100: the output passes 3.4e38
    builder = LayerBuilder(
        hidden=(256,) * 8, activation="identity", init="normal", mean=100.0, std=100.0, dataset=wide_grid,
        backend="agg",
    )  # fmt: skip
    inspector = LossInspector(net=net, backend="agg")
    stepper = RandomSearchStepper(net=net, backend="agg")
    explorer = NetworkExplorer(backend="agg")
    try:
        assert not bool(torch.isfinite(builder.prediction).all()), "the mean-100 std-100 net should overflow"
        assert "not finite" in builder.surface_note.value
        assert builder.message == ""

        assert inspector.n_nonfinite > 0
        assert "not finite" in inspector.surface_note.value
        assert "not finite" in inspector.verdict.value
        assert inspector.message == ""
        inspector.compute_landscape()
        assert "not finite" in inspector.landscape_note.value

        stepper.step()  # the search redraws a finite net; the starting one overflowed
        assert stepper.message == "" and stepper.engine.iteration == 1

        explorer.show(net)
        assert not math.isfinite(explorer.loss)
        assert explorer.message == ""
        for widget in (builder, inspector, stepper, explorer):
            assert not any(m.startswith("Something went wrong") for m in widget.messages), widget.messages
        assert _errors(caplog) == []
    finally:
        for widget in (builder, inspector, stepper, explorer):
            widget.close()
