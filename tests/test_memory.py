"""The memory budget (issue 13): no single action, file or config takes a dashboard kernel past its budget.

Each action runs in a child process (:mod:`memory_cap`) that is killed once
its resident memory passes a cap, so a regression fails the test instead of
taking the machine with it. Every action must either be refused with a
sentence or computed in bounded chunks, and its peak must stay under
:data:`~mlp_widgets.core.limits.MEMORY_BUDGET` above what the child held
before it. Before the fix each of the compute actions below passed 2.2 GiB
within seconds (measured on the development machine; ``docs/deploy.md``).
"""

from __future__ import annotations

import io
import json
import zipfile

import memory_cap
import pytest
import torch

from mlp_widgets.core import Net
from mlp_widgets.core.limits import MEMORY_BUDGET
from mlp_widgets.export import files

#: a child past this is killed: well above the budget, well below what the machine has
CAP = 1536 * 2**20

SETUP = """
import torch
from mlp_widgets.core import Net, RandomSearch, lab2_dataset, make_dataset
from mlp_widgets.core.batched import LossSample
from mlp_widgets.core.landscape import LandscapeJob
torch.set_num_threads(1)
wide = Net.build(2, (256,) * 8, 1, "relu", init="uniform", seed=0)
lab, big = lab2_dataset(), make_dataset("gaussian", -2, 2, 200)
"""


def _within_budget(outcome: memory_cap.Outcome) -> None:
    assert not outcome.killed, f"killed past {CAP >> 20} MiB:\n{outcome.output}"
    assert outcome.ok, f"{outcome.error_type}: {outcome.message}\n{outcome.output}"
    assert outcome.extra < MEMORY_BUDGET, f"the action took {outcome.extra >> 20} MiB (budget {MEMORY_BUDGET >> 20})"


@pytest.mark.parametrize(
    ("action", "progress"),
    [
        # histogram "sample", N = 5000, 8 × 256 (drew a [4096, P] block: 7.6 GB)
        ("job = LossSample(5000, wide, lab); job.advance(1.0); result = job.progress", "0 < {} < 1"),
        # search batch 4096 + Step, 8 × 256 (held [4096, P] candidates)
        (
            "s = RandomSearch(wide, lab, batch_size=4096, strategy='keep-best'); s.advance(1.0); "
            "result = (s.iteration, s.step_progress)",
            "{}[0] == 0 and 0 < {}[1] < 1",
        ),
        # Play with batch 4096 and 2 × 256, perturb (1.1 GB of candidates)
        (
            "s = RandomSearch(Net.build(2, (256, 256), 1, 'relu', init='uniform'), lab, batch_size=4096, "
            "strategy='perturb'); s.advance(1.0); result = s.step_progress",
            "0 < {} < 1",
        ),
        # the loss landscape, 51 × 51, on a 200 × 200 grid, 8 × 256 (21 min in one go)
        ("job = LandscapeJob(wide, big, n=51, threads=1); job.advance(1.0); result = job.progress", "0 < {} < 1"),
        # one gradient step of 8 × 256 on a 200 × 200 grid (autograd keeps every layer's activations)
        (
            "s = RandomSearch(wide, big, strategy='gradient'); s.advance(1.0); result = s.step_progress",
            "0 < {} < 1",
        ),
    ],
    ids=["histogram", "search-step", "play-2x256", "landscape", "gradient"],
)
def test_a_big_computation_runs_in_bounded_memory(action, progress):
    outcome = memory_cap.run(SETUP, action, cap=CAP, timeout=120)
    _within_budget(outcome)
    assert eval(progress.format(outcome.result, outcome.result)), outcome.result  # noqa: S307 - our own literals


def _compressed_torch_file(tmp_path) -> bytes:
    """A torch file whose 128 MiB of zeros are deflated to a few hundred KiB (never held in memory here)."""
    net = Net.build(2, (3,), 1, init="zeros")
    arch = files.net_to_dict(net)
    for layer in arch["layers"]:
        layer.pop("weight", None)
        layer.pop("bias", None)
    state = {"0.weight": torch.zeros(3, 2), "0.bias": torch.zeros(3), "2.weight": torch.zeros(1, 3),
             "2.bias": torch.zeros(1), "junk": torch.zeros(32 * 2**20)}  # fmt: skip
    plain = tmp_path / "plain.pt"
    torch.save({"format": files.FORMAT, "version": files.VERSION, "architecture": arch, "state_dict": state}, plain)
    del state
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            with src.open(info) as reader, dst.open(info.filename, "w") as writer:
                while chunk := reader.read(2**20):
                    writer.write(chunk)
    return out.getvalue()


def _stride0_torch_file() -> bytes:
    """4 KB whose weight claims 32768 × 32768 floats over one stored float."""
    arch = {"format": files.FORMAT, "version": files.VERSION, "layers": [
        {"type": "linear", "n_in": 2, "n_out": 256}, {"type": "activation", "name": "relu"},
        {"type": "linear", "n_in": 256, "n_out": 1}]}  # fmt: skip
    state = {"0.weight": torch.zeros(1).expand(2**15, 2**15), "0.bias": torch.zeros(1).expand(256),
             "2.weight": torch.zeros(1, 256), "2.bias": torch.zeros(1)}  # fmt: skip
    buf = io.BytesIO()
    torch.save({"format": files.FORMAT, "version": files.VERSION, "architecture": arch, "state_dict": state}, buf)
    return buf.getvalue()


def _alias_bomb() -> str:
    """383 bytes of YAML that print as 9⁹ strings (a "billion laughs")."""

    def level(i: int) -> str:
        if i == 0:
            return "&p0 [" + ",".join(['"lol"'] * 9) + "]"
        return f"&p{i} [" + level(i - 1) + "," + ",".join([f"*p{i - 1}"] * 8) + "]"

    return "search:\n  epsilon: " + level(8) + "\n"


def test_hostile_files_and_configs_are_refused_with_a_sentence_within_the_budget(tmp_path):
    layers = []
    for i in range(1000):
        layers += [{"type": "linear", "n_in": 2 if i == 0 else 1, "n_out": 1, "weight": [[0.0]] * (2 if i == 0 else 1),
                    "bias": [0.0]}, {"type": "activation", "name": "relu"}]  # fmt: skip
    hostile = {
        "compressed.pt": _compressed_torch_file(tmp_path),
        "stride0.pt": _stride0_torch_file(),
        "layers.json": json.dumps({"format": files.FORMAT, "version": 1, "layers": layers[:-1]}).encode(),
        "nested.json": b'{"format": "mlp_widgets.net", "version": 1, "layers": ' + b"[" * 3000 + b"]" * 3000 + b"}",
        "bomb.yaml": _alias_bomb().encode(),
        "deep.json": b'{"ui": {"tabs": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
    }
    for name, content in hostile.items():
        (tmp_path / name).write_bytes(content)
    action = f"""
from pathlib import Path
from mlp_widgets.config import DashboardConfig
from mlp_widgets.export import files
result = {{}}
for path in sorted(Path({str(tmp_path)!r}).iterdir()):
    if path.name == "plain.pt":
        continue
    try:
        (DashboardConfig.from_file if path.name in ("bomb.yaml", "deep.json") else files.load)(path)
        result[path.name] = "accepted"
    except ValueError as exc:
        result[path.name] = str(exc)
result = __import__("json").dumps(result)
"""
    outcome = memory_cap.run("import torch, mlp_widgets", action, cap=CAP, timeout=60)
    _within_budget(outcome)
    assert outcome.extra < 32 * 2**20, f"refusing the files took {outcome.extra >> 20} MiB"
    refusals = json.loads(eval(outcome.result))  # noqa: S307 - the repr of our own string
    expected = {
        "compressed.pt": "compressed.pt holds a compressed entry",
        "stride0.pt": "stride0.pt: Field 'state_dict.0.weight' must have shape (256, 2)",
        "layers.json": "layers.json holds more lists, objects or numbers than a network",
        "nested.json": "nested.json nests lists or objects too deeply to be a network file",
        "bomb.yaml": "bomb.yaml: the config holds more than 2000 values (a YAML alias counts each time",
        "deep.json": "deep.json nests values too deeply",
    }
    for name, words in expected.items():
        assert refusals[name].startswith(words), (name, refusals[name])
        assert len(refusals[name]) < 400


def test_a_forged_canvas_resize_is_capped_within_the_budget():
    setup = """
import numpy as np
from matplotlib.figure import Figure
from mlp_widgets.plots import _ipympl
fig = Figure(figsize=(5, 4), dpi=100)
fig.add_subplot().imshow(np.random.default_rng(0).random((50, 50)))
canvas = _ipympl.attach_canvas(fig, hidpi=False)
canvas.get_diff_image()
"""
    action = """
canvas._handle_message(canvas, {"type": "resize", "width": 10000, "height": 10000}, [])
canvas.draw()
canvas._png_is_old = True
png = canvas.get_diff_image()
result = (float(fig.bbox.width * fig.bbox.height), len(png))
"""
    outcome = memory_cap.run(setup, action, cap=CAP, timeout=60)
    _within_budget(outcome)
    from mlp_widgets.core.limits import MAX_CANVAS_PIXELS

    pixels, png_bytes = eval(outcome.result)  # noqa: S307 - our own tuple
    assert pixels <= MAX_CANVAS_PIXELS and png_bytes > 0
