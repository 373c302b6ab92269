"""`embedlab grade`: grade each submission into DIR/<name>/results.json, whatever it does."""

from __future__ import annotations

import argparse
import re
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from autograder.grading import run_checks
from autograder.isolation import choose_isolation, describe_isolation
from autograder.lessons import Lesson, load_lessons
from autograder.limits import Limits
from autograder.report import SubmissionReport, results_json, score_table, write_json
from autograder.workspace import SubmissionError, build_workspace


def report_name(submission: Path, taken: set[str]) -> str:
    """A safe, unique folder name for a submission's report."""
    base = (
        re.sub(r"[^A-Za-z0-9._-]+", "_", submission.stem or submission.name).strip("._")
        or "submission"
    )
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def grade_submission(
    submission: Path,
    name: str,
    lessons: Sequence[Lesson],
    limits: Limits,
    isolation: str = "auto",
    secret: str | None = None,
) -> SubmissionReport:
    """Grade one submission; never raises: a failure becomes the report's error."""
    start = time.perf_counter()
    report = SubmissionReport(name=name)
    try:
        report.isolation = describe_isolation(choose_isolation(isolation), limits)
    except RuntimeError as exc:
        report.error = f"the grader failed: {exc}"
        return report
    try:
        workspace = build_workspace(submission, lessons, name)
    except SubmissionError as exc:
        report.error = str(exc)
        report.seconds = time.perf_counter() - start
        return report
    try:
        report.notes = list(workspace.notes)
        report.results, kind = run_checks(workspace, lessons, limits, isolation, secret)
        report.isolation = describe_isolation(kind, limits)
    except Exception as exc:  # the report must be written whatever went wrong
        report.error = f"the grader failed: {type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)
    finally:
        workspace.cleanup()
    report.seconds = time.perf_counter() - start
    return report


def main_grade(args: argparse.Namespace) -> int:
    """Grade every submission named on the command line and print the score table."""
    lessons = load_lessons()
    overrides = {"call_timeout": args.call_timeout, "lesson_timeout": args.lesson_timeout}
    try:
        limits = Limits.parse(getattr(args, "limit", None))
        limits = Limits(**{**limits.__dict__, **{k: v for k, v in overrides.items() if v}})
        choose_isolation(args.isolation)
    except (RuntimeError, ValueError) as exc:
        print(f"embedlab grade: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    taken: set[str] = set()
    reports, failed_writes = [], 0
    for submission in args.submissions:
        name = report_name(Path(submission), taken)
        report = grade_submission(
            Path(submission), name, lessons, limits, args.isolation, args.secret
        )
        reports.append(report)
        try:
            write_json(results_json(report, lessons, args.lang), out / name / "results.json")
        except OSError as exc:
            failed_writes += 1
            print(f"embedlab grade: cannot write the report of {name}: {exc}", file=sys.stderr)
        if report.error:
            print(f"{name}: {report.error}", file=sys.stderr)
    print(score_table(reports, lessons))
    isolation = {r.isolation for r in reports if r.isolation}
    for line in sorted(isolation):
        print(f"isolation: {line}")
    print(f"reports in {out}/<submission>/results.json")
    return 1 if failed_writes else 0
