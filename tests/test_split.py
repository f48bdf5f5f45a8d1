"""Noise and a held-out test set in the target; train/test losses and an L2 penalty in the search and the race."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from mlp_widgets.config import DashboardConfig, NetSpec, StepperSettings, TargetSpec
from mlp_widgets.core import Race, RandomSearch, lab2_dataset, make_dataset, mse_loss


def test_defaults_are_the_lab_bit_for_bit():
    ds, lab = TargetSpec().dataset(), lab2_dataset()
    assert torch.equal(ds.ground_truth, lab.ground_truth) and ds.clean is None and not ds.has_split
    x, y = ds.training()
    assert x is ds.inputs and y is ds.ground_truth  # no copy, no indexing: the lab's tensors
    assert ds.testing() is None


def test_same_seed_same_points_other_seed_other_points():
    a = make_dataset("ripple", noise=0.3, noise_seed=4, test_fraction=0.2, split_seed=7)
    b = TargetSpec("ripple", {}, noise=0.3, noise_seed=4, test_fraction=0.2, split_seed=7).dataset()
    assert torch.equal(a.train_mask, b.train_mask) and torch.equal(a.ground_truth, b.ground_truth)
    c = make_dataset("ripple", noise=0.3, noise_seed=5, test_fraction=0.2, split_seed=8)
    assert not torch.equal(a.train_mask, c.train_mask)
    assert not torch.equal(a.ground_truth[a.train_mask & c.train_mask], c.ground_truth[a.train_mask & c.train_mask])
    assert int((~a.train_mask).sum()) == 500  # 20 % of 2500
    # the noise is on the training values only; held-out points keep the clean target
    assert torch.equal(a.ground_truth[~a.train_mask], a.clean[~a.train_mask])
    assert not torch.equal(a.ground_truth[a.train_mask], a.clean[a.train_mask])
    assert TargetSpec.of(a) == TargetSpec.of(b)


def test_a_quarter_held_out_in_a_corner_is_the_quadrant():
    ds = make_dataset(test_fraction=0.25, test_region="bottom-left")
    held = ds.held_out()
    assert len(held) == 625 and (held < 0).all()  # exactly the quadrant x < 0, y < 0 of the 50×50 grid


def test_search_trains_on_training_points_and_tests_on_held_out_ones_only():
    ds = make_dataset("two_bumps", n=30, noise=0.2, test_fraction=0.3, split_seed=1)
    net = NetSpec(hidden=(8,), init="uniform", seed=2).build()
    search = RandomSearch(net, ds, strategy="gradient", lr=0.02, max_iters=40, epsilon=1e-12)
    search.run()
    best = search.best_net()
    prediction = best.forward(ds.inputs).squeeze(-1)
    train, test = ds.train_mask, ~ds.train_mask
    with torch.no_grad():
        train_loss = float(mse_loss(ds.ground_truth[train], prediction[train]))
        test_loss = float(mse_loss(ds.ground_truth[test], prediction[test]))
    assert search.best_data_loss == pytest.approx(train_loss, rel=1e-5)
    assert search.best_test_loss == pytest.approx(test_loss, rel=1e-5)
    assert search.history[-1].test_loss == search.best_test_loss
    # changing the values at held-out points changes no training number
    other = make_dataset("saddle", n=30, noise=0.2, test_fraction=0.3, split_seed=1)
    mixed = dataclasses.replace(ds, ground_truth=torch.where(train, ds.ground_truth, other.ground_truth), _featured={})
    again = RandomSearch(net, mixed, strategy="gradient", lr=0.02, max_iters=40, epsilon=1e-12)
    again.run()
    assert [r.best_loss for r in again.history] == [r.best_loss for r in search.history]
    assert again.best_test_loss != search.best_test_loss
    assert math.isnan(RandomSearch(net, make_dataset(n=30), max_iters=2).best_test_loss)


def test_l2_penalty_in_acceptance_and_gradient():
    ds = make_dataset("ripple", n=20)
    net = NetSpec(hidden=(10,), init="uniform", seed=3).build()
    plain = RandomSearch(net, ds, strategy="keep-best", batch_size=16, max_iters=20, epsilon=1e-12)
    penalised = RandomSearch(net, ds, strategy="keep-best", batch_size=16, max_iters=20, epsilon=1e-12, l2=0.05)
    plain.run()
    penalised.run()
    weights = sum(float((layer.weight**2).sum()) for layer in penalised.best_net().linear_layers)
    # the best loss includes the penalty; the data loss does not
    assert penalised.best_loss == pytest.approx(penalised.best_data_loss + 0.05 * weights, rel=1e-5)
    assert plain.best_loss == plain.best_data_loss
    # gradient descent with weight decay ends with smaller weights
    g0 = RandomSearch(net, ds, strategy="gradient", lr=0.05, max_iters=60, epsilon=1e-12)
    g1 = RandomSearch(net, ds, strategy="gradient", lr=0.05, max_iters=60, epsilon=1e-12, l2=0.01)
    g0.run()
    g1.run()

    def size(s: RandomSearch) -> float:
        return sum(float((layer.weight**2).sum()) for layer in s.current_net().linear_layers)

    assert size(g1) < size(g0)
    with pytest.raises(ValueError, match="L2 penalty"):
        StepperSettings(l2=-1.0).checked()


def test_race_gives_train_and_test_curves_and_weight_decay_for_gradient_only():
    ds = make_dataset("two_bumps", n=20, test_fraction=0.25, test_region="top-right")
    net = NetSpec(hidden=(6,), init="uniform", seed=1).build()
    race = Race(120, net, ds, batch_size=8, l2=0.01)
    while not race.advance(10.0):
        pass
    assert race.engines["gradient"].l2 == 0.01 and race.engines["keep-best"].l2 == 0.0
    for curve in race.curves().values():
        assert curve.test_loss.shape == curve.best_loss.shape and np.isfinite(curve.final_test)


def test_config_reads_noise_split_l2_and_features():
    config = DashboardConfig.from_dict(
        {
            "target": {"noise": 0.5, "test_fraction": 0.2, "test_region": "top-left"},
            "network": {"features": ["x2", "sin_y"]},
            "search": {"l2": 0.001},
        }
    )
    assert config.target.dataset().has_split and config.network.spec().build().n_in == 4
    assert DashboardConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError) as refused:
        DashboardConfig.from_dict(
            {"target": {"test_fraction": 0.95, "test_region": "middle"}, "network": {"features": ["x3"]}}
        )
    text = str(refused.value)
    assert "target.test_fraction" in text and "target.test_region" in text and "network.features" in text
