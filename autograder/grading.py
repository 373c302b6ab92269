"""One submission's checks run by the grader: the sandboxed `student`, deadlines, outcomes."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograder.checkargs import check_rng, reference_module
from autograder.checkfiles import CheckCase
from autograder.feedback import describe_failure
from autograder.lessons import Lesson
from autograder.limits import Limits
from autograder.modeldata import load_model_data
from autograder.sandbox import Worker
from autograder.student import (
    MissingFunction,
    StudentCrash,
    StudentImportFailed,
    StudentTimeout,
    student_exception,
)
from autograder.uids import SandboxError
from autograder.workspace import Workspace


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
    """One submission's checks over one worker: gives each check its arguments, records outcomes."""

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
    _files: dict[Path, tuple[Lesson, bool]] = field(default_factory=dict)

    def run(self, cases: Sequence[CheckCase]) -> None:
        """Run the checks in order; a sandbox that cannot start runs none (see `fatal`)."""
        try:
            self.worker.start()  # launched ahead; wait for its greeting
        except SandboxError as exc:
            self.fatal = exc
            return
        try:
            for case in cases:
                self._run_case(case)
        finally:
            if self._handling:  # give SIGALRM back the handler it had before the checks
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, self._saved_handler or signal.SIG_DFL)
                self._handling = False

    def open_student(self, lesson: Lesson, case: CheckCase) -> SandboxStudent:
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
        log = self._logs.setdefault(case.nodeid, [])
        deadline = time.monotonic() + self.limits.lesson_timeout - spent
        return SandboxStudent(self.worker, module, log=log, deadline=deadline)

    def _run_case(self, case: CheckCase) -> None:
        """Run one check (arguments, body, the end of its process) under its deadline."""
        self._started[case.nodeid] = started = time.perf_counter()
        self._fired = False
        exc: BaseException | None = None
        opened: list[SandboxStudent] = []
        try:
            self._arm(case)
            try:
                case.function(**self._arguments(case, opened))
            finally:
                self._disarm()
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # noqa: BLE001 - whatever the check raised is its outcome
            exc = error
        if opened:
            try:
                self.worker.end_check()
            except KeyboardInterrupt:
                raise
            except BaseException as error:  # noqa: BLE001
                exc = exc or error
        seconds = time.perf_counter() - started
        lesson, _ = self._file(case)
        self._lesson_clock[lesson.slug] = self._lesson_clock.get(lesson.slug, 0.0) + seconds
        self._record(case, exc, seconds)

    def _arguments(self, case: CheckCase, opened: list) -> dict:
        """The check's arguments: its parametrized values and what plugin.py's fixtures give."""
        lesson, _ = self._file(case)
        args = {}
        for name in case.argnames:
            if name in case.params:
                args[name] = case.params[name]
            elif name == "lesson":
                args[name] = lesson
            elif name == "student":
                args[name] = self.open_student(lesson, case)
                opened.append(args[name])
            elif name == "student_source":
                path = self.workspace.path / f"{lesson.module}.py"
                args[name] = path.read_text(encoding="utf-8") if path.is_file() else ""
            elif name == "reference":
                args[name] = reference_module(lesson)
            elif name == "rng":
                args[name] = check_rng(self.seeds[lesson.module], case.nodeid)
            elif name == "minilm":
                args[name] = load_model_data()
        return args

    def _arm(self, item: CheckCase) -> None:
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

    def _file(self, item: CheckCase) -> tuple[Lesson, bool]:
        """The lesson of a check's file, and whether the file is hidden (not the lesson's own)."""
        path = Path(item.path)
        if path not in self._files:
            lesson = self.lessons[path.stem.removeprefix("test_")]
            self._files[path] = lesson, path.resolve().parent != lesson.folder.resolve()
        return self._files[path]

    def _record(self, item: CheckCase, exc: BaseException | None, seconds: float = 0.0) -> None:
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
