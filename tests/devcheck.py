"""Grade one lesson module through the real sandboxed grader: shared by the pack's own tests."""

from __future__ import annotations

import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.checkrun import run_checks
from autograder.grading import CheckResult
from autograder.lessons import Lesson, load_lessons
from autograder.limits import Limits
from autograder.workspace import build_workspace

WRONG = Path(__file__).parent / "wrong"


def grade_module(lesson: Lesson, source: Path, limits: Limits | None = None) -> list[CheckResult]:
    """Run one lesson's public and hidden checks on `source` as the student's module."""
    folder = Path(tempfile.mkdtemp(prefix="embedlab-dev-"))
    try:
        shutil.copy(source, folder / f"{lesson.module}.py")
        workspace = build_workspace(folder, [lesson])
        try:
            results, _ = run_checks(workspace, [lesson], limits or Limits())
        finally:
            workspace.cleanup()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


def base_name(check: str) -> str:
    """A check's function name, without parameters or case numbers."""
    return check.split("[")[0].split(" (case ")[0]


@dataclass(frozen=True)
class Mistake:
    """One entry of a lesson's wrong-solution catalog."""

    lesson: Lesson
    file: Path
    what: str
    caught_by: tuple[str, ...]

    @property
    def id(self) -> str:
        """A readable test id."""
        return f"{self.lesson.slug}/{self.file.stem}"


def catalog() -> list[Mistake]:
    """Every mistake of every lesson's tests/wrong/<slug>/catalog.toml."""
    found = []
    for lesson in load_lessons():
        manifest = WRONG / lesson.slug / "catalog.toml"
        if not manifest.is_file():
            continue
        for entry in tomllib.loads(manifest.read_text(encoding="utf-8")).get("mistake", []):
            found.append(
                Mistake(
                    lesson=lesson,
                    file=manifest.parent / entry["file"],
                    what=entry["what"],
                    caught_by=tuple(entry["caught_by"]),
                )
            )
    return found
