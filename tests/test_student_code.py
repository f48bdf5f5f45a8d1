"""The student's own classes drive the widgets: right ones give the reference's pictures, wrong ones their own
picture beside the right one with the self-check's hint, and an endless loop is stopped while the widget goes on."""

from __future__ import annotations

import pytest
import torch
import wrong_implementations as w

from mlp_widgets import Dashboard, LayerBuilder
from mlp_widgets.checks.student import StudentCode, run_student
from mlp_widgets.config import NetSpec
from mlp_widgets.core import lab2_dataset, net_inputs
from mlp_widgets.core.units import forward_parts

RIGHT = {"Linear": w.Linear, "ReLU": w.ReLU, "Sigmoid": w.Sigmoid, "Net": w.Net}


class ReLULoops:
    def forward(self, x):
        while True:
            pass


#: (class replaced, wrong class, words of its self-check's hint)
WRONG = [
    ("Linear", w.LinearNoBias, "bias"),
    ("ReLU", w.ReLUAbs, "abs"),
    ("Sigmoid", w.SigmoidWrongSign, ""),
    ("Net", w.NetReversed, "reverse"),
    ("Net", w.NetFirstLayerOnly, "every layer"),
]


def test_right_classes_give_the_reference_pictures_bit_for_bit():
    net = NetSpec(hidden=(6, 5), activations=("relu", "sigmoid"), init="uniform", seed=2, features=("x2",)).build()
    x = net_inputs(net, lab2_dataset())
    run = run_student(RIGHT, net, x)
    pre, hidden, out = forward_parts(net, x)
    assert run.matches and run.max_abs_error == 0.0
    assert torch.equal(run.output, out)
    assert all(torch.equal(a, b) for a, b in zip(run.parts[0] + run.parts[1], pre + hidden, strict=True))
    builder, reference = LayerBuilder(student=RIGHT, backend="agg"), LayerBuilder(backend="agg")
    assert torch.equal(builder.prediction, reference.prediction)
    assert "✓ your code" in builder.your_code.value and len(builder.surface_row.children) == 1
    builder.close()
    reference.close()


@pytest.mark.parametrize("name, wrong, hint", WRONG, ids=[cls.__name__ for _, cls, _ in WRONG])
def test_each_wrong_class_shows_a_different_picture_and_its_hint(name, wrong, hint):
    student = {**RIGHT, name: wrong}
    spec = NetSpec(hidden=(5,), activations=("sigmoid" if name == "Sigmoid" else "relu",), seed=3)
    builder = LayerBuilder(hidden=spec.hidden, activation=spec.activations, seed=3, student=student, backend="agg")
    run = builder.student_run
    assert not run.matches and run.hint and hint in run.hint.lower(), (run.message, run.hint)
    assert "✗ your code" in builder.your_code.value and "Hint:" in builder.your_code.value
    reference = spec.build().forward(lab2_dataset().inputs).reshape(-1)
    if run.ran:  # its own picture, and the right one beside it
        assert not torch.allclose(builder.prediction, reference)
        assert builder.reference_view is not None and builder.surface_row.children[1].layout.display is None
    else:  # it gave no picture of the grid: the reference's is shown, with the sentence
        assert torch.equal(builder.prediction, reference)
    builder.close()


def test_endless_loop_is_stopped_by_the_time_limit_and_the_widget_stays_usable(monkeypatch):
    from mlp_widgets.checks import student as module

    monkeypatch.setattr(module, "DEFAULT_TIME_LIMIT", 0.3)
    monkeypatch.setattr(module.run_student, "__kwdefaults__", {"time_limit": 0.3})
    builder = LayerBuilder(hidden=(3,), student={**RIGHT, "ReLU": ReLULoops}, backend="agg")
    assert "time limit" in builder.student_run.message and "loop" in builder.student_run.hint
    builder.rows[0].width_box.value = 4  # the widget still takes input and computes
    assert builder.spec.hidden == (4,) and builder.net.n_in == 2
    assert "time limit" in builder.your_code.value
    builder.close()


def test_dashboard_computes_surface_loss_and_pictures_with_the_students_code():
    d = Dashboard(student=RIGHT, backend="agg")
    builder = d.show("network")
    d.show("loss")
    explorer = d.show("explorer")
    assert "✓ your code" in builder.your_code.value
    assert "✓ your code" in d.parts["inspector"].your_code.value
    assert "✓ your code" in explorer.your_code.value
    d.close()
    wrong = Dashboard(student={**RIGHT, "Linear": w.LinearNoBias}, backend="agg")
    wrong.show("loss")
    inspector = wrong.parts["inspector"]
    assert "bias" in inspector.student_run.hint.lower()
    assert not torch.equal(inspector.prediction, lab2_dataset().inputs[:, 0])  # computed, shown
    wrong.close()


def test_missing_classes_are_refused_with_a_sentence():
    with pytest.raises(ValueError, match="needs a class Net"):
        StudentCode.of({"Linear": w.Linear})
