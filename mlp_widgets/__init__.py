"""mlp_widgets: Lab 2's multi-layer perceptrons as a torch core, interactive
Jupyter widgets, notebooks and a Voilà dashboard.

The core (``mlp_widgets.core``) is imported eagerly; widgets are imported on
first use (``from mlp_widgets import LayerBuilder``), so importing the package
does not pull in ipywidgets or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import _logging
from .core import *  # noqa: F403
from .core import __all__ as _core_all

_logging.keep_logs_off_the_page()  # in a kernel, tracebacks go to the server's log, not to the page

__version__ = "0.1.0"

#: public widget name -> module that defines it (imported lazily)
_LAZY: dict[str, str] = {
    "LayerBuilder": ".widgets.layer_builder",
    "ActivationComparer": ".widgets.activation_comparer",
    "TargetExplorer": ".widgets.target_explorer",
    "LossInspector": ".widgets.loss_inspector",
    "RandomSearchStepper": ".widgets.random_search",
    "Dashboard": ".widgets.dashboard",
    "NetworkExplorer": ".widgets.network_explorer",
    "ExportPanel": ".widgets.export_panel",
    "DashboardConfig": ".config",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mlp_widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [*_core_all, *_LAZY, "__version__"]
