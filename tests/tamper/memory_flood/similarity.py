"""Allocates memory without end: a growing list, one huge buffer, a huge numpy array."""

import numpy as np


def _flood():
    hoard = []
    try:
        np.ones((200_000, 200_000))
    except MemoryError:
        pass
    try:
        bytearray(1 << 40)
    except MemoryError:
        pass
    while True:
        hoard.append(bytearray(256 << 20))  # big steps: the limit is reached well within a call


def cosine_similarity(a, b):
    _flood()


def cosine_matrix(A, B):
    _flood()


def most_similar(query, matrix, words, k=5, exclude=()):
    _flood()


def angle_degrees(a, b):
    _flood()
