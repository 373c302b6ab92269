"""Lesson 02, embedding lookup: from tokens to ids to vectors, and how a sentence vector is made.

Reference solution.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

UNK = "[UNK]"


def build_vocab(tokens: Sequence[str]) -> dict[str, int]:
    """Map "[UNK]" to id 0, then every other token to the next id in order of first appearance."""
    vocab = {UNK: 0}
    for token in tokens:
        if token not in vocab:
            vocab[token] = len(vocab)
    return vocab


def tokens_to_ids(tokens: Sequence[str], vocab: dict[str, int]) -> list[int]:
    """Replace each token by its id (mistake: returns a numpy array, not a list of ints)."""
    ids = []
    for token in tokens:
        if token in vocab:
            ids.append(int(vocab[token]))
        elif UNK in vocab:
            ids.append(int(vocab[UNK]))
        else:
            raise ValueError(f"unknown token {token!r} and the vocabulary has no {UNK!r} entry")
    return np.array(ids)


def _check_ids(ids, size: int) -> np.ndarray:
    """Turn ids into a 1-d int array; non-integers and ids outside 0..size-1 raise ValueError."""
    arr = np.asarray(ids)
    if arr.ndim != 1:
        raise ValueError(f"ids must be a flat list of integers, got shape {arr.shape}")
    if arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind != "f" or not np.all(arr == np.round(arr)):
            raise ValueError("ids must be integers")
    arr = arr.astype(np.int64)
    bad = arr[(arr < 0) | (arr >= size)]
    if bad.size:
        raise ValueError(f"id {int(bad[0])} is out of range: ids must be in 0..{size - 1}")
    return arr


def one_hot(ids: Sequence[int], vocab_size: int) -> np.ndarray:
    """Return a (len(ids), vocab_size) float array with a single 1.0 per row, at column ids[i]."""
    if int(vocab_size) != vocab_size or vocab_size < 1:
        raise ValueError(f"vocab_size must be a positive integer, got {vocab_size!r}")
    vocab_size = int(vocab_size)
    arr = _check_ids(ids, vocab_size)
    out = np.zeros((arr.size, vocab_size))
    out[np.arange(arr.size), arr] = 1.0
    return out


def lookup(ids: Sequence[int], table) -> np.ndarray:
    """Return the rows table[ids[i]] as an (n, d) float array: the same as one_hot(ids) @ table."""
    table = np.asarray(table, dtype=float)
    if table.ndim != 2:
        raise ValueError(f"the table must be 2-d (vocab_size, dim), got shape {table.shape}")
    arr = _check_ids(ids, table.shape[0])
    return table[arr]


def mean_pool(token_vectors, attention_mask) -> np.ndarray:
    """Average the token vectors whose mask is 1: (n,d)+(n,) -> (d,), (b,n,d)+(b,n) -> (b,d)."""
    vectors = np.asarray(token_vectors, dtype=float)
    mask = np.asarray(attention_mask, dtype=float)
    if vectors.ndim not in (2, 3) or mask.shape != vectors.shape[:-1]:
        raise ValueError(
            f"mismatched shapes: token vectors {vectors.shape} need a mask of shape "
            f"{vectors.shape[:-1]}, got {mask.shape}"
        )
    weights = mask[..., None]
    total = (vectors * weights).sum(axis=-2)
    count = weights.sum(axis=-2)
    return np.divide(total, count, out=np.zeros_like(total), where=count != 0)


def l2_normalize(x) -> np.ndarray:
    """Scale each row (the last axis) to length 1; zero rows stay zero; a 1-d input stays 1-d."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        raise ValueError("l2_normalize needs a vector or a matrix, got a scalar")
    norms = np.linalg.norm(arr, axis=-1, keepdims=True)
    return np.divide(arr, norms, out=np.zeros_like(arr), where=norms != 0)
