"""Returns replies too big to take back: a giant string, a giant array, a deeply nested list."""

import numpy as np


def cosine_similarity(a, b):
    return "@@MARKER@@" * 1_000_000


def cosine_matrix(A, B):
    return np.ones((1_200, 1_000))


def most_similar(query, matrix, words, k=5, exclude=()):
    nested = []
    for _ in range(100_000):
        nested = [nested]
    return nested


def angle_degrees(a, b):
    return list(range(1_500_000))
