"""The torch core: everything Lab 2 builds, in plain torch (no widgets, no plots).

Read it in this order: ``linear`` → ``activations`` → ``net`` → ``torchnet`` →
``targets`` → ``losses`` → ``search``. Then what the widgets compute on top:
``loss_report`` (a loss from scratch vs torch, judged), ``race``, ``landscape``,
``units`` (what each unit computes) and ``batched`` (many networks at once).
Every bound lives in ``limits``; ``threads`` sets torch's thread count for a block.
"""

from .activations import (
    ACTIVATIONS,
    ELU,
    GELU,
    Activation,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softplus,
    Tanh,
    activation_from_torch,
    get_activation,
)
from .batched import ParamLayout, PopulationEvaluator, sample_losses
from .features import FEATURE_NAMES, FEATURES, input_names, net_inputs, takes_grid, with_features
from .landscape import Landscape, filter_normalized_direction, loss_landscape, random_directions
from .linear import INIT_SCHEMES, Linear
from .loss_report import LossRow, loss_row, verdict
from .losses import LOSSES, baselines, get_loss, huber_loss, mae_loss, mse_loss, r_squared, torch_loss
from .net import Net
from .race import RACERS, Race, RaceCurve, race
from .search import STRATEGIES, STRATEGY_LABELS, RandomSearch, SearchRecord
from .targets import (
    TARGETS,
    TEST_REGIONS,
    Dataset,
    gaussian_2d,
    lab2_dataset,
    make_dataset,
    make_grid,
    ripple,
    saddle,
    two_bumps,
)
from .threads import one_thread, torch_threads
from .torchnet import LAB_SEED, Comparison, TorchNet, TorchNet1, compare, from_torch, lab_net, to_torch

__all__ = [
    "FEATURES",
    "FEATURE_NAMES",
    "TEST_REGIONS",
    "input_names",
    "net_inputs",
    "takes_grid",
    "with_features",
    "LAB_SEED",
    "LossRow",
    "RACERS",
    "Race",
    "RaceCurve",
    "STRATEGY_LABELS",
    "lab_net",
    "loss_row",
    "one_thread",
    "race",
    "torch_threads",
    "verdict",
    "Landscape",
    "filter_normalized_direction",
    "loss_landscape",
    "random_directions",
    "sample_losses",
    "STRATEGIES",
    "SearchRecord",
    "RandomSearch",
    "PopulationEvaluator",
    "ParamLayout",
    "ACTIVATIONS",
    "ELU",
    "GELU",
    "INIT_SCHEMES",
    "LOSSES",
    "TARGETS",
    "Activation",
    "Comparison",
    "Dataset",
    "Identity",
    "LeakyReLU",
    "Linear",
    "Net",
    "ReLU",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "TorchNet",
    "TorchNet1",
    "activation_from_torch",
    "baselines",
    "compare",
    "from_torch",
    "gaussian_2d",
    "get_activation",
    "get_loss",
    "huber_loss",
    "lab2_dataset",
    "mae_loss",
    "make_dataset",
    "make_grid",
    "mse_loss",
    "r_squared",
    "ripple",
    "saddle",
    "to_torch",
    "torch_loss",
    "two_bumps",
]
