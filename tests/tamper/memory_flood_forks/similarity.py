"""Floods memory from many processes at once, each under the per-process limit, at import.

Four children take 250 MB each: every one stays below the 512 MB each process may have, but
together they hold more than the sandbox's 768 MB. The module then says what became of them.
"""

import ctypes
import os
import time


def _flood(children=4, mb=250):
    pids = []
    for _ in range(children):
        pid = os.fork()
        if pid == 0:
            try:
                ctypes.CDLL(None).prctl(15, b"@@MARKER@@"[:15], 0, 0, 0)
                hoard = bytearray(mb << 20)
                for i in range(0, len(hoard), 4096):
                    hoard[i] = 1
                time.sleep(30)  # hold it
            finally:
                os._exit(0)
        pids.append(pid)
    time.sleep(1.0)  # all of them have touched their memory by now, or were killed for it
    killed = 0
    for pid in pids:
        done, status = os.waitpid(pid, os.WNOHANG)
        killed += done == pid and os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9
    return killed


_KILLED = _flood()
if _KILLED:
    raise RuntimeError(f"{_KILLED} of 4 flooding children killed by the kernel")
raise RuntimeError("no flooding child was stopped: 1000 MB held at once")


def cosine_similarity(a, b):
    return 1.0


def cosine_matrix(A, B):
    return [[1.0]]


def most_similar(query, matrix, words, k=5, exclude=()):
    return []


def angle_degrees(a, b):
    return 0.0
