"""Execute a notebook top to bottom in a kernel of this virtual environment (shared by the notebook tests)."""

import os
import sys
from pathlib import Path

import nbclient
import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def execute(path: Path, extra_sources: tuple[str, ...] = (), timeout: int = 300) -> nbformat.NotebookNode:
    """Run ``path`` (plus ``extra_sources`` as extra cells at the end) and return the executed notebook."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.extend(nbformat.v4.new_code_cell(src) for src in extra_sources)
    env_path = os.environ.get("PATH", "")
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env_path  # the venv's python runs the kernel
    try:
        nbclient.NotebookClient(
            nb, kernel_name="python3", timeout=timeout, resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    finally:
        os.environ["PATH"] = env_path
    return nb
