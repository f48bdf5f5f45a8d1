"""Saving and loading networks: round trips, refusals that name the bad field."""

import json

import pytest
import torch
from torch import nn

from mlp_widgets import export as io
from mlp_widgets.core import ELU, LeakyReLU, Linear, Net, compare, to_torch


@pytest.fixture
def net():
    base = Net.build(2, [6, 4], 1, ["tanh", "relu"], init="uniform", seed=11)
    base.layers[3] = LeakyReLU(0.2)
    return Net([*base.layers[:1], ELU(0.5), *base.layers[2:]])


def assert_same_net(a: Net, b: Net) -> None:
    assert [repr(layer) for layer in a.layers] == [repr(layer) for layer in b.layers]
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_json_round_trip(net, tmp_path):
    path = io.save_json(net, tmp_path / "net.json")
    assert_same_net(io.load(path), net)
    assert json.loads(path.read_text())["layers"][1] == {"type": "activation", "name": "elu", "params": {"alpha": 0.5}}


def test_torch_round_trip_and_plain_torch_load(net, tmp_path):
    path = io.save_torch(net, tmp_path / "net.pt")
    assert_same_net(io.load(path), net)
    # plain torch: the state_dict fits an nn.Sequential of the same architecture
    data = torch.load(path, weights_only=True)
    fresh = to_torch(net.copy())
    for p in fresh.parameters():
        nn.init.zeros_(p)
    x = torch.randn(8, 2)
    assert not compare(net, fresh, x).allclose
    fresh.load_state_dict(data["state_dict"])
    assert compare(net, fresh, x).allclose


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("layers"), "The network file has no field 'layers'."),
        (lambda d: d.update(format="other"), "Field 'format' must be 'mlp_widgets.net'; got 'other'."),
        (
            lambda d: d["layers"][0].update(n_in=0),
            "Field 'layers[0].n_in' must be a whole number from 1 to 256; got 0.",
        ),
        (lambda d: d["layers"][0].update(bias=[1, 2]), "Field 'layers[0].bias' must have shape (6,); got (2,)."),
        (
            lambda d: d["layers"][0].update(weight="abc"),
            "Field 'layers[0].weight' must be a list of numbers of shape (2, 6).",
        ),
        (lambda d: d["layers"][0]["bias"].__setitem__(0, float("nan")), "Field 'layers[0].bias' holds a NaN"),
        (lambda d: d["layers"][1].update(name="swish"), "Field 'layers[1].name' must be one of 'relu'"),
        (lambda d: d["layers"][1].update(params={"beta": 2}), "Field 'layers[1].params' holds a parameter that 'elu'"),
        (lambda d: d["layers"][2].update(type="conv"), "Field 'layers[2].type' must be 'linear' or 'activation'"),
        (lambda d: d["layers"].pop(2), "The layers in the file do not fit together"),
    ],
)
def test_malformed_json_is_refused_with_the_field(net, tmp_path, mutate, message):
    data = io.net_to_dict(net)
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError) as err:
        io.load_json(path)
    assert str(err.value).startswith(f"bad.json: {message}")


def test_unreadable_files_are_refused(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"broken.json is not valid JSON \(line 1, column 2"):
        io.load(tmp_path / "broken.json")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(ValueError, match="junk.pt is not a torch file this package can read"):
        io.load(tmp_path / "junk.pt")
    torch.save({"weight": torch.zeros(2)}, tmp_path / "plain.pt")
    with pytest.raises(ValueError, match="was not written by mlp_widgets.export.save_torch"):
        io.load(tmp_path / "plain.pt")
    with pytest.raises(ValueError, match="Give a .json, .pt or .pth file; got 'net.txt'"):
        io.load(tmp_path / "net.txt")
    with pytest.raises(ValueError, match="Cannot read"):
        io.load(tmp_path / "missing.json")


def test_export_code_runs_and_matches(net):
    for style in ("module", "sequential"):
        namespace: dict = {}
        exec(io.export_code(net, style), namespace)  # noqa: S102 - our own generated code
        model = namespace["torch_net" if style == "module" else "model"]
        result = compare(net, model, torch.randn(16, 2))
        assert result.allclose, str(result)


def test_is_finite_net():
    net = Net([Linear(2, 1, "zeros")])
    assert io.is_finite_net(net)
    net.layers[0].bias = torch.tensor([float("inf")])
    assert not io.is_finite_net(net)
