"""Lesson 05, association: a wrong solution whose softmax returns a list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

SUM_TOLERANCE = 1e-6
REACH_TOLERANCE = 1e-9


def softmax(scores: Sequence[float] | np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """exp(scores / temperature), normalized to sum to 1, computed without overflow."""
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"scores must be a non-empty 1-D list, got shape {s.shape}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    z = s / temperature
    e = np.exp(z - np.max(z))
    return (e / e.sum()).tolist()  # mistake: a list, not a numpy array


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of two vectors; 0.0 if either is zero."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 0.0
    return float(np.clip(np.dot(a, b) / (na * nb), -1.0, 1.0))


def associate(
    word: str, vocab: Mapping[str, Sequence[float] | np.ndarray], scale: float = 10.0
) -> list[tuple[str, float]]:
    """softmax(scale * cosine(word, other)) over the other words, highest first, ties by vocab order."""
    if word not in vocab:
        raise ValueError(f"unknown word {word!r}: it is not in the vocabulary")
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale!r}")
    query = np.asarray(vocab[word], dtype=np.float64)
    others = [w for w in vocab if w != word]
    if not others:
        raise ValueError(f"the vocabulary holds no word other than {word!r}")
    cosines = []
    for w in others:
        v = np.asarray(vocab[w], dtype=np.float64)
        if v.shape != query.shape:
            raise ValueError(f"vector of {w!r} has shape {v.shape}, {word!r} has {query.shape}")
        cosines.append(_cosine(query, v))
    probs = softmax(scale * np.array(cosines))
    order = sorted(range(len(others)), key=lambda i: -probs[i])  # stable: ties keep vocab order
    return [(others[i], float(probs[i])) for i in order]


def _probs(probs: Sequence[float] | np.ndarray) -> np.ndarray:
    """A checked float64 copy of a probability vector, or ValueError naming the problem."""
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"probs must be a non-empty 1-D list, got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError("probs must be finite numbers")
    if np.any(p < 0):
        raise ValueError(f"probs must not be negative, got {p.min()!r}")
    if abs(p.sum() - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"probs must sum to 1, they sum to {p.sum()!r}")
    return p


def _ranked(p: np.ndarray) -> np.ndarray:
    """Indices from most to least likely, ties by index."""
    return np.argsort(-p, kind="stable")


def _keep(p: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Zero all but the chosen indices and renormalize."""
    out = np.zeros_like(p)
    out[chosen] = p[chosen]
    return out / out.sum()


def top_k(probs: Sequence[float] | np.ndarray, k: int) -> np.ndarray:
    """Keep the k most likely entries (ties by index), zero the rest, renormalize."""
    p = _probs(probs)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return _keep(p, _ranked(p)[:k])


def top_p(probs: Sequence[float] | np.ndarray, p: float) -> np.ndarray:
    """Keep the smallest set of most likely entries whose mass reaches p, renormalize."""
    q = _probs(probs)
    if not 0 < p <= 1:
        raise ValueError(f"p must be in (0, 1], got {p!r}")
    order = _ranked(q)
    mass = np.cumsum(q[order])
    reached = np.nonzero(mass >= p - REACH_TOLERANCE)[0]
    count = reached[0] + 1 if reached.size else order.size
    return _keep(q, order[:count])


def sample(probs: Sequence[float] | np.ndarray, n: int, seed: int) -> list[int]:
    """n independent draws of indices with the given probabilities, reproducible from seed."""
    p = _probs(probs)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    rng = np.random.default_rng(seed)
    return [int(i) for i in rng.choice(p.size, size=n, p=p / p.sum())]
