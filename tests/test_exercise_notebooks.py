"""The Lab 2 exercise and solution notebooks: well-formed, saved without
outputs, identical outside the START/END blocks; executed in a kernel, every
check passes on the solutions and fails (without crashing) on the empty templates."""

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from nbrun import execute  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXERCISES, SOLUTIONS = NOTEBOOKS / "lab2_exercises.ipynb", NOTEBOOKS / "lab2_solutions.ipynb"
START, END = "START OF YOUR CODE", "END OF YOUR CODE"
CHECKS = (
    "check_linear",
    "check_relu",
    "check_sigmoid",
    "check_net",
    "check_torchnet",
    "check_mse",
    "check_random_search",
)


def _read(path):
    return nbformat.read(path, as_version=4)


def _without_blocks(source):
    """The source with everything between START and END replaced by a placeholder."""
    return re.sub(rf"{START}.*?{END}", "<block>", source, flags=re.S)


def _execute(path, extra_sources=()):
    return execute(path, tuple(extra_sources), timeout=180)


def _check_outputs(nb):
    """{check name: first line of its text/plain result} for every check cell."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for name in CHECKS:
            if f"{name}(" in cell.source and cell.source.startswith("result_"):
                [result] = [o for o in cell.outputs if o.output_type == "execute_result"]
                assert "text/html" in result.data, "the result renders as an HTML panel"
                found[name] = result.data["text/plain"].splitlines()[0]
    return found


@pytest.mark.parametrize("path", [EXERCISES, SOLUTIONS], ids=["exercises", "solutions"])
def test_notebook_is_valid_and_saved_without_outputs(path):
    nb = _read(path)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert "ipywidgets" not in cell.source and "matplotlib" not in cell.source
        assert cell.source.count(START) == cell.source.count(END)


def test_exercises_and_solutions_differ_only_inside_the_blocks():
    ex, sol = _read(EXERCISES), _read(SOLUTIONS)
    assert len(sol.cells) == len(ex.cells) + 1  # the teachers' assert cell
    assert "assert all(result.passed" in sol.cells[-1].source
    for i, (a, b) in enumerate(zip(ex.cells, sol.cells, strict=False)):
        if i == 0:
            assert "exercises" in a.source and "solutions" in b.source
            continue
        assert _without_blocks(a.source) == _without_blocks(b.source), f"cell {i} differs outside its blocks"
    n_blocks = sum(c.source.count(START) for c in ex.cells if c.cell_type == "code")
    assert n_blocks == 9
    assert sum(c.source.count(START) for c in sol.cells if c.cell_type == "code") == n_blocks


def test_every_exercise_has_a_check_cell_right_after_it():
    cells = _read(EXERCISES).cells
    checked = []
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and START in cell.source:
            follower = cells[i + 1]
            assert follower.cell_type == "code" and follower.source.startswith("result_")
            checked.append(follower.source.split("(")[0].split("= ")[1])
    assert sorted(checked) == sorted(CHECKS)


def test_the_text_is_ours_not_the_lab_prose():
    text = " ".join(c.source for c in _read(EXERCISES).cells if c.cell_type == "markdown")
    for lab_sentence in (
        "Complete the code to initialize",
        "Modern neural networks consist of many building blocks",
        "Write your answere here",
        "we can complete the reference implementation provided below",
    ):
        assert lab_sentence not in text
    assert "random_search(net, nodes, ground_truth, epsilon, max_iters, seed)" in text
    assert "(best_net, losses)" in text


def test_solutions_notebook_runs_and_every_check_passes():
    nb = _execute(SOLUTIONS)
    outputs = _check_outputs(nb)
    assert set(outputs) == set(CHECKS)
    for name, line in outputs.items():
        assert "PASSED" in line and "warning" not in line, (name, line)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "7 of 7 checks pass" in printed
    best = float(re.search(r"best of \d+ tries ([0-9.e+-]+)", printed).group(1))
    start = float(re.search(r"starting loss ([0-9.e+-]+)", printed).group(1))
    assert best < start


def test_exercise_templates_run_and_every_check_fails_gracefully(executed_exercises):
    nb = executed_exercises  # executing raised CellExecutionError if any cell crashed
    outputs = _check_outputs(nb)
    assert set(outputs) == set(CHECKS)
    for name, line in outputs.items():
        assert "FAILED" in line, (name, line)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "0 of 7 checks pass" in printed
    assert "Make check_random_search pass first." in printed


ENDLESS = (
    "import threading, time\n"
    "from mlp_widgets.checks import check_sigmoid\n"
    "class Endless:\n"
    "    def forward(self, x):\n"
    "        while True:\n"
    "            pass\n"
    "start = time.monotonic()\n"
    "endless = check_sigmoid(Endless, time_limit=1)\n"
    "print(threading.current_thread() is threading.main_thread(), round(time.monotonic() - start))\n"
    "print(endless.cases[0].message)\n"
    "print([t.name for t in threading.enumerate() if t.name == 'mlp-widgets-check'])"
)


@pytest.fixture(scope="module")
def executed_exercises():
    """The exercise notebook run in a kernel, with one extra cell holding an endless loop."""
    return _execute(EXERCISES, [ENDLESS])


def test_an_endless_loop_in_a_kernel_is_stopped_by_the_alarm(executed_exercises):
    """Jupyter runs cells in the kernel's main thread, so the SIGALRM limit applies there."""
    lines = "".join(o.get("text", "") for o in executed_exercises.cells[-1].outputs).splitlines()
    assert lines[0] == "True 1"  # main thread; one 1-second case, then the rest are skipped
    assert lines[1] == "stopped after the time limit of 1 s"
    assert lines[2] == "[]"  # no abandoned worker thread left spinning
