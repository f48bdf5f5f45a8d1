"""Dashboard configurations: a teacher's starting point for a whole class.

A :class:`DashboardConfig` says which target the class fits, which network it
starts from, how the random search is set up, and what the page shows: which
tabs, which controls are hidden and which are fixed (shown but disabled). It
comes from a dict, a JSON file or a YAML file, every field is checked, and a
bad one is refused with a sentence that names it::

    config field 'search.epsilon' must be a number above 0 and at most 1000; got -1.

Missing fields take the lab's defaults, unknown fields are refused by name, and
:meth:`DashboardConfig.to_dict` gives back what :meth:`DashboardConfig.from_dict`
reads (a round trip gives an equal config).

Controls are named ``"<part>.<control>"`` (see :data:`CONTROLS`), e.g.
``"builder.seed"`` is the layer builder's seed box and ``"search.epsilon"`` the
random search's ε box.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from os import PathLike
from pathlib import Path
from typing import Any

from .names import CONTROLS, PARTS, TABS
from .specs import NetSpec, StepperSettings, TargetSpec

#: environment variable naming a config file that ``Dashboard()`` reads when given no config
CONFIG_ENV = "MLP_WIDGETS_CONFIG"

Pathish = str | PathLike


def _name(path: str) -> str:
    return f"config field '{path}'"


def _check_bool(path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{_name(path)} must be true or false; got {value!r}.")
    return value


def _check_names(path: str, value: Any, allowed: Mapping[str, Any] | tuple[str, ...], *, empty: bool) -> tuple:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(f"{_name(path)} must be a list of names; got {value!r}.")
    if not empty and not value:
        raise ValueError(f"{_name(path)} must name at least one of {', '.join(map(repr, allowed))}; got [].")
    for i, item in enumerate(value):
        if item not in allowed:
            if path.startswith("ui.") and path.endswith("_controls"):
                raise ValueError(
                    f"{_name(f'{path}[{i}]')} names no control: {item!r}. Controls are named "
                    f"'<part>.<control>' with part one of {', '.join(map(repr, PARTS))}, "
                    f"e.g. 'builder.seed' or 'search.epsilon' (see mlp_widgets.config.CONTROLS)."
                )
            raise ValueError(f"{_name(f'{path}[{i}]')} must be one of {', '.join(map(repr, allowed))}; got {item!r}.")
    if len(set(value)) != len(value):
        raise ValueError(f"{_name(path)} names something twice: {list(value)!r}.")
    return tuple(value)


def _section(data: Any, path: str, cls: type) -> dict[str, Any]:
    """``data`` as a dict of known field names, or a ``ValueError`` naming the unknown one."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ValueError(f"config section '{path}' must be a mapping of fields; got {type(data).__name__}.")
    known = [f.name for f in fields(cls)]
    for key in data:
        if key not in known:
            raise ValueError(
                f"{_name(f'{path}.{key}')} is unknown; the fields of '{path}' are {', '.join(map(repr, known))}."
            )
    return dict(data)


@dataclass(frozen=True)
class TargetConfig(TargetSpec):
    """The ``target`` section: the fields and bounds of :class:`~mlp_widgets.config.specs.TargetSpec`.

    ``params`` always holds every parameter of the target (the defaults filled in).
    """

    @classmethod
    def from_dict(cls, data: Any) -> TargetConfig:
        """Read and check the ``target`` section."""
        raw = _section(data, "target", cls)
        if "params" in raw and raw["params"] is None:
            raw["params"] = {}
        spec = TargetSpec(**raw).checked(lambda key, label: _name(f"target.{key}"))
        return cls(spec.name, spec.params, spec.lo, spec.hi, spec.n)


@dataclass(frozen=True)
class NetworkConfig:
    """The starting network (2 inputs, 1 output): hidden widths, one activation per hidden layer, initialisation."""

    hidden: tuple[int, ...] = NetSpec.hidden
    activations: tuple[str, ...] = NetSpec.activations
    init: str = NetSpec.init
    seed: int = NetSpec.seed
    mean: float = NetSpec.mean
    std: float = NetSpec.std

    @classmethod
    def from_dict(cls, data: Any) -> NetworkConfig:
        """Read and check the ``network`` section (``activations`` may be one name for every layer)."""
        raw = _section(data, "network", cls)
        d = cls()
        hidden_raw = raw.get("hidden", list(d.hidden))
        if isinstance(hidden_raw, (str, bytes)) or not isinstance(hidden_raw, (list, tuple)):
            raise ValueError(f"{_name('network.hidden')} must be a list of layer widths; got {hidden_raw!r}.")
        acts_raw = raw.get("activations", "relu" if "hidden" in raw else list(d.activations))
        if isinstance(acts_raw, str):
            acts_raw = [acts_raw] * len(hidden_raw)
        if not isinstance(acts_raw, (list, tuple)):
            raise ValueError(f"{_name('network.activations')} must be a name or a list of names; got {acts_raw!r}.")
        spec = NetSpec(
            2, tuple(hidden_raw), tuple(acts_raw), 1, raw.get("init", d.init), raw.get("seed", d.seed),
            raw.get("mean", d.mean), raw.get("std", d.std),
        ).checked(lambda key, label: _name(f"network.{key}"))  # fmt: skip
        return cls(spec.hidden, spec.activations, spec.init, spec.seed, spec.mean, spec.std)

    def spec(self) -> NetSpec:
        """The layer builder's :class:`~mlp_widgets.settings.NetSpec` for this network."""
        return NetSpec(2, self.hidden, self.activations, 1, self.init, self.seed, self.mean, self.std)


@dataclass(frozen=True)
class SearchConfig(StepperSettings):
    """The random search's settings: the fields and bounds of :class:`~mlp_widgets.settings.StepperSettings`."""

    @classmethod
    def from_dict(cls, data: Any) -> SearchConfig:
        """Read and check the ``search`` section."""
        raw = _section(data, "search", cls)
        checked = StepperSettings(**{**asdict(cls()), **raw}).checked(lambda key, label: _name(f"search.{key}"))
        return cls(**asdict(checked))

    def settings(self) -> dict[str, Any]:
        """Keyword arguments of ``RandomSearchStepper`` / ``RandomSearchStepper.configure``."""
        return asdict(self)


@dataclass(frozen=True)
class UIConfig:
    """What the page shows: ``tabs`` (keys of :data:`TABS`), ``hidden_controls`` and ``fixed_controls`` (:data:`CONTROLS`)."""

    tabs: tuple[str, ...] = tuple(key for key, _ in TABS)
    hidden_controls: tuple[str, ...] = ()
    fixed_controls: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Any) -> UIConfig:
        """Read and check the ``ui`` section."""
        raw = _section(data, "ui", cls)
        d = cls()
        return cls(
            tabs=_check_names("ui.tabs", raw.get("tabs", list(d.tabs)), dict(TABS), empty=False),
            hidden_controls=_check_names("ui.hidden_controls", raw.get("hidden_controls", []), CONTROLS, empty=True),
            fixed_controls=_check_names("ui.fixed_controls", raw.get("fixed_controls", []), CONTROLS, empty=True),
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
            Naming the first bad or unknown field.
        """
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ValueError(
                f"A dashboard config must be a mapping with the sections {', '.join(map(repr, _SECTIONS))}; "
                f"got {type(data).__name__}."
            )
        for key in data:
            if key not in _SECTIONS:
                raise ValueError(
                    f"config section {key!r} is unknown; the sections are {', '.join(map(repr, _SECTIONS))}."
                )
        return cls(**{key: section.from_dict(data.get(key)) for key, section in _SECTIONS.items()})

    @classmethod
    def from_file(cls, path: Pathish) -> DashboardConfig:
        """Read a ``.json``, ``.yaml`` or ``.yml`` config file.

        Raises
        ------
        ValueError
            If the file cannot be read or parsed, or a field is bad (the message names it).
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".json", ".yaml", ".yml"):
            raise ValueError(f"A config file must end in .json, .yaml or .yml; got {path.name!r}.")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise ValueError(f"Cannot read the config file {path}: {reason}.") from None
        return cls.from_dict(parse_text(text, suffix, path.name))

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
    """Parse a config file's text as JSON (``.json``) or YAML (``.yaml``/``.yml``); a ``ValueError`` says where it breaks."""
    if suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1}: {exc.problem})" if mark is not None else ""
        raise ValueError(f"{name} is not valid YAML{where}.") from None


__all__ = [
    "CONFIG_ENV",
    "DashboardConfig",
    "NetworkConfig",
    "SearchConfig",
    "TargetConfig",
    "UIConfig",
    "parse_text",
]
