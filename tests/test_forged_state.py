"""Forged browser messages: any value, index or tab number sent to any control of any widget.

The browser's own UI keeps within a control's range; a forged message does
not. Hypothesis sends every control of a whole dashboard — bound or not, tab
bars included — values of every kind the way the browser would
(``set_state``). Nothing may raise, and a number outside a control's range
changes nothing and gets a sentence (a slider used to clamp 10⁹ to its end:
an edit nobody made).
"""

from __future__ import annotations

import math

import ipywidgets as W
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlp_widgets.widgets._base import WidgetBase


def controls(root: W.Widget) -> list[tuple[W.Widget, WidgetBase]]:
    """Every control a browser can send a value to, with the widget whose status line speaks for it."""
    found, stack = [], [(root, root)]
    while stack:
        widget, owner = stack.pop()
        owner = widget if isinstance(widget, WidgetBase) else owner
        if isinstance(widget, W.Box):
            stack.extend((child, owner) for child in widget.children)
        if isinstance(widget, (W.Tab, W.Accordion)) or (
            isinstance(widget, W.DOMWidget) and widget.has_trait("value") and not isinstance(widget, W.HTML)
        ):
            found.append((widget, owner))
    return found


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(-5, 5), max_size=3),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_forged_value_is_refused_or_taken_never_raised(data, built_dashboard):
    dash = built_dashboard
    pool = controls(dash)
    control, owner = pool[data.draw(st.integers(0, 10_000), label="control") % len(pool)]
    if isinstance(control, (W.Tab, W.Accordion)):
        key = "selected_index"
    elif control.has_trait("index") and data.draw(st.booleans(), label="by index"):
        key = "index"
    else:
        key = "value"
    value = data.draw(ANYTHING, label="value")
    before_value = getattr(control, key)
    before_net = [p.clone() for p in dash.net.parameters()] if dash.net is not None else []
    messages = len(owner.messages)
    control.set_state({key: value})  # must not raise, whatever it is
    out_of_range = (
        key == "value"
        and control.has_trait("min")
        and control.has_trait("max")
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
        and not (math.isfinite(value) and control.min <= value <= control.max)
    )
    if out_of_range:
        assert getattr(control, key) == before_value, "an out-of-range value was taken (clamped?)"
        assert len(owner.messages) > messages and "must be a number from" in owner.messages[-1]
        after = [p.clone() for p in dash.net.parameters()]
        assert all(torch.equal(a, b) for a, b in zip(before_net, after, strict=True))


def test_a_forged_huge_slider_value_does_not_set_the_weight_to_its_end(built_dashboard):
    dash = built_dashboard
    explorer = dash.show("explorer")
    weight = explorer.value
    explorer.value_slider.set_state({"value": 10**9})
    assert explorer.value == weight and "must be a number from" in explorer.message
    explorer.value_slider.set_state({"value": explorer.value_slider.value + 100})  # a real move still works
    assert explorer.value == pytest.approx(weight + 0.1, abs=1e-3)
