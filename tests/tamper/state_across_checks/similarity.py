"""Remembers what it saw in earlier checks (files, shared memory, keyrings) to use it later."""

import ctypes
import os

MEMO = [
    "/tmp/@@MARKER@@-memo",
    os.path.expanduser("~/@@MARKER@@-memo"),
    "/dev/shm/@@MARKER@@-memo",
    "/var/tmp/@@MARKER@@-memo",
    "/run/lock/@@MARKER@@-memo",  # writable by every user on Debian, like /tmp
]
libc = ctypes.CDLL(None, use_errno=True)
learned = []

for path in MEMO:
    try:
        with open(path) as f:
            learned.append(f.read()[:200])
    except OSError:
        pass
shm = libc.shmget(0x5EED, 4096, 0o1666)  # IPC_CREAT: a segment outlives its process
if shm >= 0:
    learned.append(f"shm {shm}")
key = libc.syscall(248, b"user", b"@@MARKER@@", b"seen", 4, -3)  # add_key to the user keyring
if key >= 0:
    learned.append(f"key {key}")
if os.environ.get("EMBEDLAB_MEMO"):
    learned.append("env")


def _remember(*args):
    os.environ["EMBEDLAB_MEMO"] = "1"
    for path in MEMO:
        try:
            with open(path, "a") as f:
                f.write(repr(args)[:100])
        except OSError:
            pass
    if learned:
        raise ValueError(f"@@MARKER@@ learned from an earlier check: {learned}")
    raise NotImplementedError


def cosine_similarity(a, b):
    _remember(a, b)


def cosine_matrix(A, B):
    _remember(A, B)


def most_similar(query, matrix, words, k=5, exclude=()):
    _remember(query, words)


def angle_degrees(a, b):
    _remember(a, b)
