"""Lifts the worker's output cap (child.CappedText) and prints 7 MB on every call, just under
the reply limit, while returning values of the right types, so that the checks keep calling.

Without a cap on the grader's side, the grader kept every call's output for the whole run
(7.8 GB at the peak with a larger reply limit).
"""

import sys

import numpy as np

child = sys.modules.get("child")


class Uncapped:
    def __init__(self, cap):
        self.parts = []

    def writable(self):
        return True

    def write(self, text):
        self.parts.append(str(text))
        return len(text)

    def flush(self):
        pass

    def value(self):
        return "".join(self.parts)


if child is not None:
    child.CappedText = Uncapped

CHUNK = "@@MARKER@@ " + "y" * 7_000_000


def cosine_similarity(a, b):
    print(CHUNK)
    return 0.25


def cosine_matrix(A, B):
    print(CHUNK)
    return np.full((len(A), len(B)), 1)  # an int array: the float-array check fails


def most_similar(query, matrix, words, k=5, exclude=()):
    print(CHUNK)
    return [[w, 0.25] for w in list(words)[:k]]  # lists, not (word, score) tuples


def angle_degrees(a, b):
    print(CHUNK)
    return 45.0
