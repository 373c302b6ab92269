"""`embedlab grade`: grade each submission into DIR/<name>/results.json, whatever it does."""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from autograder.checkrun import run_checks
from autograder.isolation import choose_isolation, describe_isolation
from autograder.lessons import Lesson, load_lessons, pick_lessons
from autograder.limits import Limits
from autograder.report import (
    SubmissionReport,
    error_results,
    results_json,
    score_table,
    write_json,
)
from autograder.uids import protect_paths
from autograder.workspace import SubmissionError, build_workspace


def report_name(submission: Path, taken: set[str]) -> str:
    """A safe, unique and stable folder name for a submission's report.

    The submission's own name is kept only when it is already safe and not yet taken; otherwise
    (e.g. "_bob" next to "bob") the sanitized name gets the first 8 hex digits of the sha256 of
    the submission's absolute path, so no student can take a classmate's report folder.
    """
    stem = submission.stem or submission.name
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-") or "submission"
    if base == stem and base not in taken:
        taken.add(base)
        return base
    absolute = os.fsencode(os.path.abspath(submission))
    name = f"{base}-{hashlib.sha256(absolute).hexdigest()[:8]}"
    unique, n = name, 2
    while unique in taken:  # the same path given twice
        unique, n = f"{name}-{n}", n + 1
    taken.add(unique)
    return unique


def grade_submission(
    submission: Path,
    name: str,
    lessons: Sequence[Lesson],
    limits: Limits,
    isolation: str = "auto",
    secret: str | None = None,
    jobs: int | None = None,
) -> SubmissionReport:
    """Grade one submission; never raises: a failure becomes the report's error."""
    start = time.perf_counter()
    report = SubmissionReport(name=name, submission=str(submission))
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
        report.results, kind = run_checks(workspace, lessons, limits, isolation, secret, jobs)
        report.isolation = describe_isolation(kind, limits)
    except Exception as exc:  # the report must be written whatever went wrong
        report.error = f"the grader failed: {type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)
    finally:
        workspace.cleanup()
    report.seconds = time.perf_counter() - start
    return report


def _usage_error(message: str) -> int:
    print(f"embedlab grade: {message}", file=sys.stderr)
    return 2


def _chosen_lessons(keys: Sequence[str] | None) -> list[Lesson]:
    """The lessons to grade, in the pack's order: those named by --lesson, else all."""
    lessons = list(load_lessons())
    if not keys:
        return lessons
    wanted = {lesson.slug for lesson in pick_lessons(keys, lessons)}
    return [lesson for lesson in lessons if lesson.slug in wanted]


def _read_secret(path: Path | None) -> str | None:
    """The first line of the secret file; None (EMBEDLAB_SECRET, else none) without one."""
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the secret file {path}: {exc}") from None
    lines = text.splitlines()
    secret = lines[0].strip() if lines else ""
    if not secret:  # an empty secret would silently grade as if there were none
        raise ValueError(
            f"the secret file {path} is empty or its first line is blank: "
            "the secret is its first line"
        )
    return secret


def _check_writable(out: Path) -> None:
    """Fail before grading, not after, if the reports cannot be written under `out`."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".embedlab-probe-"):
            pass
    except OSError as exc:
        raise ValueError(
            f"--out {out}: cannot write reports there ({exc.strerror or exc})"
        ) from None


def _write_report(report: SubmissionReport, lessons: Sequence[Lesson], lang: str, path: Path):
    """Write the full report; if that fails, a minimal valid one (score 0, the error)."""
    try:
        write_json(results_json(report, lessons, lang), path)
    except Exception as exc:
        error = f"the grader could not write the full report: {type(exc).__name__}: {exc}"
        report.error = f"{report.error}; {error}" if report.error else error
        write_json(error_results(report, report.error), path)


def _limit_items(args: argparse.Namespace) -> list[str]:
    """The --limit items, then --call-timeout and --lesson-timeout, checked like every limit."""
    items = list(getattr(args, "limit", None) or [])
    named = {item.partition("=")[0].strip().replace("-", "_") for item in items}
    for name in ("call_timeout", "lesson_timeout"):
        value = getattr(args, name, None)
        if value is None:
            continue
        option = "--" + name.replace("_", "-")
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"{option} must be a positive number of seconds, got {value:g}")
        if name in named:  # which one was meant cannot be told
            raise ValueError(f"{option} and --limit {name}=... set the same limit; give one")
        items.append(f"{name}={value!r}")
    return items


def main_grade(args: argparse.Namespace) -> int:
    """Grade every submission named on the command line and print the score table."""
    submissions = [Path(s) for s in args.submissions]
    missing = [s for s in submissions if not s.exists()]
    if missing:
        for s in missing:
            print(f"embedlab grade: no such submission: {s}", file=sys.stderr)
        return 2
    unique: dict[Path, Path] = {}
    for s in submissions:  # e.g. `subs/* subs/alice`: one submission, one report
        if s.resolve() in unique:
            print(f"embedlab grade: {s} is given twice; graded once", file=sys.stderr)
        unique.setdefault(s.resolve(), s)
    submissions = list(unique.values())
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return _usage_error(f"--out {out} is an existing file; --out must be a folder")
    gradescope = getattr(args, "gradescope", False)
    if gradescope and len(submissions) != 1:
        return _usage_error(f"--gradescope grades exactly one submission, not {len(submissions)}")
    try:
        lessons = _chosen_lessons(getattr(args, "lesson", None))
        secret = _read_secret(getattr(args, "secret_file", None))
        limits = Limits.parse(_limit_items(args))
        choose_isolation(args.isolation)
        jobs = getattr(args, "jobs", None)
        if jobs is not None and jobs < 1:
            raise ValueError(f"--jobs must be at least 1, got {jobs}")
        _check_writable(out)
        if choose_isolation(args.isolation) == "uid":
            # Without bubblewrap's view only permissions keep the sandbox's uid out of this
            # run's submissions, reports and secret: none of them stays open to other users.
            secret_file = getattr(args, "secret_file", None)
            protect_paths([*submissions, out, *([Path(secret_file)] if secret_file else [])])
    except (RuntimeError, ValueError) as exc:  # LessonError is a ValueError
        return _usage_error(str(exc))
    taken: set[str] = set()
    reports, failed_writes = [], 0
    for submission in submissions:
        name = report_name(submission, taken)
        path = out / "results.json" if gradescope else out / name / "results.json"
        report = SubmissionReport(name=name, submission=str(submission))
        try:  # one submission never stops the batch
            report = grade_submission(
                submission, name, lessons, limits, args.isolation, secret, jobs
            )
            _write_report(report, lessons, args.lang, path)
        except Exception as exc:
            report.error = report.error or f"the grader failed: {type(exc).__name__}: {exc}"
            traceback.print_exc(file=sys.stderr)
            try:
                write_json(error_results(report, report.error), path)
            except Exception as again:
                failed_writes += 1
                print(
                    f"embedlab grade: cannot write the report of {name}: {again}", file=sys.stderr
                )
        reports.append(report)
        if report.error:
            said = report.error.startswith((f"{name}:", f"{submission.name}:"))
            print(report.error if said else f"{name}: {report.error}", file=sys.stderr)
    print(score_table(reports, lessons))
    isolation = {r.isolation for r in reports if r.isolation}
    for line in sorted(isolation):
        print(f"isolation: {line}")
    where = out / "results.json" if gradescope else f"{out}/<submission>/results.json"
    print(f"reports in {where}")
    return 1 if failed_writes else 0
