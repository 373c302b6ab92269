"""Leaves a daemon that outlives the worker and rewrites results.json after grading ends."""

import ctypes
import json
import os
import time

FORGED = {"score": 100.0, "tests": [], "output": "@@MARKER@@ forged by a daemon"}
REPORT = "@@OUT@@/forge_report_daemon/results.json"


def _daemon():
    if os.fork():
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    ctypes.CDLL(None).prctl(15, b"@@MARKER@@"[:15], 0, 0, 0)  # PR_SET_NAME: findable in /proc
    for fd in range(3, 256):
        try:
            os.close(fd)
        except OSError:
            pass
    end = time.time() + 30
    while time.time() < end:
        for path in (REPORT, "/tmp/@@MARKER@@-daemon"):
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    json.dump(FORGED, f)
            except OSError:
                pass
        time.sleep(0.05)
    os._exit(0)


_daemon()


def cosine_similarity(a, b):
    _daemon()
    raise NotImplementedError


def cosine_matrix(A, B):
    raise NotImplementedError


def most_similar(query, matrix, words, k=5, exclude=()):
    raise NotImplementedError


def angle_degrees(a, b):
    raise NotImplementedError
