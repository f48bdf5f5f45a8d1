"""The student's exercise notebook, ``notebooks/lab2_exercises.ipynb`` (nbgrader's release of
``course/source``; tests/test_grading.py grades it): well-formed, saved without outputs, free of
solutions; executed blank in a kernel, every check fails every case without crashing, a failed
check reads as one sentence, and an endless loop is stopped by the alarm."""

import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "notebooks" / "lab2_exercises.ipynb"
#: the checks of the blank notebook that have something to check (the others' variables do not exist yet)
CHECK_TITLES = (
    "check_linear(Linear)",
    "check_sigmoid(Sigmoid)",
    "check_net(Net)",
    "check_torchnet(TorchNet)",
    "check_reset_params(net1)",
    "check_mse(MSE_loss)",
    "check_random_search(random_search)",
)
#: test cells whose task leaves a variable undefined in the blank notebook: a NameError there
UNDEFINED = ("test_layer_use", "test_torch_layer", "test_torch_relu", "test_grid_prediction")


def _read(path=EXERCISES):
    return nbformat.read(path, as_version=4)


def test_notebook_is_valid_and_saved_without_outputs():
    nb = _read()
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert "ipywidgets" not in cell.source and "matplotlib" not in cell.source


def test_the_solutions_are_nowhere_a_student_gets_them():
    """Not in the exercises, not in notebooks/ (what Binder serves), not in the package."""
    assert not (ROOT / "notebooks" / "lab2_solutions.ipynb").exists()
    for path in [*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "mlp_widgets").rglob("*.ipynb")]:
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text, path
        assert "y = x @ self.weight + self.bias" not in text, path  # the Task 1.2 solution


def test_the_text_is_ours_not_the_lab_prose():
    text = " ".join(c.source for c in _read().cells if c.cell_type == "markdown")
    for lab_sentence in (
        "Complete the code to initialize",
        "Modern neural networks consist of many building blocks",
        "Write your answere here",
        "we can complete the reference implementation provided below",
    ):
        assert lab_sentence not in text
    assert "random_search(net, nodes, ground_truth, epsilon, max_iters, seed)" in text
    assert "(best_net, losses)" in text


ENDLESS = (
    "import threading, time\n"
    "from mlp_widgets.checks import check_sigmoid\n"
    "class Endless:\n"
    "    def forward(self, x):\n"
    "        while True:\n"
    "            try:\n"
    "                pass\n"
    "            except:\n"
    "                pass\n"
    "start = time.monotonic()\n"
    "endless = check_sigmoid(Endless, time_limit=1)\n"
    "print(threading.current_thread() is threading.main_thread(), round(time.monotonic() - start))\n"
    "print(endless.cases[0].message)\n"
    "print([t.name for t in threading.enumerate() if t.name == 'mlp-widgets-check'])"
)


@pytest.fixture(scope="module")
def executed_exercises():
    """The blank exercise notebook run in a kernel as nbgrader runs it (errors do not stop it), plus an endless loop."""
    nb = _read()
    nb.cells.append(nbformat.v4.new_code_cell(ENDLESS))
    with pytest.MonkeyPatch.context() as patch:  # the kernel is this virtual environment's python
        patch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
        client = nbclient.NotebookClient(
            nb, kernel_name="python3", timeout=180, allow_errors=True, resources={"metadata": {"path": str(ROOT)}}
        )
        client.execute()
    return nb


def _panels(nb) -> dict[str, str]:
    """{check title: its summary line} for every check panel shown."""
    found = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "display_data" and "text/html" in out.data:
                line = out.data["text/plain"].splitlines()[0]
                found[line.split(":")[0]] = line
    return found


def test_blank_templates_run_and_every_check_fails_every_case(executed_exercises):
    panels = _panels(executed_exercises)
    assert set(panels) == set(CHECK_TITLES)
    for line in panels.values():
        assert "FAILED (0/" in line, line
    for cell in executed_exercises.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in UNDEFINED:
            [error] = [o for o in cell.outputs if o.output_type == "error"]
            assert error.ename == "NameError", grade_id


def test_a_failed_check_reads_as_one_sentence_not_a_traceback(executed_exercises):
    errors = [
        out
        for cell in executed_exercises.cells
        for out in cell.get("outputs", [])
        if out.output_type == "error" and out.ename == "CheckFailed"
    ]
    assert len(errors) >= 6
    for out in errors:
        assert out.traceback == [f"CheckFailed: {out.evalue}"]
        assert "first failure:" in out.evalue


def test_the_given_cells_run_on_the_blank_notebook(executed_exercises):
    """Only cells the student has to complete (or that use their code) may fail."""
    for cell in executed_exercises.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("solution") or meta.get("grade"):
            continue
        if meta.get("grade_id") in (
            "setup",
            "dummy_input",
            "relu",
            "torchnet1",
            "dataset",
            "redraw",
            "your_code_dashboard_code",
        ):  # the dashboard comes up on blank templates too: their errors are sentences on it
            assert not [o for o in cell.outputs if o.output_type == "error"], meta["grade_id"]
    printed = "".join(o.get("text", "") for c in executed_exercises.cells for o in c.get("outputs", []))
    assert "Make check_random_search pass first." in printed


def test_an_endless_loop_in_a_kernel_is_stopped_by_the_alarm(executed_exercises):
    """Jupyter runs cells in the kernel's main thread, so the SIGALRM limit applies there, bare except or not."""
    lines = "".join(o.get("text", "") for o in executed_exercises.cells[-1].outputs).splitlines()
    assert lines[0] == "True 1"  # main thread; one 1-second case, then the rest are skipped
    assert lines[1] == "stopped after the time limit of 1 s"
    assert lines[2] == "[]"  # no abandoned worker thread left spinning
