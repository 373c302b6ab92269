"""Reports: Gradescope's results.json schema and the score table printed for a batch."""

from __future__ import annotations

import contextlib
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
    submission: str = ""  # the submission's path as given on the command line
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
        "extra_data": {
            "isolation": report.isolation,
            "notes": report.notes,
            "submission": report.submission,
        },
    }


def error_results(report: SubmissionReport, error: str) -> dict:
    """A minimal valid results.json: score 0 and the error, when the full report cannot be made."""
    return {
        "score": 0.0,
        "output": f"Error: {error}",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
        "extra_data": {"submission": report.submission, "error": error},
    }


def _clean(value):
    """The value with every string made encodable: a lone surrogate becomes U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _clean(str(value))


def write_json(data: dict, path: Path) -> None:
    """Write JSON atomically: a reader sees the old file or the whole new one.

    Any string (a student's output, a path with undecodable bytes) is written: lone surrogates
    become U+FFFD. A failed write leaves no temporary file behind.
    """
    payload = (json.dumps(_clean(data), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # as any file written here, not mkstemp's private 0600
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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
    for rep in reports:
        given = Path(rep.submission)
        if rep.name not in (given.stem, given.name):  # a cleaned or de-duplicated name
            out.append(f"{rep.name}: {rep.submission}")
    for rep in reports:
        for note in rep.notes:  # why a module was not found, which of two was graded
            out.append(f"note: {rep.name}: {note}")
    for rep in reports:
        if rep.error:
            first = rep.error.splitlines()[0] if rep.error.strip() else rep.error
            out.append(f"error: {rep.name}: {first}")
    return "\n".join(out)
