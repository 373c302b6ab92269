"""The "built by hand" source analysis of lesson 01: right answers, and bounded work on any source."""

from __future__ import annotations

import tracemalloc

from autograder.byhand import by_hand_problems

ROOTS = ("utf8_encode", "utf8_decode")


def test_codec_uses_are_found_through_helpers_and_aliases():
    """A codec use in a helper, an alias or a lambda the roots refer to is reported with its path."""
    source = (
        "import codecs as c\n"
        "from codecs import encode\n"
        "def helper(t):\n    return t.encode('utf-8')\n"
        "def utf8_encode(text):\n    return list(helper(text))\n"
        "utf8_decode = lambda data: c.decode(bytes(data), 'utf-8')\n"
        "def unused():\n    return encode('x')\n"
    )
    not_defs, found = by_hand_problems(source, ROOTS)
    assert not_defs == []
    assert any("utf8_encode (through helper) uses .encode" in f for f in found), found
    assert any("utf8_decode uses .decode" in f for f in found), found
    assert not any("unused" in f for f in found), "code the roots never refer to was blamed"


def test_roots_that_are_not_defs_are_named():
    """A root bound by an import or a call, or missing, is reported as not a def."""
    source = "from functools import partial\nutf8_encode = partial(str.encode)\n"
    not_defs, _ = by_hand_problems(source, ROOTS)
    assert any(p.startswith("utf8_encode is bound at line 2") for p in not_defs), not_defs
    assert "utf8_decode is not a function defined in your module" in not_defs


def test_many_uses_of_a_name_bound_many_times_cost_little_memory():
    """M uses of a name bound K times once queued M x K entries (10^10 for a 600 KB module, which
    took a grader past 5 GB); each name is now followed once per root."""
    loads, bindings = 3000, 3000
    source = (
        "def utf8_encode(text):\n    return (" + ",".join(["X"] * loads) + ")\n"
        "def utf8_decode(data):\n    return X\n" + "".join(f"X = {i}\n" for i in range(bindings))
    )
    tracemalloc.start()
    try:
        not_defs, found = by_hand_problems(source, ROOTS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not_defs == [] and found == []
    assert peak < 40 << 20, f"the analysis took {peak >> 20} MB for a {len(source) >> 10} KB module"
