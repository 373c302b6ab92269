"""Hidden checks for lesson 01 (encodings vs tokens): random inputs against the reference."""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest

from autograder.byhand import by_hand_problems
from autograder.datagen import common_english
from autograder.expect import indices
from autograder.modeldata import minilm_tokenizer, minilm_vocab

# UTF-8 length classes: (lowest, highest) code point encoded with 1, 2, 3, 4 bytes.
LENGTH_CLASSES = ((0x0, 0x7F), (0x80, 0x7FF), (0x800, 0xFFFF), (0x10000, 0x10FFFF))
SURROGATES = (0xD800, 0xDFFF)
BOUNDARIES = (0x0, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF)
COMBINING = (0x300, 0x301, 0x302, 0x303, 0x308, 0x30A, 0x327, 0x331)
EMOJI = (0x1F468, 0x1F469, 0x1F467, 0x1F466, 0x1F600, 0x1F44D, 0x2764, 0x1F3F3, 0x1F308)
SKIN_TONES = tuple(range(0x1F3FB, 0x1F400))
ZWJ, VS16 = 0x200D, 0xFE0F
HAN = "人工智能"
CORPUS = "corpus.zh.txt"
WORDS_PER_CHECK = 40  # random words per WordPiece check: every kind of word, many times over


# ---------------------------------------------------------------- helpers: random text


def _code_point(rng: np.random.Generator, length_class: int) -> int:
    lo, hi = LENGTH_CLASSES[length_class]
    while True:
        cp = int(rng.integers(lo, hi + 1))
        if not SURROGATES[0] <= cp <= SURROGATES[1]:
            return cp


def random_text(rng: np.random.Generator, n: int) -> str:
    """n characters from every UTF-8 length class (each class at least once when n >= 4)."""
    classes = [k % 4 for k in range(n)]
    rng.shuffle(classes)
    return "".join(chr(_code_point(rng, int(c))) for c in classes)


def random_graphemes(rng: np.random.Generator, n: int) -> str:
    """Text of user-perceived characters built from several code points each."""
    parts = []
    for _ in range(n):
        kind = int(rng.integers(4))
        if kind == 0:  # a letter with one or two combining marks
            marks = rng.choice(COMBINING, int(rng.integers(1, 3)))
            parts.append(chr(int(rng.integers(97, 123))) + "".join(chr(int(m)) for m in marks))
        elif kind == 1:  # a ZWJ sequence of two or three emoji
            picks = rng.choice(EMOJI, int(rng.integers(2, 4)))
            parts.append(chr(ZWJ).join(chr(int(e)) for e in picks))
        elif kind == 2:  # an emoji with a skin tone or a variation selector
            extra = int(rng.choice(SKIN_TONES)) if rng.random() < 0.5 else VS16
            parts.append(chr(int(rng.choice(EMOJI))) + chr(extra))
        else:  # a precomposed letter or a CJK character
            parts.append(chr(int(rng.choice([0xE9, 0xF1, 0xFC, 0xC5, 0x4EBA, 0x5DE5, 0x667A]))))
    return "".join(parts)


def mixed_text(rng: np.random.Generator, n: int) -> str:
    """Text that repeats words of several scripts and emoji, so BPE finds pairs to merge."""
    words = ["the", "cat", "token", "café", "naïve", "人工", "智能", "猫", "日本語", "Ωμέγα"]
    words += ["Привет", "😀", "👍🏽", "👨\u200d👩\u200d👧", "e\u0301"]
    picks = rng.choice(words, n)
    seps = rng.choice([" ", "", ", ", "。"], n)
    return "".join(str(w) + str(s) for w, s in zip(picks, seps, strict=True))


def small_alphabet_text(rng: np.random.Generator, n: int, alphabet: str) -> str:
    """n characters drawn from a small alphabet, so that many pairs repeat."""
    return "".join(rng.choice(list(alphabet), n))


def pairs(merges) -> list[tuple[int, int]]:
    """Merges as a list of int 2-tuples, whatever sequence types came back."""
    return [tuple(int(x) for x in pair) for pair in merges]


def ints(values) -> list[int]:
    """A returned sequence of ints as a plain list."""
    return [int(x) for x in values]


def encode_overlong(cp: int, length: int) -> list[int]:
    """The `length`-byte UTF-8 bit pattern of `cp`, even when fewer bytes would do."""
    lead = {2: 0xC0, 3: 0xE0, 4: 0xF0}[length]
    out = [0x80 | (cp >> (6 * k)) & 0x3F for k in range(length - 1)][::-1]
    return [lead | cp >> (6 * (length - 1))] + out


def strict_decode(data: list[int]) -> str | None:
    """Python's strict decoding of data, or None if it is not valid UTF-8."""
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        return None


# ---------------------------------------------------------------- helpers: the real tokenizer


@functools.cache
def real_vocab() -> dict[str, int]:
    """MiniLM's vocabulary, piece -> id, in id order."""
    vocab = minilm_vocab()  # shared with the public checks: built once per process
    assert len(vocab) == minilm_tokenizer().get_vocab_size(), "MiniLM has ids without a piece"
    return vocab


@functools.cache
def vocab_pieces() -> tuple[str, ...]:
    """MiniLM's pieces in id order (computed once: sub_vocab draws distractors from it)."""
    return tuple(real_vocab())


@functools.cache
def vocab_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The vocabulary's whole lower-case words and its lower-case ## continuation pieces."""
    # One regex scan over the pieces a line each (none holds a newline), not one per piece.
    lines = "\n".join(vocab_pieces())
    assert lines.count("\n") == len(vocab_pieces()) - 1, "a MiniLM piece holds a newline"
    whole = tuple(re.findall(r"^[a-z]+$", lines, re.MULTILINE))
    suffixes = tuple(re.findall(r"^##[a-z]+$", lines, re.MULTILINE))
    return whole, suffixes


@functools.cache
def common_words() -> tuple[str, ...]:
    """MiniLM's most frequent whole words: the data file's common words, without loading it."""
    # Every word common_english keeps is a whole word, so filtering those (in the same id
    # order) gives the same list as filtering every piece, and sooner.
    return tuple(common_english(vocab_words()[0]))


@functools.cache
def unknown_letters() -> str:
    """Letters MiniLM keeps inside a word but has no piece for (neither X nor ##X)."""
    tok, vocab = minilm_tokenizer(), real_vocab()
    found = []
    for cp in range(0x100, 0x250):
        ch = chr(cp)
        if ch in vocab or "##" + ch in vocab or not ch.isalpha():
            continue
        if tok.normalizer.normalize_str(ch) == ch and kept_whole("ab" + ch + "cd"):
            found.append(ch)
    return "".join(found)


def kept_whole(word: str) -> bool:
    """Whether MiniLM's normalizer leaves `word` unchanged and its pre-tokenizer keeps it whole."""
    tok = minilm_tokenizer()
    if tok.normalizer.normalize_str(word) != word:
        return False
    return [piece for piece, _ in tok.pre_tokenizer.pre_tokenize_str(word)] == [word]


def real_pieces(word: str) -> list[str]:
    """How the real MiniLM tokenizer splits one word."""
    return minilm_tokenizer().encode(word, add_special_tokens=False).tokens


def pick(rng: np.random.Generator, items):
    """One random item of a sequence (without turning it into an array)."""
    return items[int(rng.integers(len(items)))]


def split_words(rng: np.random.Generator, n: int) -> list[str]:
    """Words MiniLM keeps whole but splits into pieces: joined words, suffixes, random letters."""
    whole, suffixes = vocab_words()
    letters = list("abcdefghijklmnopqrstuvwxyz")
    out: list[str] = []
    while len(out) < n:
        kind = int(rng.integers(4))
        if kind == 0:
            word = pick(rng, whole) + pick(rng, whole)
        elif kind == 1:
            word = pick(rng, whole) + pick(rng, suffixes)[2:]
        elif kind == 2:
            word = "".join(rng.choice(letters, int(rng.integers(3, 15))))
        else:
            word = "".join(rng.choice(letters + list("0123456789"), int(rng.integers(3, 10))))
        if kept_whole(word) and len(real_pieces(word)) > 1:
            out.append(word)
    return out


def unknown_words(rng: np.random.Generator, n: int) -> list[str]:
    """Real words with one letter inserted that MiniLM's vocabulary cannot cover."""
    whole, _ = vocab_words()
    odd = list(unknown_letters())
    out = []
    for _ in range(n):
        word = pick(rng, whole)
        k = int(rng.integers(len(word) + 1))
        out.append(word[:k] + pick(rng, odd) + word[k:])
    return out


def sub_vocab(word: str, rng: np.random.Generator, extra: int = 30) -> dict[str, int]:
    """Every MiniLM piece the word could use (X and ##X for its substrings), plus distractors."""
    vocab = real_vocab()
    candidates = {word[i:j] for i in range(len(word)) for j in range(i + 1, len(word) + 1)}
    candidates |= {"##" + s for s in candidates}
    keep = {p for p in candidates if p in vocab}
    pieces = vocab_pieces()
    keep |= {pieces[int(i)] for i in rng.integers(0, len(pieces), extra)}
    return {p: vocab[p] for p in sorted(keep, key=vocab.__getitem__)}


# ---------------------------------------------------------------- code_points


def test_code_points_match_ord_on_every_length_class(student, rng):
    """code_points drops, merges or splits characters (e.g. beyond U+FFFF)."""
    for _ in range(10):
        text = random_text(rng, int(rng.integers(4, 40)))
        assert ints(student.code_points(text)) == [ord(c) for c in text]


def test_code_points_count_combining_marks_and_joiners(student, rng):
    """code_points treats an accent mark, a joiner or a modifier as part of the letter."""
    for _ in range(10):
        text = random_graphemes(rng, int(rng.integers(1, 8)))
        assert ints(student.code_points(text)) == [ord(c) for c in text]


# ---------------------------------------------------------------- utf8_encode


def test_utf8_encode_matches_python_on_every_length_class(student, reference, rng):
    """utf8_encode is wrong for some range of code points (1, 2, 3 or 4 bytes)."""
    for _ in range(20):
        text = random_text(rng, int(rng.integers(4, 60)))
        expected = list(text.encode("utf-8"))
        assert ints(student.utf8_encode(text)) == expected == reference.utf8_encode(text)


def test_utf8_encode_at_range_boundaries(student, rng):
    """utf8_encode picks the wrong length at the edge of a range (off by one)."""
    points = list(BOUNDARIES)
    rng.shuffle(points)
    for cp in points:
        text = random_text(rng, 2) + chr(cp) + random_text(rng, 2)
        assert ints(student.utf8_encode(text)) == list(text.encode("utf-8"))


def test_utf8_encode_handles_graphemes_and_emoji(student, rng):
    """utf8_encode mishandles accents, emoji, skin tones or ZWJ sequences."""
    for _ in range(10):
        text = random_graphemes(rng, int(rng.integers(1, 10)))
        assert ints(student.utf8_encode(text)) == list(text.encode("utf-8"))


def test_utf8_encode_rejects_surrogates(student, reference, rng):
    """utf8_encode writes bytes for a surrogate code point instead of raising ValueError, or fails on the same text without it."""
    for _ in range(4):
        cp = int(rng.integers(SURROGATES[0], SURROGATES[1] + 1))
        before, after = random_text(rng, int(rng.integers(0, 5))), random_text(rng, 3)
        valid = before + after
        assert ints(student.utf8_encode(valid)) == reference.utf8_encode(valid)
        with pytest.raises(ValueError):
            student.utf8_encode(before + chr(cp) + after)


def test_utf8_is_built_by_hand(student, student_source, rng):
    """utf8_encode or utf8_decode is not a function defined with def in your module (an import, functools.partial), or hands the work to Python's codec instead of building UTF-8 by hand."""
    text = random_text(rng, 12)
    data = list(text.encode("utf-8"))
    # Both must work: code that builds nothing has nothing to show by hand.
    assert ints(student.utf8_encode(text)) == data
    assert student.utf8_decode(data) == text
    not_defs, found = by_hand_problems(student_source, ("utf8_encode", "utf8_decode"))
    assert not not_defs, "; ".join(not_defs)
    assert not found, "; ".join(found)


def test_results_are_lists_of_python_ints(student, reference, rng):
    """A function returns bytes, a tuple, a numpy array or numpy ints where its docstring promises a list of Python ints (train_bpe: a list of int tuples)."""
    text = mixed_text(rng, 20)
    merges = student.train_bpe(text, int(rng.integers(3, 20)))
    results = [student.code_points(text), student.utf8_encode(text), merges]
    results.append(student.bpe_encode(text, [list(p) for p in merges]))
    for got in results:
        assert isinstance(got, list)
    assert all(type(pair) is tuple and len(pair) == 2 for pair in merges)
    results[2] = [x for pair in merges for x in pair]
    assert all(type(x) is int for got in results for x in got)
    assert results[0] == reference.code_points(text) and results[1] == reference.utf8_encode(text)
    assert results[3] == reference.bpe_encode(text, [list(p) for p in merges])


# ---------------------------------------------------------------- utf8_decode


def test_utf8_decode_round_trips_every_length_class(student, rng):
    """utf8_decode misreads valid UTF-8 of some range of code points."""
    for _ in range(20):
        text = random_text(rng, int(rng.integers(4, 60)))
        assert student.utf8_decode(list(text.encode("utf-8"))) == text
    points = list(BOUNDARIES)
    rng.shuffle(points)
    for cp in points:
        text = random_text(rng, int(rng.integers(0, 3))) + chr(cp) + random_text(rng, 2)
        assert student.utf8_decode(list(text.encode("utf-8"))) == text


def test_utf8_decode_rejects_truncated_characters(student, reference, rng):
    """utf8_decode accepts a character whose last bytes are missing, or fails on the whole character."""
    for _ in range(8):
        cp = _code_point(rng, int(rng.integers(1, 4)))
        data = list(chr(cp).encode("utf-8"))
        cut = data[: int(rng.integers(1, len(data)))]
        before = list(random_text(rng, 4).encode("utf-8"))
        after = list(random_text(rng, 4).encode("utf-8")) if rng.random() < 0.5 else []
        whole = before + data + after
        assert student.utf8_decode(whole) == reference.utf8_decode(whole)
        with pytest.raises(ValueError):
            student.utf8_decode(before + cut + after)


def test_utf8_decode_rejects_overlong_forms(student, reference, rng):
    """utf8_decode accepts a code point written with more bytes than it needs, or fails on its shortest form."""
    for _ in range(12):
        length_class = int(rng.integers(0, 3))
        cp = _code_point(rng, length_class)
        length = int(rng.integers(length_class + 2, 5))
        data = encode_overlong(cp, length)
        assert strict_decode(data) is None
        before = list(random_text(rng, 2).encode("utf-8"))
        shortest = before + list(chr(cp).encode("utf-8"))
        assert student.utf8_decode(shortest) == reference.utf8_decode(shortest)
        with pytest.raises(ValueError):
            student.utf8_decode(before + data)


def test_utf8_decode_rejects_encoded_surrogates(student, reference, rng):
    """utf8_decode accepts a surrogate code point written in UTF-8, or fails on the 3-byte characters around the surrogates."""
    for _ in range(6):
        cp = int(rng.integers(SURROGATES[0], SURROGATES[1] + 1))
        data = encode_overlong(cp, 3)
        before = list(random_text(rng, 3).encode("utf-8"))
        low = rng.random() < 0.5
        neighbour = int(rng.integers(0xD000, 0xD800) if low else rng.integers(0xE000, 0xF000))
        valid = before + encode_overlong(neighbour, 3)
        assert student.utf8_decode(valid) == reference.utf8_decode(valid)
        with pytest.raises(ValueError):
            student.utf8_decode(before + data)


def test_utf8_decode_rejects_code_points_above_unicode(student, reference, rng):
    """utf8_decode accepts a 4-byte pattern for a code point above U+10FFFF, or fails on the 4-byte characters below it."""
    for _ in range(6):
        cp = int(rng.integers(0x110000, 0x200000))
        data = encode_overlong(cp, 4)
        after = list(random_text(rng, 3).encode("utf-8"))
        valid = encode_overlong(int(rng.integers(0x10000, 0x110000)), 4) + after
        assert student.utf8_decode(valid) == reference.utf8_decode(valid)
        with pytest.raises(ValueError):
            student.utf8_decode(data + after)


def test_utf8_decode_rejects_stray_and_impossible_bytes(student, reference, rng):
    """utf8_decode accepts a stray continuation byte, a byte UTF-8 never uses, or a broken lead, or fails on the same bytes without them."""
    for _ in range(12):
        kind = int(rng.integers(3))
        if kind == 0:
            bad = [int(rng.integers(0x80, 0xC0))]
        elif kind == 1:
            bad = [int(rng.choice([0xC0, 0xC1, *range(0xF5, 0x100)]))]
            bad += [int(rng.integers(0x80, 0xC0)) for _ in range(int(rng.integers(0, 4)))]
        else:
            lead = int(rng.choice([0xC2, 0xDF, 0xE1, 0xEF, 0xF1, 0xF3]))
            bad = [lead, int(rng.integers(0, 0x80))]
        before = list(random_text(rng, 3).encode("utf-8"))
        after = list(random_text(rng, 3).encode("utf-8"))
        assert student.utf8_decode(before + after) == reference.utf8_decode(before + after)
        data = before + bad + after
        assert strict_decode(data) is None
        with pytest.raises(ValueError):
            student.utf8_decode(data)


# Byte ranges that UTF-8 treats differently: ASCII, three ranges of continuation bytes (E0, ED,
# F0 and F4 restrict the byte after them to one of these), lead bytes, bytes never used.
BYTE_CLASSES = (
    (0x7F, "ascii"),
    (0x8F, "cont80"),
    (0x9F, "cont90"),
    (0xBF, "contA0"),
    (0xC1, "C0C1"),
    (0xDF, "lead2"),
    (0xE0, "E0"),
    (0xEC, "lead3"),
    (0xED, "ED"),
    (0xEF, "lead3"),
    (0xF0, "F0"),
    (0xF3, "lead4"),
    (0xF4, "F4"),
)


def byte_class(data: list[int], at: int) -> str:
    """The role data[at] can play in UTF-8 (a kind of lead or continuation byte), or "end"."""
    if at >= len(data):
        return "end"
    for top, name in BYTE_CLASSES:
        if data[at] <= top:
            return name
    return "never"


def decode_case(data: list[int]) -> tuple:
    """What strict decoding makes of data: which error at which kind of bytes, or the lengths."""
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as err:
        return (err.reason, byte_class(data, err.start), byte_class(data, err.start + 1))
    return ("valid", max((len(c.encode("utf-8")) for c in text), default=0))


def test_utf8_decode_agrees_with_strict_decoder_on_random_bytes(student, rng):
    """utf8_decode accepts bytes that strict UTF-8 rejects, or rejects valid ones."""
    interesting = [0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4]
    valid = list(random_text(rng, int(rng.integers(1, 6))).encode("utf-8"))
    assert student.utf8_decode(valid) == strict_decode(valid)
    # Random short byte strings, one for each way strict decoding treats them (the error, the
    # kind of byte it is at and of the byte after it): 150 draws give some 70 kinds.
    cases: dict[tuple, list[int]] = {}
    for _ in range(150):
        data = [
            pick(rng, interesting) if rng.random() < 0.5 else int(rng.integers(0, 256))
            for _ in range(int(rng.integers(1, 7)))
        ]
        cases.setdefault(decode_case(data), data)
    for data in cases.values():
        expected = strict_decode(data)
        if expected is None:
            with pytest.raises(ValueError):
                student.utf8_decode(data)
        else:
            assert student.utf8_decode(data) == expected


def test_utf8_decode_rejects_values_that_are_not_bytes(student, reference, rng):
    """utf8_decode accepts a value outside 0..255 instead of raising ValueError, or fails on real bytes."""
    good = list(random_text(rng, int(rng.integers(2, 6))).encode("utf-8"))
    assert student.utf8_decode(good) == reference.utf8_decode(good)
    bad_values = [256, -1, int(rng.integers(257, 100000)), -int(rng.integers(2, 100000))]
    rng.shuffle(bad_values)
    for bad in bad_values:
        at = int(rng.integers(0, len(good) + 1))
        with pytest.raises(ValueError):
            student.utf8_decode(good[:at] + [bad] + good[at:])


# ---------------------------------------------------------------- train_bpe


def test_train_bpe_matches_reference_on_random_text(student, reference, rng):
    """train_bpe counts pairs, picks the best pair or numbers new ids differently."""
    for _ in range(8):
        text = small_alphabet_text(rng, int(rng.integers(20, 200)), "abcde ")
        n = int(rng.integers(1, 30))
        assert pairs(student.train_bpe(text, n)) == reference.train_bpe(text, n)


def test_train_bpe_breaks_ties_by_smallest_pair(student, reference, rng):
    """train_bpe breaks a tie between equally frequent pairs the wrong way."""
    letters = list("abcdefghijklmnop")
    for _ in range(10):
        rng.shuffle(letters)
        blocks = ["".join(rng.choice(letters, 2, replace=False)) for _ in range(4)]
        text = "".join(rng.permutation(blocks * 2))
        n = int(rng.integers(1, 8))
        assert pairs(student.train_bpe(text, n)) == reference.train_bpe(text, n)


def test_train_bpe_merges_runs_without_overlap(student, reference, rng):
    """train_bpe merges overlapping occurrences, or merges from the wrong end, in runs of one letter."""
    for _ in range(8):
        runs = [str(rng.choice(list("xyz"))) * int(rng.integers(2, 12)) for _ in range(4)]
        text = "-".join(runs)
        n = int(rng.integers(2, 12))
        assert pairs(student.train_bpe(text, n)) == reference.train_bpe(text, n)


def test_train_bpe_stops_when_no_pair_repeats(student, reference, rng):
    """train_bpe keeps merging pairs that occur only once."""
    for _ in range(6):
        text = small_alphabet_text(rng, int(rng.integers(8, 40)), "abcdefgh")
        expected = reference.train_bpe(text, 500)
        assert pairs(student.train_bpe(text, 500)) == expected
    letters = list("abcdefghijklmnopqrstuvwxyz")
    rng.shuffle(letters)
    assert pairs(student.train_bpe("".join(letters[:10]), 5)) == []


def test_train_bpe_learns_multibyte_characters(student, reference, rng):
    """train_bpe works on characters instead of UTF-8 bytes, or mishandles multi-byte text."""
    for _ in range(4):
        text = mixed_text(rng, int(rng.integers(10, 40)))
        n = int(rng.integers(5, 60))
        assert pairs(student.train_bpe(text, n)) == reference.train_bpe(text, n)


def test_train_bpe_edge_cases(student, reference, rng):
    """train_bpe mishandles zero merges or an empty text, or accepts a negative count."""
    text = small_alphabet_text(rng, 30, "ab")
    n = int(rng.integers(1, 10))
    assert pairs(student.train_bpe(text, n)) == reference.train_bpe(text, n)
    assert pairs(student.train_bpe(text, 0)) == []
    assert pairs(student.train_bpe("", int(rng.integers(1, 10)))) == []
    with pytest.raises(ValueError):
        student.train_bpe(text, -int(rng.integers(1, 10)))


def test_train_bpe_matches_reference_on_lesson_corpus(student, reference, lesson, rng):
    """train_bpe learns a different merge table from the lesson's Chinese corpus."""
    text = (lesson.folder / CORPUS).read_text(encoding="utf-8")
    n = int(rng.integers(20, 120))
    assert pairs(student.train_bpe(text, n)) == reference.train_bpe(text, n)


def test_bpe_on_lesson_corpus_learns_the_two_words(student, reference, lesson, rng):
    """BPE trained on the lesson's corpus does not split the lesson's key word into its two words."""
    text = (lesson.folder / CORPUS).read_text(encoding="utf-8")
    n = int(rng.integers(19, 78))  # the range of merge counts where the reference gives two words
    merges = reference.train_bpe(text, n)
    ids = reference.bpe_encode(HAN, merges)
    assert [reference.bpe_decode([i], merges) for i in ids] == ["人工", "智能"]
    got = pairs(student.train_bpe(text, n))
    ids = ints(student.bpe_encode(HAN, got))
    assert [student.bpe_decode([i], got) for i in ids] == ["人工", "智能"]


# ---------------------------------------------------------------- bpe_encode / bpe_decode


def test_bpe_encode_matches_reference_on_unseen_text(student, reference, rng):
    """bpe_encode applies the learned merges differently on new text."""
    for _ in range(6):
        merges = reference.train_bpe(mixed_text(rng, 40), int(rng.integers(5, 60)))
        as_lists = [list(p) for p in merges]
        text = mixed_text(rng, 15) + random_text(rng, 8)
        assert ints(student.bpe_encode(text, as_lists)) == reference.bpe_encode(text, merges)


def test_bpe_encode_applies_merges_in_learned_order(student, reference, rng):
    """bpe_encode applies merges in another order than they were learned."""
    letters = list("abcdefghij")
    for _ in range(8):
        rng.shuffle(letters)
        x, y, z = (ord(c) for c in letters[:3])
        merges = [(y, z), (x, y), (x, 256), (257, z)]
        if rng.random() < 0.5:
            merges = [(x, y), (y, z), (256, z), (x, 257)]
        text = small_alphabet_text(rng, int(rng.integers(5, 30)), "".join(letters[:3]))
        assert ints(student.bpe_encode(text, merges)) == reference.bpe_encode(text, merges)


def test_bpe_encode_merges_runs_without_overlap(student, reference, rng):
    """bpe_encode merges overlapping occurrences, or merges from the wrong end."""
    for _ in range(6):
        c = ord(str(rng.choice(list("xyz"))))
        merges = [(c, c), (256, c), (256, 256)][: int(rng.integers(1, 4))]
        text = chr(c) * int(rng.integers(2, 20))
        assert ints(student.bpe_encode(text, merges)) == reference.bpe_encode(text, merges)


def test_bpe_round_trips_mixed_scripts_and_emoji(student, reference, rng):
    """bpe_decode(bpe_encode(text)) does not give the text back for some scripts or emoji."""
    for _ in range(4):
        train = mixed_text(rng, 40) + random_graphemes(rng, 10)
        merges = pairs(student.train_bpe(train, int(rng.integers(10, 80))))
        for text in (train, mixed_text(rng, 10) + random_text(rng, 12)):
            got = list(student.bpe_encode(text, merges))
            # token ids are bytes (0-255) or merges (256 + i), never code points
            ids = indices(got, len(got), 256 + len(merges), "bpe_encode(text, merges)")
            assert student.bpe_decode(ids, merges) == text
            # the merges learned on a text shorten that very text: no merging is no BPE
            assert text != train or len(ids) < len(train.encode("utf-8"))
            if text == train:
                assert ids == reference.bpe_encode(train, merges)


def test_bpe_decode_partial_character_gives_replacement(student, rng):
    """bpe_decode raises or drops bytes when a token holds part of a character."""
    for _ in range(6):
        cp = _code_point(rng, int(rng.integers(2, 4)))
        data = list(chr(cp).encode("utf-8"))
        merges = [(data[0], data[1])]
        assert student.bpe_decode([256], merges) == "\ufffd"
        assert student.bpe_decode([256, *data[2:]], merges) == chr(cp)


def test_bpe_decode_matches_replace_semantics_on_random_ids(student, reference, rng):
    """bpe_decode does not turn each invalid piece into exactly one U+FFFD, as UTF-8 decoders do."""
    for _ in range(10):
        merges = reference.train_bpe(mixed_text(rng, 30), int(rng.integers(5, 40)))
        ids = [int(i) for i in rng.integers(0, 256 + len(merges), int(rng.integers(1, 12)))]
        assert student.bpe_decode(ids, merges) == reference.bpe_decode(ids, merges)


def test_bpe_decode_rejects_unknown_ids(student, reference, rng):
    """bpe_decode accepts an id that no byte or merge stands for instead of raising ValueError, or fails on known ids."""
    merges = reference.train_bpe(mixed_text(rng, 30), int(rng.integers(5, 30)))
    ids = reference.bpe_encode(mixed_text(rng, 6), merges)
    assert student.bpe_decode(ids, merges) == reference.bpe_decode(ids, merges)
    for bad in (256 + len(merges), -1, 256 + len(merges) + int(rng.integers(1, 1000))):
        at = int(rng.integers(0, len(ids) + 1))
        with pytest.raises(ValueError):
            student.bpe_decode(ids[:at] + [bad] + ids[at:], merges)


# ---------------------------------------------------------------- wordpiece


def test_wordpiece_agrees_with_minilm_full_vocabulary(student, rng):
    """wordpiece disagrees with the real MiniLM tokenizer, given its whole vocabulary."""
    # Every call sends all 30,522 pieces, so a few words do it: a whole word, the two words
    # split into the most pieces among a dozen random ones, and a word no piece covers. The
    # checks below try many more words, each with the part of the vocabulary it could use.
    # The pieces go as a list, in id order like vocab.txt (the docstring allows a list): the
    # public check already sends the piece -> id dict, and a list costs half as much to send.
    vocab = list(vocab_pieces())
    split = sorted(split_words(rng, 12), key=lambda w: -len(real_pieces(w)))
    longer = [w for w in common_words() if len(w) >= 5]
    words = [pick(rng, longer), *split[:2], *unknown_words(rng, 1)]
    for word in rng.permutation(words).tolist():
        assert list(student.wordpiece(word, vocab)) == real_pieces(word)


def test_wordpiece_agrees_with_minilm_on_whole_words(student, rng):
    """wordpiece splits a word that MiniLM's vocabulary holds whole."""
    whole, _ = vocab_words()
    common = common_words()
    # Drawing indices picks the same words as rng.choice(words, n), without first turning
    # the 21,745 whole words into a numpy array.
    words = [common[i] for i in rng.choice(len(common), WORDS_PER_CHECK // 2, replace=False)]
    words += [whole[i] for i in rng.choice(len(whole), WORDS_PER_CHECK // 2, replace=False)]
    for word in words:
        assert list(student.wordpiece(word, sub_vocab(word, rng))) == real_pieces(word)


def test_wordpiece_agrees_with_minilm_on_split_words(student, rng):
    """wordpiece splits words into other pieces than the real MiniLM tokenizer."""
    for word in split_words(rng, WORDS_PER_CHECK):
        assert list(student.wordpiece(word, sub_vocab(word, rng))) == real_pieces(word)


def test_wordpiece_gives_one_unk_for_uncovered_words(student, rng):
    """wordpiece returns partial pieces, or several [UNK]s, for a word it cannot cover."""
    for word in unknown_words(rng, 12):
        assert real_pieces(word) == ["[UNK]"]
        assert list(student.wordpiece(word, sub_vocab(word, rng))) == ["[UNK]"]
    # A word the pieces do cover gets its pieces: [UNK] is for uncovered words only.
    (word,) = split_words(rng, 1)
    assert list(student.wordpiece(word, sub_vocab(word, rng))) == real_pieces(word)


def test_wordpiece_prefers_longest_match(student, reference, rng):
    """wordpiece takes a shorter piece when a longer one is in the vocabulary."""
    for _ in range(20):
        word = small_alphabet_text(rng, int(rng.integers(4, 12)), "abc")
        vocab = ["a", "b", "c", "##a", "##b", "##c"]
        for _ in range(12):
            i = int(rng.integers(len(word)))
            j = int(rng.integers(i + 1, len(word) + 1))
            vocab.append(word[i:j] if i == 0 else "##" + word[i:j])
        assert list(student.wordpiece(word, vocab)) == reference.wordpiece(word, vocab)


def test_wordpiece_marks_continuations(student, reference, rng):
    """wordpiece looks up continuation pieces without the ## prefix, or puts ## on the first piece."""
    for _ in range(20):
        word = small_alphabet_text(rng, int(rng.integers(3, 10)), "xyz")
        vocab = {}
        for _ in range(10):
            i = int(rng.integers(len(word)))
            j = int(rng.integers(i + 1, len(word) + 1))
            piece = word[i:j] if rng.random() < 0.5 else "##" + word[i:j]
            vocab[piece] = len(vocab)
        assert list(student.wordpiece(word, vocab)) == reference.wordpiece(word, vocab)
    assert list(student.wordpiece("", vocab)) == []
