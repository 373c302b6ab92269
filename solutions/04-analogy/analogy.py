"""Lesson 04, analogy: relations as directions, 3CosAdd and 3CosMul, and how to measure them.

Reference solution.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

METHODS = ("add", "mul")


def _matrix(embeddings: dict) -> tuple[list[str], np.ndarray]:
    """The words of a dict of vectors and their vectors stacked as a float matrix."""
    words = list(embeddings)
    if not words:
        return words, np.zeros((0, 0))
    try:
        matrix = np.array([embeddings[w] for w in words], dtype=float)
    except ValueError:  # ragged: vectors of different lengths
        matrix = np.zeros(0)
    if matrix.ndim != 2:
        raise ValueError("the vectors must all be 1-d and of the same length")
    return words, matrix


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Scale each row to length 1; zero rows stay zero."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms != 0)


def _check_k(k: int) -> int:
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def _rank(words: list[str], scores: np.ndarray, skip: Iterable[str], k: int) -> list:
    """The k best (word, score) pairs, highest first, ties by input order, skipping some words."""
    skip = set(skip)
    ranked = []
    for i in np.argsort(-scores, kind="stable"):  # stable: equal scores keep input order
        if words[i] not in skip:
            ranked.append((words[i], float(scores[i])))
            if len(ranked) == k:
                break
    return ranked


def _top_word(words: list[str], scores: np.ndarray, skip_rows: list[int]) -> str | None:
    """The word _rank gives with k=1 when skipping those rows' words, without a full sort.

    np.argmax returns the first of equal maxima, as the stable sort keeps input order on ties.
    """
    masked = scores.copy()
    masked[skip_rows] = -np.inf
    i = int(np.argmax(masked))
    if not masked[i] > -np.inf:  # a nan score (argmax stops at it), or every row skipped
        best = _rank(words, scores, [words[r] for r in skip_rows], 1)
        return best[0][0] if best else None
    return words[i]


def _index(word: str, index: dict[str, int]) -> int:
    try:
        return index[word]
    except KeyError:
        raise ValueError(f"unknown word {word!r}: it is not in the embeddings") from None


def _add_scores(cos_a: np.ndarray, cos_b: np.ndarray, cos_c: np.ndarray, norm: float):
    """3CosAdd from the cosines of every word with a, b, c (all unit vectors).

    cos(x, u(b) - u(a) + u(c)) = (cos(x, b) - cos(x, a) + cos(x, c)) / |u(b) - u(a) + u(c)|.
    """
    total = cos_b - cos_a + cos_c
    return np.clip(total / norm if norm else np.zeros_like(total), -1.0, 1.0)


def _mul_scores(cos_a: np.ndarray, cos_b: np.ndarray, cos_c: np.ndarray, eps: float):
    """3CosMul: s(x, b) * s(x, c) / (s(x, a) + eps) with cosines shifted to s = (cos + 1) / 2."""
    s_a, s_b, s_c = ((cos + 1.0) / 2.0 for cos in (cos_a, cos_b, cos_c))
    return s_b * s_c / (s_a + eps)


def _cosines(unit: np.ndarray, rows: list[int]) -> np.ndarray:
    """Cosines of every unit row with the given rows: shape (len(rows), n_words)."""
    return np.clip(unit[rows] @ unit.T, -1.0, 1.0)


def _target_norm(unit: np.ndarray, ia: int, ib: int, ic: int) -> float:
    return float(np.linalg.norm(unit[ib] - unit[ia] + unit[ic]))


def nearest(vector, embeddings: dict, k: int = 1, exclude: Iterable[str] = ()) -> list:
    """Rank the words of `embeddings` by cosine with `vector`: the k best (word, score) pairs."""
    k = _check_k(k)
    words, matrix = _matrix(embeddings)
    query = np.asarray(vector, dtype=float)
    if not words:
        return []
    if query.shape != matrix.shape[1:]:
        raise ValueError(
            f"mismatched lengths: the vector has shape {query.shape}, "
            f"the embeddings have length {matrix.shape[1]}"
        )
    norm = np.linalg.norm(query)
    unit = query / norm if norm else query
    scores = np.clip(_unit_rows(matrix) @ unit, -1.0, 1.0)
    return _rank(words, scores, exclude, k)


def _prepare(embeddings: dict) -> tuple[list[str], np.ndarray, dict[str, int]]:
    words, matrix = _matrix(embeddings)
    return words, _unit_rows(matrix), {w: i for i, w in enumerate(words)}


def analogy(
    a: str, b: str, c: str, embeddings: dict, k: int = 1, exclude_inputs: bool = True
) -> list:
    """Answer "a is to b as c is to ?" with 3CosAdd: nearest to u(b) - u(a) + u(c)."""
    k = _check_k(k)
    words, unit, index = _prepare(embeddings)
    ia, ib, ic = (_index(w, index) for w in (a, b, c))
    cos_a, cos_b, cos_c = _cosines(unit, [ia, ib, ic])
    scores = _add_scores(cos_a, cos_b, cos_c, _target_norm(unit, ia, ib, ic))
    return _rank(words, scores, (a, b, c) if exclude_inputs else (), k)


def analogy_cosmul(a: str, b: str, c: str, embeddings: dict, k: int = 1, eps: float = 1e-3) -> list:
    """Answer "a is to b as c is to ?" with 3CosMul: s(x,b) s(x,c) / (s(x,a) + eps)."""
    k = _check_k(k)
    words, unit, index = _prepare(embeddings)
    cos_a, cos_b, cos_c = _cosines(unit, [_index(w, index) for w in (a, b, c)])
    return _rank(words, _mul_scores(cos_a, cos_b, cos_c, eps), (a, b, c), k)


def analogy_accuracy(
    questions: Sequence[Sequence[str]], embeddings: dict, method: str = "add"
) -> dict:
    """Share of answered questions (a, b, c, d) whose top answer is d; unknown words skip."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: expected 'add' or 'mul'")
    words, unit, index = _prepare(embeddings)
    answerable = []
    for question in questions:
        if len(question) != 4:
            raise ValueError(f"a question has four words (a, b, c, d), got {list(question)!r}")
        if all(w in index for w in question):
            answerable.append(tuple(question))
    # The cosines of every word with every word the questions use, computed once.
    needed = list(dict.fromkeys(index[w] for q in answerable for w in q[:3]))
    column = {row: i for i, row in enumerate(needed)}
    cos = _cosines(unit, needed) if needed else None
    correct = 0
    for a, b, c, d in answerable:
        ia, ib, ic = index[a], index[b], index[c]
        cos_a, cos_b, cos_c = cos[column[ia]], cos[column[ib]], cos[column[ic]]
        if method == "add":
            scores = _add_scores(cos_a, cos_b, cos_c, _target_norm(unit, ia, ib, ic))
        else:
            scores = _mul_scores(cos_a, cos_b, cos_c, 1e-3)
        correct += _top_word(words, scores, [ia, ib, ic]) == d  # only the top answer counts
    answered = len(answerable)
    accuracy = correct / answered if answered else 0.0
    return {"accuracy": accuracy, "answered": answered, "skipped": len(questions) - answered}
