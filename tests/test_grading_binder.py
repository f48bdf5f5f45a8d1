"""The solutions stay out of the Binder image: ``binder/postBuild`` removes the course source
after repo2docker has copied the repository, and what is left has no solution in it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POST_BUILD = ROOT / "binder" / "postBuild"
#: the solution markers of the source, and one solution line (Task 1.2) that must not reach a student
SOLUTION_MARKS = ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "y = x @ self.weight + self.bias")


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
    carrying = []
    for path in image.rglob("*"):
        if path.is_file() and path.suffix in (".ipynb", ".py", ".md", ".txt", ".json"):
            text = path.read_text(errors="replace")
            if any(mark in text for mark in SOLUTION_MARKS) and path.name != Path(__file__).name:
                carrying.append(str(path.relative_to(image)))
    # a few tests name a marker or one solution line to look for it; nothing else carries one
    assert [p for p in carrying if not p.startswith("tests/test_")] == []
