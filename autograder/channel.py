"""The plain-data channel between the grader and the worker: frames, and sending them.

A frame is a 4-byte length, then a 4-byte header length, a JSON header {"m": tree, "b": sizes}
and the raw array buffers, each padded to start at a multiple of ALIGN bytes from the start of
the body; codec.py turns values into the tree and buffers and back. Frames go out with
sendmsg straight from the arrays' memory and come in with recv_into a buffer of their size.
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
ALIGN = 16  # buffers start on multiples of this from the start of the frame's body
_PADDING = bytes(ALIGN)
_IOV_MAX = 512  # parts per sendmsg call, well under the kernel's limit of 1024


class ChannelTimeout(ChannelError):
    """No complete message arrived within the time allowed; `partial` if part of one did."""

    def __init__(self, message: str, partial: bool = False):
        super().__init__(message)
        self.partial = partial


class ChannelClosed(ChannelError):
    """The other side closed the channel."""


def pack_parts(message) -> tuple[list, int]:
    """Encode a message as the parts of one frame, without copying its arrays; and its length.

    Each buffer starts at a multiple of ALIGN bytes from the start of the body, so that the
    receiver can view arrays in place (numpy wants aligned data) instead of copying them.
    """
    buffers: list = []
    head = json.dumps(
        {"m": encode(message, buffers, 0), "b": [len(b) for b in buffers]},
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    ).encode("utf-8", "surrogatepass")
    parts: list = [b"", head]
    size = 4 + len(head)
    for buf in buffers:
        pad = _aligned(size) - size
        if pad:
            parts.append(_PADDING[:pad])
            size += pad
        parts.append(buf)
        size += len(buf)
    parts[0] = _LEN.pack(size) + _LEN.pack(len(head))
    return parts, 4 + size


def pack(message) -> bytes:
    """Encode a message (any plain value) as one frame."""
    parts, _ = pack_parts(message)
    return b"".join(parts)


def _aligned(offset: int) -> int:
    return (offset + ALIGN - 1) & -ALIGN


def unpack(body):
    """Decode one frame's body, checking every length; raises ChannelError on anything odd.

    Arrays are decoded as views of `body` where it is writable (a bytearray the caller owns),
    so a big frame is not copied again.
    """
    if len(body) < 4:
        raise ChannelError("frame too short")
    view = memoryview(body)
    (head_len,) = _LEN.unpack_from(view)
    if head_len > len(body) - 4:
        raise ChannelError("frame header overruns the frame")
    text = bytes(view[4 : 4 + head_len])
    try:
        head = json.loads(text.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError) as exc:
        raise ChannelError(f"frame header is not JSON: {str(exc)[:200]}") from None
    if type(head) is not dict or type(head.get("b")) is not list:
        raise ChannelError("frame header malformed")
    buffers, offset = [], 4 + head_len
    for size in head["b"]:
        if type(size) is not int or size < 0:
            raise ChannelError("frame buffers overrun the frame")
        offset = _aligned(offset)
        if offset + size > len(body):
            raise ChannelError("frame buffers overrun the frame")
        buffers.append(view[offset : offset + size])
        offset += size
    if offset != len(body):
        raise ChannelError("frame has trailing bytes")
    # White space in the header pays for nothing: the encoder writes none outside strings.
    blank = sum(text.count(c) for c in b" \t\n\r")
    try:
        return decode(head.get("m"), buffers, 0, Budget(len(body) - blank))
    except (KeyError, TypeError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        raise ChannelError(f"malformed value: {str(exc)[:200]}") from None


def send(sock: socket.socket, message, timeout: float | None = None) -> None:
    """Send one message; with a timeout, raise ChannelTimeout if the other side stops reading."""
    send_frame(sock, pack_parts(message)[0], timeout)


def send_frame(sock: socket.socket, frame, timeout: float | None = None) -> None:
    """Send one packed frame, as bytes or as the parts from pack_parts (see `send`)."""
    parts = [
        memoryview(p).cast("B")
        for p in ([frame] if isinstance(frame, bytes | bytearray) else frame)
    ]
    parts = [p for p in parts if p.nbytes]
    deadline = None if timeout is None else time.monotonic() + timeout
    while parts:
        try:
            sent = sock.sendmsg(parts[:_IOV_MAX], [], socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            raise ChannelClosed(f"the other side went away ({exc})") from None
        while sent:  # drop what went out, whole parts first
            if sent >= parts[0].nbytes:
                sent -= parts.pop(0).nbytes
            else:
                parts[0], sent = parts[0][sent:], 0
        if not parts:
            return
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and (left <= 0 or not select.select([], [sock], [], left)[1]):
            raise ChannelTimeout("the other side stopped reading", partial=True)
        if left is None:
            select.select([], [sock], [])


def _read_into(sock: socket.socket, view: memoryview, deadline: float | None, started: bool):
    """Fill `view` from the socket, waiting at most until `deadline`."""
    got = 0
    while got < len(view):
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                raise ChannelTimeout("no reply in time", partial=started or got > 0)
        try:
            n = sock.recv_into(view[got:])
        except InterruptedError:
            continue
        except OSError as exc:
            raise ChannelClosed(f"the other side went away ({exc})") from None
        if not n:
            raise ChannelClosed("the other side closed the channel")
        got += n


def receive(sock: socket.socket, timeout: float | None = None, max_bytes: int = 1 << 30):
    """Receive one message within `timeout` seconds, refusing frames over `max_bytes`."""
    deadline = None if timeout is None else time.monotonic() + timeout
    prefix = bytearray(4)
    _read_into(sock, memoryview(prefix), deadline, False)
    (size,) = _LEN.unpack(prefix)
    if size > max_bytes:
        raise ChannelError(f"a message of {size} bytes is over the {max_bytes}-byte limit")
    body = bytearray(size)  # read in place: one buffer, which decoded arrays then view
    _read_into(sock, memoryview(body), deadline, True)
    return unpack(body)


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
