"""A wheel installed into a fresh virtual environment, outside the repository, serves the dashboard.

This is what a new user does: ``pip install`` the package, then ``mlp-widgets
dashboard``. The environment has no system site-packages and nothing from the
test extra, so the declared dependencies alone must be enough (a missing
``ipykernel`` once made the page an HTTP 500: "No Jupyter kernel for language
'python' found"). torch is installed first at the Makefile's CPU version, as the
README says; pip takes everything else from the index, through the pip cache
that ``make install`` has already filled (a fresh venv installs in well under a
minute here).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
import voila_harness as harness  # noqa: E402


def _torch_requirement() -> str:
    match = re.search(r"^TORCH \?= (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, "the Makefile names the CPU torch to install"
    return match.group(1)


def _pip(python: Path, *args: str, timeout: float = 600) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """``bin/`` of a fresh venv with torch and the wheel built from this repository."""
    base = tmp_path_factory.mktemp("wheel-install")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(base), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = base.glob("mlp_widgets-*.whl")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    _pip(python, _torch_requirement())
    _pip(python, str(wheel))
    return env_dir / "bin"


def test_the_test_extra_is_not_needed(installed):
    """Nothing the runtime needs hides in the test extra: none of it is installed, and the command still runs."""
    result = subprocess.run(
        [str(installed / "python"), "-c", "import importlib.util as u; print([m for m in "
         "('pytest', 'playwright', 'nbclient', 'jupyterlab', 'notebook', 'scipy') if u.find_spec(m)])"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['nbclient']"  # nbclient comes with voila itself


def test_the_installed_command_serves_the_dashboard_outside_the_repository(installed, tmp_path):
    """``mlp-widgets dashboard --config lab2`` from an empty folder: the page renders the dashboard's widgets."""
    port = harness.free_port()
    command = [str(installed / "mlp-widgets"), "dashboard", "--no-browser", f"--port={port}", "--config", "lab2"]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{installed}{os.pathsep}{env.get('PATH', '')}"
    server = harness.VoilaServer(command, port, tmp_path, env=env)
    with server:
        started = time.monotonic()
        with urllib.request.urlopen(server.url(""), timeout=180) as response:
            status, page = response.status, response.read().decode()
        assert status == 200, page[-2000:]
        assert time.monotonic() - started < 180
        # the notebook ran in a kernel of the fresh venv: its output is the dashboard's widget view
        assert "application/vnd.jupyter.widget-view+json" in page, server.log()[-3000:]
        assert "No Jupyter kernel" not in page and "Traceback" not in server.log()
        kernels = server.kernel_pids()
        assert kernels, "a kernel ran the page"
        # (the venv's python is a symlink: compare the command line, not the resolved executable)
        assert Path(psutil.Process(kernels[0]).cmdline()[0]).parent == installed
