"""One student cannot hurt the class: forged websocket traffic against a real ``mlp-widgets dashboard`` (issue 13).

A server is started by PID on a free loopback port; one page is fetched (which
starts its kernel); then clients speak to that kernel's websocket as a hostile
student could, with the v1 protocol and with the legacy one. After each attack
the server must still answer another client within two seconds, its memory must
stay flat, and the page's kernel must stay within the memory budget and send no
traceback.

Unguarded (jupyter_server 2.21.1, Voilà 0.5.13) the first two attacks froze the
whole server: the forged v1 frame took it from 285 to 969 MiB in 8 s, the legacy
client with ipympl frames to 1541 MiB, and no other visitor got an answer.
"""

from __future__ import annotations

import json
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import closing
from pathlib import Path

import psutil
import pytest
import voila_harness as harness
import websocket
from jupyter_client.session import Session
from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1, serialize_msg_to_ws_v1
from kernel_ws import kernel_id

from mlp_widgets.core.limits import MAX_CANVAS_PIXELS, MEMORY_BUDGET

pytestmark = pytest.mark.browser

V1 = "v1.kernel.websocket.jupyter.org"
SESSION = Session()
#: how much the server may grow over one attack (unguarded: hundreds of MiB within two seconds)
SERVER_GROWTH = 48 * 2**20


@pytest.fixture(scope="module")
def served():
    """A dashboard server and the kernel id of one page it rendered."""
    port = harness.free_port()
    with tempfile.TemporaryDirectory(prefix="mlpw-guard-") as cwd:
        server = harness.VoilaServer(harness.dashboard_command(port), port, Path(cwd))
        with server:
            html = urllib.request.urlopen(server.url(), timeout=180).read().decode()
            yield server, kernel_id(html)


def _answers(server: harness.VoilaServer) -> bool:
    """Whether the server answers an HTTP request within two seconds."""
    try:
        urllib.request.urlopen(server.url("voila/static/ready-probe"), timeout=2)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def _connect(server: harness.VoilaServer, kernel: str, *, v1: bool) -> websocket.WebSocket:
    url = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"
    return websocket.create_connection(url, timeout=30, subprotocols=[V1] if v1 else None)


def _message(msg_type: str, content: dict, metadata: dict | None = None) -> dict:
    msg = SESSION.msg(msg_type, content)
    msg["metadata"] = metadata or {}
    return msg


def _send(ws: websocket.WebSocket, msg: dict, *, v1: bool) -> None:
    if v1:
        parts = [SESSION.pack(msg[key]) for key in ("header", "parent_header", "metadata", "content")]
        ws.send_binary(serialize_msg_to_ws_v1(parts, "shell"))
    else:
        ws.send(json.dumps({**msg, "channel": "shell", "buffers": []}, default=str))


def _receive(ws: websocket.WebSocket, seconds: float, *, v1: bool, until: str | None = None) -> list[dict]:
    """Messages received within ``seconds`` (or until one of type ``until``), as ``{type, content, binary}``."""
    got: list[dict] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ws.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            opcode, frame = ws.recv_data()
        except (websocket.WebSocketTimeoutException, TimeoutError):
            break
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            got.append({"type": "close", "content": {}, "binary": False})
            break
        if v1:
            _, parts = deserialize_msg_from_ws_v1(frame)
            header, content = json.loads(parts[0]), json.loads(parts[3])
            got.append({"type": header["msg_type"], "content": content, "binary": len(parts) > 4})
        elif opcode == websocket.ABNF.OPCODE_TEXT:
            msg = json.loads(frame)
            got.append({"type": msg["header"]["msg_type"], "content": msg["content"], "binary": False})
        else:  # legacy binary: 4-byte count, offsets, the message as JSON, buffers
            count = int.from_bytes(frame[:4], "big")
            first, second = (int.from_bytes(frame[4 + 4 * i : 8 + 4 * i], "big") for i in (0, 1))
            msg = json.loads(frame[first : second if count > 1 else len(frame)])
            got.append({"type": msg["header"]["msg_type"], "content": msg["content"], "binary": True})
        if until is not None and got[-1]["type"] == until:
            break
    return got


def _comm_ids(ws: websocket.WebSocket, *, v1: bool) -> list[str]:
    _send(ws, _message("comm_info_request", {"target_name": "jupyter.widget"}), v1=v1)
    replies = [m for m in _receive(ws, 30, v1=v1, until="comm_info_reply") if m["type"] == "comm_info_reply"]
    assert replies, "the kernel did not answer comm_info_request"
    return list(replies[0]["content"]["comms"])


def _to_every_comm(ws: websocket.WebSocket, comms: list[str], data: dict, *, v1: bool) -> None:
    for comm in comms:
        _send(ws, _message("comm_msg", {"comm_id": comm, "data": data}, {"version": "2.1.0"}), v1=v1)


def _rss(pid: int) -> int:
    return psutil.Process(pid).memory_info().rss


def _still_serving(server: harness.VoilaServer, kernel: str, rss_before: int) -> None:
    """The server answers HTTP and a well-formed v1 client, and has not grown."""
    time.sleep(2.0)  # unguarded, the server is frozen by now and hundreds of MiB bigger
    assert _answers(server), "the server did not answer another client within 2 s"
    with closing(_connect(server, kernel, v1=True)) as other:
        _send(other, _message("kernel_info_request", {}), v1=True)
        assert "kernel_info_reply" in [m["type"] for m in _receive(other, 10, v1=True, until="kernel_info_reply")]
    grown = _rss(server.pid) - rss_before
    assert grown < SERVER_GROWTH, f"the server grew by {grown >> 20} MiB"


@pytest.mark.parametrize(
    ("v1", "frame"),
    [(True, b"\xff" * 8), (False, b"\x7f\xff\xff\xff" + b"\0" * 8)],
    ids=["v1: 2**64-1 offsets", "legacy: 2**31-1 parts"],
)
def test_a_forged_frame_closes_its_socket_and_the_server_keeps_serving(served, v1, frame):
    server, kernel = served
    before = _rss(server.pid)
    with closing(_connect(server, kernel, v1=v1)) as forger:
        forger.send_binary(frame)
        assert [m["type"] for m in _receive(forger, 10, v1=v1) if m["type"] == "close"] == ["close"]
    _still_serving(server, kernel, before)
    assert "Closed a websocket to kernel" in server.log()


def test_a_legacy_client_gets_ipympl_frames_without_freezing_the_server(served):
    server, kernel = served
    before = _rss(server.pid)
    with closing(_connect(server, kernel, v1=False)) as legacy:
        comms = _comm_ids(legacy, v1=False)
        _to_every_comm(legacy, comms, {"method": "custom", "content": {"type": "draw"}}, v1=False)
        got = _receive(legacy, 8, v1=False)
    assert any(m["binary"] for m in got), "no ipympl frame came back"  # and it parses as the legacy format
    assert "execute_input" not in {m["type"] for m in got}
    _still_serving(server, kernel, before)


def test_forged_widget_messages_send_no_traceback_to_the_page(served):
    server, kernel = served
    with closing(_connect(server, kernel, v1=True)) as forger:
        comms = _comm_ids(forger, v1=True)
        # values no widget takes: ipywidgets answers each with a TraitError and IPython's showtraceback
        state = {"method": "update", "state": {"value": {"not": "a value"}, "layout": 5}, "buffer_paths": []}
        _to_every_comm(forger, comms, state, v1=True)
        got = _receive(forger, 6, v1=True)
    leaked = [m for m in got if m["type"] == "error" or "Traceback" in json.dumps(m["content"])]
    assert not leaked, leaked[:2]
    assert "comm_msg" in {m["type"] for m in got} or "status" in {m["type"] for m in got}  # the socket was live
    assert _answers(server)


def test_forged_comm_opens_are_bounded(served):
    server, kernel = served
    (kernel_pid,) = server.kernel_pids()
    layout = {"_model_module": "@jupyter-widgets/base", "_model_module_version": "2.0.0", "_model_name": "LayoutModel",
              "_view_module": "@jupyter-widgets/base", "_view_module_version": "2.0.0", "_view_name": "LayoutView"}  # fmt: skip
    before = _rss(kernel_pid)
    with closing(_connect(server, kernel, v1=True)) as forger:
        for _ in range(1000):
            content = {"comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget",
                       "data": {"state": layout, "buffer_paths": []}}  # fmt: skip
            _send(forger, _message("comm_open", content, {"version": "2.1.0"}), v1=True)
        _send(forger, _message("kernel_info_request", {}), v1=True)
        _receive(forger, 20, v1=True, until="kernel_info_reply")
    grown = _rss(kernel_pid) - before
    assert grown < 4 * 2**20, f"1000 forged comm_open grew the kernel by {grown / 2**20:.1f} MiB (unguarded: +9)"
    assert "Dropped a comm_open from the browser" in server.log()


def test_a_forged_resize_keeps_the_kernel_within_the_budget(served):
    server, kernel = served
    (kernel_pid,) = server.kernel_pids()
    before = _rss(kernel_pid)
    with closing(_connect(server, kernel, v1=True)) as forger:
        comms = _comm_ids(forger, v1=True)
        _to_every_comm(forger, comms, {"method": "custom", "content": {"type": "resize", "width": 10000,
                                                                        "height": 10000}}, v1=True)  # fmt: skip
        _to_every_comm(forger, comms, {"method": "custom", "content": {"type": "draw"}}, v1=True)
        got = _receive(forger, 10, v1=True)
    sizes = []
    for m in got:
        # ipympl's answer: a custom widget message {"data": "<json>"}
        data = m["content"].get("data", {}).get("content", {}).get("data") if m["type"] == "comm_msg" else None
        if isinstance(data, str) and '"resize"' in data:
            sizes.append(json.loads(data)["size"])
    assert sizes, "no canvas acknowledged the resize"
    assert all(w * h <= MAX_CANVAS_PIXELS for w, h in sizes), sizes
    grown = _rss(kernel_pid) - before
    assert grown < MEMORY_BUDGET, f"the kernel grew by {grown >> 20} MiB"
    assert _answers(server)
