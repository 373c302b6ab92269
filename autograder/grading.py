"""One submission's checks as a pytest plugin: the sandboxed `student`, deadlines, outcomes."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder.feedback import describe_failure
from autograder.lessons import Lesson
from autograder.limits import Limits
from autograder.sandbox import Worker
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
    _logs: dict[str, list[str]] = field(default_factory=dict)
    _started: dict[str, float] = field(default_factory=dict)
    fatal: Exception | None = None
    _armed: bool = False
    _fired: bool = False
    _handling: bool = False
    _saved_handler: object = None
    _recorded: set[str] = field(default_factory=set)
    _collected: list[pytest.Item] = field(default_factory=list)
    _files: dict[Path, tuple[Lesson, bool]] = field(default_factory=dict)

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
        """Remember every collected check: one that never runs still gets a result."""
        self._collected = list(items)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A check file that cannot load is the grader's failure: no check of it may go missing."""
        if report.failed and self.fatal is None:
            self.fatal = RuntimeError(f"the checks in {report.nodeid} could not be loaded")

    def record_unrun(self) -> None:
        """Every collected check that never ran counts as failed, and says why."""
        for item in self._collected:
            if item.nodeid not in self._recorded:
                self._record(item, CheckNotRun("this check did not run: grading stopped early"))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool:
        """Run one check (fixtures, body, teardown) under its deadline and record how it ended.

        This replaces pytest's own protocol, whose reports, hooks and terminal updates nobody
        reads when grading and which cost about as much as a check's own work.
        """
        self._started[item.nodeid] = started = time.perf_counter()
        self._fired = False
        exc: BaseException | None = None
        state = item.session._setupstate
        try:
            self._arm(item)
            try:
                state.setup(item)
                item.runtest()
            finally:
                self._disarm()
        except (KeyboardInterrupt, pytest.exit.Exception):
            raise
        except BaseException as error:  # noqa: BLE001 - whatever the check raised is its outcome
            exc = error
        try:
            state.teardown_exact(nextitem)
        except (KeyboardInterrupt, pytest.exit.Exception):
            raise
        except BaseException as error:  # noqa: BLE001
            exc = exc or error
        if hasattr(item, "_request"):  # let the fixtures' values go, as pytest does
            item._request = False  # type: ignore[attr-defined]
            item.funcargs = None  # type: ignore[attr-defined]
        seconds = time.perf_counter() - started
        lesson, _ = self._file(item)
        self._lesson_clock[lesson.slug] = self._lesson_clock.get(lesson.slug, 0.0) + seconds
        self._record(item, exc, seconds)
        return True

    def _arm(self, item: pytest.Item) -> None:
        """Arm a timer for what is left of the lesson's time (SIGALRM raises StudentTimeout).

        Each call has its own limit, but after a reply the grader itself may spend long on it
        (decoding, comparing, formatting a huge value); the timer bounds that too.
        """
        if threading.current_thread() is not threading.main_thread():
            return
        if Path(item.path).stem.removeprefix("test_") not in self.lessons:
            return
        lesson, _ = self._file(item)
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

    def _file(self, item: pytest.Item) -> tuple[Lesson, bool]:
        """The lesson of a check's file, and whether the file is hidden (not the lesson's own)."""
        path = Path(item.path)
        if path not in self._files:
            lesson = self.lessons[path.stem.removeprefix("test_")]
            self._files[path] = lesson, path.resolve().parent != lesson.folder.resolve()
        return self._files[path]

    def _record(self, item: pytest.Item, exc: BaseException | None, seconds: float = 0.0) -> None:
        lesson, hidden = self._file(item)
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


def _public_name(name: str, earlier: Sequence[CheckResult]) -> str:
    """A hidden check's name without its parameters, which could show hidden inputs."""
    base, bracket, _ = name.partition("[")
    if not bracket:
        return name
    n = 1 + sum(r.name.startswith(f"{base} (case ") for r in earlier)
    return f"{base} (case {n})"
