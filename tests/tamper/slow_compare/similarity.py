"""Sends back replies that are cheap to send and slow to take in: ~2 million one-item lists,
just under the reply limit, built once at import and sent by a patched channel.pack_parts.

Each call returns within its limit, but the grader's own work on the reply (decoding 4 million
values, converting and comparing them) took about 5 s per call, in every check of the lesson.
The grader's per-check deadline ends that work when the lesson's time is up.
"""

import struct
import sys

channel = sys.modules.get("channel")
_real_pack_parts = channel.pack_parts if channel is not None else None
_VALUE = ("[" + ",".join(["[0]"] * 1_900_000) + "]").encode()


def _slow(message):
    if type(message) is not dict or "import" in message or "id" not in message:
        return _real_pack_parts(message)
    head = b'{"m":{"$":"dict","v":[["id",%d],["ok",true],["value",' % message["id"]
    head += _VALUE + b']]},"b":[]}'
    body = struct.pack(">I", len(head)) + head
    frame = struct.pack(">I", len(body)) + body
    return [frame], len(frame)


if channel is not None:
    channel.pack_parts = _slow


def cosine_similarity(a, b):
    return "@@MARKER@@"


def cosine_matrix(A, B):
    return "@@MARKER@@"


def most_similar(query, matrix, words, k=5, exclude=()):
    return "@@MARKER@@"


def angle_degrees(a, b):
    return "@@MARKER@@"
