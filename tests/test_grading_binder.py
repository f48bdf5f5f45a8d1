"""The solutions stay out of the Binder image: ``binder/postBuild`` removes the course source
after repo2docker has copied the repository, and what is left has no solution in it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POST_BUILD = ROOT / "binder" / "postBuild"
#: a solution region or hidden tests, as they stand in a notebook cell
MARKER = re.compile(r"^\s*### BEGIN (SOLUTION|HIDDEN TESTS)\s*$", re.M)


def _model_answers() -> list[str]:
    """The source's answers to the lab's Questions (markdown solution cells)."""
    nb = json.loads((ROOT / "course" / "source" / "lab2" / "lab2_exercises.ipynb").read_text())
    return [
        "".join(cell["source"]).strip()
        for cell in nb["cells"]
        if cell["cell_type"] == "markdown" and cell["metadata"].get("nbgrader", {}).get("solution")
    ]


def test_repo2docker_runs_post_build_after_copying_the_repository():
    exe = shutil.which("jupyter-repo2docker") or str(Path(sys.executable).with_name("jupyter-repo2docker"))
    if not Path(exe).exists():
        pytest.skip("jupyter-repo2docker is not installed (pip install jupyter-repo2docker)")
    done = subprocess.run([exe, "--no-build", "--debug", str(ROOT)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    dockerfile = done.stdout
    assert dockerfile.index("src/ ${REPO_DIR}/") < dockerfile.index("RUN ./binder/postBuild")


def test_post_build_leaves_no_solution_in_the_image(tmp_path):
    image = tmp_path / "repo"
    shutil.copytree(
        ROOT, image, ignore=shutil.ignore_patterns(".venv", ".git", "test-artifacts", "*.pyc", "__pycache__")
    )
    assert (image / "course" / "source").exists()
    done = subprocess.run(["bash", str(POST_BUILD)], cwd=image, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not (image / "course" / "source").exists()
    assert not (image / "tests" / "wrong_implementations.py").exists()
    answers = _model_answers()
    assert len(answers) == 5
    carrying = []
    for path in image.rglob("*"):
        if path.is_file() and path.suffix in (".ipynb", ".py", ".md", ".txt", ".json", ".yaml"):
            text = path.read_text(errors="replace")
            cells = (
                ["".join(c.get("source", "")) for c in json.loads(text)["cells"]] if path.suffix == ".ipynb" else [text]
            )
            if any(MARKER.search(cell) for cell in cells) or any(answer in text for answer in answers):
                carrying.append(str(path.relative_to(image)))
    assert carrying == []
