"""Runnable PyTorch code for a :class:`~mlp_widgets.core.Net` (Lab 2, Tasks 1.11 and 2.2).

Two forms: a ``TorchNet``-style ``nn.Module`` class (layers as attributes,
``forward`` calling them in turn) and an ``nn.Sequential``. The code sets the
parameters too, so running it gives the very numbers of the net:

* with an :class:`InitSpec`, it redraws them the way the net was initialised
  (same scheme, same seed, same order of draws) — short code a student can read;
* without one, it writes the weights out as literals (small nets only).

A network with input features (:attr:`~mlp_widgets.core.Net.features`) gets
a ``features(xy)`` function first, written from the features' own torch
expressions, and the model takes ``(x, y)`` points: the feature step is part of it.
"""

from __future__ import annotations

import torch

from ..config.specs import InitSpec
from ..core import Linear, Net
from ..core.features import FEATURES, input_names

#: largest parameter count written out as literals
MAX_LITERAL_PARAMS = 2000


def _names(net: Net) -> list[str]:
    """Attribute names: ``layer1, layer2 …`` for linear layers; an activation used once is named after
    itself (``relu``, as in the lab's ``TorchNet``), otherwise ``relu1, relu2 …``."""
    counts: dict[str, int] = {}
    for layer in net.layers:
        if not isinstance(layer, Linear):
            counts[layer.name] = counts.get(layer.name, 0) + 1
    names, n_linear, seen = [], 0, {}
    for layer in net.layers:
        if isinstance(layer, Linear):
            n_linear += 1
            names.append(f"layer{n_linear}")
        else:
            seen[layer.name] = seen.get(layer.name, 0) + 1
            names.append(layer.name if counts[layer.name] == 1 else f"{layer.name}{seen[layer.name]}")
    return names


def _module_expr(layer: object) -> str:
    if isinstance(layer, Linear):
        return f"nn.Linear({layer.N_in}, {layer.N_out})"
    return f"nn.{layer.torch_module()!r}"


def _architecture(net: Net) -> str:
    sizes = [str(net.n_in)] + [str(layer.N_out) for layer in net.linear_layers]
    if net.features:
        sizes[0] = f"({', '.join(input_names(net.features))})"
    return " → ".join(sizes)


def _feature_lines(net: Net) -> list[str]:
    """The ``features(xy)`` function of a network with input features (nothing without)."""
    if not net.features:
        return []
    columns = ", ".join(["xy", *(f"({FEATURES[key].code}).unsqueeze(1)" for key in net.features)])
    return [
        "",
        "",
        "def features(xy):",
        f'    """(x, y) points → the network\'s inputs: {", ".join(input_names(net.features))}."""',
        "    x, y = xy[:, 0], xy[:, 1]",
        f"    return torch.cat([{columns}], dim=1)",
    ]


def _float_list(t: torch.Tensor) -> str:
    return (
        repr([float(v) for v in t.tolist()]) if t.ndim == 1 else repr([[float(v) for v in row] for row in t.tolist()])
    )


def _param_lines(net: Net, linear_refs: list[str], model: str, init: InitSpec | None) -> list[str]:
    """Lines that set the parameters of the model's linear layers (``linear_refs``, in order)."""
    tuple_refs = "(" + ", ".join(linear_refs) + ("," if len(linear_refs) == 1 else "") + ")"
    if init is not None and init.scheme == "torch":
        return []  # the seed before construction does it
    if init is not None and init.scheme == "zeros":
        return [
            "with torch.no_grad():",
            f"    for layer in {tuple_refs}:",
            "        layer.weight.zero_()",
            "        layer.bias.zero_()",
        ]
    if init is not None:
        if init.scheme == "lab":
            comment = (
                "# The lab's init_params: weight ~ N(0, 1), then bias ~ U[0, 1), drawn (N_in, N_out) and transposed."
            )
            draw_w = "torch.randn(layer.in_features, layer.out_features, generator=generator)"
            draw_b = "torch.rand(layer.out_features, generator=generator)"
        elif init.scheme == "normal":
            comment = (
                f"# Weight ~ N({init.mean!r}, {init.std!r}²), bias = 0 (the lab's reset_params), drawn (N_in, N_out)."
            )
            draw_w = f"torch.randn(layer.in_features, layer.out_features, generator=generator) * {init.std!r} + {init.mean!r}"
            draw_b = "torch.zeros(layer.out_features)"
        else:
            comment = "# Weight, then bias ~ U(-1/√N_in, 1/√N_in), drawn (N_in, N_out) and transposed."
            draw_w = "(2 * torch.rand(layer.in_features, layer.out_features, generator=generator) - 1) * bound"
            draw_b = "(2 * torch.rand(layer.out_features, generator=generator) - 1) * bound"
        lines = [comment, f"generator = torch.Generator().manual_seed({init.seed})", "with torch.no_grad():"]
        lines.append(f"    for layer in {tuple_refs}:")
        if init.scheme == "uniform":
            lines.append("        bound = 1.0 / math.sqrt(layer.in_features)")
        lines += [
            f"        weight = {draw_w}",
            f"        bias = {draw_b}",
            "        layer.weight.copy_(weight.T)",
            "        layer.bias.copy_(bias)",
        ]
        return lines
    if net.num_params() > MAX_LITERAL_PARAMS:
        return [
            f"# {net.num_params()} parameters are too many to write out here: save them with",
            f"# torch.save(builder.torch_module.state_dict(), 'net.pt') and load them into {model}.",
        ]
    lines = [
        "# The parameters of the net (torch stores weight as (N_out, N_in): ours transposed).",
        "with torch.no_grad():",
    ]
    for ref, layer in zip(linear_refs, net.linear_layers, strict=True):
        lines.append(f"    {ref}.weight.copy_(torch.tensor({_float_list(layer.weight.T)}))")
        lines.append(f"    {ref}.bias.copy_(torch.tensor({_float_list(layer.bias)}))")
    return lines


def _header(init: InitSpec | None) -> list[str]:
    lines = []
    if init is not None and init.scheme == "uniform":
        lines.append("import math")
        lines.append("")
    return [*lines, "import torch", "from torch import nn"]


def module_code(
    net: Net, *, class_name: str = "TorchNet", init: InitSpec | None = None, variable: str = "torch_net"
) -> str:
    """Source of an ``nn.Module`` class equal to ``net``, then an instance ``variable`` holding its parameters.

    Parameters
    ----------
    net : Net
        The network.
    class_name : str
        Name of the generated class (a Python identifier).
    init : InitSpec, optional
        How the parameters were drawn; when omitted the weights are written out.
    variable : str
        Name of the instance the code creates.

    Raises
    ------
    ValueError
        If ``class_name`` or ``variable`` is not a Python identifier.
    """
    for label, name in (("class name", class_name), ("variable name", variable)):
        if not str(name).isidentifier():
            raise ValueError(f"The {label} must be a Python identifier (letters, digits, _); got {name!r}.")
    names = _names(net)
    lines = [
        *_header(init),
        *_feature_lines(net),
        "",
        "",
        f"class {class_name}(nn.Module):",
        f'    """{_architecture(net)} network generated by mlp_widgets."""',
        "",
        "    def __init__(self):",
        "        super().__init__()",
    ]
    lines += [f"        self.{name} = {_module_expr(layer)}" for name, layer in zip(names, net.layers, strict=True)]
    if net.features:
        lines += ["", "    def forward(self, xy):", "        x = features(xy)  # the input features, then the layers"]
    else:
        lines += ["", "    def forward(self, x):"]
    lines += [f"        x = self.{name}(x)" for name in names]
    lines += ["        return x", "", ""]
    if init is not None and init.scheme == "torch":
        lines.append(f"torch.manual_seed({init.seed})  # nn.Linear draws its own parameters from the global generator")
    lines.append(f"{variable} = {class_name}()")
    refs = [f"{variable}.{name}" for name, layer in zip(names, net.layers, strict=True) if isinstance(layer, Linear)]
    params = _param_lines(net, refs, variable, init)
    if params:
        lines += ["", *params]
    lines += ["", f"print({variable})"]
    return "\n".join(lines) + "\n"


def sequential_code(net: Net, *, init: InitSpec | None = None, variable: str = "model") -> str:
    """Source that builds ``net`` as an ``nn.Sequential`` named ``variable``, with its parameters."""
    if not str(variable).isidentifier():
        raise ValueError(f"The variable name must be a Python identifier (letters, digits, _); got {variable!r}.")
    lines = [*_header(init), *_feature_lines(net)]
    first = 0
    if net.features:
        first = 1
        lines += ["", "", "class Features(nn.Module):", "    def forward(self, xy):", "        return features(xy)", ""]
    lines.append("")
    if init is not None and init.scheme == "torch":
        lines.append(f"torch.manual_seed({init.seed})  # nn.Linear draws its own parameters from the global generator")
    lines.append(f"{variable} = nn.Sequential(")
    if net.features:
        lines.append("    Features(),")
    lines += [f"    {_module_expr(layer)}," for layer in net.layers]
    lines.append(")")
    refs = [f"{variable}[{first + i}]" for i, layer in enumerate(net.layers) if isinstance(layer, Linear)]
    params = _param_lines(net, refs, variable, init)
    if params:
        lines += ["", *params]
    lines += ["", f"print({variable})"]
    return "\n".join(lines) + "\n"


#: the two forms of code, by name
CODE_STYLES: tuple[str, ...] = ("module", "sequential")


def export_code(net: Net, style: str = "module", *, init: InitSpec | None = None) -> str:
    """Runnable PyTorch code that rebuilds ``net`` with its weights: a ``"module"`` class or a ``"sequential"``."""
    if style == "module":
        return module_code(net, init=init)
    if style == "sequential":
        return sequential_code(net, init=init)
    raise ValueError(f"style must be 'module' or 'sequential'; got {style!r}.")
