"""The sandboxed worker: the only process that runs student code.

It is a fork server in three levels that share one socket with the grader:
the root waits for `lesson`, forks a child that imports the student's module; that child waits
for `check`, forks a child per check that serves `call`s until `end`. Whenever a child ends,
its parent kills every process the child left behind and tells the grader `exited`.
So every check starts from the freshly imported module, and nothing outlives it.
Runs with the standard library, numpy and channel.py only; it is started as a script.
"""

from __future__ import annotations

import ctypes
import io
import os
import signal
import socket
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import channel  # noqa: E402

PR_SET_CHILD_SUBREAPER = 36
OUTPUT_CAP = 8000


class CappedText(io.TextIOBase):
    """A text stream that keeps the first characters written and counts the rest."""

    def __init__(self, cap: int):
        self.cap, self.parts, self.kept, self.dropped = cap, [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        room = self.cap - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def value(self) -> str:
        tail = f"\n... ({self.dropped} more characters)" if self.dropped else ""
        return "".join(self.parts) + tail


def _become_subreaper() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _children() -> list[int]:
    me, found = os.getpid(), []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me:
            found.append(int(name))
    return found


def _reap_all() -> None:
    """Kill and reap every process left under this one (orphans come here: we are a subreaper)."""
    for _ in range(1000):
        pids = _children()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in pids:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _error(exc: BaseException) -> dict:
    try:
        message = str(exc)[:2000]
    except BaseException:  # noqa: BLE001 - a student's __str__ may raise anything
        message = "<the exception's message could not be shown>"
    try:
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        text = "".join(ln for ln in lines if "worker.py" not in ln and "<frozen " not in ln)[-4000:]
    except BaseException:  # noqa: BLE001
        text = ""
    return {"type": type(exc).__name__[:80], "message": message, "traceback": text}


def _fork_level(sock: socket.socket, child, level: str) -> None:
    """Fork; the child runs `child()` then exits; the parent waits, cleans up, reports `exited`."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            child()
        except BaseException:  # noqa: BLE001 - the child must never return into the parent's loop
            code = 70
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    _reap_all()
    if os.WIFSIGNALED(status):
        report = {"event": "exited", "level": level, "signal": os.WTERMSIG(status)}
    else:
        report = {"event": "exited", "level": level, "code": os.waitstatus_to_exitcode(status)}
    channel.send(sock, report)


def serve_calls(sock: socket.socket, module) -> None:
    """Serve `call` requests on one check's fresh copy of the module until `end`."""
    channel.send(sock, {"ok": True})
    real_out, real_err = sys.stdout, sys.stderr
    while True:
        msg = channel.receive(sock)
        if msg.get("op") != "call":
            return
        fn = getattr(module, str(msg.get("fn")), None)
        out = CappedText(OUTPUT_CAP)
        if not callable(fn):
            reply = {"ok": False, "missing": True}
        else:
            sys.stdout = sys.stderr = out
            try:
                value = fn(*msg.get("args", ()), **msg.get("kwargs", {}))
                reply = {"ok": True, "value": value}
            except BaseException as exc:  # noqa: BLE001 - report SystemExit and friends too
                reply = {"ok": False, "error": _error(exc)}
            finally:
                sys.stdout, sys.stderr = real_out, real_err
        reply["out"] = out.value()
        try:
            frame = channel.pack(reply)
        except BaseException as exc:  # noqa: BLE001
            frame = channel.pack({"ok": False, "unsendable": _error(exc), "out": reply["out"]})
        sock.sendall(frame)


def serve_lesson(sock: socket.socket, directory: str, module_name: str) -> None:
    """Import the student's module, report how it went, then fork a fresh child per check."""
    _become_subreaper()
    path = os.path.join(directory, module_name + ".py")
    out = CappedText(OUTPUT_CAP)
    real_out, real_err = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    try:
        import importlib.util

        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        reply = {"ok": True}
    except BaseException as exc:  # noqa: BLE001 - SyntaxError, SystemExit at import, ...
        reply = {"ok": False, "error": _error(exc)}
        module = None
    finally:
        sys.stdout, sys.stderr = real_out, real_err
    reply["out"] = out.value()
    channel.send(sock, reply)
    while True:
        msg = channel.receive(sock)
        if msg.get("op") != "check" or module is None:
            return
        _fork_level(sock, lambda: serve_calls(sock, module), "check")


def main(argv: list[str] | None = None) -> None:
    """Entry point: `worker.py FD DIRECTORY`; serves lessons until the grader says `end`."""
    argv = sys.argv[1:] if argv is None else argv
    sock = socket.socket(fileno=int(argv[0]))
    directory = argv[1]
    sys.path.insert(0, directory)
    _become_subreaper()
    channel.send(sock, {"ready": True, "pid": os.getpid()})
    while True:
        msg = channel.receive(sock)
        if msg.get("op") != "lesson":
            return
        name = str(msg.get("module"))
        _fork_level(sock, lambda name=name: serve_lesson(sock, directory, name), "lesson")


if __name__ == "__main__":
    main()
