"""Talk to a page's kernel over its websocket, as a browser could: find the kernel id, send messages.

Used by the tests of issue 8 (execute refused, many users, culling).
"""

from __future__ import annotations

import json
import re
import time
import uuid

import websocket

_KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')


def kernel_id(html: str) -> str:
    """The kernel id Voilà wrote into a page (its page config has ``"kernelId": "…"``)."""
    match = _KERNEL_ID.search(html)
    if match is None:
        raise AssertionError("no kernelId in the page")
    return match.group(1)


def message(msg_type: str, content: dict, session: str, channel: str = "shell") -> str:
    """A kernel message in the JSON form of the websocket's default protocol."""
    header = {
        "msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "student", "session": session,
        "date": "2024-01-01T00:00:00.000Z", "version": "5.3",
    }  # fmt: skip
    return json.dumps(
        {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": channel, "buffers": []}
    )


def execute_request(code: str, session: str) -> str:
    """An ``execute_request`` running ``code``."""
    content = {
        "code": code, "silent": False, "store_history": False, "user_expressions": {},
        "allow_stdin": False, "stop_on_error": True,
    }  # fmt: skip
    return message("execute_request", content, session)


class KernelSocket:
    """A websocket on ``/api/kernels/<id>/channels`` of a server on 127.0.0.1."""

    def __init__(self, port: int, kernel: str, timeout: float = 30.0) -> None:
        self.session = uuid.uuid4().hex
        url = f"ws://127.0.0.1:{port}/api/kernels/{kernel}/channels?session_id={self.session}"
        self.ws = websocket.create_connection(url, timeout=timeout)

    def send(self, msg_type: str, content: dict | None = None) -> None:
        self.ws.send(message(msg_type, content or {}, self.session))

    def execute(self, code: str) -> None:
        self.ws.send(execute_request(code, self.session))

    def receive(self, seconds: float) -> list[tuple[str, str]]:
        """``(channel, msg_type)`` of every message received within ``seconds``."""
        got: list[tuple[str, str]] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except (websocket.WebSocketTimeoutException, TimeoutError):
                break
            got.append((msg.get("channel", ""), msg.get("msg_type") or msg["header"]["msg_type"]))
        return got

    def wait_for(self, msg_type: str, seconds: float) -> list[tuple[str, str]]:
        """Receive until a ``msg_type`` message arrives (or ``seconds`` pass)."""
        got: list[tuple[str, str]] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not any(t == msg_type for _, t in got):
            got += self.receive(min(1.0, deadline - time.monotonic()))
        return got

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> KernelSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
