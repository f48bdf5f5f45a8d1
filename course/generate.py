"""Build the student notebooks from the one assignment source.

    python course/generate.py           # write notebooks/lab2_exercises.ipynb and the series notebooks/0*.ipynb
    python course/generate.py --check   # exit 1 (and name them) if the committed ones differ

``course/source/lab2/lab2_exercises.ipynb`` holds the lab with its solutions,
tests and points. The student notebooks are never edited by hand:

- ``notebooks/lab2_exercises.ipynb`` is nbgrader's own release of the source
  (``nbgrader generate_assignment``, run on a temporary copy of ``course/``):
  solutions and hidden tests stripped, given cells locked.
- ``notebooks/0*.ipynb``, the series, come from ``course/series/``: widget
  notebooks whose Questions are *included* from that release — a cell whose
  metadata says ``{"mlp_widgets": {"include": [grade ids]}}`` is replaced by
  those cells, prompt and empty answer cell. The series thus ask the lab's
  Questions in the lab's words and never state an answer.

nbgrader runs from this Python if it has it, else from a grading environment
made once beside it (:func:`nbgrader_python`): nbgrader requires Notebook 7,
whose JupyterLab extension Voilà pages cannot load (every page then logs an
error), so it stays out of the environment that serves the dashboard.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
ASSIGNMENT = "lab2"
NOTEBOOK = "lab2_exercises.ipynb"
SERIES = COURSE / "series"
OUT = ROOT / "notebooks"
#: the nbgrader the course is tested with
NBGRADER = "nbgrader==0.9.6"
#: where the grading environment goes when this Python has no nbgrader (inside this environment's own folder)
GRADING_ENV = Path(os.environ.get("MLP_WIDGETS_GRADING_ENV", Path(sys.prefix) / "grading"))


def nbgrader_python() -> str:
    """A Python that runs nbgrader: this one if it has nbgrader, else the grading environment's.

    The grading environment is created on first use: a virtual environment
    that sees this one's packages (a ``.pth`` file adds its site-packages) and
    installs only nbgrader and what this one lacks (JupyterLab, Notebook,
    SQLAlchemy …), about 15 s from PyPI.

    Raises
    ------
    RuntimeError
        If the environment cannot be made or nbgrader cannot be installed.
    """
    if importlib.util.find_spec("nbgrader") is not None:
        return sys.executable
    python = GRADING_ENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if python.exists() and _has_nbgrader(python):
        return str(python)
    steps = [[sys.executable, "-m", "venv", str(GRADING_ENV)]]
    steps.append([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", NBGRADER])
    for i, step in enumerate(steps):
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"could not make the grading environment ({' '.join(step)}):\n{done.stderr}")
        if i == 0:
            _see_this_environment(python)
    return str(python)


def _has_nbgrader(python: Path) -> bool:
    return subprocess.run([str(python), "-c", "import nbgrader"], capture_output=True).returncode == 0


def _see_this_environment(python: Path) -> None:
    """Let ``python``'s environment import this one's packages (torch, mlp_widgets in editable mode …)."""
    paths = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # an "import" line of a .pth file runs: addsitedir also reads that folder's own .pth files
    lines = [f"import site; site.addsitedir({path!r})" for path in paths]
    (Path(site) / "mlp_widgets_base.pth").write_text("\n".join(lines) + "\n")


def run_nbgrader(course_root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``course_root`` (the kernels it starts are this environment's Python).

    Raises
    ------
    RuntimeError
        If nbgrader exits with an error; the message holds its output.
    """
    python = nbgrader_python()
    # this environment's python first (the kernels need torch), then nbgrader's own tools (it runs `alembic`)
    path = [str(Path(sys.executable).parent), str(Path(python).parent), os.environ.get("PATH", "")]
    # and this environment's Jupyter data (nbconvert's templates, the python3 kernel) when nbgrader lives elsewhere
    data = [str(Path(sys.prefix) / "share" / "jupyter"), os.environ.get("JUPYTER_PATH", "")]
    env = {**os.environ, "PATH": os.pathsep.join(path), "JUPYTER_PATH": os.pathsep.join(filter(None, data))}
    done = subprocess.run([python, "-m", "nbgrader", *args], cwd=course_root, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def copy_course(dest: Path) -> Path:
    """A fresh course directory at ``dest``: the config and the source, nothing generated."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(COURSE / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(COURSE / "source", dest / "source", dirs_exist_ok=True)
    return dest


def release(course_root: Path) -> Path:
    """``nbgrader generate_assignment`` in ``course_root``; the path of the release notebook."""
    run_nbgrader(course_root, "generate_assignment", ASSIGNMENT, "--force")
    return course_root / "release" / ASSIGNMENT / NOTEBOOK


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _as_plain_cell(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A release cell for a series notebook: nbgrader's metadata dropped (the series is not submitted)."""
    plain = copy.deepcopy(cell)
    plain.metadata.pop("nbgrader", None)
    return plain


def build_series(released: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """The series notebooks, each template's include cells replaced by cells of ``released``.

    Raises
    ------
    KeyError
        If a template includes a grade id the release does not have.
    """
    by_id = {_grade_id(cell): cell for cell in released.cells if _grade_id(cell)}
    built = {}
    for template in sorted(SERIES.glob("0*.ipynb")):
        nb = nbformat.read(template, as_version=4)
        cells = []
        for cell in nb.cells:
            wanted = cell.get("metadata", {}).get("mlp_widgets", {}).get("include")
            if not wanted:
                cells.append(cell)
                continue
            missing = [grade_id for grade_id in wanted if grade_id not in by_id]
            if missing:
                raise KeyError(f"{template.name} includes {missing}, which {NOTEBOOK} does not have")
            cells.extend(_as_plain_cell(by_id[grade_id]) for grade_id in wanted)
        nb.cells = cells
        built[template.name] = nb
    return built


def student_notebooks(release_path: Path) -> dict[str, nbformat.NotebookNode]:
    """Every student notebook by file name, from the release notebook at ``release_path``."""
    released = nbformat.read(release_path, as_version=4)
    return {NOTEBOOK: released, **build_series(released)}


def generate() -> dict[str, nbformat.NotebookNode]:
    """Build the student notebooks in a temporary course directory."""
    with tempfile.TemporaryDirectory(prefix="mlp-widgets-course-") as tmp:
        return student_notebooks(release(copy_course(Path(tmp))))


def differences(notebooks: dict[str, nbformat.NotebookNode], out: Path = OUT) -> list[str]:
    """The names of ``notebooks`` whose file in ``out`` is missing or holds something else."""
    stale = []
    for name, nb in notebooks.items():
        path = out / name
        if not path.exists() or nbformat.read(path, as_version=4) != nb:
            stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the student notebooks from course/source.")
    parser.add_argument("--check", action="store_true", help="only compare with the committed notebooks")
    args = parser.parse_args(argv)
    notebooks = generate()
    if args.check:
        stale = differences(notebooks)
        if stale:
            print("out of date (run python course/generate.py):", ", ".join(stale))
            return 1
        print("the student notebooks match course/source")
        return 0
    for name, nb in notebooks.items():
        nbformat.write(nb, OUT / name)
        print("wrote", (OUT / name).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
