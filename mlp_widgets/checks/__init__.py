"""Self-checks: test your own Lab 2 code against torch.

Each ``check_*`` runs named cases on the code you wrote and returns a
:class:`CheckResult` — a pass/fail panel in a notebook, plain text in a
terminal, and ``result.passed`` (a ``bool``) for graders::

    from mlp_widgets.checks import check_linear
    check_linear(Linear)

``result.assert_passed()`` is the grader's test: it raises
:class:`CheckFailed` (an ``AssertionError``) unless the check passed — the
course's nbgrader assignment (``course/``) is built on it.

Importing this module needs torch only (no ipywidgets, no matplotlib).
"""

from .activations import check_relu, check_sigmoid
from .linear import check_linear
from .mse import check_mse
from .net import check_net
from .result import CaseResult, CheckFailed, CheckResult
from .search import check_random_search
from .tasks import (
    check_grid_prediction,
    check_layer_use,
    check_reset_params,
    check_sigmoid_outputs,
    check_torch_layer,
    check_torch_relu,
)
from .torchnet import check_torchnet

__all__ = [
    "CaseResult",
    "CheckFailed",
    "CheckResult",
    "check_grid_prediction",
    "check_layer_use",
    "check_linear",
    "check_mse",
    "check_net",
    "check_random_search",
    "check_relu",
    "check_reset_params",
    "check_sigmoid",
    "check_sigmoid_outputs",
    "check_torch_layer",
    "check_torch_relu",
    "check_torchnet",
]
