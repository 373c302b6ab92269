"""The sandboxed worker: a trusted root that never runs student code, and one child per check.

The grader starts this script inside the sandbox with two sockets: `ctl`, on which the grader
asks the root for checks and the root reports how each one ended, and `data`, on which the
grader calls the student's functions. For each check the root hands over a child forked
from itself that imports the student's module afresh, and serves calls on `data` until the
root kills it. Children close `ctl` before anything else, drop to the sandbox uid, lose every
privilege, and run under a seccomp filter; so student code can neither speak for the root nor
learn from earlier checks. The root is a child subreaper: whatever a check started is killed
before the root reports the check's end.

To hide the cost of fork and import, the root forks the next check's child while a check runs;
that child waits, and only imports the module once the running check has been reaped.
Runs with the standard library, numpy and channel.py only; it is started as a script.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import select
import shutil
import signal
import socket
import stat
import struct
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
channel = None  # the plain-data codec, imported once numpy's folder is on sys.path

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
PRELOAD = (
    "numpy",
    "numpy.linalg",
    "numpy.random",
    "math",
    "cmath",
    "collections",
    "itertools",
    "functools",
    "heapq",
    "bisect",
    "typing",
    "re",
    "json",
    "unicodedata",
    "dataclasses",
    "string",
    "random",
    "operator",
    "importlib.util",
)

_libc = ctypes.CDLL(None, use_errno=True)


def prctl(option: int, arg: int = 0) -> int:
    """Call prctl(2); returns its result (-1 on error)."""
    return _libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0), 0)


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


# --- seccomp ------------------------------------------------------------------------------
# Syscalls a check never needs: network, ptrace, SysV IPC and keyrings (state that would
# outlive a check), io_uring, bpf and perf; namespaces; signals to the grader or the root.
_SYSCALLS = {
    "x86_64": {
        "arch": 0xC000003E,
        "deny": [
            41,
            53,
            101,
            310,
            311,
            312,
            29,
            64,
            68,
            240,
            248,
            249,
            250,
            321,
            298,
            323,
            425,
            426,
            427,
            424,
            438,
            308,
            272,
            165,
            166,
            155,
        ],  # fmt: skip
        "kill": [62, 200, 234, 129, 297],
        "clone": 56,
        "clone3": 435,
    },
    "aarch64": {
        "arch": 0xC00000B7,
        "deny": [
            198,
            199,
            117,
            270,
            271,
            272,
            194,
            190,
            186,
            180,
            217,
            218,
            219,
            280,
            241,
            282,
            425,
            426,
            427,
            424,
            438,
            268,
            97,
            40,
            39,
            41,
        ],  # fmt: skip
        "kill": [129, 130, 131, 138, 240],
        "clone": 220,
        "clone3": 435,
    },
}
_NAMESPACE_FLAGS = 0x7E020080  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME


def seccomp_program(protected: list[int]) -> bytes | None:
    """A classic-BPF seccomp filter for this machine, or None on an unknown architecture."""
    table = _SYSCALLS.get(os.uname().machine)
    if table is None:
        return None
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, kill, errno = 0x7FFF0000, 0x80000000, 0x00050000
    eperm, enosys = errno | 1, errno | 38
    code: list[tuple] = []  # (opcode, k, jump-true label, jump-false label) or (opcode, k)
    labels: dict[str, int] = {}

    def at(name: str) -> None:
        labels[name] = len(code)

    code += [(ld, 4), (jeq, table["arch"], "arch_ok", "kill")]
    at("arch_ok")
    code.append((ld, 0))
    if table["arch"] == 0xC000003E:
        code.append((jge, 0x40000000, "nosys", "native"))  # the x32 ABI
        at("native")
    for n, nr in enumerate(table["deny"]):
        code.append((jeq, nr, "deny", f"d{n}"))
        at(f"d{n}")
    code.append((jeq, table["clone3"], "nosys", "c3"))  # glibc falls back to clone
    at("c3")
    code.append((jeq, table["clone"], "clone", "k"))
    at("k")
    for n, nr in enumerate(table["kill"]):
        code.append((jeq, nr, "signal", f"k{n}"))
        at(f"k{n}")
    code.append((ret, allow))
    at("clone")
    code += [(ld, 16), (jset, _NAMESPACE_FLAGS, "deny", "allow")]
    at("signal")
    code += [(ld, 16), (jset, 0x80000000, "deny", "s0")]  # a group or everyone (pid < 0)
    at("s0")
    code.append((jeq, 0, "deny", "s1"))  # our own process group (pid 0)
    at("s1")
    for n, pid in enumerate(protected):
        code.append((jeq, pid, "deny", f"p{n}"))
        at(f"p{n}")
    at("allow")
    code.append((ret, allow))
    at("deny")
    code.append((ret, eperm))
    at("nosys")
    code.append((ret, enosys))
    at("kill")
    code.append((ret, kill))
    out = []
    for i, ins in enumerate(code):
        if len(ins) == 2:
            out.append(struct.pack("HBBI", ins[0], 0, 0, ins[1]))
            continue
        op, k, yes, no = ins
        jt, jf = labels[yes] - i - 1, labels[no] - i - 1
        if not (0 <= jt < 256 and 0 <= jf < 256):
            raise ValueError("seccomp jump out of range")
        out.append(struct.pack("HBBI", op, jt, jf, k & 0xFFFFFFFF))
    return b"".join(out)


def install_seccomp(protected: list[int]) -> bool:
    """Install the filter on this process and its future children; False if unsupported."""
    program = seccomp_program(protected)
    if program is None:
        return False

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buf = ctypes.create_string_buffer(program, len(program))
    prog = SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if prctl(PR_SET_NO_NEW_PRIVS, 1) != 0:
        return False
    rc = _libc.prctl(PR_SET_SECCOMP, ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(prog), 0, 0)
    return rc == 0


# --- processes ----------------------------------------------------------------------------
def children(pid: int | None = None) -> list[int]:
    """The children of a process (of this one by default; orphans come here: we are a subreaper)."""
    found: list[int] = []
    where = "self" if pid is None else str(pid)
    try:
        for tid in os.listdir(f"/proc/{where}/task"):
            with open(f"/proc/{where}/task/{tid}/children", "rb") as f:
                found += [int(x) for x in f.read().split()]
        return found
    except FileNotFoundError:
        if pid is not None:
            return found
    except OSError:
        return found
    me = os.getpid() if pid is None else pid
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    data = f.read()
                if int(data[data.rindex(b")") + 2 :].split()[1]) == me:
                    found.append(int(name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def reap_all(keep: set[int] = frozenset()) -> None:
    """Kill and reap every process below this one but those in `keep`.

    Every process is stopped before any is killed, so a fork bomb cannot outrun the killing:
    a stopped process cannot fork, and each round finds the few born since the last.
    """
    stopped: set[int] = set()
    for _ in range(10000):
        todo, seen, new = [p for p in children() if p not in keep], set(), []
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            if pid not in stopped:
                new.append(pid)
            todo += children(pid)
        if not new:
            break
        for pid in new:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        stopped.update(new)
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    while True:
        pids = [p for p in children() if p not in keep]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def nuke(uid: int) -> None:
    """Kill every process of `uid` at once: kill(-1) is atomic, so even a fork bomb cannot escape.

    A helper forked from the root takes the uid and signals everything it may signal; the root
    then reaps what comes back to it.
    """
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    reap_all()


def _status(status: int) -> dict:
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"code": os.waitstatus_to_exitcode(status)}


def _error(exc: BaseException) -> dict:
    try:
        message = str(exc)[:2000]
    except BaseException:  # noqa: BLE001 - a student's __str__ may raise anything
        message = "<the exception's message could not be shown>"
    try:
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        here = (os.path.join(HERE, "worker.py"), os.path.join(HERE, "channel.py"))
        hide = [f'"{path}"' for path in here] + ['"<frozen importlib']
        kept = [line for line in lines if not any(mark in line for mark in hide)]
        text = "".join(kept)[-4000:]
    except BaseException:  # noqa: BLE001
        text = ""
    return {"type": str(type(exc).__name__)[:80], "message": message, "traceback": text}


# --- one check --------------------------------------------------------------------------------
class Check:
    """The untrusted side: a child that imports the module when told, then serves calls."""

    def __init__(self, config: dict, data: socket.socket, pipe: int):
        self.config, self.data, self.pipe = config, data, pipe
        self.buffer = b""
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
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd > 2 and fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
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
            self.compiled = (name, compile(source, path, "exec", dont_inherit=True))
        except BaseException as exc:  # noqa: BLE001 - raised again, as at import, when asked
            self.compiled = (name, exc)

    def _import(self, name: str) -> dict:
        path = os.path.join(self.config["dir"], name + ".py")
        out = CappedText(self.config.get("output_cap", 8000))
        real_out, real_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        try:
            import importlib.util

            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            ready, self.compiled = self.compiled, None
            if ready is not None and ready[0] == name:
                if isinstance(ready[1], BaseException):
                    raise ready[1]
                exec(ready[1], module.__dict__)  # noqa: S102 - the student's module, in its sandbox
            else:
                spec.loader.exec_module(module)
            reply = {"ok": True, "module": module}
        except BaseException as exc:  # noqa: BLE001 - SyntaxError, SystemExit at import, ...
            reply = {"ok": False, "error": _error(exc)}
        finally:
            sys.stdout, sys.stderr = real_out, real_err
        reply["out"] = out.value()
        return reply

    def _send(self, reply: dict) -> None:
        try:
            frame = channel.pack(reply)
        except BaseException as exc:  # noqa: BLE001 - a value that cannot be encoded
            frame = channel.pack(
                {
                    "id": reply.get("id"),
                    "ok": False,
                    "unsendable": _error(exc),
                    "out": reply.get("out", ""),
                }
            )
        cap = self.config.get("reply_bytes", 1 << 30)
        if len(frame) > cap:
            frame = channel.pack(
                {
                    "id": reply.get("id"),
                    "ok": False,
                    "too_big": len(frame),
                    "out": reply.get("out", ""),
                }
            )
        self.data.sendall(frame)

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


def _reroute_paths(path_fds: dict, uid: int) -> None:
    """Make import folders the sandbox's uid cannot reach usable through descriptors opened here.

    Run once in the root, before any check is forked: /proc/self/fd/N names the same folder in
    every child, which inherits the descriptor, whatever the permissions of the folders above it.
    """
    blocked = []
    os.seteuid(uid)
    try:
        blocked = [p for p in path_fds if not os.access(p, os.X_OK, effective_ids=True)]
    finally:
        os.seteuid(0)
    routes = {p: f"/proc/self/fd/{path_fds[p]}" for p in blocked}
    if not routes:
        return

    def swap(path: str) -> str:
        for prefix, via in routes.items():
            if path == prefix or path.startswith(prefix + os.sep):
                return via + path[len(prefix) :]
        return path

    sys.path[:] = [swap(p) for p in sys.path]
    for module in list(sys.modules.values()):
        paths = getattr(module, "__path__", None)
        if isinstance(paths, list):
            paths[:] = [swap(p) if isinstance(p, str) else p for p in paths]
    sys.path_importer_cache.clear()
    for name in ("collections.abc", "typing", "statistics", "fractions", "decimal", "array"):
        try:
            __import__(name)  # warm the new finders, so that children inherit their caches
        except ImportError:
            pass


# --- the root -----------------------------------------------------------------------------
class Spare:
    """A child forked ahead of time, waiting for its orders on a private pipe."""

    def __init__(self, pid: int, pipe: int):
        self.pid, self.pipe, self.module = pid, pipe, None
        self.pidfd = _pidfd(pid)

    def order(self, text: str) -> bool:
        try:
            os.write(self.pipe, text.encode() + b"\n")
            return True
        except OSError:
            return False

    def alive(self) -> bool:
        if self.pidfd is not None:
            return not select.select([self.pidfd], [], [], 0)[0]
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def close(self) -> None:
        for fd in (self.pipe, self.pidfd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


class Root:
    """The trusted level: forks checks on the grader's orders and reports how each ended."""

    def __init__(self, config: dict, ctl: socket.socket, data: socket.socket):
        self.config, self.ctl, self.data = config, ctl, data
        self.spare: Spare | None = None

    def fork_spare(self, module: str | None = None) -> Spare:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(write)
            keep = {self.data.fileno(), read, *self.config.get("path_fds", {}).values()}
            check = Check(self.config, self.data, read)
            code = 0
            try:
                check.lock_down(keep)
                if module is not None:
                    check.compile(module)  # parse only; the module runs once the root says so
                check.run()
            except BaseException:  # noqa: BLE001 - the child must never return into the root
                code = 70
            os._exit(code)
        os.close(read)
        return Spare(pid, write)

    def serve(self) -> None:
        channel.send(self.ctl, {"event": "ready", "seccomp": seccomp_program([1]) is not None})
        while True:
            try:
                msg = channel.receive(self.ctl)
            except channel.ChannelError:
                break
            if type(msg) is dict and msg.get("op") == "end":
                continue  # the check it meant had already ended by itself
            if type(msg) is not dict or msg.get("op") != "check":
                break
            self.check(str(msg.get("module")), int(msg.get("id", 0)))
        self.finish()

    def finish(self) -> None:
        if self.config.get("drop"):
            nuke(self.config["drop"][0])
        reap_all()
        os._exit(0)

    def check(self, module: str, check_id: int) -> None:
        spare = self.spare
        if spare is None or spare.module not in (None, module) or not spare.alive():
            if spare is not None:
                spare.close()
            reap_all()
            spare = self.fork_spare()
        if spare.module is None:
            spare.module = module
            spare.order("I" + module)
        spare.order(f"G{check_id}")
        self.spare = self.fork_spare(module)
        requested = self.wait(spare)
        try:
            os.kill(spare.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(spare.pid, 0)
        spare.close()
        if [p for p in children() if p != self.spare.pid]:  # the check left processes behind
            if self.config.get("drop"):
                nuke(self.config["drop"][0])  # the spare goes too; a fresh one comes when needed
            else:
                reap_all(keep={self.spare.pid})
        if self.spare.alive():  # all of the check is dead: the next one may import now
            self.spare.module = module
            self.spare.order("I" + module)
        channel.drain(self.data)
        channel.send(
            self.ctl, {"event": "exited", "id": check_id, "requested": requested, **_status(status)}
        )

    def wait(self, spare: Spare) -> bool:
        """Wait until the grader ends the check (True) or its process ends by itself (False)."""
        watch = [self.ctl] + ([spare.pidfd] if spare.pidfd is not None else [])
        while True:
            ready = select.select(watch, [], [], None if spare.pidfd is not None else 0.05)[0]
            if self.ctl in ready:
                try:
                    msg = channel.receive(self.ctl)
                except channel.ChannelError:
                    self.finish()
                if type(msg) is dict and msg.get("op") == "end":
                    return True
                self.finish()
            if spare.pidfd is not None and spare.pidfd in ready:
                return False
            if spare.pidfd is None and not spare.alive():
                return False


def _preload() -> None:
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass


def _open_path_fds(config: dict) -> None:
    """When the root will drop privileges, keep descriptors to the import folders it can read."""
    if not config.get("drop") or not config.get("reroute"):
        return
    fds = {}
    for path in sys.path:
        if path and os.path.isdir(path):
            fds[path] = os.open(path, os.O_PATH | os.O_DIRECTORY)
    config["path_fds"] = fds
    _reroute_paths(fds, config["drop"][0])


def main(argv: list[str] | None = None) -> None:
    """Entry point: `worker.py CONFIG_JSON`; serves checks until the grader hangs up."""
    global channel
    argv = sys.argv[1:] if argv is None else argv
    config = json.loads(argv[0])
    for path in reversed([HERE, *config.get("site", [])]):
        sys.path.insert(0, path)
    import channel as codec

    channel = codec
    channel.CACHING = True
    _preload()
    sys.path.append(config["dir"])
    ctl = socket.socket(fileno=config["ctl_fd"])
    data = socket.socket(fileno=config["data_fd"])
    config["reply_bytes"] = int(config.get("reply_bytes", 1 << 30))
    config["protect"] = [int(p) for p in config.get("protect", [])] + [os.getpid()]
    _open_path_fds(config)
    prctl(PR_SET_DUMPABLE, 0)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    import gc

    gc.freeze()  # the children's collections then leave the root's objects (and pages) alone
    Root(config, ctl, data).serve()


if __name__ == "__main__":
    main()
