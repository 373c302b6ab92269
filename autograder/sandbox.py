"""Start and talk to the sandboxed worker: isolation, resource limits, the request protocol.

Three isolations, strongest first (`choose_isolation("auto")` takes the first that works):
- `bwrap`: bubblewrap with new user, pid, network, ipc and uts namespaces and a read-only
  view holding only the system libraries, the interpreter's standard library, numpy, the
  worker and the student's modules; a private /tmp of limited size. When the grader is root,
  the sandbox's user namespace maps the checks to a dedicated unprivileged uid, so the
  process-count limit holds (the kernel never applies it to uid 0).
- `uid`: no namespaces (for root, where bubblewrap cannot run); checks run as a dedicated
  unprivileged uid that cannot read the pack, the grader or other workspaces.
- `none`: a process of the grader's own user (never for root: it would run student code as
  root); only the limits and the seccomp filter hold, files are not isolated.
In every isolation the worker's root never runs student code: each check runs in a child that
imports the module afresh, drops to the sandbox's uid and privileges, and runs under a seccomp
filter (no sockets, ptrace, SysV IPC, keyrings, namespaces or signals to the grader); the root
kills everything a check started before the next one begins, and the grader kills everything
the worker started when it closes it (the grader is a child subreaper besides).
"""

from __future__ import annotations

import secrets
import select
import signal
import time
from pathlib import Path

from autograder import channel, codec
from autograder.launch import WorkerProcess
from autograder.limits import Limits
from autograder.student import StudentCrash, StudentImportFailed, StudentTimeout
from autograder.uids import SandboxError

BIG_FRAME = 1 << 16  # replies larger than this are read in place, not through the buffer


class Worker(WorkerProcess):
    """One sandboxed worker for one submission; restarts itself when its root dies.

    The protocol: on `ctl` the grader sends {"op": "check", "module", "id"} and, when the check
    is over, {"op": "end"}; the root answers {"event": "exited", "id", ...} once every process of
    the check is dead. On `data` the check's child first sends the import's outcome, then one
    reply per call, each tagged with the call's random id.
    """

    def __init__(self, workspace: Path, limits: Limits | None = None, isolation: str = "auto"):
        super().__init__(workspace, limits, isolation)
        self.lesson: str | None = None
        self.import_errors: dict[str, str] = {}
        self.restarts = 0
        self._check: dict | None = None

    def kill(self) -> None:
        """Kill the worker and everything it started; a check it had begun is over."""
        super().kill()
        if self._check is not None and self._check["id"] is not None:
            self._check["dead"] = self._check["dead"] or "the sandbox ended"

    # --- the control channel --------------------------------------------------------------
    def _settle(self) -> None:
        """Wait for the end of the check we asked to end: then nothing of it is running."""
        if self._pending_exit is None:
            return
        expected, self._pending_exit = self._pending_exit, None
        try:
            event = self._event(max(5.0, self.limits.import_timeout))
        except (codec.ChannelError, OSError):
            self.kill()
            return
        if event.get("event") != "exited" or event.get("id") != expected:
            self.kill()
            return
        channel.drain(self.data)

    # --- compatibility with the grading session -------------------------------------------
    def enter_lesson(self, module: str) -> None:
        """Raise StudentImportFailed if `module` is already known not to import."""
        if module in self.import_errors:
            raise StudentImportFailed(self.import_errors[module])

    def leave_lesson(self) -> None:
        """End any open check (each check imports its lesson's module afresh)."""
        self.end_check()

    def begin_check(self, module: str) -> None:
        """Open a check on `module`; its process starts with the first call."""
        self.end_check()
        self.enter_lesson(module)
        self.lesson = module
        self._check = {"module": module, "id": None, "imported": False, "dead": None}

    def end_check(self) -> None:
        """End the open check; its processes die before the next check's first call."""
        check, self._check = self._check, None
        if check is None or check["id"] is None or check["dead"] is not None:
            return
        self._end(check, None)

    def _end(self, check: dict, why: str | None) -> None:
        check["dead"] = why or "the check has ended"
        if self.ctl is None:
            return
        try:
            channel.send(self.ctl, {"op": "end"}, timeout=2.0)
            self._pending_exit = check["id"]
        except (codec.ChannelError, OSError):
            self.kill()

    def _open(self, check: dict) -> None:
        if self.process is None:
            self.start()
            self.restarts += 1
        elif not self._greeted:
            self.start()  # launched ahead of the checks: wait for its greeting now
        self._settle()
        if self.process is None:
            self.start()
            self.restarts += 1
        check["id"] = secrets.randbits(62)
        if self._cgroup is not None:
            self._cgroup.ran_out()  # from here on, a kill for want of memory is this check's
        try:
            channel.send(
                self.ctl, {"op": "check", "module": check["module"], "id": check["id"]}, 2.0
            )
        except (codec.ChannelError, OSError):
            self.kill()
            raise StudentCrash("the sandbox stopped answering") from None
        check["buffer"] = bytearray()

    # --- calls ----------------------------------------------------------------------------
    def call(self, fn: str, args: tuple, kwargs: dict, timeout: float | None = None) -> dict:
        """Call the student's `fn` in the check's process and return the worker's reply."""
        check = self._check
        if check is None:
            raise StudentCrash("no check is open")
        if check["dead"] is not None:
            raise StudentCrash(f"the process of this check is gone ({check['dead']})")
        if check["id"] is None:
            self._open(check)
        call_id = secrets.randbits(62)
        try:
            frame, _ = channel.pack_parts(
                {"id": call_id, "fn": fn, "args": tuple(args), "kwargs": dict(kwargs)}
            )
        except Exception as exc:
            raise SandboxError(f"the grader cannot send these arguments: {exc}") from None
        timeout = self.limits.call_timeout if timeout is None else timeout
        waiting = timeout + (0.0 if check["imported"] else self.limits.import_timeout)
        try:
            channel.send_frame(self.data, frame, max(waiting, 1.0))
        except (codec.ChannelError, OSError):
            self._end(check, "it stopped reading")
            raise StudentCrash(
                f"your code stopped reading the grader's calls before {fn}()"
            ) from None
        before = ""
        if not check["imported"]:
            reply = self._reply(check, check["id"], self.limits.import_timeout, "importing")
            module = check["module"]
            if reply.get("ok") is not True:
                error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
                message = (
                    f"importing {module}.py raised {error.get('type', 'an error')}: "
                    f"{error.get('message', '')}\n{error.get('traceback', '')}"
                ).rstrip()
                self._import_failed(check, message)
            check["imported"] = True
            before = str(reply.get("out", ""))[: self.limits.output_chars + 1]
        reply = self._reply(check, call_id, timeout, f"{fn}()")
        if before:
            reply["out"] = before + str(reply.get("out", ""))[: self.limits.output_chars + 1]
        return reply

    def _import_failed(self, check: dict, message: str):
        self.import_errors[check["module"]] = message
        self._end(check, "its module did not import")
        raise StudentImportFailed(message)

    def _reply(self, check: dict, want: int, timeout: float, what: str) -> dict:
        """Read the reply tagged `want`, watching the root for the check's process dying."""
        buf: bytearray = check["buffer"]  # what arrived beyond the last frame
        cap = self.limits.reply_mb << 20
        deadline = time.monotonic() + timeout
        while True:
            if len(buf) >= 4:
                size = int.from_bytes(buf[:4], "big")
                if size > cap:
                    self._end(check, "its reply was too big")
                    raise StudentCrash(
                        f"{what} sent back {size >> 20} MB, over the {self.limits.reply_mb} MB limit"
                    )
                if len(buf) >= 4 + size:
                    body = buf[4 : 4 + size]
                    del buf[: 4 + size]
                    return self._check_reply(check, body, want, what)
                if size > BIG_FRAME:  # the rest goes straight into a buffer of its own
                    body = bytearray(size)
                    have = len(buf) - 4
                    body[:have] = buf[4:]
                    buf.clear()
                    self._fill(check, memoryview(body)[have:], deadline, timeout, what)
                    return self._check_reply(check, body, want, what)
            chunk = self._wait_data(check, deadline, timeout, what)
            buf += chunk

    def _fill(self, check: dict, view: memoryview, deadline: float, timeout: float, what: str):
        """Read exactly len(view) bytes of the reply into `view`."""
        got = 0
        while got < len(view):
            self._wait_data(check, deadline, timeout, what, peek=True)
            try:
                n = self.data.recv_into(view[got:])
            except OSError:
                n = 0
            if not n:
                self._lost(check, what)
            got += n

    def _wait_data(
        self, check: dict, deadline: float, timeout: float, what: str, peek: bool = False
    ) -> bytes:
        """Wait for reply bytes (returns a chunk of them, or b"" with `peek`) until the deadline.

        The check's process dying, or the deadline passing, ends the check with an exception.
        """
        while True:
            left = deadline - time.monotonic()
            ready = (
                select.select([self.data, self.ctl], [], [], max(left, 0))[0] if left > 0 else []
            )
            if self.data in ready:
                if peek:
                    return b""
                try:
                    chunk = self.data.recv(1 << 16)
                except OSError:
                    chunk = b""
                if chunk:
                    return chunk
            if self.ctl in ready:
                self._died(check, what)
            if not ready:
                self._end(check, "it timed out")
                if what == "importing":
                    self._import_failed(
                        check,
                        f"importing {check['module']}.py did not finish within "
                        f"{self.limits.import_timeout:g} s",
                    )
                raise StudentTimeout(f"{what} did not return within {timeout:g} s")
            if self.data in ready:  # readable but empty: the socket broke; the root will say why
                self._lost(check, what)

    def _lost(self, check: dict, what: str):
        """The data socket closed or broke mid-reply: the root's report says how the check ended."""
        if select.select([self.ctl], [], [], 1.0)[0]:
            self._died(check, what)
        self._end(check, "its channel broke")
        raise StudentCrash(f"the channel to your code broke during {what}")

    def _check_reply(self, check: dict, body: bytes, want: int, what: str) -> dict:
        try:
            reply = channel.unpack(body)
        except codec.ChannelError as exc:
            self._end(check, "it sent a malformed reply")
            raise StudentCrash(f"{what} sent the grader a malformed reply ({exc})") from None
        if type(reply) is not dict or reply.get("id") != want:
            self._end(check, "it sent a stray message")
            raise StudentCrash(
                f"{what}: your code wrote something to the grader that is not a reply"
            )
        if what == "importing" and reply.get("import") is not True:
            self._end(check, "it sent a stray message")
            raise StudentCrash("your module wrote something to the grader while importing")
        if reply.get("too_big"):
            raise StudentCrash(
                f"{what} sent back {int(reply['too_big']) >> 20} MB, "
                f"over the {self.limits.reply_mb} MB limit"
            )
        return reply

    def _died(self, check: dict, what: str):
        """The root reported the check's end, or went away."""
        try:
            event = self._event(1.0)
        except (codec.ChannelError, OSError):
            self.kill()
            check["dead"] = "the sandbox ended"
            raise StudentCrash(f"the sandbox ended during {what}") from None
        if event.get("event") != "exited" or event.get("id") != check["id"]:
            self.kill()
            check["dead"] = "the sandbox misbehaved"
            raise StudentCrash(f"the sandbox misbehaved during {what}")
        check["dead"] = "it ended"
        channel.drain(self.data)
        message = f"your code ended its process during {what} ({_status(event)})"
        if self._cgroup is not None and self._cgroup.ran_out():
            message = (
                f"your code ran out of memory during {what}: the sandbox's processes together "
                f"may use {self._cgroup.limit_mb} MB ({_status(event)})"
            )
        if what == "importing":
            self.import_errors[check["module"]] = message.replace(
                " during importing", " while importing"
            )
            raise StudentImportFailed(self.import_errors[check["module"]])
        raise StudentCrash(message)


def _status(reply: dict) -> str:
    if "signal" in reply:
        try:
            name = signal.Signals(int(reply["signal"])).name
        except (ValueError, TypeError):
            name = str(reply["signal"])
        return f"killed by {name}"
    return f"exit code {reply.get('code')}"
