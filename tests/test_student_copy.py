"""A student's copy of exercises/ runs its public checks with plain pytest, from any folder in it."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from autograder.lessons import find_lesson, pack_root


@pytest.mark.parametrize("where", ["stu", "stu/exercises", "stu/exercises/03-similarity"])
def test_pytest_runs_a_copied_lessons_checks(tmp_path, where):
    """Copy exercises/ elsewhere, solve lesson 03, run pytest: every public check passes."""
    copy = tmp_path / "stu" / "exercises"
    shutil.copytree(pack_root() / "exercises", copy)
    lesson = find_lesson("03-similarity")
    shutil.copy(lesson.solution, copy / lesson.slug / f"{lesson.module}.py")
    target = [] if where.endswith("03-similarity") else [str(copy / lesson.slug)]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *target],
        cwd=tmp_path / where,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "fixture 'student' not found" not in done.stdout
    assert " passed" in done.stdout.splitlines()[-1]
