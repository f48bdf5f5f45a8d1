"""Save and load networks (torch file, JSON), export PyTorch code and figures.

Everything that reads a file checks it and refuses a malformed one with a
``ValueError`` that names the bad field, so a widget can show the sentence and
keep what is on screen.
"""

from __future__ import annotations

import json
from os import PathLike
from pathlib import Path
from typing import Any

import torch

from .core import ACTIVATIONS, Activation, Linear, Net, get_activation, to_torch
from .core.linear import MAX_WIDTH

#: identifies our files
FORMAT = "mlp_widgets.net"
VERSION = 1

Pathish = str | PathLike


# -- net <-> plain dict ---------------------------------------------------------------------------
def net_to_dict(net: Net) -> dict[str, Any]:
    """The architecture, activations and weights of ``net`` as plain JSON-able data.

    Weights are stored in our layout, ``(N_in, N_out)``.
    """
    layers: list[dict[str, Any]] = []
    for layer in net.layers:
        if isinstance(layer, Linear):
            layers.append(
                {
                    "type": "linear",
                    "n_in": layer.N_in,
                    "n_out": layer.N_out,
                    "weight": layer.weight.tolist(),
                    "bias": layer.bias.tolist(),
                }
            )
        else:
            layers.append({"type": "activation", "name": layer.name, "params": dict(vars(layer))})
    return {"format": FORMAT, "version": VERSION, "layers": layers}


def _field(data: dict, key: str, where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise ValueError(f"The network file has no field '{where}{key}'.")
    return data[key]


def _matrix(value: Any, shape: tuple[int, ...], where: str) -> torch.Tensor:
    try:
        tensor = torch.tensor(value, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"Field '{where}' must be a list of numbers of shape {shape}.") from None
    if tuple(tensor.shape) != shape:
        raise ValueError(f"Field '{where}' must have shape {shape}; got {tuple(tensor.shape)}.")
    if not bool(torch.isfinite(tensor).all()):
        raise ValueError(f"Field '{where}' holds a NaN or infinite value; only finite numbers are allowed.")
    return tensor


def net_from_dict(data: dict[str, Any]) -> Net:
    """Rebuild a :class:`Net` from :func:`net_to_dict` output.

    Raises
    ------
    ValueError
        Naming the first bad field (missing, wrong type, wrong shape, not finite,
        unknown activation, layers that do not fit).
    """
    if not isinstance(data, dict):
        raise ValueError("A network file must hold a JSON object with the fields 'format', 'version' and 'layers'.")
    if _field(data, "format", "") != FORMAT:
        raise ValueError(f"Field 'format' must be {FORMAT!r}; got {data['format']!r}.")
    if _field(data, "version", "") != VERSION:
        raise ValueError(f"Field 'version' must be {VERSION}; got {data['version']!r}.")
    raw_layers = _field(data, "layers", "")
    if not isinstance(raw_layers, list) or not raw_layers:
        raise ValueError("Field 'layers' must be a non-empty list.")
    layers: list[Linear | Activation] = []
    for i, raw in enumerate(raw_layers):
        where = f"layers[{i}]."
        kind = _field(raw, "type", where)
        if kind == "linear":
            n_in, n_out = _field(raw, "n_in", where), _field(raw, "n_out", where)
            for key, value in (("n_in", n_in), ("n_out", n_out)):
                if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WIDTH:
                    raise ValueError(
                        f"Field '{where}{key}' must be a whole number from 1 to {MAX_WIDTH}; got {value!r}."
                    )
            layer = Linear(n_in, n_out, "zeros")
            layer.weight = _matrix(_field(raw, "weight", where), (n_in, n_out), where + "weight")
            layer.bias = _matrix(_field(raw, "bias", where), (n_out,), where + "bias")
            layers.append(layer)
        elif kind == "activation":
            name = _field(raw, "name", where)
            if name not in ACTIVATIONS:
                raise ValueError(
                    f"Field '{where}name' must be one of {', '.join(map(repr, ACTIVATIONS))}; got {name!r}."
                )
            params = raw.get("params", {}) or {}
            if not isinstance(params, dict):
                raise ValueError(f"Field '{where}params' must be an object.")
            try:
                layers.append(ACTIVATIONS[name](**params) if params else get_activation(name))
            except TypeError:
                raise ValueError(
                    f"Field '{where}params' holds a parameter that {name!r} does not take: {sorted(params)}."
                ) from None
        else:
            raise ValueError(f"Field '{where}type' must be 'linear' or 'activation'; got {kind!r}.")
    try:
        return Net(layers)
    except ValueError as exc:
        raise ValueError(f"The layers in the file do not fit together: {exc}") from None


# -- files ----------------------------------------------------------------------------------------
def save_json(net: Net, path: Pathish) -> Path:
    """Write ``net`` as JSON (architecture, activations, weights); return the path."""
    path = Path(path)
    path.write_text(json.dumps(net_to_dict(net), indent=1))
    return path


def load_json(path: Pathish) -> Net:
    """Read a network written by :func:`save_json`.

    Raises
    ------
    ValueError
        If the file is missing, not JSON, or malformed (the message names the field).
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ValueError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    return net_from_dict(data)


def save_torch(net: Net, path: Pathish) -> Path:
    """Write the ``state_dict`` of ``to_torch(net)`` (an ``nn.Sequential``) plus the architecture.

    The file loads with plain torch: ``torch.load(path)["state_dict"]`` fits
    ``nn.Sequential`` built from ``torch.load(path)["architecture"]``; with this
    package, :func:`load_torch` rebuilds the network.
    """
    path = Path(path)
    spec = net_to_dict(net)
    for layer in spec["layers"]:
        layer.pop("weight", None)
        layer.pop("bias", None)
    torch.save(
        {"format": FORMAT, "version": VERSION, "architecture": spec, "state_dict": to_torch(net).state_dict()}, path
    )
    return path


def load_torch(path: Pathish) -> Net:
    """Read a network written by :func:`save_torch` (loaded with ``weights_only=True``: no code runs).

    Raises
    ------
    ValueError
        If the file cannot be read or does not hold what :func:`save_torch` writes.
    """
    path = Path(path)
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same sentence
        raise ValueError(f"{path.name} is not a torch file this package can read ({type(exc).__name__}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path.name} was not written by mlp_widgets.io.save_torch (no 'format' field).")
    arch, state = data.get("architecture"), data.get("state_dict")
    if not isinstance(arch, dict) or not isinstance(state, dict):
        raise ValueError(f"{path.name} lacks the 'architecture' or 'state_dict' field.")
    layers = []
    for i, layer in enumerate(_field(arch, "layers", "architecture.")):
        layer = dict(layer)
        if layer.get("type") == "linear":
            w, b = state.get(f"{i}.weight"), state.get(f"{i}.bias")
            if w is None or b is None:
                raise ValueError(f"Field 'state_dict' has no '{i}.weight' / '{i}.bias' for layer {i}.")
            layer["weight"], layer["bias"] = w.T.tolist(), b.tolist()
        layers.append(layer)
    return net_from_dict({**arch, "layers": layers})


def load(path: Pathish) -> Net:
    """Load a network from a ``.json`` or a torch (``.pt``/``.pth``) file, by its ending."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return load_json(path)
    if suffix in (".pt", ".pth"):
        return load_torch(path)
    raise ValueError(f"Give a .json, .pt or .pth file; got {Path(path).name!r}.")


def is_finite_net(net: Net) -> bool:
    """Whether every parameter of ``net`` is finite."""
    return all(bool(torch.isfinite(p).all()) for p in net.parameters())


def export_code(net: Net, style: str = "module") -> str:
    """Runnable PyTorch code that rebuilds ``net`` with its weights (``"module"`` or ``"sequential"``)."""
    from .codegen import module_code, sequential_code

    if style == "module":
        return module_code(net)
    if style == "sequential":
        return sequential_code(net)
    raise ValueError(f"style must be 'module' or 'sequential'; got {style!r}.")


def save_png(fig: Any, path: Pathish, dpi: float | None = None) -> Path:
    """Write a matplotlib figure (or a view with ``.fig``) as PNG; return the path."""
    fig = getattr(fig, "fig", fig)
    path = Path(path)
    fig.savefig(path, format="png", dpi=dpi or fig.dpi)
    return path


__all__ = [
    "FORMAT",
    "VERSION",
    "export_code",
    "is_finite_net",
    "load",
    "load_json",
    "load_torch",
    "net_from_dict",
    "net_to_dict",
    "save_json",
    "save_png",
    "save_torch",
]
