"""Public checks for lesson 01 (encodings vs tokens): run them with pytest."""

from __future__ import annotations

import pytest

HAN = "人工智能"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl
CORPUS_MERGES = 50  # the number of merges the lesson trains on corpus.zh.txt


def _pairs(merges) -> list[tuple[int, int]]:
    return [tuple(int(x) for x in pair) for pair in merges]


def _real_tokenizer():
    from tokenizers import Tokenizer

    from autograder.datagen import tokenizer_json

    tok = Tokenizer.from_file(str(tokenizer_json()))
    tok.no_padding()
    tok.no_truncation()
    return tok


def test_code_points_of_chinese_accents_and_emoji(student):
    """code_points gives one number per character, also for accents and emoji."""
    cases = {
        HAN: [0x4EBA, 0x5DE5, 0x667A, 0x80FD],
        "\u00e9": [0xE9],
        "e\u0301": [0x65, 0x301],
        "\U0001f600": [0x1F600],
        FAMILY: [0x1F468, 0x200D, 0x1F469, 0x200D, 0x1F467],
        "": [],
    }
    for text, expected in cases.items():
        got = student.code_points(text)
        assert list(got) == expected, (
            f"code_points({text!r}) should be {expected} (one code point per character, "
            f"as ord() gives it), got {got}"
        )


def test_utf8_length_grows_with_code_point_range(student):
    """utf8_encode uses 1, 2, 3 or 4 bytes depending on the code point's range."""
    cases = {
        "A": [0x41],
        "\u00e9": [0xC3, 0xA9],
        "\u4eba": [0xE4, 0xBA, 0xBA],
        "\U0001f600": [0xF0, 0x9F, 0x98, 0x80],
        "\x7f": [0x7F],
        "\x80": [0xC2, 0x80],
        "\u07ff": [0xDF, 0xBF],
        "\u0800": [0xE0, 0xA0, 0x80],
        "\uffff": [0xEF, 0xBF, 0xBF],
        "\U00010000": [0xF0, 0x90, 0x80, 0x80],
        "\U0010ffff": [0xF4, 0x8F, 0xBF, 0xBF],
    }
    for text, expected in cases.items():
        got = student.utf8_encode(text)
        assert list(got) == expected, (
            f"utf8_encode(U+{ord(text):04X}) should be {[hex(b) for b in expected]}: "
            f"U+0000..7F take 1 byte, ..7FF 2, ..FFFF 3, ..10FFFF 4; got {got}"
        )


def test_code_points_are_not_bytes(student):
    """Chinese, accented and emoji text has more UTF-8 bytes than code points."""
    cases = {
        HAN: (4, 12),
        "\u00e9": (1, 2),
        "e\u0301": (2, 3),
        FAMILY: (5, 18),
        "caf\u00e9 \u4eba\u5de5\u667a\u80fd \U0001f600": (11, 23),
    }
    for text, (n_points, n_bytes) in cases.items():
        points, data = student.code_points(text), student.utf8_encode(text)
        assert len(points) == n_points, f"{text!r} has {n_points} code points, got {len(points)}"
        assert len(data) == n_bytes and list(data) == list(text.encode("utf-8")), (
            f"utf8_encode({text!r}) should equal list(text.encode('utf-8')) "
            f"({n_bytes} bytes for {n_points} code points), got {data}"
        )


def test_utf8_encode_rejects_lone_surrogate(student):
    """A surrogate code point has no UTF-8 form: utf8_encode raises ValueError."""
    for text in ("\ud800", "a\udfffb"):
        with pytest.raises(ValueError):
            student.utf8_encode(text)
            pytest.fail(
                f"utf8_encode({text!r}) should raise ValueError: U+D800..DFFF are not characters"
            )


def test_utf8_decode_round_trips(student):
    """utf8_decode undoes Python's UTF-8 encoder on mixed text."""
    for text in ("", "ASCII only", "caf\u00e9 e\u0301", HAN, FAMILY + "\U0001f600!"):
        data = list(text.encode("utf-8"))
        got = student.utf8_decode(data)
        assert got == text, f"utf8_decode({data}) should give {text!r}, got {got!r}"


@pytest.mark.parametrize(
    "data, problem",
    [
        ([0xC0, 0x80], "overlong 2-byte form of U+0000"),
        ([0xE0, 0x80, 0x80], "overlong 3-byte form of U+0000"),
        ([0xF0, 0x80, 0x80, 0x80], "overlong 4-byte form of U+0000"),
        ([0xC1, 0xBF], "overlong 2-byte form of U+007F"),
        ([0xE0, 0x9F, 0xBF], "overlong 3-byte form of U+07FF"),
        ([0xF0, 0x8F, 0xBF, 0xBF], "overlong 4-byte form of U+FFFF"),
    ],
)
def test_utf8_decode_rejects_overlong_forms(student, data, problem):
    """A code point written with more bytes than it needs is invalid UTF-8."""
    with pytest.raises(ValueError):
        student.utf8_decode(data)
        pytest.fail(f"utf8_decode({[hex(b) for b in data]}) should raise ValueError: {problem}")


@pytest.mark.parametrize(
    "data, problem",
    [
        ([0xE4, 0xBA], "truncated: 人 needs 3 bytes"),
        ([0x41, 0xF0, 0x9F, 0x98], "truncated: the emoji needs 4 bytes"),
        ([0x80], "a continuation byte cannot start a character"),
        ([0x41, 0xBF, 0x42], "stray continuation byte"),
        ([0xC3, 0x41], "a lead byte must be followed by a continuation byte"),
        ([0xF5, 0x80, 0x80, 0x80], "0xF5..0xFF never occur in UTF-8"),
        ([0xFF], "0xFF never occurs in UTF-8"),
        ([0xED, 0xA0, 0x80], "encoded surrogate U+D800"),
        ([0xF4, 0x90, 0x80, 0x80], "U+110000 is above U+10FFFF"),
        ([256], "not a byte"),
    ],
)
def test_utf8_decode_rejects_invalid_sequences(student, data, problem):
    """Truncated, stray, impossible and out-of-range sequences raise ValueError."""
    with pytest.raises(ValueError):
        student.utf8_decode(data)
        pytest.fail(f"utf8_decode({[hex(b) for b in data]}) should raise ValueError: {problem}")


def test_train_bpe_classic_example(student):
    """The textbook example: aa, then ab, then (aa)(ab), then no pair repeats."""
    got = _pairs(student.train_bpe("aaabdaaabac", 10))
    expected = [(97, 97), (97, 98), (256, 257)]
    assert got == expected, (
        f"train_bpe('aaabdaaabac', 10) should be {expected}: (a,a) occurs 4 times; then "
        "(256,a) and (a,b) tie at 2 and the smaller pair (97,98) wins; then (256,257) "
        f"occurs twice; after that every pair occurs once, so training stops. Got {got}"
    )


def test_train_bpe_ties_go_to_smallest_pair(student):
    """When pairs are equally frequent, the smallest pair in tuple order is merged."""
    got = _pairs(student.train_bpe("cdabcdab", 10))
    expected = [(97, 98), (99, 100), (257, 256)]
    assert got == expected, (
        f"train_bpe('cdabcdab', 10) should be {expected}: (c,d) and (a,b) both occur "
        "twice and (97,98) < (99,100); not the first pair seen, not the largest. "
        f"Got {got}"
    )


def test_bpe_merges_left_to_right_without_overlap(student):
    """'aaaaa' with the merge (a, a) becomes X X a, never X X X or a X X."""
    got = list(student.bpe_encode("aaaaa", [(97, 97)]))
    assert got == [256, 256, 97], (
        f"bpe_encode('aaaaa', [(97, 97)]) should be [256, 256, 97]: the first two a's "
        f"merge, then the next two, and the last a is left alone. Got {got}"
    )
    merges = _pairs(student.train_bpe("aaaaa", 10))
    assert merges == [(97, 97)], (
        "train_bpe('aaaaa', 10) should be [(97, 97)]: after that merge the ids are "
        f"[256, 256, 97] and no pair occurs twice, so training stops early. Got {merges}"
    )


def test_bpe_round_trips_mixed_scripts_and_emoji(student):
    """bpe_decode(bpe_encode(text)) gives the text back, whatever the script."""
    train = "the cat sat on the mat. 猫坐在垫子上。猫猫猫! café café 😀😀 👍🏽👍🏽"
    merges = _pairs(student.train_bpe(train, 40))
    assert merges, "train_bpe should learn some merges from a text with repeats"
    for text in (train, "the 猫 on a café mat 😀", FAMILY, "", "new words: ñandú 👍🏽"):
        ids = list(student.bpe_encode(text, merges))
        assert len(ids) <= len(text.encode("utf-8")), "merging can only shorten the sequence"
        back = student.bpe_decode(ids, merges)
        assert back == text, f"bpe_decode(bpe_encode({text!r})) gave {back!r}"


def test_bpe_decode_partial_character_is_replacement(student):
    """A token holding only part of a character's bytes decodes to U+FFFD."""
    merges = [(0xE4, 0xBA)]  # the first two of the three bytes of 人 (E4 BA BA)
    got = student.bpe_decode([256], merges)
    assert got == "\ufffd", (
        "bpe_decode([256], [(0xE4, 0xBA)]) holds 2 of the 3 bytes of 人 and should be "
        f"'\\ufffd' (what bytes.decode('utf-8', errors='replace') gives), got {got!r}"
    )
    got = student.bpe_decode([256, 0xBA], merges)
    assert got == "\u4eba", f"with its last byte the token gives 人 again, got {got!r}"


def test_bpe_on_lesson_corpus_splits_ai_into_two_words(student, lesson):
    """BPE trained on the lesson's Chinese corpus learns 人工 and 智能 as tokens."""
    text = (lesson.folder / "corpus.zh.txt").read_text(encoding="utf-8")
    merges = _pairs(student.train_bpe(text, CORPUS_MERGES))
    ids = list(student.bpe_encode(HAN, merges))
    pieces = [student.bpe_decode([i], merges) for i in ids]
    assert pieces == ["人工", "智能"], (
        f"after {CORPUS_MERGES} merges on corpus.zh.txt, 人工智能 should split into "
        f"['人工', '智能'] (each is frequent in the corpus); got {pieces}"
    )


def test_wordpiece_longest_match_and_continuations(student):
    """WordPiece takes the longest piece first and marks later pieces with ##."""
    vocab = {"un": 0, "una": 1, "##aff": 2, "##able": 3, "##a": 4, "##ffa": 5, "##ble": 6}
    got = student.wordpiece("unaffable", vocab)
    assert list(got) == ["una", "##ffa", "##ble"], (
        "wordpiece('unaffable', ...) should be ['una', '##ffa', '##ble']: 'una' is the "
        f"longest start piece, then '##ffa' and '##ble' continue it. Got {got}"
    )
    got = student.wordpiece("unaffable", ["un", "##aff", "##able"])
    assert list(got) == ["un", "##aff", "##able"], f"with a list vocabulary, got {got}"


def test_wordpiece_uncovered_word_is_one_unk(student):
    """A word that cannot be covered becomes a single [UNK], not a partial split."""
    vocab = {"play": 0, "##ing": 1, "##s": 2}
    got = student.wordpiece("playxing", vocab)
    assert list(got) == ["[UNK]"], (
        f"wordpiece('playxing', ...) should be ['[UNK]']: no piece covers 'x', and BERT "
        f"then gives up on the whole word. Got {got}"
    )
    assert list(student.wordpiece("", vocab)) == [], "the empty word has no pieces"


def test_wordpiece_agrees_with_minilm(student):
    """wordpiece with MiniLM's own vocabulary splits words as the real tokenizer does."""
    tok = _real_tokenizer()
    vocab = tok.get_vocab()
    words = ["hello", "tokenization", "embeddings", "cosine", "minilm", "chatgpt"]
    words += ["unhappiness", "hippopotamus", "\u0133ssel"]
    for word in words:
        expected = tok.encode(word, add_special_tokens=False).tokens
        got = student.wordpiece(word, vocab)
        assert list(got) == expected, (
            f"MiniLM splits {word!r} into {expected}; wordpiece gave {got}"
        )
