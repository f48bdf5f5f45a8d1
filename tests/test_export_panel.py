"""ExportPanel: downloads as data: links, uploads through mlp_widgets.export, code and PNG export."""

import base64
import datetime
import json
import re

import pytest
import torch

from mlp_widgets import export as io
from mlp_widgets.core import Net, compare, to_torch
from mlp_widgets.plots import HeatmapView, open_figures
from mlp_widgets.widgets.export_panel import ExportPanel, download_link


@pytest.fixture
def net():
    return Net.build(2, [5, 3], 1, ["tanh", "relu"], init="uniform", seed=4)


NOW = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)


def link_payload(html_text: str) -> tuple[str, bytes]:
    match = re.search(r'download="([^"]+)" href="data:[^;]+;base64,([^"]+)"', html_text)
    assert match, html_text
    return match.group(1), base64.b64decode(match.group(2))


def upload(panel: ExportPanel, name: str, content: bytes) -> None:
    panel.upload.value = (
        {"name": name, "type": "", "size": len(content), "content": memoryview(content), "last_modified": NOW},
    )


def same(a: Net, b: Net) -> bool:
    return [repr(x) for x in a.layers] == [repr(x) for x in b.layers] and all(
        torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


def test_download_link_holds_the_bytes():
    name, data = link_payload(download_link(b"\x00\x01abc", "x.bin", "application/octet-stream"))
    assert (name, data) == ("x.bin", b"\x00\x01abc")


def test_save_json_and_torch_round_trip(net, tmp_path):
    panel = ExportPanel(net)
    panel.save_json_button.click()
    name, data = link_payload(panel.download.value)
    assert name == "network.json"
    assert same(io.net_from_dict(json.loads(data)), net)
    panel.save_torch_button.click()
    name, data = link_payload(panel.download.value)
    assert name == "network.pt"
    (tmp_path / name).write_bytes(data)
    assert same(io.load(tmp_path / name), net)
    assert panel.message.startswith("Saved as a torch file")


def test_upload_replaces_the_network(net):
    panel = ExportPanel(Net.build(2, [2], 1, seed=0))
    upload(panel, "mine.json", panel_bytes(net, "json"))
    assert same(panel.net, net) and panel.loaded is panel.net
    assert "Loaded mine.json" in panel.message
    assert panel.upload.value == ()  # ready for the next file
    upload(panel, "mine.pt", panel_bytes(Net.build(2, [7], 1, seed=1), "torch"))
    assert panel.net.layers[0].N_out == 7


def panel_bytes(net: Net, kind: str) -> bytes:
    helper = ExportPanel(net)
    return helper.json_bytes() if kind == "json" else helper.torch_bytes()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.json", b'{"format": "mlp_widgets.net", ', "bad.json is not valid JSON"),
        ("bad.json", b'{"format": "mlp_widgets.net", "version": 1, "layers": [{"type": "linear", "n_in": 0, "n_out": 1}]}',
         "Field 'layers[0].n_in' must be a whole number from 1 to"),
        ("bad.json", b'{"format": "other"}', "Field 'format' must be 'mlp_widgets.net'"),
        ("bad.pt", b"not a torch file", "bad.pt is not a torch file this package can read"),
        ("net.txt", b"{}", "Give a .json, .pt or .pth file; got 'net.txt'."),
    ],
)  # fmt: skip
def test_a_malformed_file_is_refused_and_nothing_is_lost(net, name, content, message):
    panel = ExportPanel(net)
    panel.code_button.click()
    code, link = panel.code_area.value, panel.download.value
    upload(panel, name, content)
    assert message in panel.message
    assert panel.net is net and panel.loaded is None
    assert panel.code_area.value == code and panel.download.value == link


def test_exported_code_runs_and_matches(net):
    panel = ExportPanel(net)
    for style in ("module", "sequential"):
        panel.code_style.value = style
        panel.code_button.click()
        assert panel.code_area.value == io.export_code(net, style)
        assert link_payload(panel.download.value)[1].decode() == panel.code_area.value
    namespace: dict = {}
    exec(panel.code_area.value, namespace)  # the sequential code builds `model`
    x = torch.randn(16, 2)
    assert compare(net, namespace["model"], x).allclose
    assert compare(to_torch(net), namespace["model"], x).allclose


def test_png_export_of_a_named_figure():
    start = open_figures()
    view = HeatmapView(torch.rand(10, 10).numpy(), backend="agg")
    views = {}
    panel = ExportPanel(Net.build(2, [3], 1, seed=0), lambda: views)
    with pytest.raises(ValueError, match="There is no figure to export yet"):
        panel.export_png()
    views["loss landscape"] = view
    panel.png_button.click()
    name, data = link_payload(panel.download.value)
    assert name == "loss_landscape.png" and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert panel.figure_dropdown.options == ("loss landscape",)
    view.close()
    assert open_figures() == start


def test_nothing_to_save_is_said():
    panel = ExportPanel()
    panel.save_json_button.click()
    assert panel.message == "There is no network to save yet; build one first."
    assert panel.download.value == ""
