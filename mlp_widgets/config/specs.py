"""The specs: what a widget's state is, checked, independent of any widget.

:class:`NetSpec` builds the layer builder's network, :class:`InitSpec` says
how its parameters were drawn, :class:`StepperSettings` sets up the random
search and :class:`TargetSpec` samples the target on its grid. A widget holds
one of them as its state; a preset (:mod:`mlp_widgets.config.presets`) reads
into the same classes, so a bound or a default is written once. Nothing here
imports widgets, plots or code generation: reading a preset needs none.

``checked(name=...)`` checks every field; ``name(field, label)`` gives the
words used in a refusal — the widgets name the control (``"Seed must be …"``),
a preset names the field (``"config field 'network.seed' must be …"``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace

import torch
from torch import nn

from ..core import (
    ACTIVATIONS,
    INIT_SCHEMES,
    STRATEGIES,
    TARGETS,
    Dataset,
    Linear,
    Net,
    RandomSearch,
    from_torch,
    get_activation,
    make_dataset,
)
from ..core._validate import check_choice, check_float, check_int
from ..core.features import check_features
from ..core.limits import (
    GRID_LIMIT,
    GRID_POINTS_MAX,
    GRID_POINTS_MIN,
    MAX_CANDIDATES,
    MAX_HIDDEN,
    MAX_ITERS,
    MAX_L2,
    MAX_NOISE,
    MAX_SEED,
    MAX_TEST_FRACTION,
    MAX_WIDTH,
)
from ..core.targets import TEST_REGIONS

#: how a network's parameters are drawn: torch's own (Task 2.2), then the core's schemes, in plain words
INIT_LABELS: dict[str, str] = {
    "torch": "torch default (nn.Linear, as in Task 2.2)",
    "lab": "lab's init_params: W ~ N(0, 1), b ~ U[0, 1)",
    "normal": "normal N(mean, std²), b = 0 (Task 1.12)",
    "uniform": "uniform ±1/√N_in",
    "zeros": "zeros",
}
assert tuple(INIT_LABELS)[1:] == INIT_SCHEMES, "one label per scheme of Linear.init_params"
#: the schemes a NetSpec (and the generated code) can reproduce
INIT_CHOICES: tuple[str, ...] = tuple(INIT_LABELS)

#: ``name(field, label) -> words naming the value in a message``
Namer = Callable[[str, str], str]


def _label(field: str, label: str) -> str:
    return label


@dataclass(frozen=True)
class InitSpec:
    """How a net's parameters were drawn.

    Attributes
    ----------
    scheme : {"torch", "lab", "normal", "uniform", "zeros"}
        ``"torch"``: ``nn.Linear``'s own initialisation after
        ``torch.manual_seed(seed)`` (Task 2.2's ``torch.manual_seed(999)``);
        the others: :meth:`mlp_widgets.core.Linear.init_params` with a
        ``torch.Generator().manual_seed(seed)``, layer by layer.
    seed : int
        The seed.
    mean, std : float
        Parameters of ``"normal"``.
    """

    scheme: str = "torch"
    seed: int = 999
    mean: float = 0.0
    std: float = 0.02

    def __post_init__(self) -> None:
        check_choice("initialisation", self.scheme, INIT_CHOICES)
        check_int("seed", self.seed, 0, MAX_SEED)
        check_float("mean", self.mean)
        check_float("std", self.std, lo=0.0)


@dataclass(frozen=True)
class NetSpec:
    """Everything that determines the built network.

    The defaults are the lab's Task 2.2 network: ``torch.manual_seed(999)``
    then ``TorchNet(2, 25, 1)`` — 2 inputs, one hidden layer of 25 ReLU units,
    1 output, with ``nn.Linear``'s default initialisation — so the widget
    shows exactly the untrained prediction surface of the lab.

    ``features`` are input features after x and y
    (:data:`~mlp_widgets.core.features.FEATURES`, e.g. ``("x2", "sin_x")``);
    with any, ``n_in`` follows them (``2 + len(features)``) and
    :meth:`checked` sets it so.
    """

    n_in: int = 2
    hidden: tuple[int, ...] = (25,)
    activations: tuple[str, ...] = ("relu",)
    n_out: int = 1
    init: str = "torch"
    seed: int = 999
    mean: float = 0.0
    std: float = 0.02
    features: tuple[str, ...] = ()

    def checked(self, name: Namer = _label) -> NetSpec:
        """This spec with every value checked; raises ``ValueError`` with a sentence otherwise."""
        if len(self.hidden) > MAX_HIDDEN:
            raise ValueError(
                f"{name('hidden', 'The network')} may have at most {MAX_HIDDEN} hidden layers; got {len(self.hidden)}."
            )
        if len(self.activations) != len(self.hidden):
            raise ValueError(
                f"{name('activations', 'The network')} must give one activation per hidden layer: "
                f"{len(self.hidden)} layers but {len(self.activations)} activations."
            )
        features = check_features(self.features, name("features", "The input features"))
        return NetSpec(
            n_in=2 + len(features)
            if features
            else check_int(name("n_in", "Number of inputs"), self.n_in, 1, MAX_WIDTH),
            hidden=tuple(
                check_int(name(f"hidden[{i}]", f"Width of hidden layer {i + 1}"), h, 1, MAX_WIDTH)
                for i, h in enumerate(self.hidden)
            ),
            activations=tuple(
                check_choice(name(f"activations[{i}]", "activation"), a, tuple(ACTIVATIONS))
                for i, a in enumerate(self.activations)
            ),
            n_out=check_int(name("n_out", "Number of outputs"), self.n_out, 1, MAX_WIDTH),
            init=check_choice(name("init", "initialisation"), self.init, INIT_CHOICES),
            seed=check_int(name("seed", "Seed"), self.seed, 0, MAX_SEED),
            mean=check_float(name("mean", "Mean"), self.mean, lo=-100.0, hi=100.0),
            std=check_float(name("std", "Std"), self.std, lo=0.0, hi=100.0),
            features=features,
        )

    @classmethod
    def describing(cls, net: Net, base: NetSpec | None = None) -> NetSpec:
        """The spec of ``net``'s architecture, with ``base``'s initialisation settings (the lab's by default).

        Raises
        ------
        ValueError
            If the network is not ``Linear → activation → … → Linear`` with known activations and
            sizes within the bounds (a network file can hold other shapes).
        """
        base = base if base is not None else cls()
        layers = net.layers
        shape_ok = len(layers) % 2 == 1 and all(
            isinstance(layer, Linear) == (i % 2 == 0) for i, layer in enumerate(layers)
        )
        names = [getattr(layer, "name", "") for layer in layers[1::2]]
        if not shape_ok or any(name not in ACTIVATIONS for name in names):
            raise ValueError(
                "This network is not Linear → activation → … → Linear with one activation between two linear "
                "layers, so the builder's controls cannot describe it."
            )
        linear = net.linear_layers
        spec = replace(
            base, n_in=linear[0].N_in, hidden=tuple(layer.N_out for layer in linear[:-1]),
            activations=tuple(names), n_out=linear[-1].N_out, features=tuple(getattr(net, "features", ())),
        )  # fmt: skip
        return spec.checked()

    @property
    def init_spec(self) -> InitSpec:
        """How the parameters are drawn (for :mod:`mlp_widgets.export.code`)."""
        return InitSpec(self.init, self.seed, self.mean, self.std)

    def build(self) -> Net:
        """Build the network (checks the spec first). The global torch generator is left untouched."""
        spec = self.checked()
        if spec.init == "torch":
            return _torch_default_net(spec)
        return Net.build(
            spec.n_in, spec.hidden, spec.n_out, list(spec.activations), init=spec.init,
            mean=spec.mean, std=spec.std, seed=spec.seed, features=spec.features,
        )  # fmt: skip


def _torch_default_net(spec: NetSpec) -> Net:
    """``torch.manual_seed(seed)`` then ``nn.Linear`` layers in order, as the lab's ``TorchNet`` creates them."""
    sizes = [spec.n_in, *spec.hidden, spec.n_out]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed)
        modules: list[nn.Module] = []
        for i in range(len(sizes) - 1):
            modules.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(spec.hidden):
                modules.append(get_activation(spec.activations[i]).torch_module())
    net = from_torch(nn.Sequential(*modules))
    return Net(net.layers, spec.features) if spec.features else net


@dataclass(frozen=True)
class StepperSettings:
    """The search's settings (the defaults are the lab's: ε = 1e-5, 50 iterations, U(±0.025) / U(±0.05)).

    ``l2`` is λ of an L2 penalty λ·Σw² over the weights (not the biases): the
    random strategies accept a candidate by loss + penalty, gradient descent
    descends it (weight decay). 0, the lab's, adds nothing.
    """

    strategy: str = "redraw"
    epsilon: float = 1e-5
    max_iters: int = 50
    weight_range: float = 0.025
    bias_range: float = 0.05
    sigma: float = 0.01
    adapt_sigma: bool = False
    lr: float = 0.01
    candidates: int = 1
    seed: int = 0
    l2: float = 0.0

    def checked(self, name: Namer = _label) -> StepperSettings:
        """These settings with every value checked; raises ``ValueError`` with a sentence otherwise."""
        if not isinstance(self.adapt_sigma, bool):
            raise ValueError(f"{name('adapt_sigma', 'Adapt σ')} must be true or false; got {self.adapt_sigma!r}.")
        return StepperSettings(
            strategy=check_choice(name("strategy", "strategy"), self.strategy, STRATEGIES),
            epsilon=check_float(name("epsilon", "ε (loss threshold)"), self.epsilon, lo=0.0, lo_open=True, hi=1e3),
            max_iters=check_int(name("max_iters", "Max iterations"), self.max_iters, 1, MAX_ITERS),
            weight_range=check_float(name("weight_range", "Weight draw scale"), self.weight_range, lo=0.0, hi=100.0),
            bias_range=check_float(name("bias_range", "Bias draw scale"), self.bias_range, lo=0.0, hi=100.0),
            sigma=check_float(name("sigma", "Noise scale σ"), self.sigma, lo=0.0, hi=100.0),
            adapt_sigma=self.adapt_sigma,
            lr=check_float(name("lr", "Learning rate"), self.lr, lo=0.0, lo_open=True, hi=100.0),
            candidates=check_int(name("candidates", "Candidates per step"), self.candidates, 1, MAX_CANDIDATES),
            seed=check_int(name("seed", "Seed"), self.seed, 0, MAX_SEED),
            l2=check_float(name("l2", "L2 penalty λ"), self.l2, lo=0.0, hi=MAX_L2),
        )

    def engine(self, net: Net, dataset: Dataset) -> RandomSearch:
        """A fresh :class:`RandomSearch` with these settings (gradient takes one candidate per step)."""
        kwargs = asdict(self)
        candidates = kwargs.pop("candidates")
        return RandomSearch(net, dataset, batch_size=1 if self.strategy == "gradient" else candidates, **kwargs)


@dataclass(frozen=True)
class TargetSpec:
    """The target: its ``name`` in :data:`~mlp_widgets.core.TARGETS`, its ``params``, and the grid.

    The grid is ``[lo, hi]²`` with ``n`` points per axis; the defaults are the
    lab's Gaussian on its 50×50 grid over ``[-2, 2]²``. ``params`` may leave
    parameters out: :meth:`checked` fills in their defaults.

    ``noise`` (with ``noise_seed``) and ``test_fraction`` (with
    ``test_region`` and ``split_seed``) add noise to the training values and
    hold out a test set (see :func:`~mlp_widgets.core.make_dataset`); the
    defaults, none of either, are the lab's.
    """

    name: str = "gaussian"
    params: Mapping[str, float] = field(default_factory=lambda: TARGETS["gaussian"].defaults())
    lo: float = -2.0
    hi: float = 2.0
    n: int = 50
    noise: float = 0.0
    noise_seed: int = 0
    test_fraction: float = 0.0
    test_region: str = "random"
    split_seed: int = 0

    def checked(self, name: Namer = _label) -> TargetSpec:
        """This spec with every value checked and every parameter filled in; raises ``ValueError`` otherwise."""
        target = check_choice(name("name", "target"), self.name, tuple(TARGETS))
        if not isinstance(self.params, Mapping):
            raise ValueError(f"{name('params', 'The parameters')} must be a mapping of values; got {self.params!r}.")
        spec = TARGETS[target]
        labels = {key: p.label or key for key, p in spec.params.items()}
        params = spec.checked(self.params, lambda key: name(f"params.{key}", labels.get(key, key)))
        lo = check_float(name("lo", "The grid start"), self.lo, lo=-GRID_LIMIT, hi=GRID_LIMIT)
        hi = check_float(name("hi", "The grid end"), self.hi, lo=-GRID_LIMIT, hi=GRID_LIMIT)
        if not lo < hi:
            raise ValueError(
                f"{name('lo', 'The grid start')} must be below {name('hi', 'the grid end')}; got {lo:g} and {hi:g}."
            )
        n = check_int(name("n", "Points per axis"), self.n, GRID_POINTS_MIN, GRID_POINTS_MAX)
        return TargetSpec(
            target, params, lo, hi, n,
            noise=check_float(name("noise", "Noise"), self.noise, lo=0.0, hi=MAX_NOISE),
            noise_seed=check_int(name("noise_seed", "Noise seed"), self.noise_seed, 0, MAX_SEED),
            test_fraction=check_float(
                name("test_fraction", "Test fraction"), self.test_fraction, lo=0.0, hi=MAX_TEST_FRACTION
            ),
            test_region=check_choice(name("test_region", "Test region"), self.test_region, tuple(TEST_REGIONS)),
            split_seed=check_int(name("split_seed", "Split seed"), self.split_seed, 0, MAX_SEED),
        )  # fmt: skip

    @classmethod
    def of(cls, dataset: Dataset) -> TargetSpec:
        """The spec a dataset was sampled from."""
        return cls(
            dataset.target, dict(dataset.params), dataset.lo, dataset.hi, dataset.n, dataset.noise,
            dataset.noise_seed, dataset.test_fraction, dataset.test_region, dataset.split_seed,
        )  # fmt: skip

    def dataset(self) -> Dataset:
        """The target sampled on its grid (checks the spec first)."""
        spec = self.checked()
        return make_dataset(
            spec.name, spec.lo, spec.hi, spec.n, noise=spec.noise, noise_seed=spec.noise_seed,
            test_fraction=spec.test_fraction, test_region=spec.test_region, split_seed=spec.split_seed,
            **spec.params,
        )  # fmt: skip
