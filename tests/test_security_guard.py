"""The websocket guard's frame checks (:mod:`mlp_widgets.app.guard`), without a server.

The messages a real client sends pass; every forged frame of issue 13 is
refused at once, in time proportional to its length whatever its header
claims (unguarded, jupyter_server builds a list of 2⁶⁴ − 1 offsets for the
first one). ``tests/browser/test_server_guard.py`` sends the same frames to a
real ``mlp-widgets dashboard``.
"""

from __future__ import annotations

import json
import struct

import pytest
from jupyter_client.session import Session
from jupyter_server.services.kernels.connection.base import (
    deserialize_binary_message,
    deserialize_msg_from_ws_v1,
    serialize_binary_message,
    serialize_msg_to_ws_v1,
)

from mlp_widgets.app.guard import FrameRefused, _is_traceback, check_legacy_frame, check_v1_frame

SESSION = Session()


def _message(msg_type: str = "comm_msg", buffers: list[bytes] | None = None) -> dict:
    msg = SESSION.msg(msg_type, {"comm_id": "c1", "data": {"method": "custom", "content": {"type": "draw"}}})
    msg["buffers"] = buffers or []
    return msg


def _v1(msg: dict, channel: str = "shell") -> bytes:
    parts = [SESSION.pack(msg[key]) for key in ("header", "parent_header", "metadata", "content")]
    return serialize_msg_to_ws_v1([*parts, *msg["buffers"]], channel)


@pytest.mark.parametrize("buffers", [[], [b"\x89PNG" * 100, b""]], ids=["no buffers", "two buffers"])
def test_what_a_client_sends_passes(buffers):
    msg = _message(buffers=buffers)
    frame = _v1(msg)
    channel, header = check_v1_frame(frame)
    assert channel == "shell" and header["msg_id"] == msg["header"]["msg_id"] and header["msg_type"] == "comm_msg"
    assert deserialize_msg_from_ws_v1(frame)[0] == "shell"  # the parser it protects agrees
    legacy = dict(msg, channel="shell")
    if buffers:
        binary = serialize_binary_message(legacy)
        assert check_legacy_frame(binary)[1]["msg_type"] == "comm_msg"
        assert deserialize_binary_message(binary)["buffers"] == buffers
    else:
        assert check_legacy_frame(json.dumps(legacy, default=str)) == (
            "shell",
            json.loads(json.dumps(msg["header"], default=str)),
        )


HUGE = (2**64 - 1).to_bytes(8, "little")


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"\xff" * 8, "it claims 18446744073709551615 offsets"),  # issue 13: froze jupyter_server
        (HUGE + b"\0" * 64, "it claims"),
        ((6).to_bytes(8, "little") + b"\0" * 8, "it claims 6 offsets"),  # offsets past the frame
        ((6).to_bytes(8, "little") + struct.pack("<6Q", 56, 61, 70, 60, 80, 90) + b"shellx" * 8, "out of order"),
        ((6).to_bytes(8, "little") + struct.pack("<6Q", 8, 13, 20, 30, 40, 50) + b"\0" * 80, "overlaps"),
        ("text", "binary frames"),
        (b"\x01", "shorter than its own header"),
    ],
)
def test_forged_v1_frames_are_refused(frame, reason):
    with pytest.raises(FrameRefused, match=reason):
        check_v1_frame(frame)


def test_a_v1_frame_must_name_a_client_channel_and_carry_a_header():
    msg = _message()
    with pytest.raises(FrameRefused, match="no channel a client may use \\('iopub'\\)"):
        check_v1_frame(_v1(msg, "iopub"))
    frame = bytearray(_v1(msg))
    start = int.from_bytes(frame[16:24], "little")  # where the header begins
    frame[start] = ord("[")
    with pytest.raises(FrameRefused, match="header is not JSON|no message type"):
        check_v1_frame(bytes(frame))


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"\x7f\xff\xff\xff" + b"\0" * 8, "it claims 2147483647 parts"),  # a 2 GB format string, unguarded
        (b"\xff\xff\xff\xff" + b"\0" * 8, "it claims -1 parts"),
        (b"\0\0\0\x02\0\0\0\x0c\0\0\x10\0{}", "out of order or past its end"),
        ("[1, 2]", "not a message"),
        ('{"header": {"msg_type": "comm_msg"}}', "parent_header is not an object"),
        ("[" * 100_000, "not JSON"),
        (json.dumps({**{k: {} for k in ("parent_header", "metadata", "content")}, "header": {}}), "no message type"),
        (42, "neither text nor binary"),
    ],
)
def test_forged_legacy_frames_are_refused(frame, reason):
    with pytest.raises(FrameRefused, match=reason):
        check_legacy_frame(frame)


def test_outgoing_tracebacks_are_recognised_in_both_protocols():
    error = SESSION.msg("error", {"ename": "TraitError", "evalue": "x", "traceback": ["Traceback ..."]})
    printed = SESSION.msg("stream", {"name": "stderr", "text": "Traceback (most recent call last):\n  ..."})
    warning = SESSION.msg("stream", {"name": "stderr", "text": "DeprecationWarning: ..."})
    for msg, expected in ((error, True), (printed, True), (warning, False)):
        parts = [SESSION.pack(msg[key]) for key in ("header", "parent_header", "metadata", "content")]
        assert _is_traceback(msg["header"]["msg_type"], msg, SESSION) is expected
        assert _is_traceback(msg["header"]["msg_type"], parts, SESSION) is expected


def test_upstream_still_trusts_the_count_so_the_guard_is_still_needed():
    """jupyter_server builds as many offsets as a frame's first 8 bytes claim, before any check.

    When this fails, an upstream release checks the frame itself: name that
    release in ``docs/deploy.md`` ("Safety"), beside jupyter_server 2.21.1.
    """
    import jupyter_server

    claimed = 2**16  # 2⁶⁴ − 1 froze the server; this many only costs a moment
    channel, parts = deserialize_msg_from_ws_v1(claimed.to_bytes(8, "little") + b"\0" * 8)
    assert len(parts) == claimed - 2, f"jupyter_server {jupyter_server.__version__} no longer trusts the count"
    with pytest.raises(FrameRefused):
        check_v1_frame(claimed.to_bytes(8, "little") + b"\0" * 8)
