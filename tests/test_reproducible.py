"""Reproducible: the same seed and the same clicks give the same numbers, on a fresh dashboard each time.

A script of clicks — a target parameter, a network seed, search settings,
steps, a landscape, a race and a histogram — is played on two fresh
``Dashboard(lazy=False, backend="agg")``; every number the widgets show
(losses, readouts, R², landscape, race curves, histogram samples) must be
identical. A third run with another search seed must differ, so the check
can fail.
"""

from __future__ import annotations

import numpy as np
import torch

from mlp_widgets.widgets.dashboard import Dashboard


def play(search_seed: int) -> dict[str, object]:
    d = Dashboard(lazy=False, backend="agg")
    try:
        parts = d.parts
        target, builder, inspector, stepper = parts["target"], parts["builder"], parts["inspector"], parts["stepper"]
        target.param_boxes["variance"].value = 2.0
        builder.seed_box.value = 7
        stepper.seed_box.value = search_seed
        stepper.strategy_dropdown.value = "keep-best"
        stepper.max_iters_box.value = 40
        for _ in range(25):
            stepper.step_button.click()
        inspector.grid_slider.value = 7
        inspector.compute_button.click()
        stepper.race_panel.budget_box.value = 60
        stepper.race_panel.run_button.click()
        stepper.histogram_panel.n_box.value = 50
        stepper.histogram_panel.sample_button.click()
        return {
            "dataset": target.dataset.ground_truth.clone(),
            "net": [p.detach().clone() for p in builder.net.parameters()],
            "best_loss": stepper.engine.best_loss,
            "readout": stepper.readout.value,
            "history": [r.candidate_loss for r in stepper.engine.history],
            "best_net": [p.detach().clone() for p in d.best_net.parameters()],
            "r2": inspector.r2,
            "table": inspector.loss_table.value,
            "landscape": inspector.landscape.losses.copy(),
            "race": {k: np.asarray(c.best_loss).copy() for k, c in stepper.race_panel.curves.items()},
            "histogram": stepper.histogram_panel.losses.copy(),
        }
    finally:
        d.close()


def _equal(a: object, b: object) -> bool:
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b, equal_nan=True)
    if isinstance(a, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return a == b


def test_same_seed_and_clicks_give_the_same_numbers():
    first, second = play(3), play(3)
    assert first["history"] and len(first["history"]) == 25
    different = [key for key in first if not _equal(first[key], second[key])]
    assert different == []

    other = play(4)
    assert not _equal(first["history"], other["history"])
    assert _equal(first["dataset"], other["dataset"]) and _equal(first["net"], other["net"])
