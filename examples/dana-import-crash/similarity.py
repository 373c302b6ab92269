"""My solutions for lesson 03 (cosine similarity)."""
from my_helpers import unit_rows  # a helper file I forgot to submit

import numpy as np


def _vec(x):
    return np.asarray(x, dtype=np.float64)


def cosine_similarity(a, b):
    a, b = _vec(a), _vec(b)
    if a.shape != b.shape:
        raise ValueError(f"vectors have different lengths: {a.shape[0]} and {b.shape[0]}")
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 0.0
    return float(np.clip(a.dot(b) / (na * nb), -1.0, 1.0))


def _unit_rows(M):
    norms = np.linalg.norm(M, axis=1, keepdims=True)
    safe = np.where(norms == 0, 1.0, norms)
    return M / safe


def cosine_matrix(A, B):
    A, B = np.atleast_2d(_vec(A)), np.atleast_2d(_vec(B))
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A has {A.shape[1]} columns but B has {B.shape[1]}")
    return np.clip(_unit_rows(A) @ _unit_rows(B).T, -1.0, 1.0)


def most_similar(query, matrix, words, k=5, exclude=()):
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    M = np.atleast_2d(_vec(matrix))
    if len(words) != M.shape[0]:
        raise ValueError(f"{len(words)} words but the matrix has {M.shape[0]} rows")
    q = _vec(query)
    if q.shape[0] != M.shape[1]:
        raise ValueError(f"query has length {q.shape[0]}, rows have {M.shape[1]}")
    scores = cosine_matrix(q[None, :], M)[0]
    skip = set(exclude)
    ranked = sorted(
        ((w, float(s)) for w, s in zip(words, scores) if w not in skip),
        key=lambda pair: -pair[1],
    )
    return ranked[:k]


def angle_degrees(a, b):
    return float(np.degrees(np.arccos(cosine_similarity(a, b))))
