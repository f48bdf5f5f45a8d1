"""Network files: a network as JSON or as a torch file, and back; figures as PNG.

Every reader takes a path, the file's bytes, or an open binary file (an
upload arrives as bytes), checks what it reads and refuses a malformed file
with a ``ValueError`` that names the file and the bad field, so a widget can
show the sentence and keep what is on screen.

A file gets the limits the widgets have (:mod:`~mlp_widgets.core.limits`:
layer widths, hidden layers) and cannot cost more than a share of the memory
budget to read: its size is checked before parsing, as stored and as
decompressed (a torch file is a zip archive; torch writes it uncompressed, and
a compressed one is refused), JSON is checked for how many lists and numbers
it can make, and a tensor's shape is checked before any of its values are
read (a tensor of a few bytes can claim any shape with stride 0).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from os import PathLike
from pathlib import Path
from typing import Any, BinaryIO

import torch

from ..core import ACTIVATIONS, Activation, Linear, Net, get_activation, to_torch
from ..core._validate import shown
from ..core.features import check_features
from ..core.limits import MAX_FILE_BYTES, MAX_FILE_LAYERS, MAX_HIDDEN, MAX_PICKLE_BYTES, MAX_WIDTH

#: identifies our files
FORMAT = "mlp_widgets.net"
VERSION = 1

Pathish = str | PathLike
#: what a reader takes: a path, the file's bytes, or an open binary file
Source = Pathish | bytes | bytearray | memoryview | BinaryIO

#: linear layers of a network file: as many as the layer builder makes
MAX_LINEAR = MAX_HIDDEN + 1
#: lists and objects a network JSON file needs at most (a weight is one list per input row)
MAX_JSON_CONTAINERS = MAX_FILE_LAYERS * (MAX_WIDTH + 3) + 2
#: numbers a network JSON file needs at most, with room for spacing and names
MAX_JSON_NUMBERS = 2 * MAX_LINEAR * MAX_WIDTH * (MAX_WIDTH + 1) + 1000
#: entries of a torch file (zip): two tensors per linear layer and torch's own few
MAX_ZIP_ENTRIES = 2 * MAX_LINEAR + 16


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
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "layers": layers}
    if net.features:  # only then, so a plain network's file is what it always was
        out["features"] = list(net.features)
    return out


def _field(data: dict, key: str, where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise ValueError(f"The network file has no field '{where}{key}'.")
    return data[key]


def _matrix(value: Any, shape: tuple[int, ...], where: str) -> torch.Tensor:
    """``value`` (nested lists, or a tensor from a torch file) as a float32 tensor of ``shape``.

    A tensor's shape is checked before its values are read, so a tensor that
    claims a huge shape over a few stored bytes is refused without being built.
    """
    if isinstance(value, torch.Tensor):
        if tuple(value.shape) != shape:
            raise ValueError(f"Field '{where}' must have shape {shape}; got {tuple(value.shape)}.")
        if not value.is_floating_point():
            raise ValueError(f"Field '{where}' must hold floating-point numbers; got {value.dtype}.")
        tensor = value.detach().to(torch.float32).clone()
    else:
        try:
            tensor = torch.tensor(value, dtype=torch.float32)
        except (TypeError, ValueError, RuntimeError, OverflowError):
            raise ValueError(f"Field '{where}' must be a list of numbers of shape {shape}.") from None
        if tuple(tensor.shape) != shape:
            raise ValueError(f"Field '{where}' must have shape {shape}; got {tuple(tensor.shape)}.")
    if not bool(torch.isfinite(tensor).all()):
        raise ValueError(f"Field '{where}' holds a NaN or infinite value; only finite numbers are allowed.")
    return tensor


def net_from_dict(data: dict[str, Any]) -> Net:
    """Rebuild a :class:`Net` from :func:`net_to_dict` output.

    Weights and biases may be nested lists or tensors (in our ``(N_in, N_out)``
    layout).

    Raises
    ------
    ValueError
        Naming the first bad field (missing, wrong type, wrong shape, not finite,
        unknown activation, more layers than the widgets allow, layers that do not fit).
    """
    if not isinstance(data, dict):
        raise ValueError("A network file must hold a JSON object with the fields 'format', 'version' and 'layers'.")
    if _field(data, "format", "") != FORMAT:
        raise ValueError(f"Field 'format' must be {FORMAT!r}; got {shown(data['format'])}.")
    if _field(data, "version", "") != VERSION:
        raise ValueError(f"Field 'version' must be {VERSION}; got {shown(data['version'])}.")
    raw_layers = _field(data, "layers", "")
    if not isinstance(raw_layers, list) or not raw_layers:
        raise ValueError("Field 'layers' must be a non-empty list.")
    if len(raw_layers) > MAX_FILE_LAYERS:
        raise ValueError(
            f"Field 'layers' holds {len(raw_layers)} layers; a network has at most {MAX_FILE_LAYERS} "
            f"({MAX_HIDDEN} hidden layers with their activations, and the output layer)."
        )
    n_linear = sum(1 for raw in raw_layers if isinstance(raw, dict) and raw.get("type") == "linear")
    if n_linear > MAX_LINEAR:
        raise ValueError(
            f"Field 'layers' holds {n_linear} linear layers; a network has at most {MAX_LINEAR} "
            f"({MAX_HIDDEN} hidden layers and the output layer)."
        )
    layers: list[Linear | Activation] = []
    for i, raw in enumerate(raw_layers):
        where = f"layers[{i}]."
        if not isinstance(raw, dict):
            raise ValueError(f"Field 'layers[{i}]' must be an object with a 'type'; got {shown(raw)}.")
        kind = _field(raw, "type", where)
        if kind == "linear":
            layers.append(_linear(raw, where))
        elif kind == "activation":
            layers.append(_activation(raw, where))
        else:
            raise ValueError(f"Field '{where}type' must be 'linear' or 'activation'; got {shown(kind)}.")
    features = data.get("features", [])
    if not isinstance(features, list):
        raise ValueError(f"Field 'features' must be a list of input feature names; got {shown(features)}.")
    try:
        check_features(features, "Field 'features'")
        return Net(layers, features)
    except ValueError as exc:
        raise ValueError(f"The layers in the file do not fit together: {exc}") from None


def _linear(raw: dict, where: str) -> Linear:
    n_in, n_out = _field(raw, "n_in", where), _field(raw, "n_out", where)
    for key, value in (("n_in", n_in), ("n_out", n_out)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WIDTH:
            raise ValueError(f"Field '{where}{key}' must be a whole number from 1 to {MAX_WIDTH}; got {shown(value)}.")
    layer = Linear(n_in, n_out, "zeros")
    layer.weight = _matrix(_field(raw, "weight", where), (n_in, n_out), where + "weight")
    layer.bias = _matrix(_field(raw, "bias", where), (n_out,), where + "bias")
    return layer


def _activation(raw: dict, where: str) -> Activation:
    name = _field(raw, "name", where)
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"Field '{where}name' must be one of {', '.join(map(repr, ACTIVATIONS))}; got {shown(name)}.")
    params = raw.get("params", {}) or {}
    if not isinstance(params, dict):
        raise ValueError(f"Field '{where}params' must be an object; got {shown(params)}.")
    if not params:
        return get_activation(name)
    try:
        return ACTIVATIONS[name](**params)
    except TypeError:
        raise ValueError(
            f"Field '{where}params' holds a parameter that {name!r} does not take: {shown(sorted(map(str, params)))}."
        ) from None
    except ValueError as exc:
        raise ValueError(f"Field '{where}params': {exc}") from None


# -- files ----------------------------------------------------------------------------------------
def _too_big(name: str, size: int, what: str = "") -> ValueError:
    return ValueError(
        f"{name} is {size / 2**20:.1f} MiB{what}; a network file may be at most {MAX_FILE_BYTES // 2**20} MiB "
        "(the largest network the widgets build is about 16 MB as JSON, 2.4 MB as a torch file)."
    )


def _read(source: Source, name: str | None) -> tuple[bytes, str]:
    """The bytes of ``source`` and the name its refusals use; a file above :data:`MAX_FILE_BYTES` is refused unread."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        name = name or "the file"
        if len(source) > MAX_FILE_BYTES:
            raise _too_big(name, len(source))
        return bytes(source), name
    if hasattr(source, "read"):
        name = name or str(getattr(source, "name", "the file"))
        data = source.read(MAX_FILE_BYTES + 1)
        if not isinstance(data, bytes):
            raise ValueError(f"{name} must be opened in binary mode ('rb').")
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(
                f"{name} is larger than {MAX_FILE_BYTES // 2**20} MiB; a network file may be at most that."
            )
        return data, name
    path = Path(source)
    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            raise _too_big(name or path.name, size)
        with open(path, "rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)  # bounded even where the size lies (a device, a growing file)
    except OSError as exc:
        raise ValueError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(
            f"{name or path.name} is larger than {MAX_FILE_BYTES // 2**20} MiB; a network file may be at most that."
        )
    return data, name or path.name


def _in_file(name: str, data: Any) -> Net:
    """:func:`net_from_dict`, its refusal prefixed with the file's name."""
    try:
        return net_from_dict(data)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


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
    containers = data.count(b"[") + data.count(b"{")
    if containers > MAX_JSON_CONTAINERS or data.count(b",") > MAX_JSON_NUMBERS:
        raise ValueError(
            f"{name} holds more lists, objects or numbers than a network of at most {MAX_HIDDEN} hidden layers of "
            f"{MAX_WIDTH} units needs ({containers} lists and objects; at most {MAX_JSON_CONTAINERS})."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{name} is not a text file in UTF-8 (byte {exc.start} is not UTF-8), so it is not JSON."
        ) from None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    except RecursionError:
        raise ValueError(f"{name} nests lists or objects too deeply to be a network file.") from None
    return _in_file(name, parsed)


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
    torch.save(
        {"format": FORMAT, "version": VERSION, "architecture": spec, "state_dict": to_torch(net).state_dict()}, buf
    )
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
    _check_archive(raw, name)
    try:
        data = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same sentence
        raise ValueError(f"{name} is not a torch file this package can read ({type(exc).__name__}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{name} was not written by mlp_widgets.export.save_torch (no 'format' field).")
    arch, state = data.get("architecture"), data.get("state_dict")
    if not isinstance(arch, dict) or not isinstance(state, dict):
        raise ValueError(f"{name} lacks the 'architecture' or 'state_dict' field.")
    raw_layers = arch.get("layers")
    if not isinstance(raw_layers, list) or not raw_layers or len(raw_layers) > MAX_FILE_LAYERS:
        raise ValueError(
            f"{name}: Field 'architecture.layers' must be a list of 1 to {MAX_FILE_LAYERS} layers; got {shown(raw_layers)}."
        )
    layers = []
    for i, layer in enumerate(raw_layers):
        if not isinstance(layer, dict):
            raise ValueError(f"{name}: Field 'architecture.layers[{i}]' must be an object; got {shown(layer)}.")
        layer = dict(layer)
        if layer.get("type") == "linear":
            w, b = state.get(f"{i}.weight"), state.get(f"{i}.bias")
            n_in, n_out = layer.get("n_in"), layer.get("n_out")
            for key, value, shape in ((f"{i}.weight", w, (n_out, n_in)), (f"{i}.bias", b, (n_out,))):
                if not isinstance(value, torch.Tensor):
                    raise ValueError(
                        f"{name}: Field 'state_dict' must hold a tensor '{key}' for layer {i}; got {shown(value)}."
                    )
                if all(isinstance(d, int) for d in shape) and tuple(value.shape) != shape:
                    raise ValueError(
                        f"{name}: Field 'state_dict.{key}' must have shape {shape} (torch's layout); "
                        f"got {tuple(value.shape)}."
                    )
            # torch's (N_out, N_in) to ours: a view, read only once its shape is checked
            layer["weight"], layer["bias"] = (w.transpose(0, 1) if w.ndim == 2 else w), b
        layers.append(layer)
    return _in_file(name, {**arch, "layers": layers})


def _check_archive(raw: bytes, name: str) -> None:
    """Refuse a torch file that would take more than its own size to read: compressed entries, overlapping
    entries, too many, or a pickle (the architecture) bigger than :data:`MAX_PICKLE_BYTES`."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise ValueError(f"{name} is not a torch file this package can read (not a zip archive).") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ValueError(f"{name} holds {len(entries)} entries; a network's torch file has at most {MAX_ZIP_ENTRIES}.")
    for entry in entries:
        if entry.compress_type != zipfile.ZIP_STORED:
            raise ValueError(
                f"{name} holds a compressed entry ({entry.filename!r}); torch.save writes them uncompressed, and a "
                "compressed file could take far more memory than its size to read."
            )
        if entry.filename.endswith("data.pkl") and entry.file_size > MAX_PICKLE_BYTES:
            raise ValueError(
                f"{name}: its architecture (data.pkl) is {entry.file_size / 2**20:.1f} MiB; "
                f"at most {MAX_PICKLE_BYTES // 2**20} MiB."
            )
    if sum(entry.file_size for entry in entries) > len(raw):
        raise _too_big(name, sum(entry.file_size for entry in entries), " once unpacked")


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
