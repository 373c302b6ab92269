"""`embedlab check`: the student's self-check, the public checks run on their own exercises."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.feedback import describe_failure
from autograder.lessons import Lesson, LessonError, find_lesson, load_lessons
from autograder.limits import Limits
from autograder.pytest_run import run_pytest


class _Collector:
    """Records each public check's outcome and failure."""

    def __init__(self) -> None:
        self.outcomes: dict[str, list[tuple[str, str | None]]] = {}
        self._failed: dict[str, BaseException] = {}
        self.docs: dict[str, str] = {}  # check name -> first line of its docstring

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        """Keep the first failure of each check."""
        report = yield
        doc = (getattr(getattr(item, "obj", None), "__doc__", None) or "").strip()
        self.docs.setdefault(item.nodeid.split("::")[-1], doc.splitlines()[0] if doc else "")
        if call.excinfo is not None:
            self._failed.setdefault(item.nodeid, call.excinfo.value)
        return report

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple) -> None:
        """File the check under its lesson's module."""
        module = Path(location[0]).stem.removeprefix("test_")
        exc = self._failed.get(nodeid)
        message = describe_failure(exc, False, "", Limits()) if exc is not None else None
        self.outcomes.setdefault(module, []).append((nodeid.split("::")[-1], message))


def exercises_dir(chosen: Path | None, start: Path | None = None) -> Path | None:
    """The student's exercises folder: --dir, else the nearest exercises/ here or above.

    From inside a lesson folder (exercises/03-similarity) that is its parent. None when there is
    none: checking the pack's own stubs instead would report someone else's work.
    """
    if chosen is not None:
        return Path(chosen)
    start = Path.cwd() if start is None else start
    slugs = {lesson.slug for lesson in load_lessons()}
    for folder in (start, *start.parents):
        if (folder / "exercises").is_dir():
            return folder / "exercises"
        if folder.name == "exercises" or any((folder / slug).is_dir() for slug in slugs):
            return folder
    return None


def run_public(lessons: list[Lesson], folder: Path) -> _Collector:
    """Run the public checks of `lessons` on the modules in `folder`."""
    collector = _Collector()
    files = [str(lesson.public_tests) for lesson in lessons]
    run_pytest(files, [collector], [f"--student-dir={folder}"])
    return collector


def main_check(key: str | None, folder: Path | None, lang: str = "en") -> int:
    """Print each lesson's progress, failures and hints; 0 only when every check passes."""
    try:
        lessons = [find_lesson(key)] if key else list(load_lessons())
    except LessonError as exc:
        print(f"embedlab check: {exc}")
        return 2
    found = exercises_dir(folder)
    if found is None:
        print(
            f"embedlab check: no exercises folder in {Path.cwd()} or above it; "
            "run it where your exercises/ folder is, or give --dir DIR"
        )
        return 2
    folder = found
    if not folder.is_dir():
        print(f"embedlab check: no exercises folder at {folder}")
        return 2
    print(f"checking {folder.resolve()}")
    collector = run_public(lessons, folder)
    all_passed = True
    for lesson in lessons:
        outcomes = collector.outcomes.get(lesson.module, [])
        passed = sum(message is None for _, message in outcomes)
        width = max(len(ls.slug) for ls in lessons)
        mark = "ok" if outcomes and passed == len(outcomes) else "  "
        print(
            f"{mark} {lesson.slug.ljust(width)}  {passed}/{len(outcomes)} checks  {lesson.title[lang]}"
        )
        if passed == len(outcomes) and outcomes:
            continue
        all_passed = False
        failing = [(name, message) for name, message in outcomes if message is not None]
        if failing:
            name, message = failing[0]
            doc = collector.docs.get(name, "")
            print(f"   first failing check: {name}" + (f"  ({doc})" if doc else ""))
            print("   " + message.replace("\n", "\n   "))
        for hint in lesson.hints[lang]:
            print(f"   hint: {hint}")
    return 0 if all_passed else 1
