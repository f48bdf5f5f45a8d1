"""Dashboard configurations: a teacher's starting point for a whole class.

A :class:`DashboardConfig` says which target the class fits, which network it
starts from, how the random search is set up, and what the page shows: which
tabs, which controls are hidden and which are fixed (shown but disabled). It
comes from a dict, a JSON file or a YAML file, every field is checked, and a
bad one is refused with a sentence that names it::

    config field 'search.epsilon' must be a number above 0 and at most 1000; got -1.

Every bad field of a config is reported at once, in one ``ValueError`` that
lists them (one per line), so a teacher fixes a file in one go. A file is
also bounded before it is checked: at most :data:`~mlp_widgets.core.limits.MAX_CONFIG_BYTES`,
:data:`~mlp_widgets.core.limits.MAX_CONFIG_VALUES` values (a YAML alias counts
once per use, so an alias bomb is refused without being expanded) and
:data:`~mlp_widgets.core.limits.MAX_CONFIG_DEPTH` levels.

Missing fields take the lab's defaults, unknown fields are refused by name, and
:meth:`DashboardConfig.to_dict` gives back what :meth:`DashboardConfig.from_dict`
reads (a round trip gives an equal config).

Controls are named ``"<part>.<control>"`` (see :data:`CONTROLS`), e.g.
``"builder.seed"`` is the layer builder's seed box and ``"search.epsilon"`` the
random search's ε box.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from os import PathLike
from pathlib import Path
from typing import Any, TypeVar

from ..core._validate import shown
from ..core.limits import MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, MAX_CONFIG_VALUES
from .names import BLOCKS, CONTROLS, PARTS, TABS
from .specs import NetSpec, StepperSettings, TargetSpec

#: environment variable naming a config file that ``Dashboard()`` reads when given no config
CONFIG_ENV = "MLP_WIDGETS_CONFIG"

Pathish = str | PathLike


def _name(path: str) -> str:
    return f"config field '{path}'"


def _check_bool(path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{_name(path)} must be true or false; got {shown(value)}.")
    return value


def _check_names(path: str, value: Any, allowed: Mapping[str, Any] | tuple[str, ...], *, empty: bool) -> tuple:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(f"{_name(path)} must be a list of names; got {shown(value)}.")
    if not empty and not value:
        raise ValueError(f"{_name(path)} must name at least one of {', '.join(map(repr, allowed))}; got [].")
    for i, item in enumerate(value):
        if not isinstance(item, str) or item not in allowed:
            if path.startswith("ui.") and path.endswith("_controls"):
                raise ValueError(
                    f"{_name(f'{path}[{i}]')} names no control: {shown(item)}. Controls are named "
                    f"'<part>.<control>' with part one of {', '.join(map(repr, PARTS))}, "
                    f"e.g. 'builder.seed' or 'search.epsilon' (see mlp_widgets.config.CONTROLS)."
                )
            raise ValueError(
                f"{_name(f'{path}[{i}]')} must be one of {', '.join(map(repr, allowed))}; got {shown(item)}."
            )
    if len(set(value)) != len(value):
        raise ValueError(f"{_name(path)} names something twice: {shown(list(value))}.")
    return tuple(value)


class _Refusals(list):
    """Every refusal of one config, so that all its bad fields are reported at once."""

    def check(self, fn: Callable[[], Any]) -> Any:
        """``fn()``, or ``None`` after recording its refusal."""
        try:
            return fn()
        except ValueError as exc:
            self.append(str(exc))
            return None

    def raise_any(self, where: str = "") -> None:
        """Raise one ``ValueError`` listing every refusal (``where``: a file's name to put first)."""
        if not self:
            return
        prefix = f"{where}: " if where else ""
        if len(self) == 1:
            raise ValueError(f"{prefix}{self[0]}")
        lines = "\n".join(f"  - {message}" for message in self)
        raise ValueError(f"{prefix}the config has {len(self)} problems:\n{lines}")


def _section(data: Any, path: str, cls: type, refusals: _Refusals) -> dict[str, Any] | None:
    """``data``'s fields of known name (unknown ones refused by name), or ``None`` if it is no mapping."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        refusals.append(f"config section '{path}' must be a mapping of fields; got {type(data).__name__}.")
        return None
    known = [f.name for f in fields(cls)]
    for key in data:
        if key not in known:
            refusals.append(
                f"{_name(f'{path}.{key}')} is unknown; the fields of '{path}' are {', '.join(map(repr, known))}."
            )
    return {key: value for key, value in data.items() if key in known}


Section = TypeVar("Section")

#: fields checked together (one's bounds depend on the other's value)
_TOGETHER: dict[str, tuple[tuple[str, ...], ...]] = {
    "target": (("name", "params"), ("lo", "hi")),
    "network": (("hidden", "activations"),),
}


def _one_section(data: Any, path: str, cls: Any) -> Any:
    """``cls``'s section read from ``data`` on its own, every bad field refused at once."""
    refusals = _Refusals()
    section = _read_section(data, path, cls, cls._read, refusals)
    refusals.raise_any()
    return section


def _read_section(
    data: Any, path: str, cls: type, read: Callable[[dict[str, Any]], Section], refusals: _Refusals
) -> Section | None:
    """``read(fields)`` of the section, with every bad field refused (a field alone, then all together)."""
    raw = _section(data, path, cls, refusals)
    if raw is None:
        return None
    groups = list(_TOGETHER.get(path, ()))
    grouped = {key for group in groups for key in group}
    groups += [(key,) for key in raw if key not in grouped]
    before = len(refusals)
    for group in groups:
        present = {key: raw[key] for key in group if key in raw}
        if present:
            refusals.check(lambda present=present: read(present))
    if len(refusals) > before:
        return None
    return refusals.check(lambda: read(raw))


@dataclass(frozen=True)
class TargetConfig(TargetSpec):
    """The ``target`` section: the fields and bounds of :class:`~mlp_widgets.config.specs.TargetSpec`.

    ``params`` always holds every parameter of the target (the defaults filled in).
    """

    @classmethod
    def from_dict(cls, data: Any) -> TargetConfig:
        """Read and check the ``target`` section (every bad field refused at once)."""
        return _one_section(data, "target", cls)

    @classmethod
    def _read(cls, raw: dict[str, Any]) -> TargetConfig:
        raw = dict(raw)
        if raw.get("params", None) is None:  # none given: the named target's own defaults, not the Gaussian's
            raw["params"] = {}
        spec = TargetSpec(**raw).checked(lambda key, label: _name(f"target.{key}"))
        return cls(**{f.name: getattr(spec, f.name) for f in fields(TargetSpec)})


@dataclass(frozen=True)
class NetworkConfig:
    """The starting network (x, y and its input features in, 1 output): hidden widths, one activation per
    hidden layer, initialisation, input features (:data:`~mlp_widgets.core.features.FEATURES`)."""

    hidden: tuple[int, ...] = NetSpec.hidden
    activations: tuple[str, ...] = NetSpec.activations
    init: str = NetSpec.init
    seed: int = NetSpec.seed
    mean: float = NetSpec.mean
    std: float = NetSpec.std
    features: tuple[str, ...] = NetSpec.features

    @classmethod
    def from_dict(cls, data: Any) -> NetworkConfig:
        """Read and check the ``network`` section (``activations`` may be one name for every layer)."""
        return _one_section(data, "network", cls)

    @classmethod
    def _read(cls, raw: dict[str, Any]) -> NetworkConfig:
        d = cls()
        hidden_raw = raw.get("hidden", list(d.hidden))
        if isinstance(hidden_raw, (str, bytes)) or not isinstance(hidden_raw, (list, tuple)):
            raise ValueError(f"{_name('network.hidden')} must be a list of layer widths; got {shown(hidden_raw)}.")
        acts_raw = raw.get("activations", "relu" if "hidden" in raw else list(d.activations))
        if isinstance(acts_raw, str):
            acts_raw = [acts_raw] * len(hidden_raw)
        if not isinstance(acts_raw, (list, tuple)):
            raise ValueError(
                f"{_name('network.activations')} must be a name or a list of names; got {shown(acts_raw)}."
            )
        features = raw.get("features", list(d.features))
        if isinstance(features, str) or not isinstance(features, (list, tuple)):
            raise ValueError(f"{_name('network.features')} must be a list of names; got {shown(features)}.")
        spec = NetSpec(
            2, tuple(hidden_raw), tuple(acts_raw), 1, raw.get("init", d.init), raw.get("seed", d.seed),
            raw.get("mean", d.mean), raw.get("std", d.std), tuple(features),
        ).checked(lambda key, label: _name(f"network.{key}"))  # fmt: skip
        return cls(spec.hidden, spec.activations, spec.init, spec.seed, spec.mean, spec.std, spec.features)

    def spec(self) -> NetSpec:
        """The layer builder's :class:`~mlp_widgets.settings.NetSpec` for this network."""
        return NetSpec(2, self.hidden, self.activations, 1, self.init, self.seed, self.mean, self.std, self.features)


@dataclass(frozen=True)
class SearchConfig(StepperSettings):
    """The random search's settings: the fields and bounds of :class:`~mlp_widgets.settings.StepperSettings`."""

    @classmethod
    def from_dict(cls, data: Any) -> SearchConfig:
        """Read and check the ``search`` section (every bad field refused at once)."""
        return _one_section(data, "search", cls)

    @classmethod
    def _read(cls, raw: dict[str, Any]) -> SearchConfig:
        checked = StepperSettings(**{**asdict(cls()), **raw}).checked(lambda key, label: _name(f"search.{key}"))
        return cls(**asdict(checked))

    def settings(self) -> dict[str, Any]:
        """Keyword arguments of ``RandomSearchStepper`` / ``RandomSearchStepper.configure``."""
        return asdict(self)


@dataclass(frozen=True)
class UIConfig:
    """What the page shows.

    ``tabs`` (keys of :data:`TABS`, in order); ``hidden_controls`` and
    ``fixed_controls`` (:data:`CONTROLS`); ``hidden_parts``, sub-tabs and
    blocks of text left out of the page (:data:`BLOCKS`, e.g. ``"builder.code"``,
    whose code is the answer to Task 1.11).
    """

    tabs: tuple[str, ...] = tuple(key for key, _ in TABS)
    hidden_controls: tuple[str, ...] = ()
    fixed_controls: tuple[str, ...] = ()
    hidden_parts: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Any) -> UIConfig:
        """Read and check the ``ui`` section (every bad field refused at once)."""
        return _one_section(data, "ui", cls)

    @classmethod
    def _read(cls, raw: dict[str, Any]) -> UIConfig:
        d = cls()
        return cls(
            tabs=_check_names("ui.tabs", raw.get("tabs", list(d.tabs)), dict(TABS), empty=False),
            hidden_controls=_check_names("ui.hidden_controls", raw.get("hidden_controls", []), CONTROLS, empty=True),
            fixed_controls=_check_names("ui.fixed_controls", raw.get("fixed_controls", []), CONTROLS, empty=True),
            hidden_parts=_check_names("ui.hidden_parts", raw.get("hidden_parts", []), BLOCKS, empty=True),
        )


_SECTIONS = {"target": TargetConfig, "network": NetworkConfig, "search": SearchConfig, "ui": UIConfig}


@dataclass(frozen=True)
class DashboardConfig:
    """A whole dashboard setup: ``target``, ``network``, ``search`` and ``ui`` sections.

    Build one with :meth:`from_dict`, :meth:`from_file` or :meth:`load`
    (which takes any of a config, a dict or a path); the constructor itself
    does not check its arguments.
    """

    target: TargetConfig = field(default_factory=TargetConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    ui: UIConfig = field(default_factory=UIConfig)

    @classmethod
    def from_dict(cls, data: Any) -> DashboardConfig:
        """Read a config from plain data (e.g. parsed JSON or YAML); missing fields take the defaults.

        Raises
        ------
        ValueError
            Listing every bad or unknown field, each by its path (one per line when there are several).
        """
        return cls._from_data(data)

    @classmethod
    def _from_data(cls, data: Any, where: str = "") -> DashboardConfig:
        refusals = _Refusals()
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            refusals.append(
                f"A dashboard config must be a mapping with the sections {', '.join(map(repr, _SECTIONS))}; "
                f"got {type(data).__name__}."
            )
            refusals.raise_any(where)
        refusals.check(lambda: _check_size(data))
        refusals.raise_any(where)
        for key in data:
            if key not in _SECTIONS:
                refusals.append(
                    f"config section {shown(key)} is unknown; the sections are {', '.join(map(repr, _SECTIONS))}."
                )
        sections = {
            key: _read_section(data.get(key), key, section, section._read, refusals)
            for key, section in _SECTIONS.items()
        }
        refusals.raise_any(where)
        return cls(**sections)

    @classmethod
    def from_file(cls, path: Pathish) -> DashboardConfig:
        """Read a ``.json``, ``.yaml`` or ``.yml`` config file.

        Raises
        ------
        ValueError
            If the file cannot be read or parsed, or is too big, or listing every bad field
            (the message starts with the file's name).
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".json", ".yaml", ".yml"):
            raise ValueError(f"A config file must end in .json, .yaml or .yml; got {path.name!r}.")
        try:
            size = os.stat(path).st_size
            if size > MAX_CONFIG_BYTES:
                raise ValueError(
                    f"The config file {path.name} is {size / 2**20:.1f} MiB; a config may be at most "
                    f"{MAX_CONFIG_BYTES // 2**20} MiB (a whole dashboard's config is a few hundred bytes)."
                )
            with open(path, "rb") as file:
                raw = file.read(MAX_CONFIG_BYTES + 1)  # bounded even where the size lies (a device)
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"The config file {path.name} is not text in UTF-8 (byte {exc.start} is not UTF-8)."
            ) from None
        except OSError as exc:
            raise ValueError(f"Cannot read the config file {path}: {exc.strerror or exc}.") from None
        return cls._from_data(parse_text(text, suffix, path.name), path.name)

    @classmethod
    def load(cls, source: DashboardConfig | Mapping | Pathish | None) -> DashboardConfig:
        """A config from a config (returned as is), a dict, a file path, or ``None`` (the defaults)."""
        if isinstance(source, DashboardConfig):
            return source
        if source is None or isinstance(source, Mapping):
            return cls.from_dict(source)
        if isinstance(source, (str, PathLike)):
            return cls.from_file(source)
        raise ValueError(
            f"A dashboard config must be a DashboardConfig, a dict or a path to a .json/.yaml file; "
            f"got {type(source).__name__}."
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, dicts, numbers, strings) that :meth:`from_dict` reads back to an equal config."""
        out: dict[str, Any] = {}
        for key in _SECTIONS:
            section = asdict(getattr(self, key))
            out[key] = {k: list(v) if isinstance(v, tuple) else v for k, v in section.items()}
        return out

    def save(self, path: Pathish) -> Path:
        """Write the config as JSON or YAML (by the file's ending); return the path."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".json":
            path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        elif suffix in (".yaml", ".yml"):
            import yaml

            path.write_text(yaml.safe_dump(self.to_dict(), sort_keys=False), encoding="utf-8")
        else:
            raise ValueError(f"A config file must end in .json, .yaml or .yml; got {path.name!r}.")
        return path

    def with_changes(self, **sections: Mapping[str, Any]) -> DashboardConfig:
        """A copy with some fields of some sections changed, checked like :meth:`from_dict`.

        Example: ``config.with_changes(search={"epsilon": 1e-3})``.
        """
        data = self.to_dict()
        for key, changes in sections.items():
            if key not in _SECTIONS:
                raise ValueError(f"config section {key!r} is unknown; the sections are {', '.join(_SECTIONS)}.")
            data[key] = {**data[key], **dict(changes)}
        return DashboardConfig.from_dict(data)


def _yaml_loader() -> type:
    """A safe YAML loader that also reads ``1e-5`` as a number (YAML 1.1 wants ``1.0e-5``)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    float_re = re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    )
    Loader.add_implicit_resolver("tag:yaml.org,2002:float", float_re, list("-+0123456789."))
    return Loader


def parse_text(text: str, suffix: str, name: str = "the config") -> Any:
    """Parse a config file's text as JSON (``.json``) or YAML (``.yaml``/``.yml``); a ``ValueError`` says where it breaks.

    The parsed data is bounded (:func:`_check_size`) before anything walks it.
    """
    if len(text) > MAX_CONFIG_BYTES:
        raise ValueError(f"{name} is longer than {MAX_CONFIG_BYTES // 2**20} MiB; a config is a few hundred bytes.")
    deep = f"{name} nests values too deeply (a config has at most {MAX_CONFIG_DEPTH} levels)."
    if suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
        except RecursionError:
            raise ValueError(deep) from None
    else:
        import yaml

        try:
            data = yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1}: {exc.problem})" if mark is not None else ""
            raise ValueError(f"{name} is not valid YAML{where}.") from None
        except RecursionError:
            raise ValueError(deep) from None
    try:
        _check_size(data)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    return data


def _check_size(data: Any) -> None:
    """Refuse data with more than :data:`MAX_CONFIG_VALUES` values or :data:`MAX_CONFIG_DEPTH` levels.

    Walks without recursion and counts a value each time it is reached, so an
    alias used a million times (a YAML "billion laughs" of a few hundred
    bytes) or a list that contains itself is refused after at most
    :data:`MAX_CONFIG_VALUES` steps, before any check prints or copies it.
    """
    count = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_CONFIG_VALUES:
            raise ValueError(
                f"the config holds more than {MAX_CONFIG_VALUES} values (a YAML alias counts each time it is "
                "used); a whole dashboard's config has a few dozen."
            )
        if depth > MAX_CONFIG_DEPTH:
            raise ValueError(f"the config nests values more than {MAX_CONFIG_DEPTH} levels deep.")
        if isinstance(value, (Mapping, list, tuple, set, frozenset)):
            if count + len(stack) + len(value) > MAX_CONFIG_VALUES:
                count = MAX_CONFIG_VALUES  # refused at the next value, without queueing a huge container
                stack.append((None, depth))
                continue
            if isinstance(value, Mapping):
                for key, item in value.items():
                    stack.append((key, depth + 1))
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


__all__ = [
    "CONFIG_ENV",
    "DashboardConfig",
    "NetworkConfig",
    "SearchConfig",
    "TargetConfig",
    "UIConfig",
    "parse_text",
]
