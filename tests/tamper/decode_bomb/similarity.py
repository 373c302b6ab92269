"""A decode bomb: patches the worker's channel so that every reply is a ~100-byte frame that
names a billion empty arrays over one empty buffer ({"$": "clist", "n": N, ...}).

Without a decoding budget the grader would build N arrays (3 million took 97 s and 754 MB).
"""

import json
import struct
import sys

channel = sys.modules.get("channel")
_real_pack_parts = channel.pack_parts if channel is not None else None


def _bomb(message):
    if type(message) is not dict or "import" in message or "id" not in message:
        return _real_pack_parts(message)
    value = {"$": "clist", "n": 10**9, "v": {"k": "a", "b": 0, "dtype": "<f8", "shape": [0]}}
    tree = {"$": "dict", "v": [["id", message["id"]], ["ok", True], ["value", value]]}
    head = json.dumps({"m": tree, "b": [0]}, separators=(",", ":")).encode()
    body = struct.pack(">I", len(head)) + head
    body += bytes(-len(body) % 16)  # the empty buffer starts where the channel aligns buffers
    frame = struct.pack(">I", len(body)) + body
    return [frame], len(frame)


if channel is not None:
    channel.pack_parts = _bomb


def cosine_similarity(a, b):
    return "@@MARKER@@"


def cosine_matrix(A, B):
    return "@@MARKER@@"


def most_similar(query, matrix, words, k=5, exclude=()):
    return "@@MARKER@@"


def angle_degrees(a, b):
    return "@@MARKER@@"
