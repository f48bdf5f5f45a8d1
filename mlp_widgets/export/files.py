"""Network files: a network as JSON or as a torch file, and back; figures as PNG.

Every reader takes a path, the file's bytes, or an open binary file (an
upload arrives as bytes), checks what it reads and refuses a malformed file
with a ``ValueError`` that names the file and the bad field, so a widget can
show the sentence and keep what is on screen.
"""

from __future__ import annotations

import io
import json
from os import PathLike
from pathlib import Path
from typing import Any, BinaryIO

import torch

from ..core import ACTIVATIONS, Activation, Linear, Net, get_activation, to_torch
from ..core.limits import MAX_WIDTH

#: identifies our files
FORMAT = "mlp_widgets.net"
VERSION = 1

Pathish = str | PathLike
#: what a reader takes: a path, the file's bytes, or an open binary file
Source = Pathish | bytes | bytearray | memoryview | BinaryIO


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
def _read(source: Source, name: str | None) -> tuple[bytes, str]:
    """The bytes of ``source`` and the name its refusals use."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), name or "the file"
    if hasattr(source, "read"):
        data = source.read()
        if not isinstance(data, bytes):
            raise ValueError(f"{name or 'The file'} must be opened in binary mode ('rb').")
        return data, name or str(getattr(source, "name", "the file"))
    path = Path(source)
    try:
        return path.read_bytes(), name or path.name
    except OSError as exc:
        raise ValueError(f"Cannot read {path}: {exc.strerror or exc}.") from None


def _suffix(source: Source, name: str | None) -> str:
    if name is not None:
        return Path(name).suffix.lower()
    if isinstance(source, (str, PathLike)):
        return Path(source).suffix.lower()
    return Path(str(getattr(source, "name", ""))).suffix.lower()


def json_bytes(net: Net) -> bytes:
    """``net`` as the JSON file :func:`save_json` writes (architecture, activations, weights)."""
    return json.dumps(net_to_dict(net), indent=1).encode("utf-8")


def save_json(net: Net, path: Pathish) -> Path:
    """Write ``net`` as JSON; return the path."""
    path = Path(path)
    path.write_bytes(json_bytes(net))
    return path


def load_json(source: Source, *, name: str | None = None) -> Net:
    """Read a network written by :func:`save_json` (a path, bytes or a binary file; ``name`` names it).

    Raises
    ------
    ValueError
        If the file cannot be read, is not JSON, or is malformed (the message names the field).
    """
    data, name = _read(source, name)
    try:
        parsed = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{name} is not a text file in UTF-8, so it is not JSON.") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    return net_from_dict(parsed)


def torch_bytes(net: Net) -> bytes:
    """``net`` as the torch file :func:`save_torch` writes.

    It holds the ``state_dict`` of ``to_torch(net)`` (an ``nn.Sequential``) and
    the architecture, so it loads with plain torch:
    ``torch.load(path)["state_dict"]`` fits ``nn.Sequential`` built from
    ``torch.load(path)["architecture"]``; :func:`load_torch` rebuilds the network.
    """
    spec = net_to_dict(net)
    for layer in spec["layers"]:
        layer.pop("weight", None)
        layer.pop("bias", None)
    buf = io.BytesIO()
    torch.save({"format": FORMAT, "version": VERSION, "architecture": spec, "state_dict": to_torch(net).state_dict()}, buf)
    return buf.getvalue()


def save_torch(net: Net, path: Pathish) -> Path:
    """Write ``net`` as a torch file (see :func:`torch_bytes`); return the path."""
    path = Path(path)
    path.write_bytes(torch_bytes(net))
    return path


def load_torch(source: Source, *, name: str | None = None) -> Net:
    """Read a network written by :func:`save_torch` (loaded with ``weights_only=True``: no code runs).

    Raises
    ------
    ValueError
        If the file cannot be read or does not hold what :func:`save_torch` writes.
    """
    raw, name = _read(source, name)
    try:
        data = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same sentence
        raise ValueError(f"{name} is not a torch file this package can read ({type(exc).__name__}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{name} was not written by mlp_widgets.export.save_torch (no 'format' field).")
    arch, state = data.get("architecture"), data.get("state_dict")
    if not isinstance(arch, dict) or not isinstance(state, dict):
        raise ValueError(f"{name} lacks the 'architecture' or 'state_dict' field.")
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


def load(source: Source, *, name: str | None = None) -> Net:
    """Load a network from a ``.json`` or a torch (``.pt``/``.pth``) file, by the ending of its name."""
    suffix = _suffix(source, name)
    if suffix == ".json":
        return load_json(source, name=name)
    if suffix in (".pt", ".pth"):
        return load_torch(source, name=name)
    shown = name if name is not None else (Path(source).name if isinstance(source, (str, PathLike)) else "the file")
    raise ValueError(f"Give a .json, .pt or .pth file; got {shown!r}.")


def is_finite_net(net: Net) -> bool:
    """Whether every parameter of ``net`` is finite."""
    return all(bool(torch.isfinite(p).all()) for p in net.parameters())


def save_png(fig: Any, path: Pathish, dpi: float | None = None) -> Path:
    """Write a matplotlib figure (or a view with ``.fig``) as PNG; return the path."""
    fig = getattr(fig, "fig", fig)
    path = Path(path)
    fig.savefig(path, format="png", dpi=dpi or fig.dpi)
    return path


__all__ = [
    "FORMAT",
    "VERSION",
    "is_finite_net",
    "json_bytes",
    "load",
    "load_json",
    "load_torch",
    "net_from_dict",
    "net_to_dict",
    "save_json",
    "save_png",
    "save_torch",
    "torch_bytes",
]
