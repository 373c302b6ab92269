"""Lesson 05, wrong solution: every function raises ValueError, whatever its input.

A module that never works but "rejects bad input" everywhere: it must score nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def softmax(scores: Sequence[float] | np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """exp(scores / temperature), normalized to sum to 1, computed without overflow."""
    raise ValueError("x")


def associate(
    word: str, vocab: Mapping[str, Sequence[float] | np.ndarray], scale: float = 10.0
) -> list[tuple[str, float]]:
    """softmax(scale * cosine(word, other)) over the other words, highest first, ties by vocab order."""
    raise ValueError("x")


def top_k(probs: Sequence[float] | np.ndarray, k: int) -> np.ndarray:
    """Keep the k most likely entries (ties by index), zero the rest, renormalize."""
    raise ValueError("x")


def top_p(probs: Sequence[float] | np.ndarray, p: float) -> np.ndarray:
    """Keep the smallest set of most likely entries whose mass reaches p, renormalize."""
    raise ValueError("x")


def sample(probs: Sequence[float] | np.ndarray, n: int, seed: int) -> list[int]:
    """n independent draws of indices with the given probabilities, reproducible from seed."""
    raise ValueError("x")
