"""The plain-data channel between the grader and the worker: framing and a tagged codec.

Only JSON values and raw numpy buffers cross; decoding never imports, unpickles or evals.
This module runs on both sides, so it needs only the standard library and numpy.
"""

from __future__ import annotations

import json
import math
import re
import select
import socket
import struct
import time

import numpy as np

_LEN = struct.Struct(">I")
_DTYPE = re.compile(r"^[<>|=]?(b1|[iu][1248]|f[248]|U\d{1,6})$")
MAX_DEPTH = 64


class ChannelError(Exception):
    """The other side sent something that is not a well-formed message, or went away."""


class ChannelTimeout(ChannelError):
    """No complete message arrived within the time allowed."""


class ChannelClosed(ChannelError):
    """The other side closed the channel."""


class Opaque:
    """A value of a type that cannot cross the channel; equal to nothing, not even itself."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<a {self.type_name} value, which cannot be checked>"


def _encode(obj, buffers: list[bytes], depth: int):
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply")
    if obj is None or type(obj) in (bool, str):
        return obj
    if type(obj) is int:
        return obj if abs(obj) < 2**63 else {"$": "bigint", "v": str(obj)}
    if type(obj) is float:
        return obj if math.isfinite(obj) else {"$": "float", "v": repr(obj)}
    if type(obj) in (list, tuple):
        items = [_encode(x, buffers, depth + 1) for x in obj]
        return items if type(obj) is list else {"$": "tuple", "v": items}
    if type(obj) is dict:
        pairs = [
            [_encode(k, buffers, depth + 1), _encode(v, buffers, depth + 1)] for k, v in obj.items()
        ]
        return {"$": "dict", "v": pairs}
    if isinstance(obj, np.ndarray) and type(obj) is np.ndarray and _DTYPE.match(obj.dtype.str):
        buffers.append(np.ascontiguousarray(obj).tobytes())
        return {
            "$": "nd",
            "dtype": obj.dtype.str,
            "shape": list(obj.shape),
            "buf": len(buffers) - 1,
        }
    if isinstance(obj, np.generic) and _DTYPE.match(obj.dtype.str):
        value = obj.item()
        if isinstance(value, float) and not math.isfinite(value):
            value = repr(value)
        return {"$": "scalar", "dtype": obj.dtype.str, "v": value}
    return {"$": "opaque", "type": type(obj).__name__[:80]}


def _dtype(text) -> np.dtype:
    if not isinstance(text, str) or not _DTYPE.match(text):
        raise ChannelError(f"dtype {text!r} is not allowed")
    return np.dtype(text)


def _decode(tree, buffers: list[bytes], depth: int):
    if depth > MAX_DEPTH:
        raise ChannelError("value nested too deeply")
    if tree is None or type(tree) in (bool, int, float, str):
        return tree
    if type(tree) is list:
        return [_decode(x, buffers, depth + 1) for x in tree]
    if type(tree) is not dict:
        raise ChannelError(f"unexpected JSON value {type(tree).__name__}")
    tag = tree.get("$")
    if tag == "tuple":
        return tuple(_decode(x, buffers, depth + 1) for x in tree["v"])
    if tag == "dict":
        out = {}
        for pair in tree["v"]:
            if type(pair) is not list or len(pair) != 2:
                raise ChannelError("malformed dict item")
            key = _decode(pair[0], buffers, depth + 1)
            try:
                out[key] = _decode(pair[1], buffers, depth + 1)
            except TypeError:
                raise ChannelError("unhashable dict key") from None
        return out
    if tag == "float":
        if tree["v"] not in ("nan", "inf", "-inf"):
            raise ChannelError("malformed float")
        return float(tree["v"])
    if tag == "bigint":
        return int(str(tree["v"])[:5000])
    if tag == "nd":
        dtype = _dtype(tree["dtype"])
        shape = tree["shape"]
        if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
            raise ChannelError("malformed array shape")
        index = tree["buf"]
        if type(index) is not int or not 0 <= index < len(buffers):
            raise ChannelError("array buffer index out of range")
        buf = buffers[index]
        if math.prod(shape) * dtype.itemsize != len(buf):
            raise ChannelError("array buffer does not match its shape")
        return np.frombuffer(buf, dtype=dtype).reshape(shape).copy()
    if tag == "scalar":
        dtype = _dtype(tree["dtype"])
        value = tree["v"]
        if type(value) not in (bool, int, float, str):
            raise ChannelError("malformed scalar")
        return dtype.type(float(value) if value in ("nan", "inf", "-inf") else value)
    if tag == "opaque":
        return Opaque(str(tree.get("type", "?"))[:80])
    raise ChannelError(f"unknown tag {tag!r}")


def pack(message) -> bytes:
    """Encode a message (any plain value) as one frame."""
    buffers: list[bytes] = []
    head = json.dumps(
        {"m": _encode(message, buffers, 0), "b": [len(b) for b in buffers]},
        ensure_ascii=False,
        allow_nan=False,
    ).encode()
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
        head = json.loads(body[4 : 4 + head_len])
    except (ValueError, RecursionError) as exc:
        raise ChannelError(f"frame header is not JSON: {exc}") from None
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
        return _decode(head.get("m"), buffers, 0)
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        raise ChannelError(f"malformed value: {exc}") from None


def send(sock: socket.socket, message) -> None:
    """Send one message."""
    sock.sendall(pack(message))


def _read_exact(sock: socket.socket, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                raise ChannelTimeout("no reply in time")
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise ChannelClosed("the other side closed the channel")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket, timeout: float | None = None, max_bytes: int = 1 << 30):
    """Receive one message within `timeout` seconds, refusing frames over `max_bytes`."""
    deadline = None if timeout is None else time.monotonic() + timeout
    (size,) = _LEN.unpack(_read_exact(sock, 4, deadline))
    if size > max_bytes:
        raise ChannelError(f"reply of {size} bytes is over the {max_bytes}-byte limit")
    return unpack(_read_exact(sock, size, deadline))
