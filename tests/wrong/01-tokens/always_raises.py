"""Lesson 01, wrong solution: every function raises ValueError, whatever its input.

A module that never works but "rejects bad input" everywhere: it must score nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def code_points(text: str) -> list[int]:
    """Return the Unicode code point of every character of `text`, in order."""
    raise ValueError("x")


def utf8_encode(text: str) -> list[int]:
    """Encode `text` as UTF-8 by hand; a surrogate code point raises ValueError."""
    raise ValueError("x")


def utf8_decode(data: Sequence[int] | bytes) -> str:
    """Decode UTF-8 bytes strictly; truncated, overlong or invalid sequences raise ValueError."""
    raise ValueError("x")


def train_bpe(text: str, num_merges: int) -> list[tuple[int, int]]:
    """Learn up to `num_merges` byte-level BPE merges; merge i creates token id 256 + i."""
    raise ValueError("x")


def bpe_encode(text: str, merges: Sequence[Sequence[int]]) -> list[int]:
    """Turn `text` into token ids: its UTF-8 bytes, then every merge applied in learned order."""
    raise ValueError("x")


def bpe_decode(ids: Sequence[int], merges: Sequence[Sequence[int]]) -> str:
    """Turn token ids back into text; bytes that are not valid UTF-8 become U+FFFD."""
    raise ValueError("x")


def wordpiece(word: str, vocab: Collection[str]) -> list[str]:
    """Split one word into WordPiece pieces, greedy longest match first, like BERT."""
    raise ValueError("x")
