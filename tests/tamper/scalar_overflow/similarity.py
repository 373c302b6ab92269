"""Replies with a numpy scalar out of its dtype's range ({"$": "scalar", "dtype": "<i1",
"v": 1000}): numpy 2 refuses to build it with OverflowError, which the grader's decoder let
escape as a non-channel error (found by a reviewer)."""

import json
import struct
import sys

channel = sys.modules.get("channel")
_real_pack_parts = channel.pack_parts if channel is not None else None


def _odd(message):
    if type(message) is not dict or "import" in message or "id" not in message:
        return _real_pack_parts(message)
    tree = {"$": "dict", "v": [["id", message["id"]], ["ok", True], ["out", ""]]}
    tree["v"].append(["value", {"$": "scalar", "dtype": "<i1", "v": 1000}])
    head = json.dumps({"m": tree, "b": []}, separators=(",", ":")).encode()
    body = struct.pack(">I", len(head)) + head
    frame = struct.pack(">I", len(body)) + body
    return [frame], len(frame)


if channel is not None:
    channel.pack_parts = _odd


def cosine_similarity(a, b):
    return 1.0


def cosine_matrix(A, B):
    return [[1.0]]


def most_similar(query, matrix, words, k=5, exclude=()):
    return []


def angle_degrees(a, b):
    return 0.0
