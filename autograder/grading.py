"""Grade one submission: its workspace, its worker, every lesson's checks run through pytest."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

from autograder.feedback import describe_failure
from autograder.isolation import choose_isolation
from autograder.lessons import Lesson
from autograder.limits import Limits
from autograder.modeldata import load_model_data
from autograder.plugin import GRADING_PLUGIN
from autograder.pytest_run import run_pytest
from autograder.sandbox import Worker
from autograder.spread import available_cpus, spread
from autograder.student import (
    MissingFunction,
    StudentCrash,
    StudentFailure,
    StudentImportFailed,
    StudentTimeout,
    student_exception,
)
from autograder.uids import SandboxError
from autograder.workspace import Workspace


class CheckNotRun(StudentFailure):
    """A collected check that never ran: it counts as failed, and its feedback says why."""


@dataclass
class CheckResult:
    """The outcome of one check on one submission."""

    lesson: str
    name: str
    hidden: bool
    passed: bool
    doc: str = ""
    output: str = ""
    seconds: float = 0.0


class SandboxStudent:
    """The `student` fixture when grading: each call goes to the sandboxed worker."""

    def __init__(
        self,
        worker: Worker,
        module: str,
        timeout: float | None = None,
        log=None,
        deadline: float | None = None,
    ):
        self._worker, self._module, self._timeout = worker, module, timeout
        self._log: list[str] = [] if log is None else log
        self._deadline = deadline  # time.monotonic() when the lesson's time is up

    def with_timeout(self, seconds: float) -> SandboxStudent:
        """The same module, with another wall-clock limit for each call."""
        return SandboxStudent(self._worker, self._module, seconds, self._log, self._deadline)

    def _call_timeout(self) -> float:
        """The call's limit, cut to what is left of the lesson's time."""
        timeout = self._worker.limits.call_timeout if self._timeout is None else self._timeout
        if self._deadline is None:
            return timeout
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise StudentTimeout("the lesson's checks used up the lesson's time limit")
        return min(timeout, left)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args, **kwargs):
            reply = self._worker.call(name, args, kwargs, self._call_timeout())
            self._keep_output(reply.get("out"))
            if reply.get("ok") is True:
                return reply.get("value")
            if reply.get("missing"):
                raise MissingFunction(f"{self._module}.py defines no function {name}()")
            if "unsendable" in reply:
                raise StudentCrash(
                    f"{name}() returned a value that cannot be sent back to the grader; "
                    "return plain values (numbers, strings, lists, tuples, dicts, numpy arrays)"
                )
            error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
            cap = self._worker.limits.output_chars + 1  # feedback shows at most output_chars
            raise student_exception(
                str(error.get("type", "Exception"))[:200],
                str(error.get("message", ""))[:cap],
                str(error.get("traceback", ""))[:cap],
            )

        call.__name__ = name
        return call

    def _keep_output(self, out) -> None:
        """Log a reply's printed output, keeping at most output_chars (+1) for the whole check.

        The worker caps each call's output, but the student's code can lift that cap; the
        grader never keeps more than it could show.
        """
        if not out:
            return
        room = self._worker.limits.output_chars + 1 - sum(map(len, self._log))
        if room > 0:
            self._log.append(str(out)[:room])


@dataclass(eq=False, repr=False)  # repr would print every result, e.g. in signal's errors
class GradingSession:
    """The pytest plugin object for one submission: opens students, records outcomes."""

    worker: Worker
    workspace: Workspace
    seeds: dict[str, str]  # lesson module -> the base of its hidden checks' seeds
    limits: Limits
    lessons: dict[str, Lesson]
    results: list[CheckResult] = field(default_factory=list)
    _import_errors: dict[str, str] = field(default_factory=dict)
    _lesson_clock: dict[str, float] = field(default_factory=dict)
    _excinfo: dict[str, BaseException] = field(default_factory=dict)
    _logs: dict[str, list[str]] = field(default_factory=dict)
    _started: dict[str, float] = field(default_factory=dict)
    fatal: Exception | None = None
    _armed: bool = False
    _fired: bool = False
    _handling: bool = False
    _saved_handler: object = None
    _recorded: set[str] = field(default_factory=set)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Give SIGALRM back the handler it had before the checks."""
        if self._handling:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._saved_handler or signal.SIG_DFL)
            self._handling = False

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Before the first check, wait for the worker: if it cannot start, no check runs."""
        try:
            self.worker.start()
        except SandboxError as exc:
            self.fatal = exc
            pytest.exit(f"the sandbox did not start: {exc}")

    def open_student(self, lesson: Lesson, item: pytest.Item) -> SandboxStudent:
        """Start a fresh worker process for this check, or raise why it cannot run."""
        module = lesson.module
        if module in self.workspace.missing:
            raise StudentImportFailed(self.workspace.missing[module])
        if module in self._import_errors:
            raise StudentImportFailed(self._import_errors[module])
        spent = self._lesson_clock.get(lesson.slug, 0.0)
        if spent > self.limits.lesson_timeout:
            raise StudentTimeout(
                f"the lesson's checks used up its {self.limits.lesson_timeout:g} s time limit"
            )
        if self.worker.lesson != module:
            self.worker.leave_lesson()
        try:
            self.worker.begin_check(module)
        except StudentImportFailed as exc:
            self._import_errors[module] = str(exc)
            raise
        log = self._logs.setdefault(item.nodeid, [])
        deadline = time.monotonic() + self.limits.lesson_timeout - spent
        return SandboxStudent(self.worker, module, log=log, deadline=deadline)

    def close_student(self, proxy: SandboxStudent) -> None:
        """End the check's worker process."""
        self.worker.end_check()

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Skip pytest's own failure reports: never shown, they parse the check's source each time."""
        for item in items:
            item.repr_failure = _no_repr  # type: ignore[method-assign]
            item._repr_failure_py = _no_repr  # type: ignore[method-assign]
        self._collected = list(items)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A check file that cannot load is the grader's failure: no check of it may go missing."""
        if report.failed and self.fatal is None:
            self.fatal = RuntimeError(f"the checks in {report.nodeid} could not be loaded")

    def record_unrun(self) -> None:
        """Every collected check that never ran counts as failed, and says why."""
        for item in getattr(self, "_collected", []):
            if item.nodeid not in self._recorded:
                self._record(item, CheckNotRun("this check did not run: grading stopped early"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        """Keep the exception of a failed phase, to explain it later."""
        report = yield
        if call.excinfo is not None and item.nodeid not in self._excinfo:
            self._excinfo[item.nodeid] = call.excinfo.value
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item):
        """Start the check's clock, and its deadline over its setup."""
        self._started[item.nodeid] = time.perf_counter()
        self._fired = False
        self._arm(item)
        try:
            return (yield)
        finally:
            self._disarm()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        """Run the check under its deadline: the grader's own work counts too."""
        self._arm(item)
        try:
            return (yield)
        finally:
            self._disarm()

    def _arm(self, item: pytest.Item) -> None:
        """Arm a timer for what is left of the lesson's time (SIGALRM raises StudentTimeout).

        Each call has its own limit, but after a reply the grader itself may spend long on it
        (decoding, comparing, formatting a huge value); the timer bounds that too.
        """
        if threading.current_thread() is not threading.main_thread():
            return
        lesson = self.lessons.get(Path(item.path).stem.removeprefix("test_"))
        if lesson is None:
            return
        spent = self._lesson_clock.get(lesson.slug, 0.0)
        spent += time.perf_counter() - self._started.get(item.nodeid, time.perf_counter())
        left = max(self.limits.lesson_timeout - spent, 0.001)
        if not self._handling:  # once: signal.signal() costs more than a check's own work
            self._saved_handler = signal.signal(signal.SIGALRM, self._on_alarm)
            self._handling = True
        self._armed = True
        signal.setitimer(signal.ITIMER_REAL, left)

    def _disarm(self) -> None:
        if not self._armed:
            return
        self._armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        if self._fired:  # the worker may be mid-reply: start the next check on a fresh one
            self.worker.kill()

    def _on_alarm(self, signum, frame) -> None:
        if not self._armed or self._fired:
            return
        self._fired = True
        raise StudentTimeout(
            f"the check ran past the lesson's {self.limits.lesson_timeout:g} s time limit"
        )

    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        """Record the check's outcome."""
        self._disarm()
        seconds = time.perf_counter() - self._started.get(item.nodeid, time.perf_counter())
        lesson = self.lessons[Path(item.path).stem.removeprefix("test_")]
        self._lesson_clock[lesson.slug] = self._lesson_clock.get(lesson.slug, 0.0) + seconds
        exc = self._excinfo.pop(item.nodeid, None)  # its frames may hold big values: drop them
        self._record(item, exc, seconds)

    def _record(self, item: pytest.Item, exc: BaseException | None, seconds: float = 0.0) -> None:
        lesson = self.lessons[Path(item.path).stem.removeprefix("test_")]
        hidden = Path(item.path).resolve().parent != lesson.folder.resolve()
        doc = ((getattr(item, "function", None) or (lambda: None)).__doc__ or "").strip()
        self._recorded.add(item.nodeid)
        output = ""
        if exc is not None:
            output = describe_failure(exc, hidden, doc.splitlines()[0] if doc else "", self.limits)
        log = "".join(self._logs.pop(item.nodeid, []))
        if log and exc is not None:
            output += "\nYour code printed:\n" + log[: self.limits.output_chars]
        self.results.append(
            CheckResult(
                lesson=lesson.slug,
                name=_public_name(item.name, self.results) if hidden else item.name,
                hidden=hidden,
                passed=exc is None,
                doc=doc.splitlines()[0] if doc else "",
                output=output,
                seconds=seconds,
            )
        )


def _no_repr(excinfo, style=None) -> str:
    return f"{excinfo.typename} (see the grading report)"


def _public_name(name: str, earlier: Sequence[CheckResult]) -> str:
    """A hidden check's name without its parameters, which could show hidden inputs."""
    base, bracket, _ = name.partition("[")
    if not bracket:
        return name
    n = 1 + sum(r.name.startswith(f"{base} (case ") for r in earlier)
    return f"{base} (case {n})"


def check_files(lessons: Sequence[Lesson]) -> list[str]:
    """Every lesson's public then hidden check files, in lesson order."""
    files = []
    for lesson in lessons:
        files += [str(p) for p in (lesson.public_tests, lesson.hidden_tests) if p.is_file()]
    return files


def seed_base(workspace: Workspace, secret: str | None, module: str) -> str:
    """The base of a lesson's hidden seeds: its own module's content and the instructor's secret.

    Only the lesson's own module counts: a lesson scores the same whether it is graded alone
    or with the others, and whatever the other lessons' files hold.
    """
    secret = secret if secret is not None else os.environ.get("EMBEDLAB_SECRET", "")
    digest = workspace.module_digest(module)
    return hashlib.sha256(f"{secret}\0{digest}".encode()).hexdigest()


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

    @contextlib.contextmanager
    def session():
        # Each sandbox has a uid of its own, which owns its workspace: a forked grader copies it.
        mine = workspace if os.getpid() == parent else workspace.copy()
        worker = Worker(mine.path, limits, kind)
        try:
            yield lambda i: [
                asdict(r) for r in _run_session(mine, [lessons[i]], limits, kind, seeds, worker)
            ]
        finally:
            worker.close()
            if mine is not workspace:
                mine.cleanup()

    with contextlib.suppress(Exception):  # loaded once, shared by the forks; checks report errors
        load_model_data()
    order = sorted(range(len(lessons)), key=lambda i: -_weight(lessons[i]))
    budget = limits.lesson_timeout * len(lessons) + 30.0
    done = spread(order, jobs, session, budget)
    return [CheckResult(**r) for i in range(len(lessons)) for r in done[i]], kind


def _weight(lesson: Lesson) -> int:
    """A lesson's rough cost, to hand out the biggest first: its number of check functions."""
    return sum(
        p.read_text(encoding="utf-8").count("\ndef test_")
        for p in (lesson.public_tests, lesson.hidden_tests)
        if p.is_file()
    )


def _run_session(
    workspace: Workspace,
    lessons: Sequence[Lesson],
    limits: Limits,
    kind: str,
    seeds: dict[str, str],
    worker: Worker | None = None,
) -> list[CheckResult]:
    """One pytest session over `lessons` with one worker (a new one unless given)."""
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
        worker.launch()  # it boots while pytest collects; checks wait for its greeting
        # --assert=plain: a public check's feedback is its own message, and pytest never spends
        # the grader's time explaining a comparison with a huge value the student sent back
        code = run_pytest(check_files(lessons), [_Named(session)], ["--assert=plain"])
    finally:
        if own:
            worker.close()
    if session.fatal is not None:  # a sandbox that cannot start is the grader's failure
        raise session.fatal
    if code == pytest.ExitCode.INTERRUPTED:  # Ctrl-C: stop, rather than report half a lesson
        raise KeyboardInterrupt
    session.record_unrun()
    return session.results


class _Named:
    """Registers the session under the name the plugin's fixtures look for."""

    def __init__(self, session: GradingSession):
        self.session = session

    def pytest_configure(self, config: pytest.Config) -> None:
        """Register the session as the grading plugin."""
        config.pluginmanager.register(self.session, GRADING_PLUGIN)
