"""Run every check of a submission's lessons: one sandboxed worker per grader process, lessons
spread over the CPUs, results back in lesson order."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from autograder.checkfiles import load_cases
from autograder.grading import CheckResult, GradingSession
from autograder.isolation import choose_isolation
from autograder.lessons import Lesson, pack_root
from autograder.limits import Limits
from autograder.modeldata import load_model_data
from autograder.sandbox import Worker
from autograder.spread import available_cpus, spread
from autograder.workspace import Workspace


def check_files(lessons: Sequence[Lesson]) -> list[str]:
    """Every lesson's public then hidden check files, in lesson order."""
    files = []
    for lesson in lessons:
        files += [str(p) for p in (lesson.public_tests, lesson.hidden_tests) if p.is_file()]
    return files


def seed_base(workspace: Workspace, secret: str | None, module: str) -> str:
    """The base of a lesson's hidden seeds: the submission's modules, the secret, the lesson.

    Every lesson module the submission holds counts (see Workspace.content): a check can read
    them all, so none of them can keep answers from one submission to the next.
    """
    # Surrounding blanks never count: a secret read with `head -n1` from a file with Windows
    # line endings, or typed with a trailing space, draws the same inputs as --secret-file.
    secret = (secret if secret is not None else os.environ.get("EMBEDLAB_SECRET", "")).strip()
    return hashlib.sha256(f"{secret}\0{module}\0{workspace.content}".encode()).hexdigest()


def run_checks(
    workspace: Workspace,
    lessons: Sequence[Lesson],
    limits: Limits,
    isolation: str = "auto",
    secret: str | None = None,
    jobs: int | None = None,
) -> tuple[list[CheckResult], str]:
    """Run every check of `lessons` against the workspace; returns the results and the isolation.

    With `jobs` > 1 (default: the CPUs available) the lessons are spread over forked copies
    of the grader, each with a bwrap sandbox of its own; results come back in lesson order.
    Other isolations grade one lesson at a time: their sandboxes would share /tmp.
    """
    kind = choose_isolation(isolation)
    seeds = {lesson.module: seed_base(workspace, secret, lesson.module) for lesson in lessons}
    if kind != "bwrap":  # only bwrap gives each sandbox a /tmp of its own
        jobs = 1
    jobs = available_cpus() if jobs is None else jobs
    if jobs <= 1 or len(lessons) <= 1:
        return _run_session(workspace, lessons, limits, kind, seeds), kind

    parent = os.getpid()
    lanes = min(jobs, len(lessons))
    # Every sandbox boots now, while this grader loads the checks and the model data: the
    # first one for this grader, one per forked grader on a copy of the workspace (each
    # sandbox has a uid of its own, which owns its workspace). A forked grader claims one by
    # reading a byte, as it takes tasks.
    early = [Worker(workspace.path, limits, kind)]
    ahead: list[tuple[Workspace, Worker]] = []
    claims_r, claims_w = os.pipe()
    try:
        early[0].launch()
        for _ in range(lanes - 1):
            copy = workspace.copy()
            ahead.append((copy, Worker(copy.path, limits, kind)))
            ahead[-1][1].launch()
        os.write(claims_w, bytes(range(len(ahead))))
        os.close(claims_w)
        claims_w = -1  # closed: its number may belong to another file from now on
        with contextlib.suppress(Exception):  # loaded once, shared; checks report errors
            load_model_data()
            for path in check_files(lessons):
                load_cases(path, pack_root())

        @contextlib.contextmanager
        def session():
            mine, worker, owned = _claim(workspace, parent, early, ahead, claims_r)
            if worker is None:  # none left to claim (the parent reruns a lost task)
                worker = Worker(mine.path, limits, kind)
            adopted = worker.process
            try:
                yield lambda i: [
                    asdict(r) for r in _run_session(mine, [lessons[i]], limits, kind, seeds, worker)
                ]
            finally:
                if owned or worker.process is not adopted:
                    worker.close()  # ours, or restarted here: the forking grader cannot stop it
                else:
                    worker.disown()  # the forking grader launched it, and stops it

        order = sorted(range(len(lessons)), key=lambda i: -_weight(lessons[i]))
        budget = limits.lesson_timeout * len(lessons) + 30.0
        done = spread(order, lanes, session, budget)
    finally:
        os.close(claims_r)
        if claims_w >= 0:
            os.close(claims_w)
        for unused in early:  # spread never asked for it (it raised first)
            unused.close()
        for copy, worker in ahead:
            worker.close()
            copy.cleanup()
    return [CheckResult(**r) for i in range(len(lessons)) for r in done[i]], kind


def _claim(
    workspace: Workspace,
    parent: int,
    early: list[Worker],
    ahead: list[tuple[Workspace, Worker]],
    claims: int,
) -> tuple[Workspace, Worker | None, bool]:
    """The workspace and launched worker of this grader: (workspace, worker, whether it owns it).

    The forking grader takes its own; a forked one claims one launched for it and drops its
    copies of all the others, which stay the forking grader's to stop.
    """
    if os.getpid() == parent:
        return workspace, (early.pop() if early else None), True
    for worker in early:
        worker.disown()
    early.clear()
    chosen = None
    with contextlib.suppress(OSError):
        byte = os.read(claims, 1)
        chosen = byte[0] if byte else None
    for n, (_, worker) in enumerate(ahead):
        if n != chosen:
            worker.disown()
    if chosen is None:  # more forked graders than sandboxes: cannot happen, but never share
        raise RuntimeError("no sandbox was launched for this grader")
    return ahead[chosen][0], ahead[chosen][1], False


def _weight(lesson: Lesson) -> int:
    """A lesson's rough cost, to hand out the biggest first: its number of check functions."""
    return sum(_count_checks(p) for p in (lesson.public_tests, lesson.hidden_tests))


@functools.cache
def _count_checks(path: Path) -> int:
    # Read once per process: a batch grades many submissions with the same check files.
    return path.read_text(encoding="utf-8").count("\ndef test_") if path.is_file() else 0


def _run_session(
    workspace: Workspace,
    lessons: Sequence[Lesson],
    limits: Limits,
    kind: str,
    seeds: dict[str, str],
    worker: Worker | None = None,
) -> list[CheckResult]:
    """Run every check of `lessons` with one worker (a new one unless given)."""
    own = worker is None
    worker = Worker(workspace.path, limits, kind) if worker is None else worker
    session = GradingSession(
        worker=worker,
        workspace=workspace,
        seeds=seeds,
        limits=limits,
        lessons={lesson.module: lesson for lesson in lessons},
    )
    try:
        worker.launch()  # it boots while the check files load; checks wait for its greeting
        cases = [case for path in check_files(lessons) for case in load_cases(path, pack_root())]
        session.run(cases)
    finally:
        if own:
            worker.close()
    if session.fatal is not None:  # a sandbox that cannot start is the grader's failure
        raise session.fatal
    return session.results
