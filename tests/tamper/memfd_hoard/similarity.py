"""Hoards memory that no rlimit counts: memfds (shmem pages, outside RLIMIT_AS; sent to the grader
over the channel they would even outlive the sandbox), then pipes, as many as descriptors allow.

Found by a reviewer: 4 GB held by one check process in memfds, and 3 GB parked in the grader's
socket queue as fds in flight, until the kernel's out-of-memory killer took the grader."""

import ctypes
import errno
import os


def _hoard():
    libc = ctypes.CDLL(None, use_errno=True)
    memfd = libc.syscall(319 if os.uname().machine == "x86_64" else 279, b"@@MARKER@@", 0)
    memfd_error = errno.errorcode.get(ctypes.get_errno(), "?") if memfd < 0 else "none"
    if memfd >= 0:
        os.posix_fallocate(memfd, 0, 1 << 20)
    pipes = []
    try:
        while len(pipes) < 100_000:
            pipes += os.pipe()
    except OSError:
        pass
    raise RuntimeError(f"memfd refused: {memfd_error}; pipes opened: {len(pipes) // 2}")


def cosine_similarity(a, b):
    _hoard()


def cosine_matrix(A, B):
    _hoard()


def most_similar(query, matrix, words, k=5, exclude=()):
    _hoard()


def angle_degrees(a, b):
    _hoard()
