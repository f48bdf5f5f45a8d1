"""Functions to approximate, sampled on a square grid (Lab 2, section 2)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np
import torch

from ._validate import check_choice, check_float, check_int
from .limits import GRID_LIMIT, GRID_POINTS_MAX, GRID_POINTS_MIN, MAX_NOISE, MAX_SEED, MAX_TEST_FRACTION


def make_grid(lo: float = -2.0, hi: float = 2.0, n: int = 50) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample the square ``[lo, hi]²`` on an ``n × n`` grid, as the lab does.

    Parameters
    ----------
    lo, hi : float
        Range of both axes (``lo < hi``).
    n : int
        Points per axis (:data:`~mlp_widgets.core.limits.GRID_POINTS_MIN` to ``GRID_POINTS_MAX``).

    Returns
    -------
    x_nodes, y_nodes : ndarray, shape (n, n)
        ``np.meshgrid`` of the axis samples.
    nodes : ndarray, shape (n*n, 2)
        The grid points, one row each (``x`` then ``y``), float64.

    Raises
    ------
    ValueError
        If ``n`` or the range is outside :mod:`~mlp_widgets.core.limits`, or the range is empty.
    """
    n = check_int("points per axis", n, GRID_POINTS_MIN, GRID_POINTS_MAX)
    lo = check_float("grid start", lo, lo=-GRID_LIMIT, hi=GRID_LIMIT)
    hi = check_float("grid end", hi, lo=-GRID_LIMIT, hi=GRID_LIMIT)
    if not lo < hi:
        raise ValueError(f"The grid start must be below its end; got start {lo:g} and end {hi:g}.")
    x_range = np.linspace(lo, hi, n)
    y_range = np.linspace(lo, hi, n)
    x_nodes, y_nodes = np.meshgrid(x_range, y_range)
    nodes = np.column_stack((x_nodes.ravel(), y_nodes.ravel()))
    return x_nodes, y_nodes, nodes


def gaussian_2d(nodes: np.ndarray, mu_x: float = 0.0, mu_y: float = 0.0, variance: float = 50.0) -> np.ndarray:
    """Density of an isotropic 2-D Gaussian at each row of ``nodes``.

    ``f(x, y) = exp(-[(x-μx)² + (y-μy)²] / (2 σ²)) / (2π σ²)`` with
    ``σ² = variance``.

    Lab errata: the lab's formula names σ = 50, but its code builds
    ``cov = [[sigma, 0], [0, sigma]]`` with ``sigma = 50``, i.e. passes 50 as the
    *covariance*: σ² = 50 (σ ≈ 7.07). This parameter is named for what it is.
    On [-2, 2]² such a wide bell is almost flat: values from about 2.93e-3 at
    the corners to 3.18e-3 at the centre.

    Raises
    ------
    ValueError
        If ``variance`` is not positive or a mean is not finite.
    """
    mu_x = check_float("mu_x", mu_x)
    mu_y = check_float("mu_y", mu_y)
    variance = check_float("variance", variance, lo=0.0, lo_open=True)
    # The same float operations, in the same order, as scipy.stats.multivariate_normal(mean,
    # variance·I).pdf — so the values equal the lab's bit for bit (tested) — without importing
    # scipy.stats, which costs 0.7 s and ~30 MiB in every dashboard kernel.
    dev = np.asarray(nodes, dtype=np.float64) - np.array([mu_x, mu_y])
    whiten = np.sqrt(1.0 / variance)
    maha = np.sum(np.square(dev * whiten), axis=-1)
    log_pdet = np.log(variance) + np.log(variance)
    return np.atleast_1d(np.exp(-0.5 * (2 * np.log(2 * np.pi) + log_pdet + maha)))


def two_bumps(nodes: np.ndarray, separation: float = 1.0, variance: float = 0.25) -> np.ndarray:
    """Mean of two Gaussian bumps centred at ``(±separation, 0)``."""
    separation = check_float("separation", separation, lo=0.0, hi=100.0)
    variance = check_float("variance", variance, lo=0.0, lo_open=True)
    left = gaussian_2d(nodes, -separation, 0.0, variance)
    right = gaussian_2d(nodes, separation, 0.0, variance)
    return 0.5 * (left + right)


def saddle(nodes: np.ndarray, scale: float = 0.1) -> np.ndarray:
    """Saddle ``scale · (x² − y²)``."""
    scale = check_float("scale", scale, lo=-100.0, hi=100.0)
    nodes = np.asarray(nodes, dtype=np.float64)
    return scale * (nodes[:, 0] ** 2 - nodes[:, 1] ** 2)


def ripple(nodes: np.ndarray, frequency: float = 3.0) -> np.ndarray:
    """Ripple ``sin(k·r) / (k·r)`` with ``r = √(x² + y²)`` (1 at the centre)."""
    k = check_float("frequency", frequency, lo=0.0, lo_open=True, hi=100.0)
    nodes = np.asarray(nodes, dtype=np.float64)
    kr = k * np.hypot(nodes[:, 0], nodes[:, 1])
    return np.sinc(kr / np.pi)  # numpy's sinc is sin(πx)/(πx)


@dataclass(frozen=True)
class Param:
    """A target parameter: default value and allowed range (inclusive; ``lo_open`` excludes ``lo``)."""

    default: float
    lo: float
    hi: float
    lo_open: bool = False
    label: str = ""


@dataclass(frozen=True)
class Target:
    """A named 2-D target: its function, parameters and a formula template."""

    name: str
    label: str
    fn: Callable[..., np.ndarray]
    params: MappingProxyType
    formula: str

    def defaults(self) -> dict[str, float]:
        """The default value of every parameter."""
        return {k: p.default for k, p in self.params.items()}

    def check_params(self, **params: float) -> dict[str, float]:
        """Defaults overridden by ``params``; every value checked against its range.

        Raises
        ------
        ValueError
            For an unknown parameter name or a value out of range.
        """
        return self.checked(params)

    def checked(self, params: Mapping[str, object], field: Callable[[str], str] | None = None) -> dict[str, float]:
        """Like :meth:`check_params`; ``field(key)`` names a value in refusals (a preset names its field path).

        Raises
        ------
        ValueError
            For an unknown parameter name or a value out of range.
        """
        values = self.defaults()
        for key, value in params.items():
            if key not in self.params:
                if field is None:
                    raise ValueError(
                        f"The {self.label} target has no parameter {key!r}; its parameters are "
                        f"{', '.join(self.params) or 'none'}."
                    )
                raise ValueError(
                    f"{field(key)} is unknown; the parameters of the {self.label} target are "
                    f"{', '.join(map(repr, self.params)) or 'none'}."
                )
            p = self.params[key]
            name = field(key) if field is not None else (p.label or key)
            values[key] = check_float(name, value, lo=p.lo, hi=p.hi, lo_open=p.lo_open)
        return values

    def describe(self, **params: float) -> str:
        """The formula with the current numbers filled in."""
        return self.formula.format(**self.check_params(**params))


#: name -> Target offered by the widgets
TARGETS: dict[str, Target] = {
    "gaussian": Target(
        "gaussian",
        "Gaussian (lab)",
        gaussian_2d,
        MappingProxyType(
            {
                "mu_x": Param(0.0, -10.0, 10.0, label="μx"),
                "mu_y": Param(0.0, -10.0, 10.0, label="μy"),
                "variance": Param(50.0, 0.0, 1e4, lo_open=True, label="variance σ²"),
            }
        ),
        "f(x, y) = exp(−[(x − {mu_x:g})² + (y − {mu_y:g})²] / (2·{variance:g})) / (2π·{variance:g})",
    ),
    "two_bumps": Target(
        "two_bumps",
        "Two bumps",
        two_bumps,
        MappingProxyType(
            {
                "separation": Param(1.0, 0.0, 10.0, label="separation"),
                "variance": Param(0.25, 0.0, 100.0, lo_open=True, label="variance σ²"),
            }
        ),
        "f(x, y) = ½·[N((x, y); (−{separation:g}, 0), {variance:g}·I) + N((x, y); ({separation:g}, 0), {variance:g}·I)]",
    ),
    "saddle": Target(
        "saddle",
        "Saddle",
        saddle,
        MappingProxyType({"scale": Param(0.1, -10.0, 10.0, label="scale")}),
        "f(x, y) = {scale:g}·(x² − y²)",
    ),
    "ripple": Target(
        "ripple",
        "Ripple",
        ripple,
        MappingProxyType({"frequency": Param(3.0, 0.0, 20.0, lo_open=True, label="frequency k")}),
        "f(x, y) = sin({frequency:g}·r) / ({frequency:g}·r),  r = √(x² + y²)",
    ),
}


#: where the held-out test points lie: at random, or in a corner of the grid (extrapolation)
TEST_REGIONS: dict[str, str] = {
    "random": "at random over the grid",
    "top-right": "the top-right corner (x and y high)",
    "top-left": "the top-left corner (x low, y high)",
    "bottom-left": "the bottom-left corner (x and y low)",
    "bottom-right": "the bottom-right corner (x high, y low)",
}


@dataclass(frozen=True, eq=False)
class Dataset:
    """A target sampled on a grid: what a network is trained and judged on.

    Attributes
    ----------
    x_nodes, y_nodes : ndarray, shape (n, n)
        Grid coordinates (for surface plots).
    nodes : ndarray, shape (n*n, 2)
        Grid points, float64 — the lab's ``nodes``.
    ground_truth : torch.Tensor, shape (n*n,)
        Target values, float32 — the lab's ``ground_truth``; with noise, the
        training points carry it (held-out points keep their clean value).
    target : str
        Name of the target in :data:`TARGETS`.
    params : dict
        The target's parameters.
    lo, hi : float
        Grid range.
    clean : torch.Tensor or None
        The values without noise (``None``: no noise, they are ``ground_truth``).
    train_mask : torch.Tensor or None
        ``(n*n,)`` bools, true at the points a network is trained on
        (``None``: every point; there is no test set).
    noise, noise_seed, test_fraction, test_region, split_seed :
        How the noise and the split were drawn (see :func:`make_dataset`).
    """

    x_nodes: np.ndarray
    y_nodes: np.ndarray
    nodes: np.ndarray
    ground_truth: torch.Tensor
    target: str = "gaussian"
    params: dict = field(default_factory=dict)
    lo: float = -2.0
    hi: float = 2.0
    clean: torch.Tensor | None = None
    train_mask: torch.Tensor | None = None
    noise: float = 0.0
    noise_seed: int = 0
    test_fraction: float = 0.0
    test_region: str = "random"
    split_seed: int = 0
    _featured: dict = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def inputs(self) -> torch.Tensor:
        """``nodes`` as a float32 tensor — the lab's ``torch_nodes``."""
        return torch.tensor(self.nodes, dtype=torch.float32)

    def inputs_with(self, features: tuple[str, ...] = ()) -> torch.Tensor:
        """:attr:`inputs` with a column per input feature (:mod:`~mlp_widgets.core.features`); cached."""
        from .features import check_features, with_features

        key = check_features(features)
        if not key:
            return self.inputs
        if key not in self._featured:
            self._featured[key] = with_features(self.inputs, key)
        return self._featured[key]

    @property
    def n(self) -> int:
        """Points per axis."""
        return int(self.x_nodes.shape[0])

    @property
    def values(self) -> torch.Tensor:
        """The target without noise (``ground_truth`` when there is none)."""
        return self.ground_truth if self.clean is None else self.clean

    @property
    def has_split(self) -> bool:
        """Whether some points are held out as a test set."""
        return self.train_mask is not None

    @property
    def test_mask(self) -> torch.Tensor | None:
        """``(n*n,)`` bools, true at the held-out points (``None`` without a split)."""
        return None if self.train_mask is None else ~self.train_mask

    def training(self, features: tuple[str, ...] = ()) -> tuple[torch.Tensor, torch.Tensor]:
        """``(inputs, values)`` a network is trained on: every point, or the training points of a split.

        Without a split these are :attr:`inputs` (with ``features``) and
        :attr:`ground_truth` themselves, so the lab's numbers are the lab's.
        """
        x = self.inputs_with(features)
        if self.train_mask is None:
            return x, self.ground_truth
        return x[self.train_mask], self.ground_truth[self.train_mask]

    def testing(self, features: tuple[str, ...] = ()) -> tuple[torch.Tensor, torch.Tensor] | None:
        """``(inputs, values)`` of the held-out points (their clean values), or ``None`` without a split."""
        if self.train_mask is None:
            return None
        mask = ~self.train_mask
        return self.inputs_with(features)[mask], self.ground_truth[mask]

    def held_out(self) -> np.ndarray:
        """``(k, 2)`` coordinates of the held-out points (empty without a split)."""
        if self.train_mask is None:
            return np.empty((0, 2))
        return self.nodes[~self.train_mask.numpy()]

    def grid(self, values: torch.Tensor | np.ndarray) -> np.ndarray:
        """Reshape one value per node (e.g. a prediction) to the ``(n, n)`` grid."""
        if isinstance(values, torch.Tensor):
            values = values.detach().cpu().numpy()
        values = np.asarray(values)
        if values.size != self.x_nodes.size:
            raise ValueError(f"Expected {self.x_nodes.size} values (one per grid point); got {values.size}.")
        return values.reshape(self.x_nodes.shape)

    def describe(self) -> str:
        """The target's formula with its numbers."""
        return TARGETS[self.target].describe(**self.params)

    def describe_split(self) -> str:
        """A sentence on the noise and the held-out points (empty when there are neither)."""
        parts = []
        if self.noise > 0:
            parts.append(
                f"Gaussian noise of {self.noise:g} × the target's standard deviation on the training values "
                f"(seed {self.noise_seed})"
            )
        if self.train_mask is not None:
            k = int((~self.train_mask).sum())
            where = TEST_REGIONS[self.test_region]
            seed = f", seed {self.split_seed}" if self.test_region == "random" else ""
            parts.append(f"{k} of {self.train_mask.numel()} points held out as a test set, {where}{seed}")
        return "; ".join(parts)


def _test_mask(nodes: np.ndarray, lo: float, hi: float, fraction: float, region: str, seed: int) -> np.ndarray:
    """Bools, true at the ``round(fraction · N)`` held-out points (at least one, and one point left to train)."""
    n_points = nodes.shape[0]
    k = min(max(1, round(fraction * n_points)), n_points - 1)
    if region == "random":
        order = torch.randperm(n_points, generator=torch.Generator().manual_seed(seed)).numpy()
    else:
        corner_x = hi if region.endswith("right") else lo
        corner_y = hi if region.startswith("top") else lo
        # a square in the corner: the points nearest it in the max-norm (ties in grid order, so it is fixed)
        distance = np.maximum(np.abs(nodes[:, 0] - corner_x), np.abs(nodes[:, 1] - corner_y))
        order = np.argsort(distance, kind="stable")
    mask = np.zeros(n_points, dtype=bool)
    mask[order[:k]] = True
    return mask


def make_dataset(
    target: str = "gaussian",
    lo: float = -2.0,
    hi: float = 2.0,
    n: int = 50,
    *,
    noise: float = 0.0,
    noise_seed: int = 0,
    test_fraction: float = 0.0,
    test_region: str = "random",
    split_seed: int = 0,
    **params: float,
) -> Dataset:
    """Sample a target of :data:`TARGETS` on the ``n × n`` grid over ``[lo, hi]²``.

    Parameters
    ----------
    target, lo, hi, n, **params :
        The target, its grid and its parameters.
    noise : float
        Standard deviation of Gaussian noise added to the training values, in
        units of the target's standard deviation on the grid (0 to
        :data:`~mlp_widgets.core.limits.MAX_NOISE`; 0: none). Drawn from
        ``torch.Generator().manual_seed(noise_seed)``, one draw per grid point.
    test_fraction : float
        Fraction of the points held out as a test set (0 to
        :data:`~mlp_widgets.core.limits.MAX_TEST_FRACTION`; 0: none). Held-out
        points keep their clean value and are never trained on.
    test_region : str
        Where they lie (:data:`TEST_REGIONS`): ``"random"`` (drawn with
        ``split_seed``) or a corner, where the held-out points are the square
        of the points nearest it — with 0.25 of an even grid, one quadrant: a
        lesson in extrapolation.

    Raises
    ------
    ValueError
        For an unknown target, a bad parameter, a bad grid, noise or split.
    """
    check_choice("target", target, tuple(TARGETS))
    spec = TARGETS[target]
    values = spec.check_params(**params)
    noise = check_float("noise", noise, lo=0.0, hi=MAX_NOISE)
    noise_seed = check_int("noise seed", noise_seed, 0, MAX_SEED)
    test_fraction = check_float("test fraction", test_fraction, lo=0.0, hi=MAX_TEST_FRACTION)
    test_region = check_choice("test region", test_region, tuple(TEST_REGIONS))
    split_seed = check_int("split seed", split_seed, 0, MAX_SEED)
    x_nodes, y_nodes, nodes = make_grid(lo, hi, n)
    z = spec.fn(nodes, **values)
    ground_truth = torch.from_numpy(np.asarray(z, dtype=np.float32).copy())
    train_mask = clean = None
    if test_fraction > 0:
        test = _test_mask(nodes, float(lo), float(hi), test_fraction, test_region, split_seed)
        train_mask = torch.from_numpy(~test)
    if noise > 0:
        clean = ground_truth
        scale = noise * float(np.std(np.asarray(z, dtype=np.float64)))
        draws = torch.randn(clean.numel(), generator=torch.Generator().manual_seed(noise_seed), dtype=torch.float64)
        noisy = (clean.double() + scale * draws).float()
        ground_truth = noisy if train_mask is None else torch.where(train_mask, noisy, clean)
    return Dataset(
        x_nodes, y_nodes, nodes, ground_truth, target, values, float(lo), float(hi), clean, train_mask,
        noise, noise_seed, test_fraction, test_region, split_seed,
    )  # fmt: skip


def lab2_dataset() -> Dataset:
    """The lab's dataset: the Gaussian with mean 0 and covariance 50·I on a 50×50 grid over [-2, 2]².

    ``dataset.nodes`` and ``dataset.ground_truth`` equal the lab's ``nodes``
    and ``ground_truth`` exactly.
    """
    return make_dataset("gaussian", -2.0, 2.0, 50)
