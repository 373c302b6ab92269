"""My solutions for lesson 02 (embedding lookup)."""

import numpy as np


def build_vocab(tokens):
    vocab = {"[UNK]": 0}
    for tok in tokens:
        vocab.setdefault(tok, len(vocab))
    return vocab


def tokens_to_ids(tokens, vocab):
    ids = []
    for tok in tokens:
        if tok in vocab:
            ids.append(int(vocab[tok]))
        elif "[UNK]" in vocab:
            ids.append(int(vocab["[UNK]"]))
        else:
            raise ValueError(f"unknown token {tok!r} and the vocabulary has no [UNK]")
    return ids


def _valid_ids(ids, size):
    ids = [int(i) for i in ids]
    for i in ids:
        if i < 0 or i >= size:
            raise ValueError(f"id {i} is outside 0..{size - 1}")
    return ids


def one_hot(ids, vocab_size):
    if not isinstance(vocab_size, (int, np.integer)) or vocab_size <= 0:
        raise ValueError(f"vocab_size must be a positive integer, got {vocab_size!r}")
    ids = _valid_ids(ids, vocab_size)
    out = np.zeros((len(ids), vocab_size))
    out[np.arange(len(ids)), ids] = 1.0
    return out


def lookup(ids, table):
    table = np.asarray(table, dtype=float)
    if table.ndim != 2:
        raise ValueError("the table must be a 2-d matrix")
    ids = _valid_ids(ids, table.shape[0])
    return table[ids].reshape(len(ids), table.shape[1])


def mean_pool(token_vectors, attention_mask):
    x = np.asarray(token_vectors, dtype=float)
    m = np.asarray(attention_mask, dtype=float)
    if x.ndim not in (2, 3):
        raise ValueError("token_vectors must be 2-d or 3-d")
    if m.shape != x.shape[:-1]:
        raise ValueError(f"mask shape {m.shape} does not match vectors {x.shape}")
    total = (x * m[..., None]).sum(axis=-2)
    count = m.sum(axis=-1)[..., None]
    return np.divide(total, count, out=np.zeros_like(total), where=count > 0)


def l2_normalize(x):
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:
        raise ValueError("cannot normalize a scalar")
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
