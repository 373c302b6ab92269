"""The `student` object checks call: a direct-import backend and the error types both share."""

from __future__ import annotations

import builtins
import contextlib
import functools
import importlib.util
import signal
import sys
import threading
import time
import types
from pathlib import Path

DEFAULT_CALL_TIMEOUT = 10.0


class StudentFailure(Exception):
    """Base of every failure that comes from the student's code rather than the check."""

    kind = "error"


class StudentRaised(StudentFailure):
    """Marker mixed into exceptions the student's function raised."""

    kind = "raised"
    student_traceback = ""


class StudentTimeout(StudentFailure):
    """A call, an import or a lesson ran past its wall-clock limit."""

    kind = "timeout"


class StudentCrash(StudentFailure):
    """The worker process died or broke the channel during a call."""

    kind = "crash"


class StudentImportFailed(StudentFailure):
    """The student's module could not be imported (missing, syntax error, crash at import)."""

    kind = "import"


class MissingFunction(StudentFailure):
    """The student's module has no function of the expected name."""

    kind = "missing"


def _takes_message(base: type) -> bool:
    try:
        base("message")
    except TypeError:
        return False
    return True


@functools.cache
def _raised_class(name: str) -> type:
    base = getattr(builtins, name, None)
    if isinstance(base, type) and issubclass(base, Exception) and base is not StopIteration:
        # UnicodeDecodeError and kin need five arguments: keep their nearest base that takes one.
        for candidate in base.__mro__:
            if _takes_message(candidate):
                bases = (base, StudentRaised) if candidate is base else (candidate, StudentRaised)
                return type(name, bases, {"__module__": "student"})
    return type(name, (StudentRaised,), {"__module__": "student"})


def student_exception(type_name: str, message: str, traceback_text: str = "") -> Exception:
    """Rebuild the student's exception by name only: builtin types keep their class for pytest.raises."""
    if not type_name.isidentifier():
        type_name = "Exception"
    exc = _raised_class(type_name)(message)
    exc.student_traceback = traceback_text
    return exc


@contextlib.contextmanager
def _alarm(seconds: float | None, what: str):
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise StudentTimeout(f"{what} did not return within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def import_path(path: Path, name: str) -> types.ModuleType:
    """Import a Python file under a private module name."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    folder = str(Path(path).parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
    return module


# Imports that failed in this process, by file and version: the later checks of a run say so
# at once instead of each waiting out the import's time limit again.
_FAILED_IMPORTS: dict[tuple[str, int, int], str] = {}


class DirectStudent:
    """Calls the student's module in this process: for self-checks on the student's own machine."""

    def __init__(self, path: Path, module_name: str, timeout: float = DEFAULT_CALL_TIMEOUT):
        self._path = Path(path)
        self._module_name = module_name
        self._timeout = timeout
        self._module: types.ModuleType | None = None

    def _load(self) -> types.ModuleType:
        if self._module is None:
            if not self._path.is_file():
                raise StudentImportFailed(
                    f"expected your module at {self._path}, but there is no such file"
                )
            info = self._path.stat()
            version = (str(self._path.resolve()), info.st_mtime_ns, info.st_size)
            if version in _FAILED_IMPORTS:
                raise StudentImportFailed(_FAILED_IMPORTS[version])
            try:
                with _alarm(self._timeout, f"importing {self._path.name}"):
                    self._module = import_path(self._path, f"student_{self._module_name}")
            except StudentTimeout as exc:
                _FAILED_IMPORTS[version] = str(exc)
                raise StudentImportFailed(str(exc)) from None
            except Exception as exc:
                why = f"importing {self._path.name} failed: {type(exc).__name__}: {exc}"
                _FAILED_IMPORTS[version] = why
                raise StudentImportFailed(why) from exc
        return self._module

    def with_timeout(self, seconds: float) -> DirectStudent:
        """Return a view of the same module whose calls have another wall-clock limit."""
        other = DirectStudent(self._path, self._module_name, seconds)
        other._module = self._load()
        return other

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        module = self._load()
        fn = getattr(module, name, None)
        if not callable(fn):
            raise MissingFunction(f"{self._path.name} defines no function {name}()")
        timeout = self._timeout

        @functools.wraps(fn)
        def call(*args, **kwargs):
            start = time.perf_counter()
            with _alarm(timeout, f"{name}()"):
                result = fn(*args, **kwargs)
            if timeout and time.perf_counter() - start > timeout:
                raise StudentTimeout(f"{name}() did not return within {timeout:g} s")
            return result

        return call
