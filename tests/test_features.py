"""Input features: x², y², x·y, sin x, sin y as extra inputs — the network, the search, the code, the files."""

from __future__ import annotations

import pytest
import torch

from mlp_widgets.config import NetSpec
from mlp_widgets.core import FEATURES, Net, RandomSearch, input_names, lab2_dataset, make_dataset, net_inputs
from mlp_widgets.export import module_code, net_from_dict, net_to_dict, sequential_code


def run(code: str, name: str) -> torch.nn.Module:
    namespace: dict = {}
    exec(compile(code, "<generated>", "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace[name]


def test_feature_columns_follow_x_and_y():
    ds = lab2_dataset()
    x = ds.inputs_with(("sin_y", "x2"))  # any order given: the inputs follow FEATURES' order
    assert x.shape == (2500, 4)
    assert torch.equal(x[:, :2], ds.inputs)
    assert torch.equal(x[:, 2], ds.inputs[:, 0] * ds.inputs[:, 0])
    assert torch.equal(x[:, 3], torch.sin(ds.inputs[:, 1]))
    assert ds.inputs_with(()) is ds.inputs  # the lab's inputs themselves
    assert input_names(("xy", "y2")) == ["x", "y", "y²", "x·y"]


def test_spec_inputs_follow_features_and_bad_names_refused():
    spec = NetSpec(features=("x2", "xy", "sin_x")).checked()
    assert spec.n_in == 5 and spec.features == ("x2", "xy", "sin_x")
    net = spec.build()
    assert net.n_in == 5 and net.features == ("x2", "xy", "sin_x")
    assert net.copy().features == net.features
    with pytest.raises(ValueError, match="features must be names from"):
        NetSpec(features=("x3",)).checked()
    with pytest.raises(ValueError, match="twice"):
        NetSpec(features=("x2", "x2")).checked()
    with pytest.raises(ValueError, match="takes 3 inputs"):
        Net(Net.build(2, [3], 1).layers, ("x2",))


@pytest.mark.parametrize("scheme", ["torch", "lab", "uniform"])
def test_generated_code_with_features_runs_and_matches(scheme, capsys):
    spec = NetSpec(hidden=(6, 4), activations=("tanh", "relu"), init=scheme, seed=5, features=tuple(FEATURES))
    net = spec.build()
    ds = make_dataset("ripple", n=12)
    expected = net.forward(net_inputs(net, ds))
    for code, name in (
        (module_code(net, init=spec.init_spec), "torch_net"),
        (sequential_code(net, init=spec.init_spec), "model"),
        (module_code(net), "torch_net"),  # weights written out
    ):
        assert "def features(xy):" in code
        model = run(code, name)
        with torch.no_grad():
            out = model(ds.inputs)  # the model takes (x, y) points and computes the features itself
        assert out.shape == expected.shape
        assert torch.allclose(out, expected, atol=1e-6), code


def test_search_with_features_fits_a_saddle_that_plain_inputs_cannot_in_the_same_budget():
    ds = make_dataset("saddle", scale=1.0, n=20)
    plain = RandomSearch(NetSpec(hidden=(4,), init="uniform", seed=1).build(), ds, strategy="gradient", lr=0.05,
                         max_iters=150, epsilon=1e-12)  # fmt: skip
    squares = RandomSearch(
        NetSpec(hidden=(4,), init="uniform", seed=1, features=("x2", "y2")).build(), ds, strategy="gradient",
        lr=0.05, max_iters=150, epsilon=1e-12,
    )  # fmt: skip
    plain.run()
    squares.run()
    assert squares.best_loss < 0.2 * plain.best_loss
    assert squares.best_net().features == ("x2", "y2")


def test_network_file_keeps_its_features():
    net = NetSpec(hidden=(3,), features=("sin_x",)).build()
    data = net_to_dict(net)
    assert data["features"] == ["sin_x"]
    back = net_from_dict(data)
    assert back.features == ("sin_x",) and torch.equal(back.layers[0].weight, net.layers[0].weight)
    assert "features" not in net_to_dict(NetSpec().build())  # a plain network's file is unchanged
    with pytest.raises(ValueError, match="features"):
        net_from_dict({**data, "features": ["cos_x"]})
