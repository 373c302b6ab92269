"""The `embedlab` command: data, check, grade."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


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
        "--dir", type=Path, default=None, help="your exercises folder (default: ./exercises)"
    )
    check.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of titles and hints"
    )

    grade = sub.add_parser(
        "grade", help="grade submissions into Gradescope-style results.json files"
    )
    grade.add_argument(
        "submissions", nargs="+", type=Path, help="submission folders, .zip, .py or .ipynb files"
    )
    grade.add_argument(
        "--out", type=Path, required=True, help="folder for <submission>/results.json"
    )
    grade.add_argument(
        "--secret",
        default=None,
        help="instructor secret mixed into the hidden checks' seeds (or EMBEDLAB_SECRET)",
    )
    grade.add_argument(
        "--isolation",
        choices=("auto", "bwrap", "uid", "none"),
        default="auto",
        help="how to isolate student code",
    )
    grade.add_argument(
        "--call-timeout", type=float, default=None, help="seconds per call to a student function"
    )
    grade.add_argument("--lesson-timeout", type=float, default=None, help="seconds per lesson")
    grade.add_argument(
        "--limit",
        action="append",
        metavar="NAME=VALUE",
        help="set any limit of autograder.limits.Limits (repeatable), e.g. memory_mb=512",
    )
    grade.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of hints in feedback"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the embedlab command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "data":
        from autograder.datagen import main_data

        return main_data(args.model, args.out, args.check)
    if args.command == "check":
        from autograder.selfcheck import main_check

        return main_check(args.lesson, args.dir, args.lang)
    from autograder.submissions import main_grade

    return main_grade(args)


if __name__ == "__main__":
    sys.exit(main())
