"""The channel's value codec: plain values to a JSON tree and raw numpy buffers, and back.

Only JSON values and raw numpy buffers cross; decoding never imports, unpickles or evals.
Strings travel as UTF-8 with lone surrogates kept ("surrogatepass").
This module runs on both sides, so it needs only the standard library and numpy.
"""

from __future__ import annotations

import hashlib
import math
import re

import numpy as np

_DTYPE = re.compile(r"^[<>|=]?(b1|[iu][1248]|f[248]|U\d{1,6})$")
_INT_LIMIT = 2**63
MAX_DEPTH = 64
MAX_DIMS = 32


class ChannelError(Exception):
    """The other side sent something that is not a well-formed message, or went away."""


class Opaque:
    """A value of a type that cannot cross the channel; equal to nothing, not even itself."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<a {self.type_name} value, which cannot be checked>"


def raw(array: np.ndarray):
    """The bytes of an array as a view of its memory (copied only if numpy cannot view them).

    The frame is sent before any other code runs, so the view cannot change under it.
    """
    array = np.ascontiguousarray(array)
    try:
        return memoryview(array.reshape(-1).view(np.uint8))
    except (ValueError, TypeError):  # e.g. a dtype of item size 0
        return array.tobytes()


def _view(buf, dtype: np.dtype) -> np.ndarray:
    """An array over a received buffer: in place when it is writable and aligned, else a copy."""
    array = np.frombuffer(buf, dtype=dtype)
    if array.flags.writeable and array.flags.aligned:
        return array
    return array.copy()


def _flat(items) -> bool:
    """True when every item is a JSON scalar that round-trips exactly (fast path)."""
    for x in items:
        t = type(x)
        if t is str or t is bool or x is None:
            continue
        if t is int:
            if -_INT_LIMIT < x < _INT_LIMIT:
                continue
            return False
        if t is float:
            if x - x == 0.0:  # finite: inf - inf and nan - nan are nan
                continue
            return False
        return False
    return True


COLUMN_MIN = 16


def _column(values: list, buffers: list[bytes]) -> dict | None:
    """Pack a long run of values of one kind into one buffer (much faster than JSON)."""
    kinds = set(map(type, values))
    if len(kinds) != 1:
        return None
    first = kinds.pop()
    if first is str:
        joined = "\0".join(values)
        if joined.count("\0") != len(values) - 1:
            return None
        buffers.append(joined.encode("utf-8", "surrogatepass"))
        return {"k": "s", "b": len(buffers) - 1}
    if first is int or first is float:
        try:
            array = np.array(values, dtype=np.int64 if first is int else np.float64)
        except (OverflowError, ValueError):
            return None
        buffers.append(raw(array.astype("<i8" if first is int else "<f8", copy=False)))
        return {"k": "i" if first is int else "f", "b": len(buffers) - 1}
    if first is np.ndarray:
        dtype, shape = values[0].dtype, values[0].shape
        if not _DTYPE.match(dtype.str) or len(shape) >= MAX_DIMS or values[0].nbytes == 0:
            return None  # empty arrays each go as their own node, which pays for its decoding
        if not all(v.dtype == dtype and v.shape == shape for v in values):
            return None
        buffers.append(raw(np.stack(values)))
        return {"k": "a", "b": len(buffers) - 1, "dtype": dtype.str, "shape": list(shape)}
    return None


_DECODED: dict[bytes, dict] = {}  # big dicts of plain values seen in this process, by content
CACHE_MIN = 1000
CACHING = False  # only the worker turns it on: a check's calls often pass the same big dict


def _cache_key(tree: dict, buffers: list[bytes]) -> bytes | None:
    """A digest of a big column dict's content, so a dict sent again is not decoded again."""
    n = tree.get("n")
    if not CACHING or type(n) is not int or n < CACHE_MIN or len(_DECODED) > 16:
        return None
    digest = hashlib.blake2b(digest_size=20)
    for part in (tree["k"], tree["v"]):
        index = part.get("b") if type(part) is dict else None
        if type(index) is not int or not 0 <= index < len(buffers):
            return None
        digest.update(repr((part.get("k"), part.get("dtype"), part.get("shape"))).encode())
        digest.update(len(buffers[index]).to_bytes(8, "big") + buffers[index])
    return digest.digest() + n.to_bytes(8, "big")


class Budget:
    """How many more values a frame may decode into: each one must be paid for by its bytes.

    Every JSON node and every item of a column costs one, a numpy array one more and one per
    dimension (an array object is far bigger than a number); a frame of B bytes holds at most
    about B values, so a short frame cannot make the receiver build millions of objects.
    """

    def __init__(self, units: int):
        self.left = units

    def spend(self, units: int) -> None:
        """Pay for `units` values, or raise ChannelError when the frame cannot pay for them."""
        self.left -= units
        if self.left < 0:
            raise ChannelError("reply too large to decode")


def array_cost(ndim: int) -> int:
    """What one decoded array costs the budget, besides its node: its object and its shape."""
    return 1 + ndim


def _uncolumn(desc, n, buffers: list[bytes], budget: Budget) -> list:
    if type(desc) is not dict or type(n) is not int or n < 0:
        raise ChannelError("malformed column")
    budget.spend(n)
    index = desc.get("b")
    if type(index) is not int or not 0 <= index < len(buffers):
        raise ChannelError("column buffer index out of range")
    buf, kind = buffers[index], desc.get("k")
    if kind == "s":
        items = str(buf, "utf-8", "surrogatepass").split("\0") if n else []
        if len(items) != n or (not n and buf):
            raise ChannelError("column of strings does not match its length")
        return items
    if kind in ("i", "f"):
        if len(buf) != 8 * n:
            raise ChannelError("column of numbers does not match its length")
        return np.frombuffer(buf, dtype="<i8" if kind == "i" else "<f8").tolist()
    if kind == "a":
        dtype, shape = _dtype(desc.get("dtype")), desc.get("shape")
        if type(shape) is not list or len(shape) >= MAX_DIMS:
            raise ChannelError("malformed column shape")
        if not all(type(d) is int and 0 <= d < _INT_LIMIT for d in shape):
            raise ChannelError("malformed column shape")
        if n and math.prod(shape) * dtype.itemsize == 0:  # the encoder sends those one by one
            raise ChannelError("a column of empty arrays")
        budget.spend(n * array_cost(len(shape)))
        if n * math.prod(shape) * dtype.itemsize != len(buf):
            raise ChannelError("column of arrays does not match its length")
        return list(_view(buf, dtype).reshape([n, *shape]))
    raise ChannelError("unknown column kind")


def encode(obj, buffers: list[bytes], depth: int) -> object:
    """A plain value as a JSON tree; arrays and columns go to `buffers`, which the tree indexes."""
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply")
    t = type(obj)
    if obj is None or t is bool or t is str:
        return obj
    if t is int:
        return obj if -_INT_LIMIT < obj < _INT_LIMIT else {"$": "bigint", "v": str(obj)}
    if t is float:
        return obj if math.isfinite(obj) else {"$": "float", "v": repr(obj)}
    if t is list or t is tuple:
        if len(obj) >= COLUMN_MIN:
            column = _column(obj, buffers)
            if column is not None:
                return {"$": "clist" if t is list else "ctuple", "n": len(obj), "v": column}
        if len(obj) > 8 and _flat(obj):
            return {"$": "flat" if t is list else "flattuple", "v": list(obj)}
        items = [encode(x, buffers, depth + 1) for x in obj]
        return items if t is list else {"$": "tuple", "v": items}
    if t is dict:
        if len(obj) >= COLUMN_MIN:
            keys = _column(list(obj), buffers)
            values = _column(list(obj.values()), buffers) if keys is not None else None
            if values is not None and keys["k"] == "s":
                return {"$": "cdict", "n": len(obj), "k": keys, "v": values}
            del buffers[len(buffers) - (keys is not None) - (values is not None) :]
        if len(obj) > 8 and all(type(k) is str for k in obj) and _flat(obj.values()):
            return {"$": "sdict", "v": obj}
        pairs = [
            [encode(k, buffers, depth + 1), encode(v, buffers, depth + 1)] for k, v in obj.items()
        ]
        return {"$": "dict", "v": pairs}
    if t is np.ndarray and _DTYPE.match(obj.dtype.str) and obj.ndim <= MAX_DIMS:
        buffers.append(raw(obj))
        return {
            "$": "nd",
            "dtype": obj.dtype.str,
            "shape": list(obj.shape),
            "buf": len(buffers) - 1,
        }
    if (
        isinstance(obj, np.generic)
        and type(obj).__module__ == "numpy"
        and _DTYPE.match(obj.dtype.str)
    ):
        value = obj.item()
        if isinstance(value, float) and not math.isfinite(value):
            value = repr(value)
        return {"$": "scalar", "dtype": obj.dtype.str, "v": value}
    return {"$": "opaque", "type": str(t.__name__)[:80]}


def _dtype(text) -> np.dtype:
    if not isinstance(text, str) or not _DTYPE.match(text):
        raise ChannelError(f"dtype {text!r} is not allowed")
    return np.dtype(text)


def decode(tree, buffers: list[bytes], depth: int, budget: Budget | None = None) -> object:
    """The value of a JSON tree and its buffers; raises ChannelError on anything odd.

    `budget` counts the values still allowed (channel.unpack gives one per byte of the frame);
    without one, the tree and its buffers pay for themselves at the same rate.
    """
    if budget is None:
        budget = Budget(len(repr(tree)) + sum(map(len, buffers)))
    if depth > MAX_DEPTH:
        raise ChannelError("value nested too deeply")
    budget.spend(1)
    t = type(tree)
    if tree is None or t is bool or t is int or t is float or t is str:
        return tree
    if t is list:
        return [decode(x, buffers, depth + 1, budget) for x in tree]
    if t is not dict:
        raise ChannelError(f"unexpected JSON value {t.__name__}")
    tag = tree.get("$")
    if tag in ("flat", "flattuple"):
        items = tree["v"]
        if type(items) is not list or not _flat(items):
            raise ChannelError("malformed flat list")
        budget.spend(len(items))
        return items if tag == "flat" else tuple(items)
    if tag in ("clist", "ctuple"):
        items = _uncolumn(tree["v"], tree["n"], buffers, budget)
        return items if tag == "clist" else tuple(items)
    if tag == "cdict":
        if type(tree["k"]) is not dict or tree["k"].get("k") != "s":
            raise ChannelError("malformed dict column")
        key = _cache_key(tree, buffers)
        if type(tree["n"]) is int:
            budget.spend(tree["n"])  # the keys; _uncolumn charges for the values
        if key is not None and key in _DECODED:
            return dict(_DECODED[key])  # a copy: the receiver may change what it gets
        keys = _uncolumn(tree["k"], tree["n"], buffers, Budget(tree["n"]))  # paid above
        out = dict(zip(keys, _uncolumn(tree["v"], tree["n"], buffers, budget), strict=True))
        if key is not None and tree["v"].get("k") in ("s", "i", "f"):
            _DECODED[key] = dict(out)
        return out
    if tag == "sdict":
        items = tree["v"]
        if type(items) is not dict or not _flat(items.values()):
            raise ChannelError("malformed string-keyed dict")
        budget.spend(2 * len(items))
        return items
    if tag == "tuple":
        if type(tree["v"]) is not list:
            raise ChannelError("malformed tuple")
        return tuple(decode(x, buffers, depth + 1, budget) for x in tree["v"])
    if tag == "dict":
        out = {}
        if type(tree["v"]) is not list:
            raise ChannelError("malformed dict")
        for pair in tree["v"]:
            if type(pair) is not list or len(pair) != 2:
                raise ChannelError("malformed dict item")
            key = decode(pair[0], buffers, depth + 1, budget)
            try:
                out[key] = decode(pair[1], buffers, depth + 1, budget)
            except TypeError:
                raise ChannelError("unhashable dict key") from None
        return out
    if tag == "float":
        if tree["v"] not in ("nan", "inf", "-inf"):
            raise ChannelError("malformed float")
        return float(tree["v"])
    if tag == "bigint":
        text = tree["v"]
        if type(text) is not str or len(text) > 5000:
            raise ChannelError("malformed big integer")
        return int(text)
    if tag == "nd":
        dtype = _dtype(tree["dtype"])
        shape = tree["shape"]
        if type(shape) is not list or len(shape) > MAX_DIMS:
            raise ChannelError("malformed array shape")
        if not all(type(n) is int and 0 <= n < _INT_LIMIT for n in shape):
            raise ChannelError("malformed array shape")
        budget.spend(array_cost(len(shape)))
        index = tree["buf"]
        if type(index) is not int or not 0 <= index < len(buffers):
            raise ChannelError("array buffer index out of range")
        buf = buffers[index]
        if math.prod(shape) * dtype.itemsize != len(buf):
            raise ChannelError("array buffer does not match its shape")
        return _view(buf, dtype).reshape(shape)
    if tag == "scalar":
        dtype = _dtype(tree["dtype"])
        value = tree["v"]
        if type(value) not in (bool, int, float, str):
            raise ChannelError("malformed scalar")
        return dtype.type(float(value) if value in ("nan", "inf", "-inf") else value)
    if tag == "opaque":
        return Opaque(str(tree.get("type", "?"))[:80])
    raise ChannelError(f"unknown tag {str(tag)[:40]!r}")
