"""One check's child in the worker: locked down, it imports the student's module and serves calls."""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import stat
import sys
import traceback
import types

import channel
from processes import PR_SET_DUMPABLE, PR_SET_PDEATHSIG, prctl
from seccomp import PR_SET_NO_NEW_PRIVS, install_seccomp

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_FD = 1 << 20  # above any descriptor the root can hold (close_range stops at the last open one)


class CappedText(io.TextIOBase):
    """A text stream that keeps the first characters written and counts the rest."""

    def __init__(self, cap: int):
        self.cap, self.parts, self.kept, self.dropped = cap, [], 0, 0

    def writable(self) -> bool:
        """Always True: print() writes here."""
        return True

    def write(self, text) -> int:
        """Keep what fits under the cap and count the rest; returns the length written."""
        text = str(text)
        room = self.cap - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def value(self) -> str:
        """The kept text, and how many characters were dropped."""
        tail = f"\n... ({self.dropped} more characters)" if self.dropped else ""
        return "".join(self.parts) + tail


def _error(exc: BaseException) -> dict:
    try:
        message = str(exc)[:2000]
    except BaseException:  # noqa: BLE001 - a student's __str__ may raise anything
        message = "<the exception's message could not be shown>"
    try:
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        here = os.path.join(HERE, "")  # worker.py and every module copied next to it
        hide = [f'"{here}', '"<frozen importlib']
        kept = [line for line in lines if not any(mark in line for mark in hide)]
        text = "".join(kept)[-4000:]
    except BaseException:  # noqa: BLE001
        text = ""
    return {"type": str(type(exc).__name__)[:80], "message": message, "traceback": text}


def rehearse(rounds: int = 10) -> None:
    """Run a child's own code paths in the root, before any check is forked, on dummy data.

    CPython writes to a function's code object on its first runs (it specialises the bytecode)
    and modules fill caches on first use; in a forked child every page written is copied, so
    each check used to pay for that again. Run here once, those pages stay shared. No student
    code is involved: only the channel, the output cap and the error report.
    """
    import importlib.util

    sample = {
        "id": 1,
        "fn": "f",
        "args": ([1.0, 2.5, -3.0], "text", [[1, 2], [3, 4]], ("a", "b") * 9, list(range(40))),
        "kwargs": {"k": 3, "words": {f"w{i}": i for i in range(20)}, "big": 2**70},
    }
    ours, theirs = socket.socketpair()
    try:
        for _ in range(rounds):
            channel.send_frame(ours, channel.pack_parts(sample)[0])
            channel.receive(theirs)
            out = CappedText(10)
            out.write("rehearsal output, longer than its cap")
            try:
                raise ValueError("rehearsal")
            except ValueError as exc:
                channel.pack({"id": 1, "ok": False, "error": _error(exc), "out": out.value()})
            spec = importlib.util.spec_from_file_location(
                "rehearsal", os.path.join(HERE, "codec.py")
            )
            importlib.util.module_from_spec(spec)
    finally:
        ours.close()
        theirs.close()


class Check:
    """The untrusted side: a child that imports the module when told, then serves calls."""

    def __init__(self, config: dict, data: socket.socket, pipe: int):
        self.config, self.data, self.pipe = config, data, pipe
        self.buffer = b""
        # (module name, its code or the error compiling it, an empty module object or None)
        self.compiled: tuple | None = None

    def _line(self) -> str:
        while b"\n" not in self.buffer:
            chunk = os.read(self.pipe, 4096)
            if not chunk:
                os._exit(0)
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()

    def lock_down(self, keep: set[int]) -> None:
        """Before any student code: close the root's descriptors, drop uid, privileges, syscalls."""
        low = 3
        for fd in sorted(fd for fd in keep if fd >= 3):
            os.closerange(low, fd)
            low = fd + 1
        os.closerange(low, MAX_FD)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        drop = self.config.get("drop")
        if drop:
            uid, gid = drop
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
        prctl(PR_SET_DUMPABLE, 0)
        protect = [p for p in self.config.get("protect", []) if p > 0]
        if not install_seccomp(protect):
            prctl(PR_SET_NO_NEW_PRIVS, 1)
            if self.config.get("need_seccomp"):  # nothing else keeps this check off the network
                os._exit(71)

    def run(self) -> None:
        """Wait for the module to import, then for the check to start; serve it."""
        order = self._line()
        if not order.startswith("I"):
            return
        module_name = order[1:]
        _wipe(self.config.get("wipe", []), bool(self.config.get("drop")))
        imported = self._import(module_name)
        order = self._line()
        if not order.startswith("G"):
            return
        os.close(self.pipe)
        check_id = int(order[1:])
        module = imported.pop("module", None)
        self._send({"id": check_id, "import": True, **imported})
        if module is not None:
            self._serve(module)

    def compile(self, name: str) -> None:
        """Read and compile the module ahead of time: parsing runs none of its code."""
        path = os.path.join(self.config["dir"], name + ".py")
        try:
            with open(path, "rb") as f:
                source = f.read()
            self.compiled = (name, compile(source, path, "exec", dont_inherit=True), None)
        except BaseException as exc:  # noqa: BLE001 - raised again, as at import, when asked
            self.compiled = (name, exc, None)

    def _import(self, name: str) -> dict:
        path = os.path.join(self.config["dir"], name + ".py")
        out = CappedText(self.config.get("output_cap", 8000))
        real_out, real_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        try:
            ready, self.compiled = self.compiled, None
            if ready is None or ready[0] != name:
                ready = (name, None, None)
            module = ready[2] if ready[2] is not None else new_module(name, path)
            sys.modules[name] = module
            if isinstance(ready[1], BaseException):
                raise ready[1]
            if ready[1] is not None:
                exec(ready[1], module.__dict__)  # noqa: S102 - the student's module, in its sandbox
            else:
                module.__spec__.loader.exec_module(module)
            reply = {"ok": True, "module": module}
        except BaseException as exc:  # noqa: BLE001 - SyntaxError, SystemExit at import, ...
            reply = {"ok": False, "error": _error(exc)}
        finally:
            sys.stdout, sys.stderr = real_out, real_err
        reply["out"] = out.value()
        return reply

    def _send(self, reply: dict) -> None:
        try:
            frame, size = channel.pack_parts(reply)
        except BaseException as exc:  # noqa: BLE001 - a value that cannot be encoded
            frame, size = channel.pack_parts(
                {
                    "id": reply.get("id"),
                    "ok": False,
                    "unsendable": _error(exc),
                    "out": reply.get("out", ""),
                }
            )
        cap = self.config.get("reply_bytes", 1 << 30)
        if size > cap:
            frame, size = channel.pack_parts(
                {
                    "id": reply.get("id"),
                    "ok": False,
                    "too_big": size,
                    "out": reply.get("out", ""),
                }
            )
        channel.send_frame(self.data, frame)

    def _serve(self, module) -> None:
        real_out, real_err = sys.stdout, sys.stderr
        cap = self.config.get("output_cap", 8000)
        while True:
            msg = channel.receive(self.data)
            if type(msg) is not dict or "fn" not in msg:
                return
            fn = getattr(module, str(msg.get("fn")), None)
            out = CappedText(cap)
            if not callable(fn):
                reply = {"ok": False, "missing": True}
            else:
                args, kwargs = msg.get("args", ()), msg.get("kwargs", {})
                sys.stdout = sys.stderr = out
                try:
                    reply = {"ok": True, "value": fn(*args, **kwargs)}
                except BaseException as exc:  # noqa: BLE001 - report SystemExit and friends too
                    reply = {"ok": False, "error": _error(exc)}
                finally:
                    sys.stdout, sys.stderr = real_out, real_err
            reply["id"] = msg.get("id")
            reply["out"] = out.value()
            self._send(reply)


def new_module(name: str, path: str) -> types.ModuleType:
    """An empty module for the file at `path`, as an import makes it, before its code runs."""
    import importlib.util

    return importlib.util.module_from_spec(importlib.util.spec_from_file_location(name, path))


def _wipe(folders: list[str], owned_only: bool) -> None:
    """Remove what earlier checks left in the writable folders (only our own entries if shared)."""
    me = os.getuid()
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
                if owned_only and info.st_uid != me:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    shutil.rmtree(entry.path, onerror=_force)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue


def _force(function, path, _excinfo) -> None:
    try:
        os.chmod(os.path.dirname(path), 0o700)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, 0o700)
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass
