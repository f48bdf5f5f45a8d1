"""The settings behind the widgets and the teachers' presets, in one place.

:class:`NetSpec` is what builds the layer builder's network and
:class:`StepperSettings` what sets up the random search. The widgets and
:mod:`mlp_widgets.config` both use them, so a bound or a default is written
once. No widget imports here: reading a preset needs none.

``checked(name=...)`` checks every field; ``name(field, label)`` gives the
words used in a refusal — the widgets name the control (``"Seed must be …"``),
a preset names the field (``"config field 'network.seed' must be …"``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
from torch import nn

from .codegen import CODE_INIT_SCHEMES, InitSpec
from .core import ACTIVATIONS, STRATEGIES, Dataset, Net, RandomSearch, from_torch, get_activation
from .core._validate import check_choice, check_float, check_int

#: largest width of a hidden layer, and largest number of inputs / outputs, the widgets offer
MAX_WIDTH = 256
#: largest number of hidden layers
MAX_HIDDEN = 8
#: largest seed
MAX_SEED = 2**31 - 1
#: largest max-iterations and batch size of the search
MAX_ITERS, MAX_BATCH = 1_000_000, 4096

#: ``name(field, label) -> words naming the value in a message``
Namer = Callable[[str, str], str]


def _label(field: str, label: str) -> str:
    return label


@dataclass(frozen=True)
class NetSpec:
    """Everything that determines the built network.

    The defaults are the lab's Task 2.2 network: ``torch.manual_seed(999)``
    then ``TorchNet(2, 25, 1)`` — 2 inputs, one hidden layer of 25 ReLU units,
    1 output, with ``nn.Linear``'s default initialisation — so the widget
    shows exactly the untrained prediction surface of the lab.
    """

    n_in: int = 2
    hidden: tuple[int, ...] = (25,)
    activations: tuple[str, ...] = ("relu",)
    n_out: int = 1
    init: str = "torch"
    seed: int = 999
    mean: float = 0.0
    std: float = 0.02

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
        return NetSpec(
            n_in=check_int(name("n_in", "Number of inputs"), self.n_in, 1, MAX_WIDTH),
            hidden=tuple(
                check_int(name(f"hidden[{i}]", f"Width of hidden layer {i + 1}"), h, 1, MAX_WIDTH)
                for i, h in enumerate(self.hidden)
            ),
            activations=tuple(
                check_choice(name(f"activations[{i}]", "activation"), a, tuple(ACTIVATIONS))
                for i, a in enumerate(self.activations)
            ),
            n_out=check_int(name("n_out", "Number of outputs"), self.n_out, 1, MAX_WIDTH),
            init=check_choice(name("init", "initialisation"), self.init, CODE_INIT_SCHEMES),
            seed=check_int(name("seed", "Seed"), self.seed, 0, MAX_SEED),
            mean=check_float(name("mean", "Mean"), self.mean, lo=-100.0, hi=100.0),
            std=check_float(name("std", "Std"), self.std, lo=0.0, hi=100.0),
        )

    @property
    def init_spec(self) -> InitSpec:
        """How the parameters are drawn (for :mod:`mlp_widgets.codegen`)."""
        return InitSpec(self.init, self.seed, self.mean, self.std)

    def build(self) -> Net:
        """Build the network (checks the spec first). The global torch generator is left untouched."""
        spec = self.checked()
        if spec.init == "torch":
            return _torch_default_net(spec)
        return Net.build(
            spec.n_in, spec.hidden, spec.n_out, list(spec.activations), init=spec.init,
            mean=spec.mean, std=spec.std, seed=spec.seed,
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
    return from_torch(nn.Sequential(*modules))


@dataclass(frozen=True)
class StepperSettings:
    """The search's settings (the defaults are the lab's: ε = 1e-5, 50 iterations, U(±0.025) / U(±0.05))."""

    strategy: str = "redraw"
    epsilon: float = 1e-5
    max_iters: int = 50
    weight_range: float = 0.025
    bias_range: float = 0.05
    sigma: float = 0.01
    adapt_sigma: bool = False
    lr: float = 0.01
    batch_size: int = 1
    seed: int = 0

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
            batch_size=check_int(name("batch_size", "Batch size"), self.batch_size, 1, MAX_BATCH),
            seed=check_int(name("seed", "Seed"), self.seed, 0, MAX_SEED),
        )

    def engine(self, net: Net, dataset: Dataset) -> RandomSearch:
        """A fresh :class:`RandomSearch` with these settings (gradient always takes batch size 1)."""
        kwargs = asdict(self)
        if self.strategy == "gradient":
            kwargs["batch_size"] = 1
        return RandomSearch(net, dataset, **kwargs)
