"""Every code example in every lesson's instructions runs, and prints what the text shows."""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys

import pytest

from autograder.lessons import load_lessons

FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)


def blocks(text: str) -> list[tuple[str, str | None]]:
    """(python code, expected output or None) for each python block, in order."""
    found = [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]
    pairs = []
    for i, (lang, body) in enumerate(found):
        if lang == "python":
            nxt = found[i + 1] if i + 1 < len(found) else None
            pairs.append((body, nxt[1] if nxt and nxt[0] == "output" else None))
    return pairs


CASES = [
    pytest.param(lesson, lang, id=f"{lesson.slug}-{lang}")
    for lesson in load_lessons()
    for lang in ("en", "zh")
]


@pytest.mark.parametrize("lesson, lang", CASES)
def test_examples_run_and_print_what_the_text_shows(lesson, lang):
    """Run the examples with the reference solution; each shown output must match exactly."""
    pairs = blocks(lesson.instructions(lang))
    assert pairs, f"{lesson.slug} {lang}: the lesson has no code example"
    namespace: dict = {"__name__": "__lesson__"}
    old_cwd = os.getcwd()
    sys.path.insert(0, str(lesson.solution.parent))
    sys.modules.pop(lesson.module, None)
    try:
        os.chdir(lesson.folder)
        for n, (code, expected) in enumerate(pairs, 1):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, f"{lesson.slug}/instructions.{lang}.md#{n}", "exec"), namespace)
            if expected is not None:
                assert out.getvalue().rstrip() == expected.rstrip(), (
                    f"{lesson.slug} {lang}, example {n}: the text shows\n{expected}\nbut it prints\n"
                    f"{out.getvalue()}"
                )
    finally:
        os.chdir(old_cwd)
        sys.path.remove(str(lesson.solution.parent))
        sys.modules.pop(lesson.module, None)
