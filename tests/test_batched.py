"""Batched evaluation: per-candidate losses, the lab's draws, sample_losses, validation."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mlp_widgets.core import Net, get_loss, lab2_dataset, make_dataset
from mlp_widgets.core.batched import ParamLayout, PopulationEvaluator, draw_uniform, sample_losses


@pytest.fixture(scope="module")
def lab_data():
    return lab2_dataset()


def per_candidate_losses(theta, layout, template, dataset, loss="mse"):
    """Each candidate as a core Net, run with the from-scratch forward and the core loss."""
    fn = get_loss(loss).fn
    out = []
    for row in theta:
        net = layout.to_net(row, template)
        out.append(float(fn(dataset.ground_truth, net.forward(dataset.inputs).squeeze(-1))))
    return torch.tensor(out)


@pytest.mark.parametrize(
    ("hidden", "activation", "loss", "chunk", "k"),
    [
        ((25,), "relu", "mse", 8, 37),
        ((25,), "relu", "mae", 5, 11),
        ((8, 8), "tanh", "mse", 4, 9),
        ((6, 5, 4), ["sigmoid", "leaky_relu", "elu"], "huber", 3, 7),
        ((7,), "gelu", "mse", 16, 5),
        ((), "relu", "mse", 2, 5),
    ],
)
def test_batched_losses_equal_per_candidate_losses(lab_data, hidden, activation, loss, chunk, k):
    template = Net.build(2, hidden, 1, activation, init="zeros") if hidden else Net.build(2, (), 1)
    layout = ParamLayout.from_net(template)
    theta = torch.empty(k, layout.size)
    draw_uniform(theta, layout.scales(0.5, 0.3), torch.Generator().manual_seed(k))
    evaluator = PopulationEvaluator(layout, lab_data.inputs, lab_data.ground_truth, loss, chunk=chunk)
    batched = evaluator.losses(theta)
    expected = per_candidate_losses(theta, layout, template, lab_data, loss)
    assert torch.allclose(batched, expected, rtol=1e-4, atol=1e-9)
    # buffers are reused: a second call gives the same numbers
    assert torch.equal(evaluator.losses(theta), batched)


def test_draws_are_the_labs_draws_row_by_row():
    torch.manual_seed(123)
    lin1, lin2 = nn.Linear(2, 25), nn.Linear(25, 1)
    torch.manual_seed(123)
    expected = []
    for _ in range(3):
        row = []
        for layer in (lin1, lin2):
            row += [
                (0.025 * (-2 * torch.rand(layer.weight.shape) + 1)).reshape(-1),
                (0.05 * (-2 * torch.rand(layer.bias.shape) + 1)).reshape(-1),
            ]
        expected.append(torch.cat(row))
    layout = ParamLayout.from_net(Net.build(2, (25,), 1))
    theta = torch.empty(3, layout.size)
    draw_uniform(theta, layout.scales(0.025, 0.05), torch.Generator().manual_seed(123))
    assert torch.equal(theta, torch.stack(expected))


def test_layout_round_trips_a_net():
    net = Net.build(2, (5, 3), 1, "tanh", init="uniform", seed=9)
    layout = ParamLayout.from_net(net)
    theta = layout.flatten(net)
    assert theta.shape == (net.num_params(),)
    back = layout.to_net(theta, net)
    for a, b in zip(back.parameters(), net.parameters(), strict=True):
        assert torch.equal(a, b)
    w0, b0 = layout.unflatten(theta)[0]
    assert torch.equal(w0, net.linear_layers[0].weight.T)
    assert torch.equal(b0, net.linear_layers[0].bias)


def test_sample_losses_matches_per_candidate_and_is_seeded(lab_data):
    losses = sample_losses(20, seed=3)
    assert losses.shape == (20,)
    template = Net.build(2, (25,), 1, init="zeros")
    layout = ParamLayout.from_net(template)
    theta = torch.empty(20, layout.size)
    draw_uniform(theta, layout.scales(0.025, 0.05), torch.Generator().manual_seed(3))
    assert torch.allclose(losses, per_candidate_losses(theta, layout, template, lab_data), rtol=1e-4, atol=1e-12)
    assert torch.equal(sample_losses(20, seed=3), losses)
    assert not torch.equal(sample_losses(20, seed=4), losses)


def test_sample_losses_other_net_and_dataset():
    data = make_dataset("saddle", n=10)
    seq = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    losses = sample_losses(9, seq, data, loss="mae", weight_range=1.0, bias_range=0.0, seed=1)
    assert losses.shape == (9,) and bool((losses > 0).all())
    assert len(set(losses.tolist())) == 9


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"n": 0}, "n \\(number of random networks\\)"),
        ({"n": 5, "weight_range": -1.0}, "weight_range"),
        ({"n": 5, "bias_range": -1.0}, "bias_range"),
        ({"n": 5, "chunk": 0}, "chunk"),
        ({"n": 5, "loss": "hinge"}, "loss"),
        ({"n": 5, "net": 3}, "Net or a torch nn.Module"),
    ],
)
def test_sample_losses_bad_input(kwargs, words):
    with pytest.raises(ValueError, match=words):
        sample_losses(**kwargs)


def test_evaluator_rejects_wrong_shapes(lab_data):
    layout = ParamLayout.from_net(Net.build(2, (25,), 1))
    evaluator = PopulationEvaluator(layout, lab_data.inputs, lab_data.ground_truth)
    with pytest.raises(ValueError, match=r"\[K, 101\]"):
        evaluator.losses(torch.zeros(3, 100))
    with pytest.raises(ValueError, match="1 output"):
        PopulationEvaluator(ParamLayout.from_net(Net.build(2, (3,), 2)), lab_data.inputs, lab_data.ground_truth)
    with pytest.raises(ValueError, match="input features"):
        PopulationEvaluator(ParamLayout.from_net(Net.build(3, (3,), 1)), lab_data.inputs, lab_data.ground_truth)


def test_compiled_kernel_equals_eager_losses():
    data = make_dataset("gaussian", n=12)
    layout = ParamLayout.from_net(Net.build(2, (25,), 1, init="zeros"))
    theta = torch.empty(10, layout.size)
    draw_uniform(theta, layout.scales(0.5, 0.3), torch.Generator().manual_seed(0))
    eager = PopulationEvaluator(layout, data.inputs, data.ground_truth, chunk=4).losses(theta)
    compiled = PopulationEvaluator(layout, data.inputs, data.ground_truth, chunk=8, compiled=True)
    assert torch.allclose(compiled.losses(theta), eager, rtol=1e-4, atol=1e-12)


# -- bounded memory and work (issue 13) --------------------------------------------------------
def test_a_loss_sample_in_slices_gives_sample_losses_bit_for_bit(lab_data):
    from mlp_widgets.core.batched import LossSample

    net = Net.build(2, (12, 7), 1, "tanh", init="zeros")
    expected = sample_losses(300, net, lab_data, seed=5)
    job = LossSample(300, net, lab_data, seed=5)
    with pytest.raises(ValueError, match="call advance\\(\\) until it returns True"):
        job.result()
    slices, seen = 0, []
    while not job.advance(0.0):  # a zero-second slice still does one unit
        slices += 1
        seen.append(job.progress)
        assert torch.is_grad_enabled()  # a suspended job leaves torch's state alone
    assert slices > 3 and seen == sorted(seen) and job.progress == 1.0
    assert torch.equal(job.result(), expected)


def test_drawing_in_blocks_draws_what_one_draw_does(lab_data, monkeypatch):
    from mlp_widgets.core import batched

    net = Net.build(2, (25,), 1, "relu", init="zeros")
    expected = sample_losses(500, net, lab_data, seed=2)
    monkeypatch.setattr(batched, "THETA_BYTES", 4 * 101 * 7)  # blocks of 7 candidates
    assert batched.rows_per_block(101) == 7
    assert torch.equal(sample_losses(500, net, lab_data, seed=2), expected)


def test_a_network_too_wide_for_one_unit_is_evaluated_in_blocks_of_points(lab_data, monkeypatch):
    from mlp_widgets.core import batched

    template = Net.build(2, (16, 16), 1, "relu", init="zeros")
    layout = ParamLayout.from_net(template)
    theta = torch.empty(9, layout.size)
    draw_uniform(theta, layout.scales(0.5, 0.3), torch.Generator().manual_seed(1))
    whole = PopulationEvaluator(layout, lab_data.inputs, lab_data.ground_truth, chunk=4)
    assert whole.plan == (4, 2500)
    monkeypatch.setattr(batched, "SLICE_WORK", layout.work_per_point * 600)  # 600 points per unit
    split = PopulationEvaluator(layout, lab_data.inputs, lab_data.ground_truth, chunk=4)
    assert split.plan == (1, 500)  # 5 equal blocks of points, one candidate each
    out = torch.empty(9)
    steps = list(split.units(theta, out))
    assert len(steps) == 9 * 5 and steps == sorted(steps) and steps[-1] == 9
    assert torch.allclose(out, whole.losses(theta), rtol=1e-5, atol=1e-12)
    assert torch.equal(split.losses(theta), out)  # fixed blocks: the same numbers every time
    assert torch.allclose(out, per_candidate_losses(theta, layout, template, lab_data), rtol=1e-4, atol=1e-9)


def test_the_evaluators_buffers_stay_within_their_share(monkeypatch):
    from mlp_widgets.core import batched, make_dataset

    big = make_dataset("gaussian", n=200)
    layout = ParamLayout.from_net(Net.build(2, (256,) * 8, 1, init="zeros"))
    evaluator = PopulationEvaluator(layout, big.inputs, big.ground_truth, chunk=4096)
    evaluator._ensure_buffers()
    held = sum(b.numel() for b in (*evaluator._hidden, evaluator._pred, evaluator._w_aug)) * 4
    assert held <= batched.EVALUATOR_BYTES
    chunk, points = evaluator.plan
    assert chunk * points * layout.work_per_point <= batched.SLICE_WORK


def test_an_interrupted_job_starts_over_instead_of_ending_half_done(lab_data):
    from mlp_widgets.core.batched import LossSample

    calls = [0]

    class Flaky(LossSample):
        def _units(self):
            for fraction in super()._units():
                calls[0] += 1
                if calls[0] == 3:
                    raise KeyboardInterrupt  # the user interrupts the kernel in the middle of a slice
                yield fraction

    job = Flaky(50, None, lab_data, seed=1)
    with pytest.raises(KeyboardInterrupt):
        job.run()
    assert not job.done and job.progress == 0.0
    job.run()
    assert torch.equal(job.result(), sample_losses(50, None, lab_data, seed=1))
