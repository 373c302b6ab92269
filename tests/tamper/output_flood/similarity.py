"""Floods every output: print, sys.stderr, the raw file descriptors, a giant exception message."""

import os
import sys

LINE = "@@MARKER@@ " + "x" * 1000 + "\n"


def _flood(n=20_000):
    for _ in range(n):
        print(LINE, end="")
        sys.stderr.write(LINE)
    for fd in (1, 2):
        try:
            for _ in range(2_000):
                os.write(fd, LINE.encode())
        except OSError:
            pass
    raise ValueError(LINE * 10_000)


_flood(2_000)


def cosine_similarity(a, b):
    _flood()


def cosine_matrix(A, B):
    _flood()


def most_similar(query, matrix, words, k=5, exclude=()):
    _flood()


def angle_degrees(a, b):
    while True:
        print(LINE, end="")
