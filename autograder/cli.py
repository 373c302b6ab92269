"""The `embedlab` command: data, check, grade."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import fields
from pathlib import Path

from autograder.limits import Limits


def _limit(name: str) -> str:
    return f"{getattr(Limits(), name):g}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="embedlab", description="Embedding Lab: exercises, self-check and grader."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser(
        "data", help="compute the real model's vectors into the committed data file"
    )
    data.add_argument(
        "--model", help="a sentence-transformers model name or path (default: the packaged MiniLM)"
    )
    data.add_argument(
        "--out", type=Path, help="where to write (default: autograder/data/minilm.npz)"
    )
    data.add_argument(
        "--check", action="store_true", help="compare the file with the model instead of writing it"
    )

    check = sub.add_parser("check", help="run the public checks on your exercises")
    check.add_argument("lesson", nargs="?", help="a lesson: slug, number or module (default: all)")
    check.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="your exercises folder (default: the nearest exercises/ here or above)",
    )
    check.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of titles and hints"
    )

    grade = sub.add_parser(
        "grade",
        help="grade submissions into Gradescope-style results.json files",
        allow_abbrev=False,  # "--secret S" must not pass as an abbreviation of --secret-file
        description="Grade each submission into OUT/<submission>/results.json (Gradescope's "
        "schema) and print a score table. Exits 0 when every submission got its report, "
        "2 on a usage error (a missing submission, a bad option) before grading anything.",
    )
    grade.add_argument(
        "submissions", nargs="+", type=Path, help="submission folders, .zip, .py or .ipynb files"
    )
    grade.add_argument(
        "--out",
        type=Path,
        required=True,
        help="folder for <submission>/results.json (created if needed; must not be a file)",
    )
    grade.add_argument(
        "--secret-file",
        type=Path,
        default=None,
        metavar="PATH",
        help="a file whose first line is the instructor secret mixed into the hidden checks' "
        "seeds (default: the EMBEDLAB_SECRET environment variable, else no secret)",
    )
    grade.add_argument(
        "--lesson",
        action="append",
        default=None,
        metavar="LESSON",
        help="grade only this lesson: slug, number or module (repeatable; default: every "
        "lesson); the score is then out of the chosen lessons' points",
    )
    grade.add_argument(
        "--gradescope",
        action="store_true",
        help="Gradescope layout: exactly one submission, report written to OUT/results.json",
    )
    grade.add_argument(
        "--isolation",
        choices=("auto", "bwrap", "uid", "none"),
        default="auto",
        help="how to isolate student code: bwrap = bubblewrap sandbox (namespaces, read-only "
        "system); uid = a dedicated unprivileged uid (needs root); none = the grader's own "
        "user, no sandbox (refused as root); auto = bwrap where it runs, else uid as root, "
        "else none (default: %(default)s)",
    )
    grade.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="lessons graded at once, each in a bubblewrap sandbox of its own "
        "(default: the CPUs available under bwrap, else 1)",
    )
    grade.add_argument(
        "--call-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help=f"seconds per call to a student function (default: {_limit('call_timeout')})",
    )
    grade.add_argument(
        "--lesson-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help=f"seconds for all of a lesson's checks (default: {_limit('lesson_timeout')})",
    )
    grade.add_argument(
        "--limit",
        action="append",
        metavar="NAME=VALUE",
        help="set a limit (repeatable; for the same name the later wins), e.g. memory_mb=512; "
        "names and defaults: "
        + ", ".join(f"{f.name}={getattr(Limits(), f.name):g}" for f in fields(Limits)),
    )
    grade.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="language of hints in feedback (default: %(default)s)",
    )
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "data":
        from autograder.datagen import main_data

        return main_data(args.model, args.out, args.check)
    if args.command == "check":
        from autograder.selfcheck import main_check

        return main_check(args.lesson, args.dir, args.lang)
    from autograder.submissions import main_grade

    return main_grade(args)


def main(argv: list[str] | None = None) -> int:
    """Run the embedlab command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command in ("grade", "check"):
        # Before numpy loads: the checks' matrices are small and grading keeps every CPU busy
        # with lessons side by side, so BLAS threads would only spin (measured: 0.7 s of CPU).
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        return _run(args)
    except BrokenPipeError:  # e.g. `embedlab check | head -1`: the reader left, stop quietly
        try:  # keep the interpreter's final flush from failing again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass  # stdout is not a real file (e.g. captured in tests)
        return 141  # 128 + SIGPIPE, as a shell reports it
    except KeyboardInterrupt:  # Ctrl-C: the reports written so far stay; say where it stopped
        print("embedlab: interrupted", file=sys.stderr)
        return 130  # 128 + SIGINT


if __name__ == "__main__":
    sys.exit(main())
