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

Needs nbgrader (``pip install -e ".[test]"`` brings it).
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
ASSIGNMENT = "lab2"
NOTEBOOK = "lab2_exercises.ipynb"
SERIES = COURSE / "series"
OUT = ROOT / "notebooks"


def run_nbgrader(course_root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``course_root`` with this Python (and its kernel on the PATH).

    Raises
    ------
    RuntimeError
        If nbgrader exits with an error; the message holds its output.
    """
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course_root, env=env, capture_output=True, text=True
    )
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
