"""Lesson 01, reference solution: from code points and UTF-8 bytes to learned tokens."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Collection, Iterable, Sequence

REPLACEMENT = "\ufffd"
MAX_CODE_POINT = 0x10FFFF
SURROGATES = range(0xD800, 0xE000)
WORDPIECE_MAX_CHARS = 100

# Smallest code point each sequence length may encode: anything below is an overlong form.
_MIN_FOR_LENGTH = {2: 0x80, 3: 0x800, 4: 0x10000}


def code_points(text: str) -> list[int]:
    """Return the Unicode code point of every character of `text`, in order."""
    return [ord(ch) for ch in text]


def _encode_code_point(cp: int) -> list[int]:
    """UTF-8 bytes of one code point (1 to 4 bytes by range)."""
    if cp < 0 or cp > MAX_CODE_POINT:
        raise ValueError(f"code point {cp:#x} is outside Unicode's range 0..0x10FFFF")
    if cp in SURROGATES:
        raise ValueError(f"lone surrogate U+{cp:04X} cannot be encoded in UTF-8")
    if cp < 0x80:
        return [cp]
    if cp < 0x800:
        return [0xC0 | cp >> 6, 0x80 | cp & 0x3F]
    if cp < 0x10000:
        return [0xE0 | cp >> 12, 0x80 | cp >> 6 & 0x3F, 0x80 | cp & 0x3F]
    return [0xF0 | cp >> 18, 0x80 | cp >> 12 & 0x3F, 0x80 | cp >> 6 & 0x3F, 0x80 | cp & 0x3F]


def utf8_encode(text: str) -> list[int]:
    """Encode `text` as UTF-8 by hand; a surrogate code point raises ValueError."""
    out: list[int] = []
    for cp in code_points(text):
        out.extend(_encode_code_point(cp))
    return out


def _as_bytes(data: Iterable[int]) -> list[int]:
    """Check that every value is an int byte 0..255 and return them as a list."""
    values = list(data)
    for i, b in enumerate(values):
        if isinstance(b, bool) or not isinstance(b, int) or not 0 <= b <= 255:
            raise ValueError(f"value {b!r} at position {i} is not a byte (0..255)")
    return values


def utf8_decode(data: Sequence[int] | bytes) -> str:
    """Decode UTF-8 bytes strictly; truncated, overlong or invalid sequences raise ValueError."""
    values = _as_bytes(data)
    chars: list[str] = []
    i, n = 0, len(values)
    while i < n:
        lead = values[i]
        if lead < 0x80:
            chars.append(chr(lead))
            i += 1
            continue
        if 0xC0 <= lead <= 0xDF:
            length, cp = 2, lead & 0x1F
        elif 0xE0 <= lead <= 0xEF:
            length, cp = 3, lead & 0x0F
        elif 0xF0 <= lead <= 0xF7:
            length, cp = 4, lead & 0x07
        elif lead < 0xC0:
            raise ValueError(f"byte {lead:#04x} at position {i} is a stray continuation byte")
        else:
            raise ValueError(f"byte {lead:#04x} at position {i} never occurs in UTF-8")
        if i + length > n:
            raise ValueError(f"truncated sequence at position {i}: expected {length} bytes")
        for k in range(1, length):
            b = values[i + k]
            if b & 0xC0 != 0x80:
                raise ValueError(f"byte {b:#04x} at position {i + k} is not a continuation byte")
            cp = cp << 6 | b & 0x3F
        if cp < _MIN_FOR_LENGTH[length]:
            raise ValueError(f"overlong {length}-byte form of U+{cp:04X} at position {i}")
        if cp in SURROGATES:
            raise ValueError(f"encoded surrogate U+{cp:04X} at position {i} is not valid UTF-8")
        if cp > MAX_CODE_POINT:
            raise ValueError(f"code point {cp:#x} at position {i} is above U+10FFFF")
        chars.append(chr(cp))
        i += length
    return "".join(chars)


# The ids of a BPE sequence are kept as the characters of a str, id k as chr(k), so that the
# scanning runs in C: str.find and str.replace go left to right without overlap, which is
# exactly how a merge replaces its pair ("aaaaa".replace("aa", "X") is "XXa"), and the ids'
# order is the characters' order, so the smallest pair of ids is the smallest pair of
# characters. chr reaches 0x10FFFF, so this holds up to 1,113,856 merges (a text of a
# megabyte or more could in principle need more).
MAX_MERGES = MAX_CODE_POINT + 1 - 256


def _id_char(i: int, what: str) -> str:
    """The character standing for token id 256 + i (merge i)."""
    if i >= MAX_MERGES:
        raise ValueError(f"{what}: this implementation stops at {MAX_MERGES} merges")
    return chr(256 + i)


def _byte_chars(text: str) -> str:
    """The UTF-8 bytes of `text` as a str of ids: one character chr(b) per byte b."""
    return text.encode("utf-8").decode("latin-1")  # Latin-1 maps byte b to chr(b)


def _count_merge(seq: str, pair: tuple[str, str], new: str, counts: Counter) -> set:
    """Update the pair counts of `seq` for replacing every `pair` by `new`, left to right.

    An occurrence a b between neighbours x and y turns x a b y into x N y: the pairs (x, a),
    (a, b) and (b, y) go, (x, N) and (N, y) come. x is read from the merged text, so that
    two occurrences side by side (a b a b -> N N) give one (N, N): the first occurrence
    adds (N, a), and the second takes it back. Returns the pairs whose count changed.
    """
    a, b = pair
    changed = {pair}
    end = -1  # where the previous occurrence ended
    at = seq.find(a + b)
    while at != -1:
        if at > 0:
            x = new if at == end else seq[at - 1]
            counts[x, a] -= 1
            counts[x, new] += 1
            changed |= {(x, a), (x, new)}
        counts[a, b] -= 1
        if at + 2 < len(seq):
            y = seq[at + 2]
            counts[b, y] -= 1
            counts[new, y] += 1
            changed |= {(b, y), (new, y)}
        end = at + 2
        at = seq.find(a + b, end)
    return changed


def train_bpe(text: str, num_merges: int) -> list[tuple[int, int]]:
    """Learn up to `num_merges` byte-level BPE merges; merge i creates token id 256 + i."""
    if isinstance(num_merges, bool) or not isinstance(num_merges, int) or num_merges < 0:
        raise ValueError(f"num_merges must be an int >= 0, got {num_merges!r}")
    seq = _byte_chars(text)
    # This learns what the textbook loop learns (count every adjacent pair, merge the most
    # frequent, count again), but faster: the pairs are counted once, and each merge updates
    # only the counts around the occurrences it replaces.
    counts = Counter(zip(seq, seq[1:], strict=False))
    # A heap of (-count, pair): its top is the most frequent pair and, on a tie, the smallest
    # one. A changed count pushes a new entry; an entry (-c, p) is stale once p's count is no
    # longer c, and is thrown away when it comes to the top.
    heap = [(-c, p) for p, c in counts.items()]
    heapq.heapify(heap)
    merges: list[tuple[int, int]] = []
    for i in range(num_merges):
        while heap and -heap[0][0] != counts[heap[0][1]]:
            heapq.heappop(heap)
        if not heap or -heap[0][0] < 2:
            break  # no pair occurs twice: merging would not shorten anything
        pair = heap[0][1]
        new = _id_char(i, "train_bpe")
        for p in _count_merge(seq, pair, new, counts):
            heapq.heappush(heap, (-counts[p], p))
        seq = seq.replace(pair[0] + pair[1], new)
        merges.append((ord(pair[0]), ord(pair[1])))
    return merges


def _as_merges(merges: Iterable[Sequence[int]]) -> list[tuple[int, int]]:
    """Check that merge i only uses ids that exist before it (0 .. 255 + i)."""
    out: list[tuple[int, int]] = []
    for i, pair in enumerate(merges):
        if len(pair) != 2:
            raise ValueError(f"merge {i} must be a pair of ids, got {pair!r}")
        a, b = int(pair[0]), int(pair[1])
        for x in (a, b):
            if not 0 <= x < 256 + i:
                raise ValueError(f"merge {i} uses id {x}, which does not exist before it")
        out.append((a, b))
    return out


def bpe_encode(text: str, merges: Sequence[Sequence[int]]) -> list[int]:
    """Turn `text` into token ids: its UTF-8 bytes, then every merge applied in learned order."""
    seq = _byte_chars(text)
    for i, (a, b) in enumerate(_as_merges(merges)):
        seq = seq.replace(chr(a) + chr(b), _id_char(i, "bpe_encode"))
    return [ord(ch) for ch in seq]


def bpe_decode(ids: Sequence[int], merges: Sequence[Sequence[int]]) -> str:
    """Turn token ids back into text; bytes that are not valid UTF-8 become U+FFFD."""
    table = [bytes([b]) for b in range(256)]
    for a, b in _as_merges(merges):
        table.append(table[a] + table[b])
    parts = []
    for i, t in enumerate(ids):
        if isinstance(t, bool) or int(t) != t or not 0 <= t < len(table):
            raise ValueError(f"token id {t!r} at position {i} is not in 0..{len(table) - 1}")
        parts.append(table[int(t)])
    return b"".join(parts).decode("utf-8", errors="replace")


def wordpiece(word: str, vocab: Collection[str]) -> list[str]:
    """Split one word into WordPiece pieces, greedy longest match first, like BERT."""
    pieces = vocab if isinstance(vocab, set | frozenset | dict) else set(vocab)
    if len(word) > WORDPIECE_MAX_CHARS:
        return ["[UNK]"]
    out: list[str] = []
    start = 0
    while start < len(word):
        end = len(word)
        found = None
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in pieces:
                found = piece
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        out.append(found)
        start = end
    return out
