"""Student code that could fool or escape the checks (issue 13): each trick is a
regression test. Checks judge copies, compute references from tensors student
code never saw, put back what student code replaced in torch, refuse tensor
subclasses, turn exits into failed cases and stop a loop that swallows the
time-out; the empty templates earn nothing."""

import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch
import wrong_implementations as w
from torch import nn
from torch.overrides import TorchFunctionMode

from mlp_widgets.checks import (
    check_linear,
    check_mse,
    check_net,
    check_random_search,
    check_relu,
    check_sigmoid,
    check_torchnet,
)

# --- in-place changes of the input ---------------------------------------------


class LinearAbsInPlace(w.Linear):
    """Writes |x| into its input before using it; the references used to be computed from that x."""

    def forward(self, x):
        x.abs_()
        return x @ self.weight + self.bias


class LinearZeroesAfter(w.Linear):
    """Right output, then wipes the caller's x."""

    def forward(self, x):
        y = x @ self.weight + self.bias
        x.zero_()
        return y


class NetAbsInPlace(w.Net):
    def forward(self, x):
        x.abs_()
        for layer in self.layers:
            x = layer.forward(x)
        return x


def test_a_forward_that_changes_its_input_no_longer_passes_check_linear():
    result = check_linear(LinearAbsInPlace)
    assert not result.passed
    assert not result.case("values, fixed input (batch 2, 3 → 4)").passed
    assert not result.case("values, random input, vs nn.Linear given weight.T").passed
    changed = result.case("input not changed")
    assert not changed.passed and "in place" in changed.hint


def test_a_change_made_in_any_case_is_reported_by_the_input_case():
    result = check_linear(LinearZeroesAfter)
    assert result.case("values, fixed input (batch 2, 3 → 4)").passed  # the output itself is right
    changed = result.case("input not changed")
    assert not changed.passed
    assert "your own code, not torch's (x)" in changed.message and "shape, batch of 1 (x)" in changed.message


def test_a_forward_that_changes_its_input_no_longer_passes_check_net():
    result = check_net(NetAbsInPlace)
    assert not result.passed
    assert not result.case("the lab's net: Linear → ReLU → Linear (3 → 5 → 1)").passed
    assert not result.case("input not changed").passed


# --- torch replaced by student code ----------------------------------------------


def test_patching_torch_allclose_inside_forward_fails_and_is_undone():
    original = torch.allclose

    class Patching(w.ReLU):
        def forward(self, x):
            torch.allclose = lambda *args, **kwargs: True
            return x  # wrong: no clamp

    result = check_relu(Patching)
    assert torch.allclose is original
    assert not result.passed
    values = result.case("values, fixed inputs from -3 to 3")
    assert not values.passed and "torch.allclose" in values.message
    assert "put the originals back" in values.hint


def test_patching_torch_before_the_check_is_reported_and_undone():
    original_equal = torch.equal
    assert "__eq__" not in vars(torch.Tensor)  # inherited from torch._C.TensorBase
    torch.equal = lambda *args: True
    torch.Tensor.__eq__ = lambda self, other: True
    try:
        result = check_sigmoid(w.Sigmoid)
    finally:  # (the check has already undone both)
        torch.equal = original_equal
        if "__eq__" in vars(torch.Tensor):
            del torch.Tensor.__eq__
    assert "__eq__" not in vars(torch.Tensor)
    first = result.cases[0]
    assert first.name == "torch's functions are torch's own" and not first.passed
    assert "torch.equal" in first.message and "torch.Tensor.__eq__" in first.message
    assert all(case.passed for case in result.cases[1:]), str(result)  # the real sigmoid is judged with the real torch
    assert not result.passed


class Liar(torch.Tensor):
    """A tensor subclass that answers every torch function about it with True."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.allclose, torch.equal, torch.Tensor.__eq__):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})


def test_returning_a_tensor_subclass_is_refused():
    class Lying:
        def forward(self, x):
            return torch.zeros_like(x).as_subclass(Liar)

    result = check_sigmoid(Lying)
    assert not result.passed
    assert result.cases[1].message == "forward returned a Liar, a subclass of torch.Tensor"
    assert sum(case.passed for case in result.cases) == 0


def test_a_torch_function_mode_left_active_is_popped():
    class AlwaysClose(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            if func is torch.allclose:
                return True
            return func(*args, **(kwargs or {}))

    class Moding:
        def forward(self, x):
            AlwaysClose().__enter__()  # never exited
            return x

    result = check_relu(Moding)
    assert torch._C._len_torch_function_stack() == 0
    assert not result.case("values, fixed inputs from -3 to 3").passed
    assert "a torch mode" in result.case("values, fixed inputs from -3 to 3").message


# --- exits and BaseExceptions -------------------------------------------------------


class Exits:
    def forward(self, x):
        sys.exit(0)


class Escape(BaseException):
    pass


class RaisesBase:
    def forward(self, x):
        raise Escape("out of here")


def test_sys_exit_in_student_code_is_a_failed_case():
    result = check_relu(Exits)
    assert not result.passed and not any(case.passed for case in result.cases)
    case = result.case("values, fixed inputs from -3 to 3")
    assert case.message.startswith("your code called sys.exit(0)")
    assert "Remove sys.exit()" in case.hint


def test_a_base_exception_subclass_is_a_failed_case():
    result = check_sigmoid(RaisesBase)
    assert not result.passed
    case = result.case("values, random inputs")
    assert case.message.startswith("Escape: out of here")
    assert "not an ordinary Exception" in case.hint


def test_a_grading_script_with_sys_exit_in_student_code_exits_non_zero(tmp_path):
    script = tmp_path / "grade.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            from mlp_widgets.checks import check_relu

            class ReLU:
                def forward(self, x):
                    sys.exit(0)

            result = check_relu(ReLU)
            print(result.summary())
            sys.exit(0 if result.passed else 1)
            """
        )
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "check_relu(ReLU): FAILED (0/8 cases pass)" in done.stdout


# --- a loop that swallows the time-out ------------------------------------------------


def _swallows(x):
    while True:
        try:
            x = x + 1
        except:  # noqa: E722 - the student's bare except is the point
            pass


def _swallows_twice(x):
    while True:
        try:
            while True:
                try:
                    x = x + 1
                except:  # noqa: E722
                    pass
        except:  # noqa: E722
            pass


def _sleeps_and_swallows(x):
    while True:
        try:
            time.sleep(10)
        except BaseException:
            continue


@pytest.mark.parametrize("loop", [_swallows, _swallows_twice, _sleeps_and_swallows])
def test_a_loop_with_a_bare_except_is_stopped(loop):
    class Stuck:
        forward = staticmethod(loop)

    trace_before, handler_before = sys.gettrace(), signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    result = check_sigmoid(Stuck, time_limit=0.5)
    elapsed = time.monotonic() - start
    assert elapsed < 2.0, elapsed
    first = result.cases[0]
    assert not first.passed and first.message == "stopped after the time limit of 0.5 s"
    assert all("not run" in case.message for case in result.cases[1:])
    assert sys.gettrace() is trace_before
    assert signal.getsignal(signal.SIGALRM) == handler_before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    torch.zeros(3).sum()  # the process goes on as usual: no stray time-out later
    time.sleep(0.05)


# --- the empty templates earn nothing ----------------------------------------------------


class LinearStub:
    """nbgrader's release: each solution region replaced by raise NotImplementedError()."""

    def __init__(self, N_in, N_out):
        raise NotImplementedError()

    def init_params(self):
        self.weight = torch.randn_like(self.weight)
        self.bias = torch.rand_like(self.bias)

    def forward(self, x):
        raise NotImplementedError()


class ActivationStub:
    def forward(self, x):
        raise NotImplementedError()


class ActivationNone:
    def forward(self, x):
        y = None
        return y


class NetStub:
    def __init__(self, layers):
        self.layers = layers  # given code: not the task

    def forward(self, x):
        raise NotImplementedError()


class NetNone(NetStub):
    def forward(self, x):
        x = None
        return x


class TorchNetStub(nn.Module):
    def __init__(self, N_in, hidden_dim, N_out):
        super().__init__()
        raise NotImplementedError()

    def forward(self, x):
        raise NotImplementedError()


def mse_stub(y, hat_y):
    raise NotImplementedError()


def search_stub(net, nodes, ground_truth, epsilon, max_iters, seed):
    torch.manual_seed(seed)
    losses = []
    best_net = None
    return best_net, losses


BLANK = [
    (check_linear, LinearStub),
    (check_linear, w.LinearTemplate),
    (check_relu, ActivationStub),
    (check_relu, ActivationNone),
    (check_sigmoid, ActivationStub),
    (check_sigmoid, ActivationNone),
    (check_net, NetStub),
    (check_net, NetNone),
    (check_torchnet, TorchNetStub),
    (check_mse, mse_stub),
    (check_mse, w.mse_template),
    (check_random_search, search_stub),
]


@pytest.mark.parametrize(("check", "blank"), BLANK, ids=[f"{c.__name__}-{b.__name__}" for c, b in BLANK])
def test_a_blank_template_fails_every_case(check, blank):
    result = check(blank)
    assert [case.name for case in result.cases if case.passed] == [], str(result)


def test_grad_mode_is_put_back_after_each_case():
    """Student code that switches autograd off (or a time-out inside its no_grad block) does not leak out."""

    class GradOff:
        def forward(self, x):
            torch.set_grad_enabled(False)
            return 1 / (1 + torch.exp(-x))

    def stuck_without_grad(x):
        while True:
            with torch.no_grad():
                x = x * 1.0

    class Stuck:
        forward = staticmethod(stuck_without_grad)

    assert not check_sigmoid(GradOff).passed
    assert torch.is_grad_enabled()
    for _ in range(3):
        check_sigmoid(Stuck, time_limit=0.2)
        assert torch.is_grad_enabled()
        assert sys.exc_info()[1] is None  # no time-out left behind as "the exception being handled"


def test_torch_compile_rebinding_torch_functions_is_not_a_student_patch():
    """torch.compile wraps torch.manual_seed and patches nn.Module.__init__ itself: not reported, not undone."""
    compiled = torch.compile(lambda t: t * 2 + 1)
    assert torch.equal(compiled(torch.ones(3)), torch.full((3,), 3.0))
    seed, init = torch.manual_seed, nn.Module.__init__
    result = check_sigmoid(w.Sigmoid)
    assert result.passed, str(result)
    assert torch.manual_seed is seed and nn.Module.__init__ is init
