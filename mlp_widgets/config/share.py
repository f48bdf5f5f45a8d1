"""A dashboard's state as a link: the target, the network (and its weights, if few), the search settings.

:func:`share_query` writes the state as a URL query string — one parameter
per field that differs from the lab's default, ``target.n=30``,
``network.hidden=8,8``, ``target.params.frequency=5``, ``search.seed=3`` —
and, for a network of at most :data:`MAX_SHARED_PARAMS` parameters whose
weights its seed does not give (trained, edited, loaded), ``weights=``: the
float32 parameters in the search's flat order, as URL-safe base64, so they
come back bit for bit. :func:`share_snippet` writes the same settings as a
config file for ``mlp-widgets dashboard --config`` (weights do not fit a
config; the snippet says so).

:func:`read_share` reads such a query back. It is bounded first (at most
:data:`MAX_QUERY_BYTES` and :data:`MAX_QUERY_FIELDS`), no value is ever
evaluated (a number is read with ``int``/``float``, a list split on commas),
and each section goes through the very checks of a config file
(:mod:`mlp_widgets.config.presets`), every bad field named. A section that
fails is refused with its sentence and left at its default; the others load.
The ``preset`` parameter is not part of this schema: it is left for whoever
reads it (:func:`query_params` gives every parameter).

Voilà hands a page's query to a kernel it starts for that page in the
``QUERY_STRING`` environment variable (Voilà 0.5); a preheated kernel was
started before the request, so it does not see it.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import torch

from ..core import Net
from ..core._validate import shown
from ..core.batched import ParamLayout
from ..core.limits import MAX_WEIGHT
from ..core.units import same_parameters
from .presets import NetworkConfig, SearchConfig, TargetConfig
from .specs import NetSpec, StepperSettings, TargetSpec

#: environment variable in which Voilà gives a kernel its page's URL query
QUERY_ENV = "QUERY_STRING"
#: longest query read (a shared state with the largest weights allowed is about 5,400 characters)
MAX_QUERY_BYTES = 16_384
#: most parameters in a query (every field of every section is about 40)
MAX_QUERY_FIELDS = 64
#: longest value of one field (the weights excepted)
MAX_VALUE_CHARS = 200
#: largest network whose weights travel in the link (4,000 base64 characters)
MAX_SHARED_PARAMS = 750
#: parameters of a query that this module does not read (another part of the page does)
RESERVED = ("preset",)

_SECTIONS: dict[str, type] = {"target": TargetConfig, "network": NetworkConfig, "search": SearchConfig}
_LISTS = {"network.hidden", "network.activations", "network.features"}
_INT = re.compile(r"[+-]?\d{1,30}")
_BASE64 = re.compile(r"[A-Za-z0-9_-]*")


def query_params(query: str | None = None) -> dict[str, str]:
    """The parameters of a URL query string (default: the page's, from ``QUERY_STRING``), name → value.

    Raises
    ------
    ValueError
        With a sentence, if the query is longer than :data:`MAX_QUERY_BYTES`,
        has more than :data:`MAX_QUERY_FIELDS` parameters, or names one twice.
    """
    params: dict[str, str] = {}
    for key, value in query_pairs(query):
        if key in params:
            raise ValueError(f"The link gives the parameter {shown(key)} twice; give each once.")
        params[key] = value
    return params


def query_pairs(query: str | None = None) -> list[tuple[str, str]]:
    """The query's ``(name, value)`` pairs in order, repeats kept, bounded as in :func:`query_params`."""
    text = os.environ.get(QUERY_ENV, "") if query is None else str(query)
    text = text[1:] if text.startswith("?") else text
    if len(text) > MAX_QUERY_BYTES:
        raise ValueError(
            f"The link's query is {len(text)} characters long; a shared state has at most {MAX_QUERY_BYTES}."
        )
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        raise ValueError(f"The link has more than {MAX_QUERY_FIELDS} parameters; a shared state has fewer.") from None


# -- state -> link --------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back to the same float
    if isinstance(value, (tuple, list)):
        return ",".join(_text(item) for item in value)
    return str(value)


def _changed(prefix: str, spec: Any, default: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in fields(spec):
        value, base = getattr(spec, f.name), getattr(default, f.name)
        if f.name == "params":
            for key, number in value.items():
                if base.get(key) != number or spec.name != default.name:
                    out[f"{prefix}.params.{key}"] = _text(number)
        elif value != base:
            out[f"{prefix}.{f.name}"] = _text(value)
    return out


def shared_weights(net: Net | None, spec: NetSpec) -> tuple[str | None, str]:
    """``(weights text or None, sentence)``: the weights go in the link when the seed does not give them and they are few."""
    if net is None:
        return None, ""
    try:
        drawn = spec.build()
    except ValueError:
        drawn = None
    if drawn is not None and same_parameters(net, drawn):
        return None, ""
    if net.num_params() > MAX_SHARED_PARAMS:
        return None, (
            f"This network's {net.num_params()} parameters are too many for a link (at most {MAX_SHARED_PARAMS}): "
            f"the link rebuilds it from its seed, {spec.seed}, untrained."
        )
    flat = ParamLayout.from_net(net).flatten(net).contiguous()
    raw = flat.numpy().astype("<f4").tobytes()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="), ""


def share_query(
    target: TargetSpec, network: NetSpec, search: StepperSettings, net: Net | None = None
) -> tuple[str, str]:
    """``(query, note)``: the state as a URL query string (without ``?``), and a sentence on what it leaves out.

    ``network`` is the builder's spec (the network's shape, initialisation
    and seed); ``net`` the network on screen, whose weights the query holds
    if its seed does not give them and they are few.
    """
    params = _changed("target", TargetSpec(**{f.name: getattr(target, f.name) for f in fields(TargetSpec)}),
                      TargetSpec())  # fmt: skip
    spec = network.checked()
    net_spec = NetworkConfig(spec.hidden, spec.activations, spec.init, spec.seed, spec.mean, spec.std, spec.features)
    params |= _changed("network", net_spec, NetworkConfig())
    params |= _changed("search", search, StepperSettings())
    weights, note = shared_weights(net, spec)
    if weights is not None:
        params["weights"] = weights
    return urlencode(params, quote_via=quote, safe=","), note


def share_snippet(query: str) -> str:
    """A config file (YAML) with the settings of a shared query, for ``mlp-widgets dashboard --config``."""
    import yaml

    state = read_share(query)
    data: dict[str, Any] = {}
    for key in _SECTIONS:
        section = getattr(state, key)
        if section is None or key not in state.given:
            continue
        values = {}
        for f in fields(section):
            value = getattr(section, f.name)
            values[f.name] = list(value) if isinstance(value, tuple) else (dict(value) if f.name == "params" else value)
        data[key] = values
    text = yaml.safe_dump(data, sort_keys=False) if data else "{}  # the lab's defaults\n"
    head = "# mlp_widgets dashboard config: mlp-widgets dashboard --config this_file.yaml\n"
    if state.weights is not None:
        head += "# The network's trained weights travel in the link only: this config starts from its seed.\n"
    return head + text


# -- link -> state --------------------------------------------------------------------------------
@dataclass
class SharedState:
    """What a shared query restores.

    Attributes
    ----------
    target, network, search :
        The sections read (``None``: refused, or not in the query — the defaults).
    weights : torch.Tensor or None
        The network's flat parameters, if the query holds them and they fit ``network``.
    given : set of str
        Sections the query had something for (``"target"``, ``"network"``, ``"search"``, ``"weights"``).
    refusals : list of str
        One sentence per part refused; every other part loads.
    """

    target: TargetConfig | None = None
    network: NetworkConfig | None = None
    search: SearchConfig | None = None
    weights: torch.Tensor | None = None
    given: set[str] = field(default_factory=set)
    refusals: list[str] = field(default_factory=list)

    def net(self) -> Net | None:
        """The shared network: built from its spec, with the shared weights when there are any (``None``: no network part)."""
        if self.network is None:
            return None
        net = self.network.spec().build()
        if self.weights is None:
            return net
        return ParamLayout.from_net(net).to_net(self.weights, net)

    @property
    def empty(self) -> bool:
        """Whether the query held no part of a state."""
        return not self.given


def _value(key: str, text: str, default: Any) -> Any:
    """The text of one field as the type of its default (never evaluated)."""
    if len(text) > MAX_VALUE_CHARS:
        raise ValueError(
            f"The link's value of {key!r} is {len(text)} characters long; a value has at most {MAX_VALUE_CHARS}."
        )
    if key in _LISTS:
        return [_scalar(item, isinstance(default[0], str) if default else key != "network.hidden")
                for item in text.split(",")] if text else []  # fmt: skip
    return _scalar(text, isinstance(default, str) and not isinstance(default, bool))


def _scalar(text: str, as_text: bool) -> Any:
    if as_text:
        return text
    if text in ("true", "false"):
        return text == "true"
    if _INT.fullmatch(text):
        return int(text)
    try:
        return float(text)  # "nan" and "inf" too: the section's check refuses them by name
    except ValueError:
        return text  # the check says what the field takes


def _weights(text: str, network: NetworkConfig) -> torch.Tensor:
    size = ParamLayout.from_net(network.spec().build()).size
    if len(text) > 4 * math.ceil(4 * size / 3) or not _BASE64.fullmatch(text):
        raise ValueError(f"The link's weights are not the {size} numbers of its network (bad length or characters).")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("The link's weights are not valid base64.") from None
    if len(raw) != 4 * size:
        raise ValueError(
            f"The link's weights hold {len(raw) // 4} numbers; its network ({network.spec().n_in} inputs, hidden "
            f"{list(network.hidden)}) has {size} parameters."
        )
    weights = torch.frombuffer(bytearray(raw), dtype=torch.float32).clone()
    if not bool(torch.isfinite(weights).all()) or float(weights.abs().max()) > MAX_WEIGHT:
        raise ValueError(f"The link's weights hold a NaN, an infinity or a number beyond ±{MAX_WEIGHT:g}.")
    return weights


def read_share(query: str | Mapping[str, str] | None = None) -> SharedState:
    """Read a shared state from a query string (default: the page's) or its parameters.

    Never raises for what the query holds: every part that cannot be restored
    — an unknown parameter, a bad field (each section is checked like a
    config file), weights that do not fit — becomes a sentence in
    :attr:`SharedState.refusals`, and the rest loads.
    """
    state = SharedState()
    try:
        pairs = list(query.items()) if isinstance(query, Mapping) else query_pairs(query)
    except ValueError as exc:
        state.refusals.append(f"{exc} Nothing was restored from it.")
        return state
    raw: dict[str, dict[str, Any]] = {key: {} for key in _SECTIONS}
    bad: set[str] = set()
    params: dict[str, str] = {}
    for key, text in pairs:
        if key in params:
            section = key.partition(".")[0]
            state.refusals.append(
                f"The link gives {shown(key)} twice, so its {section} was refused and is the default one."
            )
            bad.add(section)
        params[key] = text
    weights = params.pop("weights", None)
    if "weights" in bad:
        weights = None
    for key, text in params.items():
        if key in RESERVED:
            continue
        section, _, name = key.partition(".")
        cls = _SECTIONS.get(section)
        known = {f.name: f for f in fields(cls)} if cls is not None else {}
        if name.startswith("params.") and section == "target":
            raw[section].setdefault("params", {})[name[len("params.") :]] = _scalar(text, False)
            state.given.add(section)
            continue
        if name not in known:
            state.refusals.append(
                f"The link's parameter {shown(key)} is unknown and was left out: a shared state has "
                f"'target.…', 'network.…', 'search.…' and 'weights'."
            )
            continue
        default = getattr(cls(), name)
        state.given.add(section)
        try:
            raw[section][name] = _value(key, text, default)
        except ValueError as exc:
            state.refusals.append(f"{exc} The link's {section} was refused, so the {section} is the default one.")
            bad.add(section)
    for key, cls in _SECTIONS.items():
        if key in bad:
            state.given.discard(key)
        if key not in state.given:
            continue
        try:
            setattr(state, key, cls.from_dict(raw[key]))
        except ValueError as exc:
            state.given.discard(key)
            state.refusals.append(f"The link's {key} was refused, so the {key} is the default one: {exc}")
    if weights is not None:
        network = state.network if state.network is not None else NetworkConfig()
        if "network" not in state.given and any(k.startswith("network.") for k in params):
            state.refusals.append("The link's weights belong to its refused network, so they were left out.")
        else:
            try:
                state.weights = _weights(weights, network)
                state.network = network
                state.given.add("weights")
            except ValueError as exc:
                state.refusals.append(f"{exc} The network starts from its seed instead.")
    return state
