"""The student's own classes drive the pictures: their ``Linear``, ``ReLU``, ``Sigmoid`` and ``Net`` compute a network.

:func:`run_student` rebuilds a core network from the student's classes — a
``Linear(N_in, N_out)`` per linear layer, given the network's weight and
bias, their ``ReLU()`` and ``Sigmoid()`` (the reference's activation for the
others, which the lab does not ask for), and their ``Net(layers)`` — and runs
it on the grid, layer by layer for the unit pictures and through their
``Net.forward`` for the output. It runs as one case of the self-checks
(:mod:`mlp_widgets.checks._runner`): under the same time limit, with torch
guarded and every exception, endless loop or ``sys.exit`` turned into a
sentence, so whatever the student's code does, the widget that asked keeps
working. The output is compared with the reference implementation; when it
differs, the self-checks of the student's classes run once to find the hint
of the first mistake (cached per set of classes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from ..core import Linear as CoreLinear
from ..core import Net as CoreNet
from ..core import ReLU as CoreReLU
from ..core import Sigmoid as CoreSigmoid
from ..core.units import forward_parts
from ._compare import expect_tensor, max_abs_error
from ._guard import call
from ._runner import DEFAULT_TIME_LIMIT, Case, Fail, run_check

#: the classes the lab asks a student to write, in the order they are written
CLASS_NAMES: tuple[str, ...] = ("Linear", "ReLU", "Sigmoid", "Net")
#: largest difference from the reference still counted as the same picture (float32 rounding)
TOLERANCE = 1e-5


@dataclass(frozen=True)
class StudentCode:
    """A student's classes: ``Linear`` and ``Net`` are needed; ``ReLU`` and ``Sigmoid`` may be left out."""

    Linear: type  # noqa: N815 - the lab's class names
    Net: type  # noqa: N815
    ReLU: type | None = None  # noqa: N815
    Sigmoid: type | None = None  # noqa: N815

    @classmethod
    def of(cls, student: StudentCode | Mapping[str, Any] | Any) -> StudentCode:
        """The classes from a :class:`StudentCode`, a mapping (``globals()``) or an object with those attributes.

        Raises
        ------
        ValueError
            If ``Linear`` or ``Net`` is missing or is not a class.
        """
        if isinstance(student, StudentCode):
            return student
        get = student.get if isinstance(student, Mapping) else (lambda name: getattr(student, name, None))
        found = {name: get(name) for name in CLASS_NAMES}
        for name in ("Linear", "Net"):
            if not isinstance(found[name], type):
                raise ValueError(
                    f"Your code needs a class {name} (the lab's Task {'1.1' if name == 'Linear' else '1.9'}); "
                    f"got {type(found[name]).__name__ if found[name] is not None else 'nothing'}."
                )
        for name in ("ReLU", "Sigmoid"):
            if found[name] is not None and not isinstance(found[name], type):
                raise ValueError(f"{name} must be a class (the lab's); got a {type(found[name]).__name__}.")
        return cls(found["Linear"], found["Net"], found["ReLU"], found["Sigmoid"])


@dataclass(frozen=True)
class StudentRun:
    """What the student's code computed for one network on the grid.

    Attributes
    ----------
    output : torch.Tensor or None
        ``(N, n_out)`` from the student's ``Net.forward`` (``None``: it did not run to the end, or gave no tensor
        of the right shape).
    parts : (pre, hidden, output) or None
        Like :func:`mlp_widgets.core.units.forward_parts`, from the student's layers one by one.
    max_abs_error : float
        Largest difference of ``output`` from the reference (``nan`` without an output).
    message : str
        What went wrong, in a sentence (empty when the output equals the reference).
    hint : str
        How to fix it: the self-check's hint for the first mistake found.
    """

    output: torch.Tensor | None
    parts: tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor] | None
    max_abs_error: float
    message: str = ""
    hint: str = ""
    reference: torch.Tensor | None = field(default=None, repr=False)

    @property
    def ran(self) -> bool:
        """Whether the student's code gave an output."""
        return self.output is not None

    @property
    def matches(self) -> bool:
        """Whether it equals the reference implementation (within float32 rounding)."""
        return self.ran and self.max_abs_error <= TOLERANCE


def _layers(student: StudentCode, net: CoreNet) -> list[Any]:
    """The student's layers holding ``net``'s parameters (copies: nothing they do reaches ``net``)."""
    layers: list[Any] = []
    for layer in net.layers:
        if isinstance(layer, CoreLinear):
            mine = call(student.Linear, layer.N_in, layer.N_out)
            mine.weight, mine.bias = layer.weight.clone(), layer.bias.clone()
        elif type(layer) is CoreReLU and student.ReLU is not None:
            mine = call(student.ReLU)
        elif type(layer) is CoreSigmoid and student.Sigmoid is not None:
            mine = call(student.Sigmoid)
        else:
            mine = type(layer)(**vars(layer))  # an activation the lab does not ask for: the reference's
        layers.append(mine)
    return layers


def run_student(
    student: StudentCode | Mapping[str, Any] | Any,
    net: CoreNet,
    inputs: torch.Tensor,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> StudentRun:
    """Compute ``net`` on ``inputs`` with the student's classes, under the self-checks' time limit and guards.

    Never raises for what the student's code does (a crash, a wrong shape, an
    endless loop): the sentence is in :attr:`StudentRun.message`.
    """
    student = StudentCode.of(student)
    reference = forward_parts(net, inputs)
    expected = reference[2]
    box: dict[str, Any] = {}

    def compute() -> tuple[str, float]:
        with torch.no_grad():
            layers = _layers(student, net)
            mine = call(student.Net, layers)
            out = expect_tensor(call(mine.forward, inputs, names=("x",)))
            if tuple(out.shape) != tuple(expected.shape):
                raise Fail(
                    f"your Net gave an output of shape {tuple(out.shape)} for the grid's {tuple(inputs.shape)} "
                    f"inputs; the network gives {tuple(expected.shape)}",
                    hint="Run every layer in self.layers, each on the previous one's output.",
                )
            box["output"] = out.detach().clone()
            # the unit pictures: the student's layers one after the other, kept where forward_parts keeps them
            pre, hidden, h = [], [], inputs
            for i, (layer, core) in enumerate(zip(layers, net.layers, strict=True)):
                h = expect_tensor(call(layer.forward, h, names=("x",)))
                if isinstance(core, CoreLinear):
                    pre.append(h.detach().clone())
                if i + 1 < len(net.layers) and isinstance(net.layers[i + 1], CoreLinear):
                    hidden.append(h.detach().clone())
            shapes = [tuple(t.shape) for t in (*pre, *hidden, h)]
            if shapes == [tuple(t.shape) for t in (*reference[0], *reference[1], reference[2])]:
                box["parts"] = (pre, hidden, h.detach().clone())
        return "ran", max_abs_error(box["output"], expected)

    result = run_check("your code on the grid", [Case("your classes compute the network", compute)],
                       time_limit=time_limit)  # fmt: skip
    case = result.cases[-1]
    if not case.passed:
        hint = case.hint or ""
        if not case.message.startswith("stopped after the time limit"):  # a crash: the self-checks say where
            hint = first_mistake(student, time_limit=time_limit)[1] or hint
        return StudentRun(None, None, math.nan, case.message, hint, expected)
    error = float(case.max_abs_error if case.max_abs_error is not None else math.nan)
    parts = box.get("parts")
    if error <= TOLERANCE:
        return StudentRun(box["output"], parts, error, "", "", expected)
    name, hint = first_mistake(student, time_limit=time_limit)
    message = f"your code's output differs from the reference by up to {error:.3g}"
    if name:
        message += f"; the self-check of your {name} finds the first mistake"
    return StudentRun(box["output"], parts, error, message, hint, expected)


_MISTAKES: dict[tuple[int, ...], tuple[str, str]] = {}


def first_mistake(student: StudentCode, *, time_limit: float = DEFAULT_TIME_LIMIT) -> tuple[str, str]:
    """``(class name, hint)`` of the first self-check the student's classes fail (``("", "")``: none fails).

    Runs ``check_linear``, ``check_relu``, ``check_sigmoid`` and ``check_net``
    in the lab's order, once per set of classes.
    """
    from . import check_linear, check_net, check_relu, check_sigmoid

    key = tuple(id(c) for c in (student.Linear, student.ReLU, student.Sigmoid, student.Net))
    if key in _MISTAKES:
        return _MISTAKES[key]
    found = ("", "")
    for name, check, cls in (
        ("Linear", check_linear, student.Linear), ("ReLU", check_relu, student.ReLU),
        ("Sigmoid", check_sigmoid, student.Sigmoid), ("Net", check_net, student.Net),
    ):  # fmt: skip
        if cls is None:
            continue
        failures = check(cls, time_limit=time_limit).failures
        if failures:  # the first hint that names the mistake, before a generic one about an exception
            specific = [f for f in failures if f.hint and not f.hint.startswith("Your code raised an exception")]
            first = (specific or failures)[0]
            found = (name, first.hint or first.message)
            break
    _MISTAKES[key] = found
    return found
