"""The self-checks: correct lab code passes, each common mistake fails with the
hint that names it, crashes and infinite loops become failed cases."""

import signal
import subprocess
import sys
import threading
import time

import pytest
import torch
import wrong_implementations as w
from torch import nn

from mlp_widgets.checks import (
    CaseResult,
    CheckResult,
    check_linear,
    check_mse,
    check_net,
    check_random_search,
    check_relu,
    check_sigmoid,
    check_torchnet,
)
from mlp_widgets.checks._timeout import CaseTimeout, call_with_time_limit

CORRECT = [
    (check_linear, w.Linear),
    (check_relu, w.ReLU),
    (check_sigmoid, w.Sigmoid),
    (check_net, w.Net),
    (check_torchnet, w.TorchNet),
    (check_mse, w.MSE_loss),
    (check_random_search, w.random_search),
]


@pytest.mark.parametrize(("check", "code"), CORRECT, ids=[c.__name__ for c, _ in CORRECT])
def test_correct_lab_code_passes(check, code):
    result = check(code)
    assert result.passed is True, str(result)
    assert all(case.passed for case in result.cases if case.required)
    assert len(result.cases) >= 7


def test_the_core_passes_its_own_checks():
    from mlp_widgets import core

    assert check_linear(core.Linear).passed
    assert check_relu(core.ReLU).passed
    assert check_sigmoid(core.Sigmoid).passed
    # (core.Net is left out: it accepts only core layers, the check hands it lab-style ones)
    assert check_torchnet(core.TorchNet).passed
    # the core's mse_loss refuses (n,) against (n, 1): no warning either
    mse = check_mse(core.mse_loss)
    assert mse.passed and not mse.warnings


# (check, wrong code, case that must fail, words its hint must contain)
MISTAKES = [
    (
        check_linear,
        w.LinearWx,
        "values, fixed input (batch 2, 3 → 4)",
        "output is (4, 2), expected (2, 4): did you compute W·x",
    ),
    (check_linear, w.LinearWx, "shape, batch of many", "W·x instead of x·W"),
    (check_linear, w.LinearWxMatmul, "shape, batch of many", "compute x @ W, not W @ x"),
    (check_linear, w.LinearNoBias, "values, fixed input (batch 2, 3 → 4)", "The bias is missing"),
    (check_linear, w.LinearNoBias, "bias broadcast over the batch", "The bias is missing"),
    (check_linear, w.LinearTorch, "your own code, not torch's", "compared torch with torch"),
    (check_linear, nn.Linear, "your own code, not torch's", "compared torch with torch"),
    (check_linear, w.LinearTransposedStorage, "weight and bias shapes", "transpose of nn.Linear.weight"),
    (check_linear, w.LinearTransposedStorage, "square layer (3 → 3): x·W, not x·Wᵀ", "You used Wᵀ"),
    (
        check_linear,
        w.LinearDrawsTwice,
        "init draws as in the lab (randn weight, then rand bias)",
        "before init_params()",
    ),
    (check_linear, w.LinearTemplate, "shape, batch of 1", "still None"),
    (
        check_sigmoid,
        w.SigmoidWrongSign,
        "values, fixed inputs from -3 to 3",
        "sigmoid values > 0.5 for negative inputs: did you write 1/(1+exp(x))",
    ),
    (check_sigmoid, w.SigmoidTorch, "your own code, not torch's", "compared torch with torch"),
    (check_sigmoid, nn.Sigmoid, "your own code, not torch's", "compared torch with torch"),
    (check_sigmoid, w.SigmoidOverflows, "large inputs: no nan or inf", "inf/inf is nan"),
    (check_relu, w.ReLUInPlace, "input not changed", "x[x < 0] = 0"),
    (check_relu, w.ReLUAbs, "values, fixed inputs from -3 to 3", "abs(x)"),
    (check_net, w.NetFirstLayerOnly, "layers run in order, each once", "Only the first layer ran"),
    (
        check_net,
        w.NetFirstLayerOnly,
        "the lab's net: Linear → ReLU → Linear (3 → 5 → 1)",
        "is the return inside the loop",
    ),
    (check_net, w.NetReversed, "layers run in order, each once", "reverse order"),
    (check_net, w.NetThreeLayers, "any depth: a single Linear", "loop over self.layers"),
    (check_net, w.NetCallsLayers, "the lab's net: Linear → ReLU → Linear (3 → 5 → 1)", "layer.forward(x)"),
    (check_torchnet, w.TorchNetNoReLU, "equals the Net and to_torch after copying weights", "The ReLU is missing"),
    (
        check_torchnet,
        w.TorchNetOtherNames,
        "children layer1 (Linear), relu (ReLU), layer2 (Linear)",
        "layer1, relu and layer2",
    ),
    (
        check_torchnet,
        w.TorchNetLayer2First,
        "creation order: torch.manual_seed(999) gives the lab's weights",
        "Create layer1, then relu, then layer2",
    ),
    (check_torchnet, w.TorchNetNoSuper, "an nn.Module of your own", "super().__init__()"),
    (
        check_mse,
        w.mse_sum,
        "a mean, not a sum (n = 1000)",
        "loss is n times too big: did you sum instead of taking the mean?",
    ),
    (check_mse, w.mse_torch, "your own code, not torch's", "compared torch with torch"),
    (check_mse, w.mse_item, "returns a 0-dim float32 tensor", ".item()"),
    (check_mse, w.mse_template, "value, fixed numbers (equal shapes)", "loss = ..."),
    (check_random_search, w.search_keeps_last, "keeps the best network", "returned the last network, not the best"),
    (check_random_search, w.search_evaluates_per_layer, "evaluates the network once per iteration", "indented inside"),
    (
        check_random_search,
        w.search_broadcast_loss,
        "losses[0] is the MSE of the network as given",
        "broadcast to (n, n)",
    ),
]


@pytest.mark.parametrize(
    ("check", "code", "case", "words"),
    MISTAKES,
    ids=[f"{c.__name__}-{getattr(x, '__name__', type(x).__name__)}-{i}" for i, (c, x, _, _) in enumerate(MISTAKES)],
)
def test_each_mistake_fails_with_its_hint(check, code, case, words):
    result = check(code)
    assert result.passed is False
    failed = result.case(case)
    assert not failed.passed, str(result)
    assert words in (failed.hint or ""), str(result)


def test_the_lab_broadcast_bug_is_a_warning_not_a_failure():
    result = check_mse(w.MSE_loss)
    assert result.passed
    [warning] = result.warnings
    assert warning.name.startswith("the lab's shapes")
    assert "(n, n)" in warning.hint
    assert warning.max_abs_error > 0.1
    assert "⚠" in result._repr_html_() and "warn" in str(result)


def test_an_exception_is_a_failed_case_with_type_and_place():
    result = check_linear(w.LinearTemplate)
    case = result.case("values, fixed input (batch 2, 3 → 4)")
    assert not case.passed
    assert case.message.startswith("TypeError: ")
    assert "in init_params, line" in case.message
    assert all(not c.passed for c in result.cases)


def test_a_keyboard_interrupt_is_not_swallowed():
    class Interrupting:
        def forward(self, x):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check_relu(Interrupting)


def test_an_infinite_loop_is_cut_off_by_the_time_limit():
    handler_before = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    result = check_random_search(w.search_never_increments, time_limit=1.0)
    elapsed = time.monotonic() - start
    assert elapsed < 4.0
    first = result.cases[0]
    assert not first.passed and "time limit of 1 s" in first.message
    assert "never becomes false" in first.hint
    assert all("not run" in c.message for c in result.cases[1:])
    assert signal.getsignal(signal.SIGALRM) == handler_before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_infinite_loop_outside_the_main_thread_uses_a_thread():
    box, stop = {}, threading.Event()

    def spin(x):
        while not stop.is_set():  # an abandoned thread cannot be killed: let it end after the test
            pass

    class Spinning:
        forward = staticmethod(spin)

    worker = threading.Thread(target=lambda: box.setdefault("r", check_sigmoid(Spinning, time_limit=0.5)))
    start = time.monotonic()
    worker.start()
    worker.join(10)
    elapsed = time.monotonic() - start
    stop.set()
    assert elapsed < 3.0
    result = box["r"]
    assert not result.passed and "time limit" in result.cases[0].message


def test_the_alarm_restores_an_outer_timer_and_handler():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 5.0)
        assert call_with_time_limit(lambda: 42, 1.0) == 42
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 3.0 < remaining <= 5.0
        with pytest.raises(CaseTimeout):
            call_with_time_limit(lambda: time.sleep(3), 0.2)
        assert signal.getsignal(signal.SIGALRM) is not None and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_checks_leave_the_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    check_linear(w.Linear)
    check_random_search(w.random_search)
    assert torch.equal(torch.rand(3), expected)


def test_result_renders_as_text_html_and_data():
    result = check_sigmoid(w.SigmoidWrongSign)
    assert isinstance(result.passed, bool) and not result and not result.passed
    text = str(result)
    assert text.startswith("check_sigmoid(SigmoidWrongSign): FAILED")
    assert "hint: sigmoid values > 0.5" in text
    html = result._repr_html_()
    assert "✘" in html and "✔" in html and "1/(1+exp(x))" in html
    assert "<script" not in html
    data = result.to_dict()
    assert data["passed"] is False and len(data["cases"]) == len(result.cases)
    with pytest.raises(KeyError, match="the cases are"):
        result.case("no such case")


def test_html_escapes_student_text():
    result = CheckResult("t", (CaseResult("<b>x</b>", False, "a < b", hint="use <script>"),))
    html = result._repr_html_()
    assert "&lt;script&gt;" in html and "<script>" not in html and "&lt;b&gt;x" in html


def test_bad_time_limit_is_a_value_error():
    with pytest.raises(ValueError, match="time_limit"):
        check_relu(w.ReLU, time_limit=0)


def test_importing_checks_needs_no_widgets_or_matplotlib():
    code = (
        "import sys, mlp_widgets.checks as c; "
        "assert 'ipywidgets' not in sys.modules and 'matplotlib' not in sys.modules, sorted(sys.modules); "
        "print(c.check_linear.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "check_linear"
