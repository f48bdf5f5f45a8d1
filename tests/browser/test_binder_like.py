"""The Binder path: a Jupyter server started through ``binder/start`` in the repository serves the Voilà dashboard.

As on Binder (repo2docker runs ``binder/start`` with the repository as working
directory), the root ``jupyter_config.json`` applies: the page at
``/voila/render/notebooks/dashboard.ipynb`` shows the dashboard without its
source code, tracebacks are hidden, idle kernels are culled, responses are
gzipped, and the server's kernel websockets are guarded (a forged frame closes
the socket instead of freezing the server for everyone).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import psutil
import pytest
import voila_harness as harness
import websocket
from conftest import ROOT
from kernel_ws import kernel_id

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
    assert config["ServerApp"]["kernel_websocket_connection_class"] == "mlp_widgets.app.guard.GuardedKernelConnection"


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


def test_a_forged_websocket_frame_closes_the_socket_and_the_server_keeps_serving(binder_server):
    """jupyter_server 2.21.1 builds the list of offsets a v1 frame's first 8 bytes claim before any check:
    unguarded, these 8 bytes keep the server at full CPU while it grows past 1 GiB, and nobody gets an answer."""
    html = urllib.request.urlopen(binder_server.url("voila/render/notebooks/dashboard.ipynb"), timeout=180).read()
    kernel = kernel_id(html.decode())
    url = f"ws://127.0.0.1:{binder_server.port}/api/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"
    rss = psutil.Process(binder_server.pid).memory_info().rss
    ws = websocket.create_connection(url, timeout=30, subprotocols=["v1.kernel.websocket.jupyter.org"])
    try:
        ws.send_binary(b"\xff" * 8)
        closed = False
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not closed:
            try:
                opcode, _ = ws.recv_data()
            except (websocket.WebSocketConnectionClosedException, ConnectionError):
                closed = True
                break
            except (websocket.WebSocketTimeoutException, TimeoutError):
                continue
            closed = opcode == websocket.ABNF.OPCODE_CLOSE
        assert closed, "the server did not close the socket that sent a malformed frame"
    finally:
        ws.close()
    time.sleep(2.0)
    try:
        urllib.request.urlopen(binder_server.url("api/status"), timeout=2)
    except urllib.error.HTTPError:
        pass  # an answer, even a refusal, is what matters
    grown = psutil.Process(binder_server.pid).memory_info().rss - rss
    assert grown < 48 * 2**20, f"the server grew by {grown >> 20} MiB"
