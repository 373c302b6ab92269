"""`embedlab check`: the student's self-check, the public checks run on their own exercises."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.checkargs import module_in
from autograder.feedback import describe_failure
from autograder.lessons import (
    Lesson,
    LessonError,
    holds_lessons,
    lessons_in,
    load_lessons,
    pick_lesson,
)
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
    """The student's exercises folder: --dir (or its lesson folder's parent), else the nearest
    here or above; None when there is none.

    From inside a lesson folder (exercises/03-similarity) that is its parent; a folder holding
    exercises/ gives that. Checking the pack's own stubs instead would report someone else's
    work, so nothing else is taken.
    """
    if chosen is not None:
        chosen = Path(chosen).resolve()
        candidates: tuple[Path, ...] = (chosen, chosen.parent)  # --dir or its lesson folder
    else:
        start = (Path.cwd() if start is None else start).resolve()
        candidates = (start, *start.parents)
    for folder in candidates:
        if holds_lessons(folder / "exercises"):
            return folder / "exercises"
        if holds_lessons(folder):
            return folder
        if chosen is not None and not (chosen / "lesson.toml").is_file():
            return None  # --dir is not a lesson folder: its parent is none of our business
    return None


def run_public(lessons: list[Lesson], folder: Path) -> _Collector:
    """Run the public checks of `lessons` on the modules in `folder`."""
    collector = _Collector()
    files = [str(lesson.public_tests) for lesson in lessons]
    run_pytest(files, [collector], [f"--student-dir={folder}"])
    return collector


def _others(failing: list[tuple[str, str | None]], first: str, shown: int = 5) -> str:
    """The other failing checks, by name (a parametrized check once), the first few only."""
    names: list[str] = []
    for name, _ in failing:
        base = name.partition("[")[0]
        if base not in names and base != first.partition("[")[0]:
            names.append(base)
    if not names:  # only other cases of the first check
        return f"{len(failing)} more case(s) of {first.partition('[')[0]}"
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _pick(key: str | None, lessons) -> list[Lesson]:
    return [pick_lesson(key, lessons)] if key else list(lessons)


def main_check(key: str | None, folder: Path | None, lang: str = "en") -> int:
    """Print each lesson's progress, failures and hints; 0 only when every check passes."""
    found = exercises_dir(folder)
    here = Path(folder) if folder is not None else Path.cwd()
    if key is None and (here / "lesson.toml").is_file():
        key = here.resolve().name  # in (or --dir naming) one lesson's folder: check that lesson
    side_by_side, unchecked = False, ""
    try:
        if found is not None:
            # The copy's own lessons and public checks: nothing of the pack need be installed
            # beside it (a wheel carries no exercises).
            lessons = _pick(key, lessons_in(found))
        elif folder is not None and Path(folder).is_dir():
            # Modules side by side (a submission, say), checked with the pack's own checks.
            lessons = _pick(key, load_lessons())
            present = [ls for ls in lessons if module_in(Path(folder), ls).is_file()]
            if not present:
                names = ", ".join(f"{lesson.module}.py" for lesson in lessons)
                print(f"embedlab check: {folder} holds no lesson module ({names})")
                return 2
            if key is None and len(present) < len(lessons):  # check what is there, say the rest
                absent = ", ".join(f"{ls.module}.py" for ls in lessons if ls not in present)
                unchecked = f"not in this folder, not checked: {absent}"
                lessons = present
            found, side_by_side = Path(folder), True
    except LessonError as exc:
        print(f"embedlab check: {exc}")
        return 2
    if folder is not None and not Path(folder).exists():
        print(f"embedlab check: --dir {folder} does not exist")
        return 2
    if found is None:
        where = f"at {folder}" if folder is not None else f"in {Path.cwd()}"
        print(
            f"embedlab check: no exercises folder {where} or above it (an exercises folder holds "
            "the lessons' folders, 01-tokens/ and the others); run it in your copy, or give "
            "--dir DIR"
        )
        return 2
    folder = found
    print(f"checking {folder.resolve()}")
    if unchecked:
        print(unchecked)
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
            if len(failing) > 1:  # fixing the first should not hide the rest
                print(f"   also failing: {_others(failing[1:], first=name)}")
                extra = f" --student-dir {folder.resolve()}" if side_by_side else ""
                print(f"   (every message: python -m pytest {lesson.public_tests.parent}{extra})")
        for hint in lesson.hints[lang]:
            print(f"   hint: {hint}")
    return 0 if all_passed else 1
