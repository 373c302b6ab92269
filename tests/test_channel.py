"""The plain-data channel: exact round trips, fast paths that keep types, hostile frames refused."""

from __future__ import annotations

import json
import math
import random
import socket
import struct
import threading
import time

import numpy as np
import pytest

from autograder import channel, codec
from autograder.channel import ChannelClosed, ChannelTimeout
from autograder.codec import ChannelError, Opaque


def roundtrip(value):
    """Encode and decode a value, as it would cross between grader and worker."""
    frame = channel.pack({"v": value})
    (size,) = struct.unpack(">I", frame[:4])
    assert size == len(frame) - 4
    return channel.unpack(frame[4:])["v"]


def same(a, b) -> bool:
    """Equal values of exactly the same types, all the way down (nan equals nan)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        nan = a.dtype.kind in "fc"
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=nan)
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and (a == b or (a != a and b != b))
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


SCALARS = [
    None, True, False, 0, -1, 2**62, -(2**63) + 1, 2**63, -(2**70), 10**200, 0.0, -0.0, 1.5,
    float("nan"), float("inf"), float("-inf"), "", "text", "人工智能 \U0001f600", "nul\0byte",
    "\ud800 lone surrogate", "\udfff",
]  # fmt: skip


@pytest.mark.parametrize("value", SCALARS, ids=repr)
def test_scalars_round_trip_exactly(value):
    """Every JSON scalar, big integers, special floats and any string come back unchanged."""
    assert same(roundtrip(value), value)


def test_containers_keep_their_types():
    """Lists stay lists, tuples stay tuples, dicts keep non-string keys and their order."""
    value = {
        "list": [1, [2, (3, 4)], {"a": None}],
        "tuple": (1, "x", (2.5,)),
        (1, 2): "tuple key",
        3: "int key",
        None: "none key",
        "empty": ([], (), {}),
        "ranked": [("word", 0.9), ("other", 0.1)],
    }
    assert same(roundtrip(value), value)


@pytest.mark.parametrize("n", [0, 15, 16, 17, 1000, 40_000])
def test_long_columns_keep_exact_values_and_types(n):
    """The fast column paths give back the very values and types, at any length."""
    rng = random.Random(n)
    words = [f"w{rng.random()}人" for _ in range(n)]
    ints = [rng.randint(-(2**62), 2**62) for _ in range(n)]
    floats = [rng.uniform(-1e300, 1e300) for _ in range(n)] + [float("nan"), -0.0][: min(n, 2)]
    vectors = [np.arange(4, dtype=np.float32) * i for i in range(n)]
    value = {
        "words": words,
        "ints": ints,
        "floats": floats,
        "tuple": tuple(words),
        "vocab": dict(zip(words, ints, strict=True)),
        "scores": dict(zip(words, floats, strict=False)),
        "names": dict(zip(words, words, strict=True)),
        "vectors": vectors,
        "embeddings": dict(zip(words, vectors, strict=True)),
    }
    assert same(roundtrip(value), value)


@pytest.mark.parametrize(
    "value",
    [
        [True, False] * 20,  # bools are not ints
        [1] * 20 + [True],
        [1] * 20 + [2**64],  # past int64
        ["a\0b"] + ["x"] * 20,  # a separator inside a string
        [1.0] * 20 + [1],  # a float list with an int
        [np.zeros(2)] * 10 + [np.zeros(3)] * 10,  # arrays of two shapes
        [np.zeros(2, np.float32)] * 10 + [np.zeros(2, np.float64)] * 10,
        {f"k{i}": (i if i % 2 else str(i)) for i in range(40)},  # mixed values
        {i: i for i in range(40)},  # int keys
        {"a\0": 1, **{f"k{i}": i for i in range(40)}},
    ],
    ids=lambda v: type(v).__name__,
)
def test_mixed_columns_fall_back_to_the_exact_path(value):
    """A run that does not fit a column's kind still comes back exactly as it was."""
    assert same(roundtrip(value), value)


ARRAYS = [
    np.arange(12, dtype=np.int64).reshape(3, 4),
    np.array([1.5, np.nan, np.inf], dtype=np.float32),
    np.array([[True, False]]),
    np.array(["人工", "智能"]),
    np.zeros((0, 5)),
    np.array(3.25),
    np.arange(10, dtype=">i4"),
    np.arange(20, dtype=np.uint8)[::3],  # not contiguous
    np.asfortranarray(np.arange(6.0).reshape(2, 3)),
]


@pytest.mark.parametrize("array", ARRAYS, ids=lambda a: f"{a.dtype}{a.shape}")
def test_arrays_round_trip_as_writable_copies(array):
    """Arrays come back with their dtype, shape and values, writable and owning their data."""
    back = roundtrip(array)
    assert same(back, array)
    assert back.flags.writeable
    back[...] = back  # writing works


def test_numpy_scalars_keep_their_dtype():
    """np.float32(0.1) comes back as np.float32, not a Python float."""
    for value in (np.float32(0.1), np.int8(-3), np.bool_(True), np.float64("nan"), np.str_("x")):
        assert same(roundtrip(value), value)


class Always(float):
    """A float that claims to equal everything."""

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class AlwaysArray(np.ndarray):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize(
    "value",
    [
        Always(1.0),
        type("L", (list,), {"__eq__": lambda s, o: True})([1]),
        type("D", (dict,), {})(a=1),
        np.zeros(3).view(AlwaysArray),
        np.array([object()], dtype=object),
        np.zeros(2, dtype=[("a", "i4"), ("b", "f8")]),
        np.datetime64("2020-01-01"),
        object(),
        lambda: 1,
        {1, 2},
        b"bytes",
        1 + 2j,
    ],
    ids=lambda v: type(v).__name__,
)
def test_other_types_become_opaque(value):
    """Anything else crosses as an opaque value that equals nothing, not even itself."""
    back = roundtrip(value)
    assert type(back) is Opaque
    assert back != back and back != value and not (back == 1.0)
    with pytest.raises(TypeError):
        hash(back)


def test_deep_nesting_is_refused_when_sending():
    """A value nested deeper than MAX_DEPTH cannot be sent."""
    value: list = []
    for _ in range(codec.MAX_DEPTH + 5):
        value = [value]
    with pytest.raises(ValueError):
        channel.pack(value)


def frame_of(tree, buffers=()) -> bytes:
    """A frame body with a hand-made header, as a hostile worker could send."""
    head = json.dumps({"m": tree, "b": [len(b) for b in buffers]}).encode()
    body = struct.pack(">I", len(head)) + head
    for buf in buffers:  # each buffer starts on the channel's alignment, as pack() lays them
        body += bytes(-len(body) % channel.ALIGN) + buf
    return body


HOSTILE = [
    b"",
    b"\x00\x00",
    struct.pack(">I", 100) + b"{}",
    struct.pack(">I", 2) + b"{}" + b"trailing",
    struct.pack(">I", 5) + b"nope!",
    frame_of({"$": "pickle", "v": "cos\nsystem\n"}),
    frame_of({"$": "__import__", "v": "os"}),
    frame_of({"$": "nd", "dtype": "|O", "shape": [1], "buf": 0}, [b"\0" * 8]),
    frame_of({"$": "nd", "dtype": "<M8[s]", "shape": [1], "buf": 0}, [b"\0" * 8]),
    frame_of({"$": "nd", "dtype": "|V8", "shape": [1], "buf": 0}, [b"\0" * 8]),
    frame_of({"$": "nd", "dtype": "<f8", "shape": [2], "buf": 0}, [b"\0" * 8]),
    frame_of({"$": "nd", "dtype": "<f8", "shape": [-1], "buf": 0}, [b"\0" * 8]),
    frame_of({"$": "nd", "dtype": "<f8", "shape": [1] * 40, "buf": 0}, [b"\0" * 8]),
    frame_of({"$": "nd", "dtype": "<f8", "shape": [1], "buf": 3}, [b"\0" * 8]),
    frame_of({"$": "nd", "dtype": "<f8", "shape": [0, 2**70], "buf": 0}, [b""]),
    frame_of({"$": "bigint", "v": "9" * 6000}),
    frame_of({"$": "bigint", "v": "0x10"}),
    frame_of({"$": "float", "v": "1e999"}),
    frame_of({"$": "scalar", "dtype": "<f8", "v": [1]}),
    frame_of({"$": "dict", "v": [[[1], 2]]}),
    frame_of({"$": "dict", "v": [[1]]}),
    frame_of({"$": "flat", "v": [[1], {"$": "opaque"}]}),
    frame_of({"$": "sdict", "v": {"a": [1]}}),
    frame_of({"$": "clist", "n": 3, "v": {"k": "i", "b": 0}}, [b"\0" * 8]),
    frame_of({"$": "clist", "n": 2, "v": {"k": "s", "b": 0}}, [b"abc"]),
    frame_of({"$": "clist", "n": 1, "v": {"k": "x", "b": 0}}, [b"abc"]),
    frame_of(
        {"$": "cdict", "n": 2, "k": {"k": "i", "b": 0}, "v": {"k": "i", "b": 0}}, [b"\0" * 16]
    ),
    frame_of(
        {"$": "cdict", "n": 2, "k": {"k": "s", "b": 0}, "v": {"k": "i", "b": 1}},
        [b"a\0b", b"\0" * 8],
    ),  # fmt: skip
    frame_of(
        {"$": "clist", "n": 1, "v": {"k": "a", "b": 0, "dtype": "|O", "shape": []}}, [b"x" * 8]
    ),
    frame_of({"$": "tuple", "v": "notalist"}),
    frame_of({"no": "tag"}),
]


@pytest.mark.parametrize("body", HOSTILE, ids=range(len(HOSTILE)))
def test_malformed_frames_raise_channel_error(body):
    """A malformed or hostile frame raises ChannelError, never anything else, never a value."""
    with pytest.raises(ChannelError):
        channel.unpack(body)


def test_deep_json_is_refused():
    """A header nested thousands deep is refused, not a RecursionError in the grader."""
    head = b'{"m": ' + b"[" * 100_000 + b"]" * 100_000 + b', "b": []}'
    with pytest.raises(ChannelError):
        channel.unpack(struct.pack(">I", len(head)) + head)


@pytest.mark.parametrize(
    "tree",
    [
        {"$": "clist", "n": 10**9, "v": {"k": "a", "b": 0, "dtype": "<f8", "shape": [0]}},
        {"$": "ctuple", "n": 3_000_000, "v": {"k": "a", "b": 0, "dtype": "<f8", "shape": [0]}},
        {"$": "clist", "n": 10**6, "v": {"k": "a", "b": 0, "dtype": "<i4", "shape": [5, 0]}},
    ],
)
def test_decode_bomb_is_refused_at_once(tree):
    """A 100-byte frame naming millions of empty arrays is refused before building any."""
    body = frame_of(tree, [b""])
    assert len(body) < 200
    start = time.perf_counter()
    with pytest.raises(ChannelError, match="reply too large to decode"):
        channel.unpack(body)
    assert time.perf_counter() - start < 0.1


def test_every_decoded_value_is_paid_for_by_the_frame():
    """Nodes and column items cost one each: a frame never decodes into more values than bytes."""
    many = [[np.zeros(0)] * 20] * 50  # empty arrays go one node each, never as a column
    body = channel.pack(many)[4:]
    got = channel.unpack(body)
    assert len(got) == 50 and all(len(row) == 20 and row[0].shape == (0,) for row in got)
    with pytest.raises(ChannelError, match="too large"):
        codec.decode([[[]] * 10] * 10, [], 0, codec.Budget(50))


def test_legitimate_big_values_fit_their_budget():
    """Real replies of every kind stay well within what their frame pays for."""
    values = [
        list(range(100_000)),
        [""] * 10_000,
        {f"k{i}": "" for i in range(10_000)},
        [np.zeros(3, dtype=np.int8)] * 10_000,
        [[]] * 10_000,
        [[1.5, "a", None]] * 5_000,
        {"a": [{"b": (1, 2)}] * 3_000},
    ]
    for value in values:
        got = channel.unpack(channel.pack(value)[4:])
        assert type(got) is type(value) and len(got) == len(value)


def test_random_bytes_never_escape_as_other_errors():
    """Fuzzing: random and mutated frames only ever raise ChannelError."""
    rng = random.Random(7)
    good = channel.pack({"a": [1, 2.5, "x", (None,)], "b": np.arange(5), "c": {"k": [True] * 20}})
    for _ in range(3000):
        body = bytearray(good[4:])
        for _ in range(rng.randint(1, 8)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        if rng.random() < 0.2:
            body = bytearray(rng.randbytes(rng.randint(0, 200)))
        try:
            channel.unpack(bytes(body))
        except ChannelError:
            pass


def test_receive_refuses_a_frame_over_the_limit_without_reading_it():
    """The length prefix alone decides: a 1 GB claim is refused at once."""
    a, b = socket.socketpair()
    with a, b:
        a.sendall(struct.pack(">I", 1 << 30))
        start = time.monotonic()
        with pytest.raises(ChannelError, match="over the"):
            channel.receive(b, timeout=5, max_bytes=1 << 20)
        assert time.monotonic() - start < 1


def test_receive_times_out_and_says_whether_a_frame_had_begun():
    """A silent peer times out cleanly; a peer that stops mid-frame is flagged as partial."""
    a, b = socket.socketpair()
    with a, b:
        with pytest.raises(ChannelTimeout) as info:
            channel.receive(b, timeout=0.05)
        assert not info.value.partial
        a.sendall(channel.pack("hello")[:7])
        with pytest.raises(ChannelTimeout) as info:
            channel.receive(b, timeout=0.05)
        assert info.value.partial


def test_receive_reports_a_closed_peer():
    """The other side going away is ChannelClosed, not a hang."""
    a, b = socket.socketpair()
    a.close()
    with b, pytest.raises(ChannelClosed):
        channel.receive(b, timeout=1)


def test_send_times_out_when_the_peer_stops_reading():
    """A peer that never reads cannot block the grader forever."""
    a, b = socket.socketpair()
    with a, b:
        with pytest.raises(ChannelTimeout):
            channel.send(a, "x" * (8 << 20), timeout=0.2)


def test_drain_discards_what_is_waiting_without_blocking():
    """drain empties the socket and returns at once when nothing is left."""
    a, b = socket.socketpair()
    with a, b:
        a.sendall(b"junk" * 1000)
        time.sleep(0.01)
        assert channel.drain(b) == 4000
        assert channel.drain(b) == 0


def test_messages_cross_a_real_socket_in_order():
    """Frames sent back to back arrive whole and in order, big ones included."""
    a, b = socket.socketpair()
    values = [1, "two", np.arange(300_000, dtype=np.float64), {"k": list(range(50))}]
    sender = threading.Thread(target=lambda: [channel.send(a, v) for v in values])
    sender.start()
    got = [channel.receive(b, timeout=5) for _ in values]
    sender.join()
    a.close()
    b.close()
    assert all(same(x, y) for x, y in zip(got, values, strict=True))


def test_worker_cache_hands_out_copies():
    """A big dict decoded again comes from the worker's cache, as a copy the student may change."""
    vocab = {f"w{i}": i for i in range(5000)}
    frame = channel.pack(vocab)[4:]
    old = codec.CACHING
    codec.CACHING = True
    try:
        first = channel.unpack(frame)
        first["w1"] = -1
        second = channel.unpack(frame)
    finally:
        codec.CACHING = old
        codec._DECODED.clear()
    assert second == vocab and second is not first


def test_a_column_of_empty_arrays_is_refused():
    """The encoder sends empty arrays one node each; a column of them is an amplification bomb
    (millions of array objects, some 480 bytes each with 31 axes, from one buffer of none)."""
    tree = {"$": "clist", "n": 5, "v": {"k": "a", "b": 0, "dtype": "<f8", "shape": [0] * 31}}
    with pytest.raises(ChannelError, match="column of empty arrays"):
        channel.unpack(frame_of(tree, [b""]))


def test_white_space_in_the_header_pays_for_nothing():
    """A header padded with blanks cannot buy the values its length would otherwise pay for."""
    many = {"$": "flat", "v": [0] * 3000}
    head = json.dumps({"m": many, "b": []}, separators=(",", ":")).encode()
    assert channel.unpack(struct.pack(">I", len(head)) + head) == [0] * 3000
    tight = {"$": "clist", "n": 4000, "v": {"k": "a", "b": 0, "dtype": "|i1", "shape": [1]}}
    body = frame_of(tight, [b"\1" * 4000])
    padded = json.dumps({"m": tight, "b": [4000]}).encode() + b" " * 20000
    padded_body = struct.pack(">I", len(padded)) + padded
    padded_body += bytes(-len(padded_body) % channel.ALIGN) + b"\1" * 4000
    for frame in (body, padded_body):  # 1-byte arrays cost more than the bytes they come in
        with pytest.raises(ChannelError, match="too large to decode"):
            channel.unpack(frame)


def test_arrays_pay_for_their_dimensions():
    """An array costs its node, its object and each dimension; small real arrays still fit."""
    fine = channel.pack([np.zeros(3, dtype=np.int8)] * 3000)
    assert len(channel.unpack(fine[4:])) == 3000
    deep = {"$": "clist", "n": 500, "v": {"k": "a", "b": 0, "dtype": "|i1", "shape": [1] * 30}}
    with pytest.raises(ChannelError, match="too large to decode"):
        channel.unpack(frame_of(deep, [b"\1" * 500]))


@pytest.mark.parametrize("dtype, value", [("|i1", 1000), ("<u2", -1), ("|u1", 2**70)])
def test_a_scalar_out_of_its_dtypes_range_is_a_channel_error(dtype, value):
    """numpy refuses to build the scalar (OverflowError); the grader sees a ChannelError."""
    with pytest.raises(ChannelError):
        channel.unpack(frame_of({"$": "scalar", "dtype": dtype, "v": value}))
