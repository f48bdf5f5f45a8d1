"""RandomSearch: strategies, determinism, the lab's loop reproduced, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from mlp_widgets.core import Net, TorchNet, lab2_dataset, make_dataset, mse_loss
from mlp_widgets.core.search import STRATEGIES, RandomSearch, SearchRecord


@pytest.fixture(scope="module")
def lab_data():
    return lab2_dataset()


def lab_loop_fixed(torch_net: nn.Module, dataset, seed: int, epsilon: float, max_iters: int) -> list[float]:
    """The lab's section 4 loop, copied, with its two bugs fixed (evaluate once per
    iteration after all layers are redrawn; compare prediction.squeeze(-1) with the target)."""
    torch_nodes, ground_truth = dataset.inputs, dataset.ground_truth
    MSE_loss = torch.nn.MSELoss()
    prediction = torch_net(torch_nodes)
    loss = MSE_loss(ground_truth, prediction.squeeze(-1))
    torch.manual_seed(seed)
    losses = []
    iter_num = 0.0
    while loss > epsilon and iter_num < max_iters:
        iter_num += 1
        for layer in torch_net.children():
            if hasattr(layer, "reset_parameters"):
                layer.weight = torch.nn.Parameter(0.025 * (-2 * torch.rand(layer.weight.shape) + 1))
                layer.bias = torch.nn.Parameter(0.05 * (-2 * torch.rand(layer.bias.shape) + 1))
        prediction = torch_net(torch_nodes)
        loss = MSE_loss(ground_truth, prediction.squeeze(-1))
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("epsilon", [1e-12, 1e-5])
def test_redraw_reproduces_the_lab_loop_draw_for_draw(lab_data, epsilon):
    torch.manual_seed(999)
    net = TorchNet(2, 25, 1)
    search = RandomSearch(net, lab_data, strategy="redraw", seed=31, epsilon=epsilon, max_iters=50)
    reference = lab_loop_fixed(net, lab_data, seed=31, epsilon=epsilon, max_iters=50)
    search.run()
    assert [r.candidate_loss for r in search.history] == reference
    assert search.best_loss == min(reference)
    expected_reason = "threshold met" if min(reference) <= epsilon else "max iterations"
    assert search.stop_reason == expected_reason
    # the lab's net now holds the last draw: so does redraw's current network
    last = search.current_net()
    assert torch.equal(last.linear_layers[0].weight, net.layer1.weight.detach().T)
    assert torch.equal(last.linear_layers[1].bias, net.layer2.bias.detach())


def test_redraw_batched_draws_the_same_candidates_as_batch_one(lab_data):
    one = RandomSearch(None, lab_data, seed=4, epsilon=1e-12, max_iters=40)
    one.run()
    batched = RandomSearch(None, lab_data, seed=4, epsilon=1e-12, max_iters=1, batch_size=40, chunk=8)
    record = batched.step()
    assert record.forward_passes == 40
    assert math.isclose(batched.best_loss, one.best_loss, rel_tol=1e-5)
    for a, b in zip(batched.best_net().parameters(), one.best_net().parameters(), strict=True):
        assert torch.equal(a, b)


def test_best_net_has_the_best_loss(lab_data):
    search = RandomSearch(None, lab_data, seed=2, epsilon=1e-12, max_iters=20)
    search.run()
    net = search.best_net()
    loss = float(mse_loss(lab_data.ground_truth, net.forward(lab_data.inputs).squeeze(-1)))
    assert math.isclose(loss, search.best_loss, rel_tol=1e-5)
    assert set(search.best_state) == {"layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"}


@pytest.mark.parametrize("batch_size", [1, 16])
def test_keep_best_never_worsens_the_best_loss(lab_data, batch_size):
    search = RandomSearch(
        None, lab_data, strategy="keep-best", seed=5, epsilon=1e-12, max_iters=60, batch_size=batch_size
    )
    search.run()
    best = [search.initial_loss] + [r.best_loss for r in search.history]
    assert all(b2 <= b1 for b1, b2 in zip(best, best[1:], strict=False))
    assert best[-1] < best[0]
    for r in search.history:
        assert r.best_loss == min(r.candidate_loss, best[r.iteration - 1])
        assert r.accepted == (r.candidate_loss < best[r.iteration - 1])


def test_perturb_with_zero_noise_never_changes(lab_data):
    search = RandomSearch(None, lab_data, strategy="perturb", sigma=0.0, seed=3, epsilon=1e-12, max_iters=15)
    start = search.best_params
    search.run()
    assert not any(r.accepted for r in search.history)
    assert all(r.candidate_loss == search.initial_loss for r in search.history)
    assert search.best_loss == search.initial_loss
    assert torch.equal(search.best_params, start)


def test_perturb_improves_and_adapts_sigma(lab_data):
    search = RandomSearch(
        None, lab_data, strategy="perturb", sigma=0.01, adapt_sigma=True, seed=3, epsilon=1e-12, max_iters=40
    )
    search.run()
    assert search.best_loss < search.initial_loss
    sigmas = [r.sigma for r in search.history]
    for r, nxt in zip(search.history, sigmas[1:], strict=False):
        assert math.isclose(nxt, r.sigma * (1.5 if r.accepted else 1.5**-0.25))


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_gradient_lowers_the_loss_on_the_lab_target(lab_data, optimizer):
    lr = 0.01 if optimizer == "adam" else 0.05
    search = RandomSearch(
        None, lab_data, strategy="gradient", optimizer=optimizer, lr=lr, seed=0, epsilon=1e-12, max_iters=100
    )
    search.run()
    assert search.history[0].candidate_loss == search.initial_loss
    assert search.history[-1].candidate_loss < 0.01 * search.initial_loss
    assert search.best_loss <= search.history[-1].candidate_loss


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_same_seed_gives_bit_identical_histories(lab_data, strategy):
    kwargs = dict(strategy=strategy, seed=11, epsilon=1e-12, max_iters=12, adapt_sigma=True)
    a = RandomSearch(None, lab_data, **kwargs)
    b = RandomSearch(None, lab_data, **kwargs)
    a.run()
    b.run()
    assert a.history == b.history
    assert torch.equal(a.best_params, b.best_params)
    # reset replays the same history
    first = list(a.history)
    a.reset()
    assert a.history == [] and not a.stopped and a.best_loss == a.initial_loss
    a.run()
    assert a.history == first
    if strategy != "gradient":
        c = RandomSearch(None, lab_data, **{**kwargs, "seed": 12})
        c.run()
        assert c.history != a.history


def test_step_records_and_stop_reasons(lab_data):
    search = RandomSearch(None, lab_data, seed=0, epsilon=1e-12, max_iters=3)
    seen = []
    records = search.run(10, callback=seen.append)
    assert len(records) == 3 and seen == records
    assert isinstance(records[0], SearchRecord)
    assert [r.iteration for r in records] == [1, 2, 3]
    assert [r.forward_passes for r in records] == [1, 2, 3]
    assert search.stopped and search.stop_reason == "max iterations"
    assert search.step() is None
    # a starting network already under a generous threshold stops before any step, as the lab's while loop
    easy = RandomSearch(None, lab_data, seed=0, epsilon=1.0)
    assert easy.stopped and easy.stop_reason == "threshold met" and easy.history == []


def test_deeper_net_with_tanh_and_other_losses():
    data = make_dataset("two_bumps", n=20)
    net = Net.build(2, (8, 8), 1, "tanh", init="uniform", seed=1)
    for loss in ("mse", "mae", "huber"):
        for strategy in STRATEGIES:
            search = RandomSearch(net, data, strategy=strategy, loss=loss, seed=1, epsilon=1e-12, max_iters=30)
            search.run()
            assert search.best_loss < search.initial_loss, (loss, strategy)
            assert search.layout.size == 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1


def test_torch_sequential_is_accepted(lab_data):
    seq = nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 1))
    search = RandomSearch(seq, lab_data, seed=0, max_iters=5, epsilon=1e-12)
    with torch.no_grad():
        expected = float(nn.MSELoss()(seq(lab_data.inputs).squeeze(-1), lab_data.ground_truth))
    assert math.isclose(search.initial_loss, expected, rel_tol=1e-6)
    search.run()
    assert len(search.history) == 5


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"epsilon": 0.0}, "epsilon"),
        ({"epsilon": -1e-5}, "epsilon"),
        ({"max_iters": 0}, "max_iters"),
        ({"weight_range": -0.1}, "weight_range"),
        ({"bias_range": -0.1}, "bias_range"),
        ({"sigma": -1.0}, "sigma"),
        ({"batch_size": 0}, "batch_size"),
        ({"lr": 0.0}, "lr"),
        ({"strategy": "anneal"}, "strategy"),
        ({"loss": "l3"}, "loss"),
        ({"strategy": "gradient", "batch_size": 4}, "batch_size must be 1"),
    ],
)
def test_bad_input_raises_a_clear_value_error(lab_data, kwargs, words):
    with pytest.raises(ValueError, match=words):
        RandomSearch(None, lab_data, **kwargs)


def test_network_that_does_not_fit_the_data_is_refused(lab_data):
    with pytest.raises(ValueError, match="needs 2 inputs and 1 output"):
        RandomSearch(Net.build(3, (4,), 1), lab_data)
    with pytest.raises(ValueError, match="needs 2 inputs and 1 output"):
        RandomSearch(Net.build(2, (4,), 2), lab_data)
    with pytest.raises(ValueError, match="Net or a torch nn.Module"):
        RandomSearch("net", lab_data)


# -- bounded steps (issue 13) ------------------------------------------------------------------
def _history(search):
    return [(r.iteration, r.candidate_loss, r.best_loss, r.accepted, r.forward_passes) for r in search.history]


@pytest.mark.parametrize("strategy", ["redraw", "keep-best", "perturb"])
def test_steps_split_over_slices_give_the_same_search(lab_data, strategy, monkeypatch):
    from mlp_widgets.core import batched

    net = Net.build(2, (16, 16), 1, "relu", init="uniform", seed=1)
    kwargs = dict(strategy=strategy, batch_size=40, seed=3, epsilon=1e-12, max_iters=4, adapt_sigma=True)
    whole = RandomSearch(net, lab_data, **kwargs)
    whole.run()
    # blocks of 7 candidates, 500 points per unit: a step takes many units
    monkeypatch.setattr(batched, "THETA_BYTES", 4 * whole.layout.size * 7)
    monkeypatch.setattr(batched, "SLICE_WORK", 500 * whole.layout.work_per_point)
    sliced = RandomSearch(net, lab_data, **kwargs)
    assert sliced._rows == 7
    calls, partial = 0, 0
    while not sliced.stopped:
        finished = sliced.advance(0.0)
        calls += 1
        partial += not finished
        assert 0 <= sliced.step_progress <= 1
    assert partial > 4 * 6 and calls > 4 * 6
    # uniform draws are the same in blocks; Gaussian ones only when a batch fits one block
    if strategy == "perturb":
        assert _history(sliced) != _history(whole)
        again = RandomSearch(net, lab_data, **kwargs)
        again.run()
        assert _history(again) == _history(sliced)  # fixed blocks: the same search every time
    else:
        assert [r.candidate_loss for r in sliced.history] == pytest.approx([r.candidate_loss for r in whole.history])
        assert [r.accepted for r in sliced.history] == [r.accepted for r in whole.history]


def test_a_step_left_unfinished_is_finished_by_step(lab_data, monkeypatch):
    from mlp_widgets.core import batched

    kwargs = dict(strategy="keep-best", batch_size=50, seed=8, epsilon=1e-12, max_iters=3)
    whole = RandomSearch(None, lab_data, **kwargs)
    whole.run()
    monkeypatch.setattr(batched, "THETA_BYTES", 4 * whole.layout.size * 5)
    search = RandomSearch(None, lab_data, **kwargs)
    assert search.advance(0.0) == [] and search.advance(0.0) == []  # a block drawn, then evaluated
    assert 0 < search.step_progress < 1 and search.iteration == 0
    record = search.step()
    assert record == whole.history[0] and search.step_progress == 0
    search.run()
    assert search.history == whole.history  # the lab net: the same floats, blocks or not
    assert torch.equal(search.best_params, whole.best_params)


def test_a_gradient_step_too_big_for_one_unit_accumulates_over_blocks_of_points(lab_data, monkeypatch):
    from mlp_widgets.core import search as search_module

    kwargs = dict(strategy="gradient", seed=2, epsilon=1e-12, max_iters=5, lr=0.05)
    whole = RandomSearch(None, lab_data, **kwargs)
    whole.run()
    monkeypatch.setattr(search_module, "SLICE_WORK", 3 * whole.layout.work_per_point * 600)
    blocks = RandomSearch(None, lab_data, **kwargs)
    assert not blocks._use_single and blocks._points_per_unit == 600
    blocks.advance(0.0)
    assert 0 < blocks.step_progress < 1  # one block of 600 points of 2500
    blocks.run()
    assert [r.candidate_loss for r in blocks.history] == pytest.approx(
        [r.candidate_loss for r in whole.history], rel=1e-5
    )
    assert torch.allclose(blocks.best_params, whole.best_params, rtol=1e-4, atol=1e-7)


def test_changing_the_stop_criteria_needs_no_replay_unless_the_past_steps_would_have_stopped(lab_data):
    kwargs = dict(strategy="keep-best", seed=5, epsilon=1e-12, max_iters=30)
    search = RandomSearch(None, lab_data, **kwargs)
    search.run()
    history = list(search.history)
    # looser criteria: the search goes on from where it is, as a replay under them would
    assert search.stops_after(max_iters=60) is None
    assert search.change_stop(max_iters=60) and not search.stopped and search.history == history
    search.run()
    replay = RandomSearch(None, lab_data, **{**kwargs, "max_iters": 60})
    replay.run()
    assert search.history == replay.history
    # a threshold the past steps met earlier: nothing changes, and a fresh search stops where they did
    eps = history[9].best_loss
    at = search.stops_after(epsilon=eps)
    assert at is not None and at <= 10
    assert not search.change_stop(epsilon=eps) and search.epsilon == 1e-12 and len(search.history) == 60
    fresh = RandomSearch(None, lab_data, **{**kwargs, "epsilon": eps})
    fresh.run()
    assert len(fresh.history) == at and fresh.history == search.history[:at]
    with pytest.raises(ValueError, match="max_iters"):
        search.change_stop(max_iters=0)


def test_a_race_sliced_finely_equals_one_run_to_the_end(lab_data):
    from mlp_widgets.core.race import Race, race

    expected = race(200, None, lab_data, batch_size=16, seed=4)
    contest = Race(200, None, lab_data, batch_size=16, seed=4)
    slices = 0
    while not contest.advance(0.0):
        slices += 1
    assert slices > 3
    for strategy, curve in contest.curves().items():
        assert np.array_equal(curve.best_loss, expected[strategy].best_loss)
