"""Export: a network to a file and back (:mod:`~mlp_widgets.export.files`), to PyTorch code
(:mod:`~mlp_widgets.export.code`), and figures to PNG."""

from .code import CODE_STYLES, export_code, module_code, sequential_code
from .files import (
    FORMAT,
    VERSION,
    is_finite_net,
    json_bytes,
    load,
    load_json,
    load_torch,
    net_from_dict,
    net_to_dict,
    save_json,
    save_png,
    save_torch,
    torch_bytes,
)

__all__ = [
    "CODE_STYLES",
    "FORMAT",
    "VERSION",
    "export_code",
    "is_finite_net",
    "json_bytes",
    "load",
    "load_json",
    "load_torch",
    "module_code",
    "net_from_dict",
    "net_to_dict",
    "save_json",
    "save_png",
    "save_torch",
    "sequential_code",
    "torch_bytes",
]
