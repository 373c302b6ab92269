"""My solutions for lesson 04 (analogy)."""

import sys

import numpy as np


def _unit(v):
    v = np.asarray(v, dtype=float)
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


def _check_k(k):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")


def _ranked(scores, k, skip=()):
    items = [(w, float(s)) for w, s in scores if w not in skip]
    items.sort(key=lambda pair: -pair[1])  # stable: ties keep dict order
    return items[:k]


def nearest(vector, embeddings, k=1, exclude=()):
    _check_k(k)
    q = _unit(vector)
    scores = []
    for word, vec in embeddings.items():
        u = _unit(vec)
        if u.shape != q.shape:
            raise ValueError(f"{word!r} has length {u.shape[0]}, the vector {q.shape[0]}")
        scores.append((word, float(q @ u)))
    return _ranked(scores, k, set(exclude))


def _need(words, embeddings):
    for w in words:
        if w not in embeddings:
            raise ValueError(f"unknown word: {w!r}")


def analogy(a, b, c, embeddings, k=1, exclude_inputs=True):
    _need((a, b, c), embeddings)
    _check_k(k)
    target = _unit(embeddings[b]) - _unit(embeddings[a]) + _unit(embeddings[c])
    skip = {a, b, c} if exclude_inputs else set()
    return nearest(target, embeddings, k=k, exclude=skip)


def analogy_cosmul(a, b, c, embeddings, k=1, eps=1e-3):
    _need((a, b, c), embeddings)
    _check_k(k)
    ua, ub, uc = (_unit(embeddings[w]) for w in (a, b, c))
    scores = []
    for word, vec in embeddings.items():
        u = _unit(vec)
        sa, sb, sc = ((float(u @ x) + 1) / 2 for x in (ua, ub, uc))
        scores.append((word, sb * sc / (sa + eps)))
    return _ranked(scores, k, {a, b, c})


def analogy_accuracy(questions, embeddings, method="add"):
    if method not in ("add", "mul"):
        raise ValueError(f"method must be 'add' or 'mul', not {method!r}")
    answered = skipped = correct = 0
    for q in questions:
        if len(q) != 4:
            raise ValueError(f"a question needs four words, got {list(q)}")
        a, b, c, d = q
        if any(w not in embeddings for w in q):
            skipped += 1
            continue
        answered += 1
        solve = analogy if method == "add" else analogy_cosmul
        if solve(a, b, c, embeddings)[0][0] == d:
            correct += 1
    return {"accuracy": correct / answered if answered else 0.0, "answered": answered, "skipped": skipped}


# interactive demo: type "man king woman" and see the answer
demo = {"king": [0.9, 0.8, 1.0, 0.1], "man": [0.1, 0.9, 1.0, 0.0],
        "woman": [0.1, -0.9, 1.0, 0.0], "queen": [0.9, -0.8, 1.0, 0.1]}
while True:
    line = sys.stdin.readline().strip()
    if line:
        print(analogy(*line.split(), demo))
