"""Start and talk to the sandboxed worker: isolation, resource limits, the request protocol."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder import channel
from autograder.student import StudentCrash, StudentImportFailed, StudentTimeout

WORKER_FILES = ("worker.py", "channel.py")
HERE = Path(__file__).resolve().parent
SANDBOX_DIR = "/submission"
SANDBOX_RUNTIME = "/embedlab"


@dataclass(frozen=True)
class Limits:
    """Every limit the grader puts on student code; each can be configured."""

    call_timeout: float = 2.0
    import_timeout: float = 5.0
    lesson_timeout: float = 60.0
    memory_mb: int = 2048
    processes: int = 64
    file_size_mb: int = 8
    cpu_seconds: int = 300
    reply_mb: int = 64
    output_chars: int = 2000


def bwrap_path() -> str | None:
    """The bubblewrap binary, if installed."""
    return shutil.which("bwrap")


def _bwrap_works(bwrap: str) -> bool:
    try:
        done = subprocess.run(
            [bwrap, "--unshare-all", "--ro-bind", "/", "/", "true"],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


_ISOLATION: dict[str, str] = {}


def choose_isolation(wanted: str = "auto") -> str:
    """Pick the isolation to use: bwrap where it runs, else a plain process with rlimits."""
    if wanted in ("none", "uid"):
        return wanted
    if "auto" not in _ISOLATION:
        bwrap = bwrap_path()
        _ISOLATION["auto"] = "bwrap" if bwrap and _bwrap_works(bwrap) else "none"
    found = _ISOLATION["auto"]
    if wanted == "bwrap" and found != "bwrap":
        raise RuntimeError(
            "bubblewrap was asked for but cannot run here (apt-get install bubblewrap)"
        )
    return found


def describe_isolation(kind: str) -> str:
    """One line for reports: what isolated the student's code."""
    return {
        "bwrap": "bubblewrap: new user, pid, network and ipc namespaces; read-only view of the "
        "interpreter and the submission only; private /tmp; rlimits",
        "uid": "separate process without namespaces; rlimits",
        "none": "separate process without namespaces; rlimits (no file-system isolation)",
    }[kind]


def _limit_resources(limits: Limits):
    def apply() -> None:
        os.setsid()
        mem = limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        size = limits.file_size_mb * 2**20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        if os.getuid() != 0:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))

    return apply


def _python_roots() -> list[str]:
    paths = {sys.base_prefix, sys.prefix, sysconfig.get_paths()["purelib"]}
    paths |= {sysconfig.get_paths()["platlib"], str(Path(sys.executable).resolve().parent)}
    roots: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path == r or path.startswith(r + os.sep) for r in roots):
            roots.append(path)
    return roots


def worker_env() -> dict[str, str]:
    """The worker's whole environment: nothing of the grader's leaks in."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def bwrap_command(workspace: Path, runtime: Path, fd: int) -> list[str]:
    """The bubblewrap command line that starts the worker with only the student's files visible."""
    cmd = [bwrap_path() or "bwrap", "--unshare-all", "--die-with-parent", "--new-session"]
    cmd += ["--ro-bind", "/usr", "/usr"]
    for link in ("bin", "lib", "lib64", "sbin"):
        target = Path("/") / link
        if target.is_symlink():
            cmd += ["--symlink", os.readlink(target), f"/{link}"]
        elif target.is_dir():
            cmd += ["--ro-bind", str(target), f"/{link}"]
    for root in _python_roots():
        if not root.startswith("/usr/"):
            cmd += ["--ro-bind", root, root]
    cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    cmd += ["--ro-bind", str(workspace), SANDBOX_DIR, "--ro-bind", str(runtime), SANDBOX_RUNTIME]
    cmd += ["--chdir", "/tmp", "--clearenv"]
    for key, value in worker_env().items():
        cmd += ["--setenv", key, value]
    cmd += [sys.executable, "-I", "-B", f"{SANDBOX_RUNTIME}/worker.py", str(fd)]
    return [*cmd, SANDBOX_DIR]


class Worker:
    """One sandboxed worker for one submission; restarts itself after a crash or a timeout."""

    def __init__(self, workspace: Path, limits: Limits | None = None, isolation: str = "auto"):
        self.workspace = Path(workspace)
        self.limits = limits or Limits()
        self.isolation = choose_isolation(isolation)
        self.process: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.lesson: str | None = None
        self.depth = 0
        self._runtime = Path(tempfile.mkdtemp(prefix="embedlab-rt-"))
        for name in WORKER_FILES:
            shutil.copy(HERE / name, self._runtime / name)

    # --- process ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker process and wait for its greeting."""
        ours, theirs = socket.socketpair()
        fd = theirs.fileno()
        if self.isolation == "bwrap":
            cmd = bwrap_command(self.workspace, self._runtime, fd)
            cwd = None
        else:
            cmd = [sys.executable, "-I", "-B", str(self._runtime / "worker.py"), str(fd)]
            cmd.append(str(self.workspace))
            cwd = str(self.workspace)
        self.process = subprocess.Popen(
            cmd,
            pass_fds=(fd,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=worker_env(),
            cwd=cwd,
            preexec_fn=_limit_resources(self.limits),
        )
        theirs.close()
        self.sock = ours
        self.depth, self.lesson = 0, None
        try:
            hello = channel.receive(ours, self.limits.import_timeout, 1 << 16)
        except channel.ChannelError as exc:
            self.kill()
            raise StudentCrash(f"the worker did not start ({exc})") from None
        if not isinstance(hello, dict) or not hello.get("ready"):
            self.kill()
            raise StudentCrash("the worker did not start")

    def kill(self) -> None:
        """Kill the worker and everything it started."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.kill()
            self.process.wait()
            self.process = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.depth, self.lesson = 0, None

    def close(self) -> None:
        """Stop the worker and remove its runtime files."""
        self.kill()
        shutil.rmtree(self._runtime, ignore_errors=True)

    # --- protocol -----------------------------------------------------------------------
    def _request(self, message: dict, timeout: float):
        assert self.sock is not None
        channel.send(self.sock, message)
        return channel.receive(self.sock, timeout, self.limits.reply_mb * 2**20)

    def _expect_exit(self, level: str) -> None:
        reply = channel.receive(self.sock, self.limits.import_timeout, 1 << 16)
        if not (isinstance(reply, dict) and reply.get("event") == "exited"):
            raise channel.ChannelError("expected the worker to report an exit")
        if reply.get("level") != level:
            raise channel.ChannelError("the worker reported an unexpected exit")

    def enter_lesson(self, module: str) -> None:
        """Make the worker import `module` (raising StudentImportFailed with its error)."""
        if self.lesson == module and self.depth == 1:
            return
        if self.process is None or self.depth != 0:
            self.kill()
            self.start()
        try:
            reply = self._request({"op": "lesson", "module": module}, self.limits.import_timeout)
        except channel.ChannelTimeout:
            self.kill()
            raise StudentImportFailed(
                f"importing {module}.py did not finish within {self.limits.import_timeout:g} s"
            ) from None
        except (channel.ChannelError, OSError) as exc:
            self.kill()
            raise StudentImportFailed(f"importing {module}.py ended the worker ({exc})") from None
        if isinstance(reply, dict) and reply.get("event") == "exited":
            self.kill()
            raise StudentImportFailed(f"importing {module}.py ended the process ({_status(reply)})")
        self.depth, self.lesson = 1, module
        if not (isinstance(reply, dict) and reply.get("ok") is True):
            error = reply.get("error", {}) if isinstance(reply, dict) else {}
            self.leave_lesson()
            raise StudentImportFailed(
                f"importing {module}.py raised {error.get('type', 'an error')}: "
                f"{error.get('message', '')}\n{error.get('traceback', '')}".rstrip()
            )

    def leave_lesson(self) -> None:
        """End the lesson level, so the next lesson imports in a fresh process."""
        if self.depth == 2:
            self.end_check()
        if self.depth != 1:
            return
        try:
            channel.send(self.sock, {"op": "end"})
            self._expect_exit("lesson")
            self.depth, self.lesson = 0, None
        except (channel.ChannelError, OSError):
            self.kill()

    def begin_check(self, module: str) -> None:
        """Fork a fresh copy of the imported module for one check."""
        for attempt in (1, 2):
            self.enter_lesson(module)
            try:
                reply = self._request({"op": "check"}, self.limits.import_timeout)
                if isinstance(reply, dict) and reply.get("ok") is True:
                    self.depth = 2
                    return
                raise channel.ChannelError("the worker did not start the check")
            except (channel.ChannelError, OSError):
                self.kill()
                if attempt == 2:
                    raise StudentCrash("the worker could not start this check") from None

    def end_check(self) -> None:
        """End the check's process; the lesson level reaps whatever it left behind."""
        if self.depth != 2:
            return
        try:
            channel.send(self.sock, {"op": "end"})
            self._expect_exit("check")
            self.depth = 1
        except (channel.ChannelError, OSError):
            self.kill()

    def call(self, fn: str, args: tuple, kwargs: dict, timeout: float | None = None) -> dict:
        """Call the student's `fn` in the check's process and return the worker's reply."""
        if self.depth != 2:
            raise StudentCrash(
                "the worker for this check is gone (it crashed or timed out earlier)"
            )
        timeout = self.limits.call_timeout if timeout is None else timeout
        message = {"op": "call", "fn": fn, "args": tuple(args), "kwargs": dict(kwargs)}
        try:
            reply = self._request(message, timeout)
        except channel.ChannelTimeout:
            self.kill()
            raise StudentTimeout(f"{fn}() did not return within {timeout:g} s") from None
        except channel.ChannelClosed:
            self.kill()
            raise StudentCrash(f"the worker process died during {fn}()") from None
        except (channel.ChannelError, OSError) as exc:
            self.kill()
            raise StudentCrash(f"{fn}() broke the channel to the grader: {exc}") from None
        if isinstance(reply, dict) and reply.get("event") == "exited":
            self.depth = 0 if reply.get("level") == "lesson" else 1
            if self.depth == 0:
                self.kill()
            raise StudentCrash(f"your code ended its process during {fn}() ({_status(reply)})")
        if not isinstance(reply, dict) or "ok" not in reply:
            self.kill()
            raise StudentCrash(f"{fn}() sent the grader something that is not a reply")
        return reply


def _status(reply: dict) -> str:
    if "signal" in reply:
        try:
            name = signal.Signals(int(reply["signal"])).name
        except (ValueError, TypeError):
            name = str(reply["signal"])
        return f"killed by {name}"
    return f"exit code {reply.get('code')}"
