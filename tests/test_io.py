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


# -- hostile files (issue 13): a sentence naming the file and the field, read within the budget ---------------
def _torch_file(arch_layers, state) -> bytes:
    import io as _io

    buf = _io.BytesIO()
    torch.save({"format": io.FORMAT, "version": io.VERSION, "architecture": {"format": io.FORMAT, "version": 1,
                "layers": arch_layers}, "state_dict": state}, buf)  # fmt: skip
    return buf.getvalue()


LINEAR_2_3 = {"type": "linear", "n_in": 2, "n_out": 3}


@pytest.mark.parametrize(
    ("arch", "state", "message"),
    [
        ([LINEAR_2_3], {"0.weight": [[1.0] * 2] * 3, "0.bias": torch.zeros(3)},
         "f.pt: Field 'state_dict' must hold a tensor '0.weight' for layer 0; got [[1.0, 1.0], [1.0, 1.0], "),
        ([LINEAR_2_3], {"0.weight": torch.zeros(3, 2)},
         "f.pt: Field 'state_dict' must hold a tensor '0.bias' for layer 0; got None."),
        ([LINEAR_2_3], {"0.weight": torch.zeros(1).expand(4096, 4096), "0.bias": torch.zeros(3)},
         "f.pt: Field 'state_dict.0.weight' must have shape (3, 2) (torch's layout); got (4096, 4096)."),
        ([LINEAR_2_3], {"0.weight": torch.zeros(3, 2, dtype=torch.int64), "0.bias": torch.zeros(3)},
         "f.pt: Field 'layers[0].weight' must hold floating-point numbers; got torch.int64."),
        (["linear"], {}, "f.pt: Field 'architecture.layers[0]' must be an object; got 'linear'."),
        (7, {}, "f.pt: Field 'architecture.layers' must be a list of 1 to 17 layers; got 7."),
        ([{"type": "activation", "name": ["relu"]}], {}, "f.pt: Field 'layers[0].name' must be one of 'relu'"),
        ([{"type": "activation", "name": "elu", "params": {"alpha": 1e9}}], {},
         "f.pt: Field 'layers[0].params': alpha must be a number above 0 and at most 10"),
    ],
)  # fmt: skip
def test_malformed_torch_fields_get_a_sentence(arch, state, message):
    with pytest.raises(ValueError) as err:
        io.load(_torch_file(arch, state), name="f.pt")
    assert str(err.value).startswith(message)


def test_more_layers_than_the_layer_builder_makes_are_refused(net):
    data = io.net_to_dict(Net.build(2, [3] * 9, 1, "relu", init="zeros"))  # 9 hidden layers, one too many
    with pytest.raises(ValueError, match=r"^n.json: Field 'layers' holds 19 layers; a network has at most 17"):
        io.load(json.dumps(data).encode(), name="n.json")
    data["layers"] = [layer for layer in data["layers"] if layer["type"] == "linear"]  # 10 linear layers, no activation
    with pytest.raises(ValueError, match="holds 10 linear layers; a network has at most 9"):
        io.load(json.dumps(data).encode(), name="n.json")
    largest = Net.build(2, [256] * 8, 1, "relu", init="uniform", seed=0)  # what the widgets allow still loads
    assert_same_net(io.load(io.json_bytes(largest), name="big.json"), largest)
    assert_same_net(io.load(io.torch_bytes(largest), name="big.pt"), largest)


def test_text_that_is_not_json_gets_a_sentence_naming_the_file():
    with pytest.raises(ValueError, match=r"^up.json is not a text file in UTF-8 \(byte 11 is not UTF-8\)"):
        io.load('{"name": "r\xe9lu"}'.encode("latin-1"), name="up.json")
    with pytest.raises(ValueError, match="^deep.json nests lists or objects too deeply"):
        io.load(b"[" * 2000 + b"]" * 2000, name="deep.json")
    with pytest.raises(ValueError, match="^many.json holds more lists, objects or numbers"):
        io.load(b"[" + b"[]," * 5000 + b"[]]", name="many.json")
    with pytest.raises(ValueError, match="^f.json: Field 'format' must be 'mlp_widgets.net'; got 'xxxxx"):
        io.load(json.dumps({"format": "x" * 10**6}).encode(), name="f.json")
    with pytest.raises(ValueError, match=r"^f.json: Field 'layers\[0\]' must be an object with a 'type'; got 3."):
        io.load(json.dumps({"format": io.FORMAT, "version": 1, "layers": [3]}).encode(), name="f.json")


def test_a_file_too_big_is_refused_before_it_is_read(tmp_path):
    from mlp_widgets.core.limits import MAX_FILE_BYTES

    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written, nothing would be read
    with pytest.raises(ValueError, match=r"^huge.json is 32.0 MiB; a network file may be at most 32 MiB"):
        io.load(path)
    with pytest.raises(ValueError, match="at most 32 MiB"):
        io.load(b" " * (MAX_FILE_BYTES + 1), name="up.json")


def test_a_compressed_torch_archive_or_a_bare_pickle_is_refused(net):
    import io as _io
    import zipfile

    good = io.torch_bytes(net)
    with zipfile.ZipFile(_io.BytesIO(good)) as archive:
        assert all(entry.compress_type == zipfile.ZIP_STORED for entry in archive.infolist())  # what torch writes
        out = _io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as packed:
            for entry in archive.infolist():
                packed.writestr(entry.filename, archive.read(entry))
    with pytest.raises(ValueError, match="^z.pt holds a compressed entry"):
        io.load(out.getvalue(), name="z.pt")
    with pytest.raises(ValueError, match=r"^j.pt is not a torch file this package can read \(not a zip archive\)"):
        io.load(b"\x80\x02}q\x00.", name="j.pt")


def test_a_file_whose_size_lies_is_read_no_further_than_the_limit(tmp_path):
    endless = tmp_path / "endless.json"
    endless.symlink_to("/dev/zero")  # its size says 0; it never ends
    with pytest.raises(ValueError, match="^endless.json is larger than 32 MiB"):
        io.load(endless)
