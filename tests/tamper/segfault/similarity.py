"""Crashes the interpreter with a segmentation fault inside calls."""

import ctypes


def _crash():
    return ctypes.cast(8, ctypes.POINTER(ctypes.c_int)).contents.value


def cosine_similarity(a, b):
    _crash()


def cosine_matrix(A, B):
    import sys

    sys.setrecursionlimit(10**9)

    def deeper(n):
        return deeper(n + 1) + 1

    deeper(0)


def most_similar(query, matrix, words, k=5, exclude=()):
    _crash()


def angle_degrees(a, b):
    ctypes.memset(8, 1, 1)
