"""The Binder path: a Jupyter server started through ``binder/start`` in the repository serves the Voilà dashboard.

As on Binder (repo2docker runs ``binder/start`` with the repository as working
directory), the root ``jupyter_config.json`` applies: the page at
``/voila/render/notebooks/dashboard.ipynb`` shows the dashboard without its
source code, tracebacks are hidden, idle kernels are culled, and responses are
gzipped.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import urllib.request

import pytest
import voila_harness as harness
from conftest import ROOT

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def binder_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("binder-home")
    port = harness.free_port()
    command = [
        str(ROOT / "binder" / "start"), sys.executable, "-m", "jupyter_server", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        "--IdentityProvider.token=", "--ServerApp.allow_root=True",
    ]  # fmt: skip
    env = {"REPO_DIR": str(ROOT), "HOME": str(home), "JUPYTER_CONFIG_PATH": ""}
    with harness.VoilaServer(command, port, ROOT, env=env) as server:
        yield server


def test_the_effective_config_hides_sources_and_tracebacks_and_culls(tmp_path):
    env = {**os.environ, "REPO_DIR": str(ROOT), "HOME": str(tmp_path), "JUPYTER_CONFIG_PATH": ""}
    result = subprocess.run(
        [str(ROOT / "binder" / "start"), sys.executable, "-m", "jupyter_server", "--show-config-json"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["MappingKernelManager"]["cull_idle_timeout"] == 600
    assert config["VoilaConfiguration"]["strip_sources"] is True
    assert config["VoilaConfiguration"]["show_tracebacks"] is False
    assert config["ServerApp"]["tornado_settings"]["compress_response"] is True


def test_the_dashboard_page_renders_without_sources_gzipped(binder_server, page, console, artifacts):
    request = urllib.request.Request(
        binder_server.url("voila/render/notebooks/dashboard.ipynb"), headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=180) as response:
        assert response.headers.get("Content-Encoding") == "gzip"
        html = gzip.decompress(response.read()).decode()
    assert "application/vnd.jupyter.widget-view+json" in html
    assert "from mlp_widgets import Dashboard" not in html and "%matplotlib widget" not in html
    page.goto(binder_server.url("voila/render/notebooks/dashboard.ipynb"))
    harness.wait_for_render(page)
    harness.wait_for_canvases(page, count=1)
    assert harness.error_outputs(page) == []
    assert "from mlp_widgets import Dashboard" not in page.evaluate("document.body.innerText")
    page.screenshot(path=str(artifacts / "binder-like.png"))
