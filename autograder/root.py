"""The worker's trusted root: forks a child per check on the grader's orders, reports its end."""

from __future__ import annotations

import linecache
import os
import resource
import select
import signal
import socket

import channel
from child import Check, new_module
from codec import ChannelError
from processes import bare_fork, children, nuke, pidfd, prepare_prctl, reap_all
from seccomp import prepare_seccomp, seccomp_program

PROBE_SECONDS = 5.0  # compiling one module; far more than any real lesson module needs
PROBE_KB = 64 << 10  # memory compiling it may take, beyond the root's own (KB, as rusage)


def _status(status: int) -> dict:
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"code": os.waitstatus_to_exitcode(status)}


def _keep_lines(path: str, source: bytes) -> None:
    """Put the module's lines in linecache, so a traceback in a check does not read the file."""
    try:
        lines = source.decode("utf-8").splitlines(keepends=True)
        info = os.stat(path)
    except (UnicodeDecodeError, OSError):
        return
    linecache.cache[path] = (info.st_size, info.st_mtime, lines, path)


def _resident_kb() -> int:
    """This process's resident memory now, in KB (its rusage peak may predate its exec)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * (resource.getpagesize() >> 10)


class Spare:
    """A child forked ahead of time, waiting for its orders on a private pipe."""

    def __init__(self, pid: int, pipe: int):
        self.pid, self.pipe, self.module = pid, pipe, None
        self.pidfd = pidfd(pid)

    def order(self, text: str) -> bool:
        """Send the child an order ("I<module>": import it, "G<id>": go); False if it is gone."""
        try:
            os.write(self.pipe, text.encode() + b"\n")
            return True
        except OSError:
            return False

    def alive(self) -> bool:
        """Whether the child is still running."""
        if self.pidfd is not None:
            return not select.select([self.pidfd], [], [], 0)[0]
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def close(self) -> None:
        """Close the child's order pipe and pidfd."""
        for fd in (self.pipe, self.pidfd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass


class Root:
    """The trusted level: forks checks on the grader's orders and reports how each ended."""

    def __init__(self, config: dict, ctl: socket.socket, data: socket.socket):
        self.config, self.ctl, self.data = config, ctl, data
        self.spare: Spare | None = None
        self.codes: dict[str, object] = {}  # module -> its code object, or None
        self.modules: dict[str, object] = {}  # module -> an empty module object for its code

    def code_of(self, module: str):
        """The module's code object, compiled once here after a locked-down probe compiled it.

        Compiling parses and never runs the module; the probe shows first, in a process that
        can harm nothing, that compiling this very file ends cleanly, so the root (which never
        runs student code) can compile it once for every later check instead of each check
        paying the parse. None: each check compiles it itself, as a fresh import would.
        """
        if module not in self.codes:
            self.codes[module] = None
            if self._probe(module):
                path = os.path.join(self.config["dir"], module + ".py")
                try:
                    with open(path, "rb") as f:
                        source = f.read()
                    self.codes[module] = compile(source, path, "exec", dont_inherit=True)
                    # Made here, empty, once: each check runs the code in its own copy of it,
                    # and making it in every check would write to pages copied for each.
                    self.modules[module] = new_module(module, path)
                    _keep_lines(path, source)
                except Exception:  # noqa: BLE001 - the check's import reports it
                    self.codes[module] = None
        return self.codes[module]

    def _probe(self, module: str) -> bool:
        """Whether a locked-down child compiles `module` cleanly, in time and in little memory.

        A module can be cheap to read and dear to compile (a chain of half a million
        comparisons takes 600 MB): the root keeps what it compiles, and every check forked
        from it would start with that memory, so such a module is left to each check.
        """
        pid = bare_fork()
        if pid == 0:
            code = 1
            try:
                keep = {self.data.fileno(), *self.config.get("path_fds", {}).values()}
                Check(self.config, self.data, -1).lock_down(keep)
                path = os.path.join(self.config["dir"], module + ".py")
                try:
                    with open(path, "rb") as f:
                        compile(f.read(), path, "exec", dont_inherit=True)
                except Exception:  # noqa: BLE001 - a clean error, raised again at import
                    pass
                code = 0
            finally:
                os._exit(code)
        fd = pidfd(pid)
        if fd is not None:
            done = bool(select.select([fd], [], [], PROBE_SECONDS)[0])
            os.close(fd)
        else:
            done = False
        if not done:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status, usage = os.wait4(pid, 0)
        grew = usage.ru_maxrss - _resident_kb()  # the probe started as a copy of the root
        clean = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        return done and clean and grew < PROBE_KB

    def fork_spare(self, module: str | None = None) -> Spare:
        """Fork a child that locks itself down and waits for orders, having parsed `module`."""
        read, write = os.pipe()
        pid = bare_fork()
        if pid == 0:
            os.close(write)
            keep = {self.data.fileno(), read, *self.config.get("path_fds", {}).values()}
            check = Check(self.config, self.data, read)
            code = 0
            try:
                check.lock_down(keep)
                if module is not None and self.codes.get(module) is not None:
                    check.compiled = (module, self.codes[module], self.modules[module])
                elif module is not None:
                    check.compile(module)  # parse only; the module runs once the root says so
                check.run()
            except BaseException:  # noqa: BLE001 - the child must never return into the root
                code = 70
            os._exit(code)
        os.close(read)
        return Spare(pid, write)

    def serve(self) -> None:
        """Greet the grader, then run the checks it asks for until it hangs up."""
        # Built once, before any check is forked: each check's child only installs them.
        prepare_seccomp([p for p in self.config.get("protect", []) if p > 0])
        prepare_prctl(1, signal.SIGKILL)  # the arguments of a child's lock-down
        channel.send(self.ctl, {"event": "ready", "seccomp": seccomp_program([1]) is not None})
        while True:
            try:
                msg = channel.receive(self.ctl)
            except ChannelError:
                break
            if type(msg) is dict and msg.get("op") == "end":
                continue  # the check it meant had already ended by itself
            if type(msg) is not dict or msg.get("op") != "check":
                break
            self.check(str(msg.get("module")), int(msg.get("id", 0)))
        self.finish()

    def finish(self) -> None:
        """Kill and reap everything below the root, then exit."""
        if self.config.get("drop"):
            nuke(self.config["drop"][0])
        reap_all()
        os._exit(0)

    def check(self, module: str, check_id: int) -> None:
        """Run one check in the spare child, fork the next spare, report how the check ended."""
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
        self.code_of(module)  # while the check runs: later checks skip the parse
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
                except ChannelError:
                    self.finish()
                if type(msg) is dict and msg.get("op") == "end":
                    return True
                self.finish()
            if spare.pidfd is not None and spare.pidfd in ready:
                return False
            if spare.pidfd is None and not spare.alive():
                return False
