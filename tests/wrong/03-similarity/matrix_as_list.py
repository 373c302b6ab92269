"""Lesson 03, cosine similarity: a wrong solution whose cosine_matrix returns a list of lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def _vector(x, name: str) -> np.ndarray:
    """A 1-D float64 copy of `x`, or ValueError naming the argument."""
    v = np.asarray(x, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"{name} must be a 1-D vector, got shape {v.shape}")
    return v


def _matrix(x, name: str) -> np.ndarray:
    """A 2-D float64 copy of `x`, or ValueError naming the argument."""
    m = np.asarray(x, dtype=np.float64)
    if m.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix (one vector per row), got shape {m.shape}")
    return m


def _unit_rows(m: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1; zero rows stay zero."""
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)


def cosine_similarity(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Cosine of the angle between a and b, clipped to [-1, 1]; 0.0 if either is zero."""
    va, vb = _vector(a, "a"), _vector(b, "b")
    if va.shape != vb.shape:
        raise ValueError(f"vectors of different lengths: {va.size} and {vb.size}")
    na, nb = np.linalg.norm(va), np.linalg.norm(vb)
    if na == 0 or nb == 0:
        return 0.0
    return float(np.clip(np.dot(va, vb) / (na * nb), -1.0, 1.0))


def cosine_matrix(A: Sequence | np.ndarray, B: Sequence | np.ndarray) -> np.ndarray:
    """Cosines of every row of A with every row of B, shape (m, n), without Python loops."""
    ma, mb = _matrix(A, "A"), _matrix(B, "B")
    if ma.shape[1] != mb.shape[1]:
        raise ValueError(
            f"rows of different lengths: A has {ma.shape[1]} columns, B has {mb.shape[1]}"
        )
    return np.clip(_unit_rows(ma) @ _unit_rows(mb).T, -1.0, 1.0).tolist()  # mistake: a list


def most_similar(
    query: Sequence[float] | np.ndarray,
    matrix: Sequence | np.ndarray,
    words: Sequence[str],
    k: int = 5,
    exclude: Iterable[str] = (),
) -> list[tuple[str, float]]:
    """The k words whose rows are closest in cosine to query, highest first, ties by row order."""
    q, m = _vector(query, "query"), _matrix(matrix, "matrix")
    words = list(words)
    if len(words) != m.shape[0]:
        raise ValueError(f"{len(words)} words for a matrix of {m.shape[0]} rows")
    if q.size != m.shape[1]:
        raise ValueError(f"query has length {q.size}, the matrix rows have {m.shape[1]}")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    scores = cosine_matrix(q[None, :], m)[0]
    skip = set(exclude)
    keep = [i for i, w in enumerate(words) if w not in skip]
    order = sorted(keep, key=lambda i: -scores[i])  # sorted() is stable: ties keep row order
    return [(words[i], float(scores[i])) for i in order[:k]]


def angle_degrees(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Angle between a and b in degrees, 0 to 180, never nan (90.0 if either is zero)."""
    return float(np.degrees(np.arccos(cosine_similarity(a, b))))
