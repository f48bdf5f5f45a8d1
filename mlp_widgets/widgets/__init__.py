"""Interactive widgets built on the core and the plotting layer.

Each widget is an ``ipywidgets.VBox`` that works with no arguments (the lab's
defaults) and exposes its parts as attributes; see
:class:`~mlp_widgets.widgets._base.WidgetBase` for what they share.
"""

from ._base import Throttle, WidgetBase, short_message
from .activation_comparer import ActivationComparer
from .layer_builder import LayerBuilder, NetSpec

# TargetExplorer, LossInspector, RandomSearchStepper and Dashboard import their
# own modules; ``from mlp_widgets import Dashboard`` finds each one lazily.
__all__ = ["ActivationComparer", "LayerBuilder", "NetSpec", "Throttle", "WidgetBase", "short_message"]
