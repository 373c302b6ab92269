"""Lesson 05: association, and how a model picks the next token.

A language model ends every step with one score per token of its vocabulary. Softmax
turns the scores into probabilities; top-k and top-p cut off the unlikely tail; a
seeded random draw picks the next token. `associate` is the seed article's toy version
of the first step: it scores the other words of a small vocabulary by their cosine with
the input word.

Conventions (the same in every lesson):
- vectors and scores may come as lists or numpy arrays; returned vectors are numpy arrays
  (not lists: a check tests the type);
- a ranked list is a list of (word, score) pairs, highest score first, ties broken by the
  earlier position in the input (dict order);
- invalid input raises ValueError with a message that names the problem.

A probability vector ("probs" below) is a non-empty 1-D list or array of finite
numbers, none negative, summing to 1 within 1e-6. top_k, top_p and sample raise
ValueError for anything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def softmax(scores: Sequence[float] | np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Turn scores into probabilities: exp(score / temperature), divided by their sum.

    Args:
        scores: a non-empty 1-D list or array of finite numbers.
        temperature: a number > 0. Each score is DIVIDED by it: below 1 sharpens the
            distribution (the top score takes more), above 1 flattens it.

    Returns:
        A float numpy array of the same length, every entry in [0, 1], summing to 1.
        It must stay exact for large scores: softmax([1000, 1001, 1002]) equals
        softmax([0, 1, 2]) (np.exp(1000) overflows to inf, so subtract the largest
        score before exponentiating; the shift cancels out).

    Raises:
        ValueError: if temperature <= 0, or if scores is empty or not 1-D.

    Example:
        >>> softmax([1.0, 2.0, 3.0]).round(4)
        array([0.09  , 0.2447, 0.6652])
    """
    raise NotImplementedError("TODO: shift by the max, exp, divide by the sum")


def associate(
    word: str, vocab: Mapping[str, Sequence[float] | np.ndarray], scale: float = 10.0
) -> list[tuple[str, float]]:
    """Rank the other words of a vocabulary by softmax(scale * cosine with word).

    This is the seed article's simulate_association: for every word w of vocab other
    than `word` itself (in vocab order), score(w) = scale * cosine(vocab[word], vocab[w]);
    the probabilities are softmax of these scores (temperature 1), so they sum to 1 over
    the other words. A zero vector has cosine 0.0 with everything.

    Args:
        word: the input word, a key of vocab.
        vocab: a dict word -> vector (lists or arrays, all of the same length).
        scale: a number > 0 that multiplies the cosines (it acts as 1 / temperature:
            a larger scale gives a sharper distribution).

    Returns:
        A list of (other_word, probability) tuples, one per other word, highest
        probability first; equal probabilities keep vocab order. The query word itself
        is not in the list.

    Raises:
        ValueError: if word is not in vocab (the message names the word; do not return
            an error string as the seed does), if scale <= 0, or if vocab holds no other
            word.

    Example (the seed's vocabulary):
        >>> [(w, round(p, 4)) for w, p in associate("医院", vocab)]
        [('医生', 0.3717), ('手术', 0.329), ('病人', 0.2972), ('咖啡', 0.0018), ('代码', 0.0002)]
    """
    raise NotImplementedError("TODO: cosine with every other word, times scale, softmax, sort")


def top_k(probs: Sequence[float] | np.ndarray, k: int) -> np.ndarray:
    """Keep only the k most likely entries, set the rest to 0, and renormalize.

    Args:
        probs: a probability vector (see the module docstring).
        k: an int >= 1. If k >= len(probs), every entry is kept.

    Returns:
        A float numpy array of the same length with at most k non-zero entries, summing
        to 1: the kept entries are divided by their total. Among equal probabilities the
        earlier index is kept first.

    Raises:
        ValueError: if k < 1 or probs is not a probability vector.

    Example:
        >>> top_k([0.1, 0.5, 0.4], 2).round(4)
        array([0.    , 0.5556, 0.4444])
    """
    raise NotImplementedError("TODO: keep the k largest (stable order), zero the rest, renormalize")


def top_p(probs: Sequence[float] | np.ndarray, p: float) -> np.ndarray:
    """Nucleus sampling's cut: keep the smallest set of most likely entries whose mass reaches p.

    Go through the entries from most to least likely (equal probabilities: earlier index
    first) and add up their probabilities; keep every entry up to and including the
    first one at which the running sum reaches p (running sum >= p - 1e-9, so that
    rounding in the sum does not pull in an extra entry). If the sum never reaches p
    (p = 1 with rounding), keep every entry. Set the others to 0 and renormalize.

    Args:
        probs: a probability vector (see the module docstring).
        p: a number with 0 < p <= 1.

    Returns:
        A float numpy array of the same length summing to 1.

    Raises:
        ValueError: if p is not in (0, 1] or probs is not a probability vector.

    Example:
        >>> top_p([0.1, 0.5, 0.4], 0.8).round(4)
        array([0.    , 0.5556, 0.4444])
    """
    raise NotImplementedError("TODO: sort, running sum, keep up to where it reaches p, renormalize")


def sample(probs: Sequence[float] | np.ndarray, n: int, seed: int) -> list[int]:
    """Draw n indices at random, index i with probability probs[i].

    Use a generator made from the seed (np.random.default_rng(seed)), never global
    random state: the same probs, n and seed must give the same list every time. Over
    many draws, the frequency of each index follows probs, and an index of probability 0
    is never drawn.

    Args:
        probs: a probability vector (see the module docstring).
        n: how many draws, an int >= 0 (0 gives []).
        seed: a non-negative int.

    Returns:
        A list of n Python ints, each in range(len(probs)); not numpy integers (a check
        tests the type: rng.choice gives numpy values, so convert them with int()).

    Raises:
        ValueError: if n < 0 or probs is not a probability vector (a negative entry, or
            a sum that is not 1).

    Example:
        >>> draws = sample([0.2, 0.8], 10, seed=1)
        >>> draws == sample([0.2, 0.8], 10, seed=1)
        True
    """
    raise NotImplementedError("TODO: np.random.default_rng(seed).choice(...) as a list of ints")
