"""Code sent from the browser is refused: an ``execute_request`` over the page's kernel websocket never runs.

A page's kernel is reachable from the browser at ``/api/kernels/<id>/channels``
(the id is in the page). Anyone could send it an ``execute_request``; the
dashboard server must forward only widget messages (``comm_*``,
``kernel_info_request``). The probe: an ``execute_request`` that writes a
marker file, then a ``kernel_info_request`` whose reply proves the socket
reaches the kernel.

* The dashboard served by ``mlp-widgets dashboard``: refused (standalone Voilà
  0.5 passes this whitelist to its kernel manager itself; the widgets' own
  messages get through, as the other browser tests show).
* A control: a plain Jupyter server (what Voilà as a server extension uses,
  e.g. on Binder) runs the same message — the probe detects execution — unless
  ``MappingKernelManager.allowed_message_types`` lists the widget messages.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import voila_harness as harness
from kernel_ws import KernelSocket, kernel_id

pytestmark = pytest.mark.browser

#: the widget messages a Voilà page sends (what jupyter_server's whitelist must let through)
WIDGET_MESSAGES = ["comm_open", "comm_msg", "comm_close", "comm_info_request", "kernel_info_request"]


def _probe(port: int, kernel: str, marker: Path) -> list[tuple[str, str]]:
    """Send code that writes ``marker``, then ask for kernel info; return what came back."""
    with KernelSocket(port, kernel) as sock:
        sock.execute(f"open({str(marker)!r}, 'w').write('executed')")
        sock.send("kernel_info_request")
        got = sock.wait_for("kernel_info_reply", 20)
        got += sock.receive(1.5)  # an execute_reply would arrive by now
    return got


def test_the_dashboard_server_refuses_execute_requests(dashboard_server, tmp_path):
    html = urllib.request.urlopen(dashboard_server.url(), timeout=120).read().decode()  # starts the page's kernel
    marker = tmp_path / "executed.txt"

    got = _probe(dashboard_server.port, kernel_id(html), marker)

    assert ("shell", "kernel_info_reply") in got, "the socket did not reach the kernel"
    assert ("shell", "execute_reply") not in got
    time.sleep(1.0)
    assert not marker.exists(), "code sent over the websocket ran in the kernel"
    assert 'Received message of type "execute_request", which is not allowed' in dashboard_server.log()


def _jupyter_server(port: int, root: Path, *extra: str) -> harness.VoilaServer:
    command = [
        sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
        "--ServerApp.disable_check_xsrf=True", "--allow-root", f"--ServerApp.root_dir={root}", *extra,
    ]  # fmt: skip
    return harness.VoilaServer(command, port, root)


def _start_kernel(server: harness.VoilaServer) -> str:
    request = urllib.request.Request(server.url("api/kernels"), data=b"{}", method="POST")
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())["id"]


@pytest.mark.parametrize("whitelist", [False, True], ids=["no whitelist", "widget messages only"])
def test_a_plain_jupyter_server_runs_it_unless_told_not_to(whitelist, tmp_path):
    extra = [f"--MappingKernelManager.allowed_message_types={WIDGET_MESSAGES!r}"] if whitelist else []
    port = harness.free_port()
    marker = tmp_path / "executed.txt"
    with tempfile.TemporaryDirectory(prefix="mlpw-root-") as root, _jupyter_server(port, Path(root), *extra) as server:
        got = _probe(port, _start_kernel(server), marker)
        deadline = time.monotonic() + 5
        while not whitelist and not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert ("shell", "kernel_info_reply") in got
    if whitelist:
        assert not marker.exists() and ("shell", "execute_reply") not in got
    else:
        assert marker.read_text() == "executed"  # the probe does detect code that runs
