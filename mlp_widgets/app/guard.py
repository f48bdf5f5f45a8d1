"""The dashboard server's guard on kernel websockets: no bytes a client sends can stall the server.

A Voilà page talks to its kernel over ``/api/kernels/<id>/channels``. The
server parses every frame before handing it to the kernel, and two of the
parsers trust the frame (jupyter_server 2.21.1, Voilà 0.5.13):

* ``deserialize_msg_from_ws_v1`` (jupyter_server) reads a count of offsets
  from a v1-protocol frame's first 8 bytes and builds that list before any
  check: one 8-byte frame claiming 2⁶⁴ − 1 offsets kept the server at 99 % CPU
  while its memory grew past 1 GiB, and no other visitor got an answer;
  ``deserialize_binary_message`` (the legacy protocol) does the same with a
  32-bit count, building a format string of that many characters.
* Voilà's ``read_header_from_binary_message`` parses every *outgoing* binary
  frame as v1, also for a client on the legacy protocol, whose binary frames
  (any message with buffers: an ipympl frame) start with a different header:
  their first 8 bytes read as a count near 2⁵⁹, and the same freeze follows.

:class:`GuardedKernelConnection` replaces jupyter_server's kernel connection
(``kernel_websocket_connection_class``, a setting of both Voilà and a Jupyter
server). It checks each incoming frame's structure in time and memory
proportional to the frame (:func:`check_v1_frame`, :func:`check_legacy_frame`)
and closes the socket of a client that sends a malformed one; it drops Voilà's
``execute_input`` messages itself, from the message it already holds, and writes
frames past Voilà's parser; it lets at most :attr:`~GuardedKernelConnection.max_comm_opens`
``comm_open`` messages through to one kernel (a page opens one or two; each
one the browser opens makes an object in the kernel that nothing frees); and
when Voilà hides tracebacks (``show_tracebacks=False``) it sends the page no
message that carries one: ipywidgets reports an exception in a widget message
(a ``TraitError`` for a forged value) with IPython's ``showtraceback``, an
``error`` message to every page of the kernel. The kernel's own loggers are
kept off the page by :mod:`mlp_widgets._logging`.
"""

from __future__ import annotations

import json
import struct
import weakref
from typing import Any

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from traitlets import Int

#: the v1 kernel websocket protocol's name
V1 = "v1.kernel.websocket.jupyter.org"
#: channels a client may send on (iopub only flows to the client)
CLIENT_CHANNELS = frozenset({"shell", "control", "stdin"})
#: buffers one message may carry (a widget message carries a few)
MAX_BUFFERS = 256
#: bytes of a message header (a few hundred in practice)
MAX_HEADER_BYTES = 64 * 1024
#: the parts of a message before its buffers: header, parent header, metadata, content
MESSAGE_PARTS = 4


class FrameRefused(ValueError):
    """A websocket frame that is not a well-formed kernel message."""


def _header(raw: bytes) -> dict[str, Any]:
    """A message's header from its JSON bytes, or :class:`FrameRefused`."""
    if len(raw) > MAX_HEADER_BYTES:
        raise FrameRefused(f"its header is {len(raw)} bytes; at most {MAX_HEADER_BYTES}")
    try:
        header = json.loads(raw)
    except (ValueError, RecursionError):
        raise FrameRefused("its header is not JSON") from None
    return _checked_header(header)


def _checked_header(header: Any) -> dict[str, Any]:
    if not isinstance(header, dict) or not isinstance(header.get("msg_type"), str):
        raise FrameRefused("its header has no message type")
    return header


def _offsets(frame: bytes, count: int, start: int, fmt: str) -> tuple[int, ...]:
    """``count`` offsets packed at ``start`` (format ``fmt``), checked to be in order and inside the frame."""
    offsets = struct.unpack_from(f"{fmt[0]}{count}{fmt[1]}", frame, start)
    if any(b < a for a, b in zip(offsets, offsets[1:], strict=False)) or offsets[-1] > len(frame):
        raise FrameRefused("its offsets are out of order or past its end")
    return offsets


def check_v1_frame(frame: Any) -> tuple[str, dict[str, Any]]:
    """The channel and header of a v1-protocol frame, or :class:`FrameRefused`.

    Layout (jupyter_server's ``serialize_msg_to_ws_v1``): 8 bytes holding the
    number of offsets ``n``, ``n`` offsets of 8 bytes (little-endian), then
    the channel name and the message parts the offsets delimit. Costs time and
    memory in proportion to the frame, whatever its first bytes claim.
    """
    if not isinstance(frame, (bytes, bytearray)):
        raise FrameRefused("the v1 protocol sends binary frames")
    frame = bytes(frame)
    if len(frame) < 8:
        raise FrameRefused("it is shorter than its own header")
    count = int.from_bytes(frame[:8], "little")
    if not 2 + MESSAGE_PARTS <= count <= 2 + MESSAGE_PARTS + MAX_BUFFERS or 8 * (count + 1) > len(frame):
        raise FrameRefused(f"it claims {count} offsets")
    offsets = _offsets(frame, count, 8, "<Q")
    if offsets[0] < 8 * (count + 1):
        raise FrameRefused("its channel overlaps its offsets")
    try:
        channel = frame[offsets[0] : offsets[1]].decode("ascii")
    except UnicodeDecodeError:
        raise FrameRefused("its channel is not a name") from None
    if channel not in CLIENT_CHANNELS:
        raise FrameRefused(f"it names no channel a client may use ({channel[:20]!r})")
    return channel, _header(frame[offsets[1] : offsets[2]])


def check_legacy_frame(frame: Any) -> tuple[str, dict[str, Any]]:
    """The channel and header of a legacy-protocol frame (JSON text, or binary with buffers), or :class:`FrameRefused`.

    Binary layout (jupyter_server's ``serialize_binary_message``): 4 bytes
    holding the number of parts ``n`` (big-endian), ``n`` offsets of 4 bytes,
    then the message as JSON and its buffers.
    """
    if isinstance(frame, (bytes, bytearray)):
        frame = bytes(frame)
        if len(frame) < 8:
            raise FrameRefused("it is shorter than its own header")
        count = struct.unpack_from("!i", frame)[0]
        if not 1 <= count <= 1 + MAX_BUFFERS or 4 * (count + 1) > len(frame):
            raise FrameRefused(f"it claims {count} parts")
        offsets = _offsets(frame, count, 4, "!I")
        end = offsets[1] if count > 1 else len(frame)
        if offsets[0] < 4 * (count + 1):
            raise FrameRefused("its message overlaps its offsets")
        text: bytes | str = frame[offsets[0] : end]
    elif isinstance(frame, str):
        text = frame
    else:
        raise FrameRefused("it is neither text nor binary")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise FrameRefused("it is not JSON") from None
    if not isinstance(message, dict):
        raise FrameRefused("it is not a message")
    for part in ("header", "parent_header", "metadata", "content"):
        if not isinstance(message.get(part), dict):
            raise FrameRefused(f"its {part} is not an object")
    channel = message.get("channel", "shell")
    if channel not in CLIENT_CHANNELS:
        raise FrameRefused(f"it names no channel a client may use ({str(channel)[:20]!r})")
    return channel, _checked_header(message["header"])


#: comm_open messages let through, per kernel (its kernel manager: freed with the kernel)
_COMM_OPENS: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


#: what a traceback printed to a stream starts with
TRACEBACK = "Traceback (most recent call last)"


def _part(msg_or_list: Any, session: Any, index: int, key: str) -> Any:
    """Part ``key`` (at ``index`` among the v1 parts) of an outgoing message: a dict (legacy protocol) or parts (v1)."""
    try:
        if isinstance(msg_or_list, dict):
            return msg_or_list[key]
        return session.unpack(msg_or_list[index])
    except Exception:  # noqa: BLE001 - a message we cannot read is not one to drop
        return None


def _message_type(msg_or_list: Any, session: Any) -> str | None:
    header = _part(msg_or_list, session, 0, "header")
    return header.get("msg_type") if isinstance(header, dict) else None


def _is_traceback(msg_type: str | None, msg_or_list: Any, session: Any) -> bool:
    """Whether an outgoing message carries a traceback: an ``error`` message (IPython's ``showtraceback``,
    which ipywidgets calls for an exception in a widget message) or a traceback printed to stderr."""
    if msg_type == "error":
        return True
    if msg_type != "stream":
        return False
    content = _part(msg_or_list, session, 3, "content")
    return isinstance(content, dict) and content.get("name") == "stderr" and TRACEBACK in str(content.get("text"))


class GuardedKernelConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's kernel websocket connection, checking every frame before it is parsed.

    Use it as ``kernel_websocket_connection_class``: ``mlp-widgets dashboard``
    sets it for Voilà, the repository's ``jupyter_config.json`` for a Jupyter
    server (``ServerApp.kernel_websocket_connection_class``: Binder, JupyterHub),
    where it guards JupyterLab's and Notebook 7's kernels as well. See the module
    docstring for what it guards against.
    """

    max_comm_opens = Int(
        64,
        config=True,
        help="comm_open messages a browser may send to one kernel (0: none; a page sends one or two).",
    )

    @property
    def _voila_handler(self) -> type | None:
        """Voilà's kernel websocket handler class if this connection's handler is one (``mlp-widgets dashboard``,
        Voilà as an application), else ``None`` (a Jupyter server with Voilà as an extension: Binder, JupyterHub)."""
        try:
            from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler
        except ImportError:  # pragma: no cover - Voilà is a dependency
            return None
        return VoilaKernelWebsocketHandler if isinstance(self.websocket_handler, VoilaKernelWebsocketHandler) else None

    @property
    def write_message(self) -> Any:
        """The handler's ``write_message`` without Voilà's parse of every binary frame (done in :meth:`_on_zmq_reply`)."""
        handler, voila = self.websocket_handler, self._voila_handler
        if voila is not None:
            return super(voila, handler).write_message
        return handler.write_message

    def _on_zmq_reply(self, stream: Any, msg_or_list: Any) -> None:
        connection = getattr(self.websocket_handler, "ws_connection", None)
        if connection is None or connection.is_closing():  # a socket we closed: nothing to write to
            return
        # what Voilà's handler drops (the code of executed cells), read from the message we already hold; a
        # Jupyter server's own handler (JupyterLab, Notebook 7 on the same server) passes it on, as it would
        msg_type = _message_type(msg_or_list, self.session)
        if msg_type == "execute_input" and self._voila_handler is not None:
            return
        if self._hide_tracebacks and _is_traceback(msg_type, msg_or_list, self.session):
            return
        super()._on_zmq_reply(stream, msg_or_list)

    @property
    def _hide_tracebacks(self) -> bool:
        """Whether the server hides tracebacks from the page (Voilà's ``show_tracebacks`` is off)."""
        app = (getattr(self.websocket_handler, "settings", None) or {}).get("voila")
        configuration = getattr(app, "voila_configuration", None)
        return configuration is not None and not configuration.show_tracebacks

    def handle_incoming_message(self, incoming_msg: Any) -> None:
        """Check the frame; refuse it (and close the socket) if malformed, else hand it on."""
        if not self.channels:
            return
        try:
            if self.subprotocol == V1:
                _, header = check_v1_frame(incoming_msg)
            else:
                _, header = check_legacy_frame(incoming_msg)
        except FrameRefused as reason:
            self._refuse(f"a malformed kernel message: {reason}")
            return
        if header["msg_type"] == "comm_open":
            kernel = self.kernel_manager
            opened = _COMM_OPENS.get(kernel, 0)
            if opened >= self.max_comm_opens:
                self.log.warning(
                    "Dropped a comm_open from the browser for kernel %s: it has had %d, at most %d.",
                    self.kernel_id, opened, self.max_comm_opens,
                )  # fmt: skip
                return
            _COMM_OPENS[kernel] = opened + 1
        super().handle_incoming_message(incoming_msg)

    def _refuse(self, why: str) -> None:
        self.log.warning("Closed a websocket to kernel %s that sent %s.", self.kernel_id, why)
        handler = self.websocket_handler
        if handler is not None:
            handler.close(1008, "malformed kernel message")


__all__ = ["FrameRefused", "GuardedKernelConnection", "check_legacy_frame", "check_v1_frame"]
