"""Lesson 04, wrong solution: every function raises ValueError, whatever its input.

A module that never works but "rejects bad input" everywhere: it must score nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def nearest(vector, embeddings: dict, k: int = 1, exclude: Iterable[str] = ()) -> list:
    """Rank the words of `embeddings` by cosine with `vector`: the k best (word, score) pairs."""
    raise ValueError("x")


def analogy(
    a: str, b: str, c: str, embeddings: dict, k: int = 1, exclude_inputs: bool = True
) -> list:
    """Answer "a is to b as c is to ?" with 3CosAdd: nearest to u(b) - u(a) + u(c)."""
    raise ValueError("x")


def analogy_cosmul(a: str, b: str, c: str, embeddings: dict, k: int = 1, eps: float = 1e-3) -> list:
    """Answer "a is to b as c is to ?" with 3CosMul: s(x,b) s(x,c) / (s(x,a) + eps)."""
    raise ValueError("x")


def analogy_accuracy(
    questions: Sequence[Sequence[str]], embeddings: dict, method: str = "add"
) -> dict:
    """Share of answered questions (a, b, c, d) whose top answer is d; unknown words skip."""
    raise ValueError("x")
