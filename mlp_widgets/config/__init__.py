"""Configuration: the specs that are each widget's state, the teachers' presets, and the UI's names.

- :mod:`~mlp_widgets.config.specs`: :class:`NetSpec`, :class:`InitSpec`,
  :class:`StepperSettings`, :class:`TargetSpec` — checked values, no widgets;
- :mod:`~mlp_widgets.config.presets`: :class:`DashboardConfig`, read from a
  dict, JSON or YAML, every field checked by name;
- :mod:`~mlp_widgets.config.names`: the tabs (:data:`TABS`) and the controls'
  names (:data:`CONTROLS`) that presets hide or fix.

The bounds themselves live in :mod:`mlp_widgets.core.limits`.
"""

from .names import BLOCKS, CONTROLS, PARTS, TABS, control_part
from .presets import (
    CONFIG_ENV,
    DashboardConfig,
    NetworkConfig,
    SearchConfig,
    TargetConfig,
    UIConfig,
    parse_text,
)
from .specs import INIT_CHOICES, INIT_LABELS, InitSpec, NetSpec, StepperSettings, TargetSpec

__all__ = [
    "BLOCKS",
    "CONFIG_ENV",
    "CONTROLS",
    "INIT_CHOICES",
    "INIT_LABELS",
    "PARTS",
    "TABS",
    "DashboardConfig",
    "InitSpec",
    "NetSpec",
    "NetworkConfig",
    "SearchConfig",
    "StepperSettings",
    "TargetConfig",
    "TargetSpec",
    "UIConfig",
    "control_part",
    "parse_text",
]
