"""The Binder configuration, checked as far as a machine without Docker allows.

``jupyter-repo2docker --no-build`` writes the Dockerfile Binder would build; the
tests read it to see that Python 3.11, the CPU-only torch and the package are
installed, after the repository is copied in, and that ``binder/start`` runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def requirement_lines() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_python_is_pinned_to_3_11():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"


def test_torch_comes_from_the_cpu_wheel_index_at_the_makefile_version():
    lines = requirement_lines()
    assert f"--extra-index-url {CPU_INDEX}" in lines
    (torch,) = [line for line in lines if re.match(r"torch\b", line)]
    version = re.fullmatch(r"torch==(\S+)\+cpu", torch)
    assert version, f"torch must be pinned to a +cpu build: {torch!r}"
    makefile = (ROOT / "Makefile").read_text()
    assert f"torch=={version.group(1)}" in makefile, "binder and the Makefile should install the same torch"


def test_the_package_itself_is_installed():
    assert "." in requirement_lines()


def test_front_end_pins_match_what_the_browser_tests_run():
    pins = dict(line.split("==") for line in requirement_lines() if "==" in line and not line.startswith("torch"))
    assert set(pins) == {"voila", "ipympl", "ipywidgets"}
    for name, version in pins.items():
        assert metadata.version(name) == version, (
            f"{name}: binder pins {version}, the tests run {metadata.version(name)}"
        )


def test_start_script_puts_the_repository_on_the_jupyter_config_path(tmp_path):
    start = BINDER / "start"
    assert os.access(start, os.X_OK)
    env = {"PATH": os.environ["PATH"], "REPO_DIR": str(tmp_path), "JUPYTER_CONFIG_PATH": "/elsewhere"}
    script = "import os; print(os.environ['JUPYTER_CONFIG_PATH'])"
    result = subprocess.run([str(start), sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{tmp_path}:/elsewhere"


def test_jupyter_server_reads_the_root_config_through_the_start_script(tmp_path):
    """With the config path binder/start sets, a Jupyter server sees jupyter_config.json's Voilà and culling settings."""
    env = {**os.environ, "REPO_DIR": str(ROOT), "JUPYTER_CONFIG_PATH": "", "HOME": str(tmp_path)}
    script = (
        "from jupyter_server.serverapp import ServerApp; app = ServerApp(); app.load_config_file(); "
        "print(app.config.MappingKernelManager.cull_idle_timeout, app.config.VoilaConfiguration.strip_sources)"
    )
    result = subprocess.run(
        [str(BINDER / "start"), sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["600", "True"]


@pytest.fixture(scope="module")
def repo2docker() -> subprocess.CompletedProcess:
    exe = shutil.which("jupyter-repo2docker") or str(Path(sys.executable).with_name("jupyter-repo2docker"))
    if not Path(exe).exists():
        pytest.skip("jupyter-repo2docker is not installed (pip install jupyter-repo2docker)")
    result = subprocess.run([exe, "--no-build", "--debug", str(ROOT)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def dockerfile(repo2docker) -> str:
    return repo2docker.stdout


def test_repo2docker_builds_python_3_11(repo2docker):
    assert "Building conda environment for python=3.11" in repo2docker.stderr
    # the base environment's lock file for Python 3.11 (its path is escaped in the Dockerfile)
    assert "environment-2epy-2d3-2e11-2dlinux-2d64-2elock" in repo2docker.stdout


def test_repo2docker_installs_the_requirements_after_copying_the_repository(dockerfile):
    copy_repo = dockerfile.index("src/ ${REPO_DIR}/")
    install = dockerfile.index('pip install --no-cache-dir -r "binder/requirements.txt"')
    workdir = dockerfile.index("WORKDIR ${REPO_DIR}")
    assert workdir < copy_repo < install, "`.` in requirements.txt needs the whole repository, from its root"


def test_repo2docker_runs_the_start_script(dockerfile):
    assert 'ENV R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in dockerfile
