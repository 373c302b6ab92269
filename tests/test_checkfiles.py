"""The grader loads check files itself: the same checks, order and names as pytest collects."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autograder.checkfiles import CheckFileError, load_cases
from autograder.checkrun import check_files
from autograder.lessons import load_lessons, pack_root
from autograder.pytest_run import run_pytest


def pytest_ids(files: list[str], root: Path) -> list[str]:
    """The node ids pytest collects from `files`, in its order."""

    class Collect:
        ids: list[str] = []

        def pytest_collection_modifyitems(self, items):
            Collect.ids = [item.nodeid for item in items]

    run_pytest(files, [Collect()], ["--collect-only", "--rootdir", str(root)])
    return Collect.ids


def test_every_check_file_loads_as_pytest_collects_it():
    """Every public and hidden check of the pack: same ids (so same seeds and report names)."""
    files = check_files(load_lessons())
    ours = [case.nodeid for path in files for case in load_cases(Path(path), pack_root())]
    assert len(ours) > 200
    assert ours == pytest_ids(files, pack_root())


def test_parametrized_ids_match_pytest_for_every_kind_of_value(tmp_path):
    """Strings (non-ASCII escaped), numbers, None, bools, names, other values, stacked marks."""
    check = tmp_path / "test_kinds.py"
    check.write_text(
        textwrap.dedent(
            """
            import math
            import pytest

            @pytest.mark.parametrize("text, n", [("人工", 1), ("a b\\tc", -2.5), ("", None)])
            def test_values(text, n):
                pass

            @pytest.mark.parametrize("value", [True, [1, 2], {"k": 1}, math.sqrt, b"\\xff"])
            def test_other(value):
                pass

            @pytest.mark.parametrize("a", [1, 2])
            @pytest.mark.parametrize("b", ["x", "y"])
            def test_stacked(a, b, rng):
                pass

            def test_plain(student, minilm):
                pass

            def helper_not_a_check():
                pass
            """
        )
    )
    ours = [case.nodeid for case in load_cases(check, tmp_path)]
    assert ours == pytest_ids([str(check)], tmp_path)
    assert "test_kinds.py::test_values[\\u4eba\\u5de5-1]" in ours
    stacked = [c for c in load_cases(check, tmp_path) if c.name.startswith("test_stacked")]
    assert [c.params for c in stacked][:2] == [{"b": "x", "a": 1}, {"b": "x", "a": 2}]


@pytest.mark.parametrize(
    "source, says",
    [
        ("@pytest.mark.skip\ndef test_x(student):\n    pass\n", "no @pytest.mark.skip"),
        ("def test_x(student, tmp_path):\n    pass\n", "asks for tmp_path"),
        (
            "@pytest.mark.parametrize('a', [pytest.param(1)])\ndef test_x(a):\n    pass\n",
            "not pytest.param",
        ),
        (
            "@pytest.mark.parametrize('a', [1, 1])\ndef test_x(a):\n    pass\n",
            "share an id",
        ),
        ("def test_x(student:\n", "could not be loaded"),
    ],
)
def test_what_the_grader_cannot_run_is_named(tmp_path, source, says):
    """A check the grader would run differently from pytest is refused with a clear message."""
    check = tmp_path / "test_refused.py"
    check.write_text("import pytest\n\n" + source)
    with pytest.raises(CheckFileError, match=says):
        load_cases(check, tmp_path)
