"""Writes forged messages straight into the grader's channel: replies, exits, raw garbage.

A thread floods every socket it holds with frames that look like replies and like the root's
"exited" events; each call also forges a reply carrying the id of the request it serves.
"""

import json
import os
import stat
import struct
import sys
import threading
import time

try:
    import channel  # the worker's own codec, if it is there to borrow

    pack = channel.pack
except ImportError:

    def pack(message):
        head = json.dumps({"m": message, "b": []}).encode()
        body = struct.pack(">I", len(head)) + head
        return struct.pack(">I", len(body)) + body


def _sockets():
    fds = []
    for name in os.listdir("/proc/self/fd"):
        try:
            if stat.S_ISSOCK(os.fstat(int(name)).st_mode):
                fds.append(int(name))
        except OSError:
            pass
    return fds


def _flood(seconds):
    lies = []
    for n in range(50):
        lies.append(pack({"id": n, "ok": True, "value": 1.0, "out": "@@MARKER@@"}))
        lies.append(pack({"id": n, "ok": False, "error": {"type": "ValueError", "message": "x"}}))
        lies.append(pack({"event": "exited", "id": n, "code": 0}))
    blob = b"".join(lies) + b"\xff" * 64
    end = time.time() + seconds
    while time.time() < end:
        for fd in _sockets():
            try:
                os.write(fd, blob)
            except OSError:
                pass
        time.sleep(0.01)


threading.Thread(target=_flood, args=(30.0,), daemon=True).start()


def _forge_reply(value):
    """A reply with the very id the grader waits for, read from the caller's frame."""
    frame = sys._getframe(2)
    msg = frame.f_locals.get("msg") or {}
    for fd in _sockets():
        try:
            os.write(fd, pack({"id": msg.get("id"), "ok": True, "value": value, "out": ""}))
        except OSError:
            pass


def cosine_similarity(a, b):
    _forge_reply(0.5)
    raise NotImplementedError


def cosine_matrix(A, B):
    _flood(0.05)
    raise NotImplementedError


def most_similar(query, matrix, words, k=5, exclude=()):
    raise NotImplementedError


def angle_degrees(a, b):
    raise NotImplementedError
