"""Public checks for lesson 01 (encodings vs tokens): run them with pytest."""

from __future__ import annotations

import pytest

from autograder.byhand import by_hand_problems
from autograder.expect import indices
from autograder.modeldata import minilm_tokenizer, minilm_vocab

HAN = "人工智能"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl
CORPUS_MERGES = 50  # the number of merges the lesson trains on corpus.zh.txt


def _pairs(merges) -> list[tuple[int, int]]:
    return [tuple(int(x) for x in pair) for pair in merges]


def _hex(values) -> str:
    """Byte values written in hex, [0xE4, 0xBA, 0xBA], whatever sequence came back."""
    try:
        return "[" + ", ".join(f"0x{int(b):02X}" for b in values) + "]"
    except (TypeError, ValueError):
        return repr(values)


def _code_points(values) -> str:
    """Code points written as U+XXXX, whatever sequence came back."""
    try:
        return "[" + ", ".join(f"U+{int(cp):04X}" for cp in values) + "]"
    except (TypeError, ValueError):
        return repr(values)


def _short(value, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."


def expect_value_error(why: str, call, *args) -> None:
    """call(*args) must raise ValueError; `why` says which input is invalid and why."""
    try:
        result = call(*args)
    except ValueError:
        return
    except Exception as err:
        raise AssertionError(
            f"{why}: it should raise ValueError, but raised {type(err).__name__}: {err}"
        ) from err
    raise AssertionError(f"{why}: it should raise ValueError, but returned {_short(result)}")


def expect_result(call_text: str, expected, call, *args, why: str = "") -> None:
    """call(*args) on valid input must return `expected`: rejecting bad input counts only then."""
    show = _show_bytes if isinstance(expected, list) else repr
    try:
        got = call(*args)
    except Exception as err:
        raise AssertionError(
            f"{call_text} is valid input and should give {show(expected)}{why}, but it raised "
            f"{type(err).__name__}: {err}. This check also makes sure that valid input still "
            "works: a function that rejects everything has not done the lesson's work"
        ) from err
    try:
        same = list(got) == expected if isinstance(expected, list) else got == expected
    except TypeError:
        same = False
    assert same, f"{call_text} should give {show(expected)}{why}, got {show(got)}"


def _show_bytes(values) -> str:
    return _hex(values) if isinstance(values, list | tuple | bytes) else repr(values)


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
            f"code_points({text!r}) should be {_code_points(expected)} (one code point per "
            f"character of the string, as ord() gives it), got {_code_points(got)}"
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
            f"utf8_encode(U+{ord(text):04X}) should be {_hex(expected)}, got {_hex(got)}: "
            "U+0000..007F take 1 byte, U+0080..07FF 2, U+0800..FFFF 3, U+10000..10FFFF 4"
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
        assert len(points) == n_points, (
            f"{text!r} has {n_points} code points (one per character), but code_points gave "
            f"{len(points)}: {_code_points(points)}"
        )
        expected = list(text.encode("utf-8"))
        assert list(data) == expected, (
            f"utf8_encode({text!r}) should be the {n_bytes} bytes {_hex(expected)} "
            f"for its {n_points} code points, got {len(data)}: {_hex(data)}"
        )


def test_utf8_encode_rejects_lone_surrogate(student):
    """A surrogate code point has no UTF-8 form: utf8_encode raises ValueError, but encodes its neighbours."""
    for text, data in (
        ("\ud7ff", [0xED, 0x9F, 0xBF]),
        ("a\ue000b", [0x61, 0xEE, 0x80, 0x80, 0x62]),
    ):
        expect_result(
            f"utf8_encode({text!r})",
            data,
            student.utf8_encode,
            text,
            why=" (U+D7FF and U+E000, just outside the surrogates U+D800..DFFF, are characters)",
        )
    for text in ("\ud800", "a\udfffb"):
        expect_value_error(
            f"utf8_encode({text!r}) holds a surrogate (U+D800..DFFF), which is not a character "
            "and has no UTF-8 form",
            student.utf8_encode,
            text,
        )


def test_utf8_decode_round_trips(student):
    """utf8_decode undoes Python's UTF-8 encoder on mixed text."""
    for text in ("", "ASCII only", "caf\u00e9 e\u0301", HAN, FAMILY + "\U0001f600!"):
        data = list(text.encode("utf-8"))
        got = student.utf8_decode(data)
        assert got == text, (
            f"utf8_decode({_hex(data)}) should give back {text!r}, the text these bytes "
            f"encode, got {got!r}"
        )


@pytest.mark.parametrize(
    "data, problem, shortest",
    [
        ([0xC0, 0x80], "overlong 2-byte form of U+0000", [0x00]),
        ([0xE0, 0x80, 0x80], "overlong 3-byte form of U+0000", [0x00]),
        ([0xF0, 0x80, 0x80, 0x80], "overlong 4-byte form of U+0000", [0x00]),
        ([0xC1, 0xBF], "overlong 2-byte form of U+007F", [0x7F]),
        ([0xE0, 0x9F, 0xBF], "overlong 3-byte form of U+07FF", [0xDF, 0xBF]),
        ([0xF0, 0x8F, 0xBF, 0xBF], "overlong 4-byte form of U+FFFF", [0xEF, 0xBF, 0xBF]),
    ],
)
def test_utf8_decode_rejects_overlong_forms(student, data, problem, shortest):
    """A code point written with more bytes than it needs is invalid UTF-8; its shortest form decodes."""
    text = bytes(shortest).decode("utf-8")
    expect_result(
        f"utf8_decode({_hex(shortest)})",
        text,
        student.utf8_decode,
        shortest,
        why=f" (the shortest form of U+{ord(text):04X}, which is valid)",
    )
    expect_value_error(
        f"utf8_decode({_hex(data)}) is an {problem}: a code point must use the shortest form",
        student.utf8_decode,
        data,
    )


@pytest.mark.parametrize(
    "data, problem, valid, why",
    [
        ([0xE4, 0xBA], "truncated: 人 needs 3 bytes", [0xE4, 0xBA, 0xBA], "all 3 bytes of 人"),
        (
            [0x41, 0xF0, 0x9F, 0x98],
            "truncated: the emoji needs 4 bytes",
            [0x41, 0xF0, 0x9F, 0x98, 0x80],
            "A and all 4 bytes of the emoji",
        ),
        (
            [0x80],
            "a continuation byte cannot start a character",
            [0xC2, 0x80],
            "the same continuation byte after its lead byte",
        ),
        ([0x41, 0xBF, 0x42], "stray continuation byte", [0x41, 0xC2, 0xBF, 0x42], "¿ is C2 BF"),
        (
            [0xC3, 0x41],
            "a lead byte must be followed by a continuation byte",
            [0xC3, 0xA9],
            "é is C3 A9",
        ),
        (
            [0xF5, 0x80, 0x80, 0x80],
            "0xF5..0xFF never occur in UTF-8",
            [0xF4, 0x80, 0x80, 0x80],
            "F4 is a 4-byte lead byte",
        ),
        ([0xFF], "0xFF never occurs in UTF-8", [0xC3, 0xBF], "U+00FF is written C3 BF"),
        (
            [0xED, 0xA0, 0x80],
            "encoded surrogate U+D800",
            [0xED, 0x9F, 0xBF],
            "U+D7FF, just below the surrogates",
        ),
        (
            [0xF4, 0x90, 0x80, 0x80],
            "U+110000 is above U+10FFFF",
            [0xF4, 0x8F, 0xBF, 0xBF],
            "U+10FFFF, the last code point",
        ),
        ([256], "256 is not a byte (0..255)", [0xC4, 0x80], "U+0100 is written C4 80"),
    ],
)
def test_utf8_decode_rejects_invalid_sequences(student, data, problem, valid, why):
    """Truncated, stray, impossible and out-of-range sequences raise ValueError; a valid neighbour decodes."""
    expect_result(
        f"utf8_decode({_hex(valid)})",
        bytes(valid).decode("utf-8"),
        student.utf8_decode,
        valid,
        why=f" (valid UTF-8: {why})",
    )
    expect_value_error(
        f"utf8_decode({_hex(data)}) is not valid UTF-8 ({problem})", student.utf8_decode, data
    )


def test_utf8_is_built_by_hand(student, student_source):
    """utf8_encode and utf8_decode are functions of your module that build UTF-8 themselves."""
    text = "A\u00e9\u4eba\U0001f600"
    data = list(text.encode("utf-8"))
    # Both must work: code that builds nothing has nothing to show by hand.
    encoded, decoded = student.utf8_encode(text), student.utf8_decode(data)
    assert list(encoded) == data and decoded == text, (
        f"utf8_encode({text!r}) should give {data} and utf8_decode of those bytes {text!r}; got "
        f"{_short(encoded)} and {_short(decoded)}. This check reads your code only once both "
        "work; the checks above say which one is wrong."
    )
    not_defs, found = by_hand_problems(student_source, ("utf8_encode", "utf8_decode"))
    assert not not_defs, (
        "; ".join(not_defs) + ". Define utf8_encode and utf8_decode with def in your module (an "
        "alias such as utf8_encode = my_encoder of a function you wrote with def is fine): this "
        "check reads your code to make sure that it builds UTF-8 by hand, and it cannot see "
        "inside a function imported from elsewhere or built by functools.partial."
    )
    assert not found, (
        "; ".join(found) + ": build the bytes from the code points yourself (shifts, masks and "
        "lead bits, as in section 3 of the lesson) and rebuild the code points from the bytes "
        "in utf8_decode. This check reads your code: str.encode, bytes.decode, codecs and "
        "bytes(text, 'utf-8') do the lesson's work for you."
    )


def test_results_are_lists_of_python_ints(student):
    """code_points, utf8_encode and bpe_encode return lists of ints; train_bpe a list of int tuples."""
    merges = student.train_bpe("aaabdaaabac", 10)
    results = {
        f"code_points({HAN!r})": student.code_points(HAN),
        f"utf8_encode({HAN!r})": student.utf8_encode(HAN),
        "bpe_encode('aaaaa', [(97, 97)])": student.bpe_encode("aaaaa", [(97, 97)]),
        "train_bpe('aaabdaaabac', 10)": merges,
    }
    for call, got in results.items():
        assert isinstance(got, list), (
            f"{call} returned a value of type {type(got).__name__}, {_short(got)}; the docstring promises a "
            "list (bytes, tuples and numpy arrays are other types: build a list and return it)"
        )
    odd = [pair for pair in merges if type(pair) is not tuple or len(pair) != 2]
    assert not odd, (
        "train_bpe('aaabdaaabac', 10) should be a list of (int, int) tuples such as (97, 97), "
        f"but it holds {_short(odd[0])}"
    )
    results["train_bpe('aaabdaaabac', 10)"] = [x for pair in merges for x in pair]
    for call, got in results.items():
        odd = [x for x in got if type(x) is not int]
        assert not odd, (
            f"{call} holds {type(odd[0]).__name__} values such as {odd[0]!r}; return Python ints "
            "(int(x) turns a numpy integer into one)"
        )
    assert merges == [(97, 97), (97, 98), (256, 257)], (
        f"the types are right; the merges are not: train_bpe('aaabdaaabac', 10) should be "
        f"[(97, 97), (97, 98), (256, 257)], got {_short(merges)} "
        "(test_train_bpe_classic_example below explains each merge)"
    )
    assert student.bpe_encode("aaaaa", [(97, 97)]) == [256, 256, 97], (
        "bpe_encode('aaaaa', [(97, 97)]) should be [256, 256, 97]: left to right, no overlap"
    )


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
    assert merges, (
        "train_bpe on a text full of repeated pairs returned no merges; it should learn up to "
        "40 of them"
    )
    n_ids = 256 + len(merges)  # ids 0-255 are the bytes, 256 + i is merge i
    for text in (train, "the 猫 on a café mat 😀", FAMILY, "", "new words: ñandú 👍🏽"):
        got = list(student.bpe_encode(text, merges))
        try:
            ids = indices(got, len(got), n_ids, f"bpe_encode({text!r}, merges)")
        except AssertionError as err:
            raise AssertionError(
                f"{err}: ids 0-255 stand for the UTF-8 bytes and 256 + i for merge i, so with "
                f"{len(merges)} merges every id is below {n_ids} (a code point such as "
                f"ord('猫') = {ord('猫')} is not a token id: encode the text to bytes first)"
            ) from None
        n_bytes = len(text.encode("utf-8"))
        assert len(ids) <= n_bytes, (
            f"bpe_encode({text!r}) gave {len(ids)} ids for {n_bytes} UTF-8 bytes: every id "
            "stands for at least one byte, so merging can only shorten the sequence"
        )
        assert text != train or len(ids) < n_bytes, (
            f"bpe_encode of the training text gave {len(ids)} ids for its {n_bytes} bytes: the "
            "merges learned on a text must shorten that very text (apply them, in order)"
        )
        back = student.bpe_decode(ids, merges)
        assert back == text, (
            f"bpe_decode(bpe_encode({text!r})) should give the text back, got {back!r}: "
            "expand every id into its bytes, join them, then decode the whole byte string once"
        )


def test_bpe_decode_partial_character_is_replacement(student):
    """A token holding only part of a character's bytes decodes to U+FFFD."""
    merges = [(0xE4, 0xBA)]  # the first two of the three bytes of 人 (E4 BA BA)
    got = student.bpe_decode([256], merges)
    assert got == "\ufffd", (
        "bpe_decode([256], [(0xE4, 0xBA)]) holds 2 of the 3 bytes of 人 and should be "
        f"'\\ufffd' (what bytes.decode('utf-8', errors='replace') gives), got {got!r}"
    )
    got = student.bpe_decode([256, 0xBA], merges)
    assert got == "\u4eba", (
        "bpe_decode([256, 0xBA], [(0xE4, 0xBA)]) joins the bytes 0xE4 0xBA 0xBA, which are "
        f"人, and should give '人'; got {got!r} (join all bytes first, then decode once)"
    )


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
    assert list(got) == ["un", "##aff", "##able"], (
        "wordpiece('unaffable', ['un', '##aff', '##able']) should be ['un', '##aff', '##able']: "
        f"vocab may be a list as well as a dict. Got {got}"
    )


def test_wordpiece_uncovered_word_is_one_unk(student):
    """A word that cannot be covered becomes a single [UNK], not a partial split."""
    vocab = {"play": 0, "##ing": 1, "##s": 2}
    got = student.wordpiece("playxing", vocab)
    assert list(got) == ["[UNK]"], (
        f"wordpiece('playxing', ...) should be ['[UNK]']: no piece covers 'x', and BERT "
        f"then gives up on the whole word. Got {got}"
    )
    got = student.wordpiece("playing", vocab)
    assert list(got) == ["play", "##ing"], (
        f"wordpiece('playing', ...) should be ['play', '##ing']: 'play' and '##ing' cover "
        f"the whole word, and [UNK] is only for a word the pieces cannot cover. Got {got}"
    )
    got = student.wordpiece("", vocab)
    assert list(got) == [], (
        f"wordpiece('', ...) should be []: the empty word has no pieces; got {got}"
    )


def test_wordpiece_agrees_with_minilm(student):
    """wordpiece with MiniLM's own vocabulary splits words as the real tokenizer does."""
    tok = minilm_tokenizer()
    vocab = minilm_vocab()  # piece -> id, as tok.get_vocab() gives it (built once, shared)
    # A whole word, words of two and four pieces, and one that the pieces cannot cover.
    words = ["hello", "tokenization", "hippopotamus", "\u0133ssel"]
    for word in words:
        expected = tok.encode(word, add_special_tokens=False).tokens
        got = student.wordpiece(word, vocab)
        assert list(got) == expected, (
            f"MiniLM splits {word!r} into {expected} (longest piece first, ## on every later "
            f"piece, [UNK] for the whole word if a part is not covered); wordpiece gave {got}"
        )
