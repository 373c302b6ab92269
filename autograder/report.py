"""Reports: Gradescope's results.json schema and the score table printed for a batch."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading import CheckResult
from autograder.lessons import Lesson


@dataclass
class SubmissionReport:
    """Everything known about one graded submission."""

    name: str
    results: list[CheckResult] = field(default_factory=list)
    isolation: str = ""
    notes: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    def lesson_score(self, lesson: Lesson) -> tuple[float, int, int]:
        """Points earned in a lesson, and its passed and total check counts."""
        mine = [r for r in self.results if r.lesson == lesson.slug]
        passed = sum(r.passed for r in mine)
        score = lesson.points * passed / len(mine) if mine else 0.0
        return score, passed, len(mine)


def results_json(report: SubmissionReport, lessons: Sequence[Lesson], lang: str = "en") -> dict:
    """The report in Gradescope's results.json schema; every test name starts with its lesson's slug."""
    tests, total, lines = [], 0.0, []
    for lesson in lessons:
        mine = [r for r in report.results if r.lesson == lesson.slug]
        score, passed, count = report.lesson_score(lesson)
        total += score
        lines.append(f"{lesson.slug}: {score:.2f}/{lesson.points:g} ({passed}/{count} checks)")
        if count and passed < count:
            lines += [f"  hint: {hint}" for hint in lesson.hints[lang]]
        if not mine:
            tests.append(
                {
                    "name": f"{lesson.slug}: no checks ran",
                    "score": 0.0,
                    "max_score": lesson.points,
                    "status": "failed",
                    "output": report.error or "The grader could not run this lesson's checks.",
                    "visibility": "visible",
                }
            )
        for r in mine:
            kind = "hidden" if r.hidden else "public"
            tests.append(
                {
                    "name": f"{lesson.slug} {kind}: {r.name}",
                    "score": round(lesson.points / count, 6) if r.passed else 0.0,
                    "max_score": round(lesson.points / count, 6),
                    "status": "passed" if r.passed else "failed",
                    "output": r.output,
                    "visibility": "visible",
                    "extra_data": {"lesson": lesson.slug, "hidden": r.hidden, "check": r.doc},
                }
            )
    head = [f"Isolation: {report.isolation}"] if report.isolation else []
    if report.error:
        head.append(f"Error: {report.error}")
    return {
        "score": round(total, 4),
        "execution_time": round(report.seconds, 3),
        "output": "\n".join(head + report.notes + lines),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"isolation": report.isolation, "notes": report.notes},
    }


def write_json(data: dict, path: Path) -> None:
    """Write JSON atomically: a reader sees the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
    os.replace(tmp, path)


def score_table(reports: Sequence[SubmissionReport], lessons: Sequence[Lesson]) -> str:
    """A plain-text table: one row per submission, one column per lesson, and the total."""
    heads = ["submission", *(lesson.slug for lesson in lessons), "total"]
    rows = []
    for rep in reports:
        scores = [rep.lesson_score(lesson)[0] for lesson in lessons]
        rows.append([rep.name, *(f"{s:.1f}" for s in scores), f"{sum(scores):.1f}"])
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(heads)]
    fmt = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )
    out = [fmt(heads), fmt(["-" * w for w in widths])]
    out += [fmt(r) for r in rows]
    max_total = sum(lesson.points for lesson in lessons)
    out.append(
        f"(out of {max_total:g}; each lesson {', '.join(f'{ls.points:g}' for ls in lessons)})"
    )
    return "\n".join(out)
