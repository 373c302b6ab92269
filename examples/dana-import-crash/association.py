"""My solutions for lesson 05 (association and sampling)."""

import numpy as np


def softmax(scores, temperature=1.0)
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    x = np.asarray(scores, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError("scores must be a non-empty 1-D list")
    z = x / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


def _cos(u, v):
    u, v = np.asarray(u, float), np.asarray(v, float)
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    return 0.0 if nu == 0 or nv == 0 else float(u @ v / (nu * nv))


def associate(word, vocab, scale=10.0):
    if word not in vocab:
        raise ValueError(f"unknown word: {word!r}")
    if scale <= 0:
        raise ValueError("scale must be positive")
    others = [w for w in vocab if w != word]
    if not others:
        raise ValueError("the vocabulary has no other word")
    probs = softmax([scale * _cos(vocab[word], vocab[w]) for w in others])
    order = sorted(range(len(others)), key=lambda i: -probs[i])
    return [(others[i], float(probs[i])) for i in order]


def _check_probs(probs):
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError("probs must be a non-empty 1-D vector")
    if not np.all(np.isfinite(p)) or (p < 0).any():
        raise ValueError("probs must be finite and non-negative")
    if abs(p.sum() - 1.0) > 1e-6:
        raise ValueError(f"probs must sum to 1, not {p.sum()}")
    return p


def _keep(p, idx):
    out = np.zeros_like(p)
    out[idx] = p[idx]
    return out / out.sum()


def top_k(probs, k):
    p = _check_probs(probs)
    if k < 1:
        raise ValueError("k must be >= 1")
    order = np.argsort(-p, kind="stable")
    return _keep(p, order[:k])


def top_p(probs, p):
    q = _check_probs(probs)
    if not 0 < p <= 1:
        raise ValueError(f"p must be in (0, 1], got {p}")
    order = np.argsort(-q, kind="stable")
    total = 0.0
    kept = []
    for i in order:
        kept.append(i)
        total += q[i]
        if total >= p - 1e-9:
            break
    return _keep(q, kept)


def sample(probs, n, seed):
    p = _check_probs(probs)
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = np.random.default_rng(seed)
    return [int(i) for i in rng.choice(len(p), size=n, p=p)]
