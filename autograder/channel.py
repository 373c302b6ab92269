"""The plain-data channel between the grader and the worker: frames, and sending them.

A frame is a 4-byte length, then a 4-byte header length, a JSON header {"m": tree, "b": sizes}
and the raw array buffers; codec.py turns values into the tree and buffers and back.
This module runs on both sides, so it needs only the standard library and codec.py.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import time

if __package__:
    from autograder.codec import Budget, ChannelError, decode, encode
else:  # in the sandbox the worker imports this file from its folder, next to codec.py
    from codec import Budget, ChannelError, decode, encode

_LEN = struct.Struct(">I")


class ChannelTimeout(ChannelError):
    """No complete message arrived within the time allowed; `partial` if part of one did."""

    def __init__(self, message: str, partial: bool = False):
        super().__init__(message)
        self.partial = partial


class ChannelClosed(ChannelError):
    """The other side closed the channel."""


def pack(message) -> bytes:
    """Encode a message (any plain value) as one frame."""
    buffers: list[bytes] = []
    head = json.dumps(
        {"m": encode(message, buffers, 0), "b": [len(b) for b in buffers]},
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    ).encode("utf-8", "surrogatepass")
    body = _LEN.pack(len(head)) + head + b"".join(buffers)
    return _LEN.pack(len(body)) + body


def unpack(body: bytes):
    """Decode one frame's body, checking every length; raises ChannelError on anything odd."""
    if len(body) < 4:
        raise ChannelError("frame too short")
    (head_len,) = _LEN.unpack_from(body)
    if head_len > len(body) - 4:
        raise ChannelError("frame header overruns the frame")
    try:
        head = json.loads(body[4 : 4 + head_len].decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError) as exc:
        raise ChannelError(f"frame header is not JSON: {str(exc)[:200]}") from None
    if type(head) is not dict or type(head.get("b")) is not list:
        raise ChannelError("frame header malformed")
    buffers, offset = [], 4 + head_len
    for size in head["b"]:
        if type(size) is not int or size < 0 or offset + size > len(body):
            raise ChannelError("frame buffers overrun the frame")
        buffers.append(body[offset : offset + size])
        offset += size
    if offset != len(body):
        raise ChannelError("frame has trailing bytes")
    try:
        return decode(head.get("m"), buffers, 0, Budget(len(body)))
    except (KeyError, TypeError, ValueError, RecursionError, MemoryError) as exc:
        raise ChannelError(f"malformed value: {str(exc)[:200]}") from None


def send(sock: socket.socket, message, timeout: float | None = None) -> None:
    """Send one message; with a timeout, raise ChannelTimeout if the other side stops reading."""
    send_frame(sock, pack(message), timeout)


def send_frame(sock: socket.socket, frame: bytes, timeout: float | None = None) -> None:
    """Send one packed frame (see `send`)."""
    if timeout is None:
        sock.sendall(frame)
        return
    view, deadline = memoryview(frame), time.monotonic() + timeout
    while view:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([], [sock], [], left)[1]:
            raise ChannelTimeout("the other side stopped reading", partial=True)
        try:
            sent = sock.send(view, socket.MSG_DONTWAIT)
        except BlockingIOError:
            continue
        except OSError as exc:
            raise ChannelClosed(f"the other side went away ({exc})") from None
        view = view[sent:]


def _read_exact(sock: socket.socket, n: int, deadline: float | None, started: bool) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                raise ChannelTimeout("no reply in time", partial=started or got > 0)
        try:
            chunk = sock.recv(min(n - got, 1 << 20))
        except OSError as exc:
            raise ChannelClosed(f"the other side went away ({exc})") from None
        if not chunk:
            raise ChannelClosed("the other side closed the channel")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket, timeout: float | None = None, max_bytes: int = 1 << 30):
    """Receive one message within `timeout` seconds, refusing frames over `max_bytes`."""
    deadline = None if timeout is None else time.monotonic() + timeout
    (size,) = _LEN.unpack(_read_exact(sock, 4, deadline, False))
    if size > max_bytes:
        raise ChannelError(f"a message of {size} bytes is over the {max_bytes}-byte limit")
    return unpack(_read_exact(sock, size, deadline, True))


def drain(sock: socket.socket) -> int:
    """Discard whatever is waiting in the socket without blocking; returns the bytes dropped."""
    dropped = 0
    while True:
        try:
            chunk = sock.recv(1 << 20, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return dropped
        except OSError:
            return dropped
        if not chunk:
            return dropped
        dropped += len(chunk)
