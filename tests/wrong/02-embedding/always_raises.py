"""Lesson 02, wrong solution: every function raises ValueError, whatever its input.

A module that never works but "rejects bad input" everywhere: it must score nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def build_vocab(tokens: Sequence[str]) -> dict[str, int]:
    """Map "[UNK]" to id 0, then every other token to the next id in order of first appearance."""
    raise ValueError("x")


def tokens_to_ids(tokens: Sequence[str], vocab: dict[str, int]) -> list[int]:
    """Replace each token by its id; a token missing from the vocabulary gets the "[UNK]" id."""
    raise ValueError("x")


def one_hot(ids: Sequence[int], vocab_size: int) -> np.ndarray:
    """Return a (len(ids), vocab_size) float array with a single 1.0 per row, at column ids[i]."""
    raise ValueError("x")


def lookup(ids: Sequence[int], table) -> np.ndarray:
    """Return the rows table[ids[i]] as an (n, d) float array: the same as one_hot(ids) @ table."""
    raise ValueError("x")


def mean_pool(token_vectors, attention_mask) -> np.ndarray:
    """Average the token vectors whose mask is 1: (n,d)+(n,) -> (d,), (b,n,d)+(b,n) -> (b,d)."""
    raise ValueError("x")


def l2_normalize(x) -> np.ndarray:
    """Scale each row (the last axis) to length 1; zero rows stay zero; a 1-d input stays 1-d."""
    raise ValueError("x")
