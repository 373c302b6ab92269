"""Ranks and samples nothing: distributions come back as arrays of shape (0, n)."""

import numpy as np


def _size(values):
    return np.asarray(values, dtype=float).size


def _valid(probs):
    p = np.asarray(probs, dtype=float)
    if p.ndim != 1 or p.size == 0 or (p < 0).any() or abs(p.sum() - 1) > 1e-6:
        raise ValueError("not a probability vector")


def softmax(scores, temperature=1.0):
    if temperature <= 0 or _size(scores) == 0:
        raise ValueError("bad temperature or no scores")
    return np.zeros((0, _size(scores)))


def associate(word, vocab, scale=10.0):
    raise NotImplementedError


def top_k(probs, k):
    _valid(probs)
    if k < 1:
        raise ValueError("k must be at least 1")
    return np.zeros((0, _size(probs)))


def top_p(probs, p):
    _valid(probs)
    if not 0 < p <= 1:
        raise ValueError("p must be in (0, 1]")
    return np.zeros((0, _size(probs)))


def sample(probs, n, seed):
    raise NotImplementedError
