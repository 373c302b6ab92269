"""Start the sandboxed worker's process in its isolation, and stop it with all it started."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import channel, codec
from autograder.cgroup import MemoryCgroup
from autograder.isolation import (
    HERE,
    SANDBOX_DIR,
    SANDBOX_SITE,
    bwrap_command,
    choose_isolation,
    numpy_dirs,
    sensitive_paths,
    worker_env,
)
from autograder.limits import Limits, limit_resources
from autograder.processes import (
    FORKED,
    ORPHANS,
    PR_SET_DUMPABLE,
    become_subreaper,
    descendants,
    prctl,
    prune_orphans,
    reap_orphans,
    state,
    sweep_uid,
)
from autograder.uids import (
    INNER_UID,
    SandboxError,
    UidSlot,
    hide_workspaces,
    is_root,
    protect_paths,
    shared_folders,
    userns_fd,
)

# The worker runs as a script in the sandbox and imports these from its own folder only.
WORKER_FILES = (
    "worker.py",
    "root.py",
    "child.py",
    "seccomp.py",
    "processes.py",
    "channel.py",
    "codec.py",
)
START_TIMEOUT = 30.0


class WorkerProcess:
    """The process of one sandboxed worker: started in its isolation, killed with all it started."""

    def __init__(self, workspace: Path, limits: Limits | None = None, isolation: str = "auto"):
        self.workspace = Path(workspace)
        self.limits = limits or Limits()
        self.isolation = choose_isolation(isolation)
        self.process: subprocess.Popen | None = None
        self.ctl: socket.socket | None = None
        self.data: socket.socket | None = None
        self._pending_exit: int | None = None
        self._init_pid: int | None = None
        self._info_r: int | None = None
        self._slot: UidSlot | None = None
        self._scratch: Path | None = None
        self._cgroup: MemoryCgroup | None = None
        self._greeted, self._need_seccomp = False, True
        self._runtime = Path(tempfile.mkdtemp(prefix="embedlab-rt-"))
        cache = self._runtime / "__pycache__"
        cache.mkdir()
        for name in WORKER_FILES:
            shutil.copy2(HERE / name, self._runtime / name)  # copy2: the mtime validates the .pyc
            compiled = Path(importlib.util.cache_from_source(str(HERE / name)))
            if compiled.is_file():  # the worker starts with -B: it reads .pyc files, never writes
                shutil.copy2(compiled, cache / compiled.name)
        cache.chmod(0o755)
        self._runtime.chmod(0o755)

    # --- process --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker process and wait for its greeting; raises SandboxError on failure."""
        self.launch()
        if not self._greeted:
            self._greet()

    def launch(self) -> None:
        """Start the worker process without waiting for it: it boots while the grader works."""
        if self.process is not None:
            return
        become_subreaper()
        ctl_ours, ctl_theirs = socket.socketpair()
        data_ours, data_theirs = socket.socketpair()
        fds = [ctl_theirs.fileno(), data_theirs.fileno()]
        limits = self.limits
        config = {
            "ctl_fd": fds[0],
            "data_fd": fds[1],
            "output_cap": limits.output_chars * 4,
            "reply_bytes": limits.reply_mb << 20,
            "protect": [],
            "need_seccomp": self.isolation != "bwrap",  # bwrap has namespaces besides
        }
        uid = None
        if is_root() and self.isolation in ("bwrap", "uid"):
            if self._slot is None:
                self._slot = UidSlot(limits.sandbox_uid)
            uid = self._slot.uid
        env, cwd = worker_env(), None
        if uid is not None:  # readable by this sandbox's uid, and by no other sandbox
            os.chown(self.workspace, 0, uid)
            os.chmod(self.workspace, 0o750)
        else:
            os.chmod(self.workspace, 0o700)
        if self.isolation == "bwrap":
            userns = userns_fd(uid) if uid is not None else None
            config.update(dir=SANDBOX_DIR, site=[SANDBOX_SITE], wipe=["/tmp"])
            if userns is not None:
                config["drop"] = [INNER_UID, INNER_UID]
                fds.append(userns)
            info_r, info_w = os.pipe()
            fds.append(info_w)
            cmd = bwrap_command(self.workspace, self._runtime, config, limits, userns, info_w)
        else:
            info_r = info_w = None
            site = sorted({str(p.parent) for p in numpy_dirs()})
            config.update(dir=str(self.workspace), site=site)
            config["protect"] = [os.getpid()]
            if self.isolation == "uid":
                for folder in self.workspace.resolve().parents:
                    if not folder.stat().st_mode & stat.S_IXOTH:
                        raise SandboxError(f"the sandbox's uid cannot reach {self.workspace}")
                config.update(drop=[uid, uid], reroute=True, wipe=list(shared_folders()))
                protect_paths(sensitive_paths())
                hide_workspaces(uid, self.workspace)
            else:
                if self._scratch is None:
                    self._scratch = Path(tempfile.mkdtemp(prefix="embedlab-tmp-"))
                config["wipe"] = [str(self._scratch)]
                env = worker_env(str(self._scratch))
                prctl(PR_SET_DUMPABLE, 0)  # same uid: keep the student out of /proc/<grader>
            exe = os.path.realpath(sys.executable)
            cmd = [exe, "-I", "-S", "-B", str(self._runtime / "worker.py"), json.dumps(config)]
            cwd = str(self.workspace)
        if self._cgroup is None and self.isolation != "none":
            try:
                self._cgroup = MemoryCgroup.create(limits.sandbox_memory_mb)
            except OSError as exc:
                raise SandboxError(f"cannot make the sandbox's memory cgroup: {exc}") from None
        try:
            self.process = subprocess.Popen(
                cmd,
                pass_fds=tuple(fds),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                cwd=cwd,
                preexec_fn=limit_resources(limits, self.isolation, self._cgroup),
                start_new_session=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise SandboxError(f"cannot start the worker: {exc}") from None
        finally:
            ctl_theirs.close()
            data_theirs.close()
            if info_w is not None:
                os.close(info_w)
        self.ctl, self.data, self._info_r = ctl_ours, data_ours, info_r
        self._pending_exit, self._init_pid = None, None
        self._greeted, self._need_seccomp = False, bool(config["need_seccomp"])

    def _greet(self) -> None:
        """Wait for the launched worker's greeting; raises SandboxError if it does not come."""
        try:
            hello = self._event(START_TIMEOUT)
        except (codec.ChannelError, OSError) as exc:
            detail = self._stderr()
            self.kill()
            raise SandboxError(f"the worker did not start ({exc}){detail}") from None
        if hello.get("event") != "ready":
            self.kill()
            raise SandboxError("the worker did not start")
        if self._need_seccomp and not hello.get("seccomp"):
            self.kill()
            raise SandboxError(f"seccomp filters are unknown for {os.uname().machine}; use bwrap")
        if self.process.stderr is not None:
            self.process.stderr.close()
        self._read_info()
        self._greeted = True

    def _stderr(self) -> str:
        with contextlib.suppress(Exception):
            if self.process and self.process.stderr:
                os.set_blocking(self.process.stderr.fileno(), False)
                text = (self.process.stderr.read(2000) or b"").decode(errors="replace").strip()
                return f": {text}" if text else ""
        return ""

    def _read_info(self) -> None:
        if self._info_r is None:
            return
        with contextlib.suppress(OSError, ValueError):
            if select.select([self._info_r], [], [], 1.0)[0]:
                info = json.loads(os.read(self._info_r, 4096).decode())
                self._init_pid = int(info["child-pid"])
        os.close(self._info_r)
        self._info_r = None

    def kill(self) -> None:
        """Kill the worker and everything it started, and wait until all of it is gone."""
        for sock in (self.ctl, self.data):
            if sock is not None:
                sock.close()
        self.ctl = self.data = None
        if self._info_r is not None:
            os.close(self._info_r)
            self._info_r = None
        process, self.process = self.process, None
        if process is not None:
            family = descendants(process.pid)
            ORPHANS.update(family)
            if self._init_pid is not None:  # the sandbox's pid 1: the kernel kills the rest
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(self._init_pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5.0)  # bwrap leaves once its namespace is empty
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            # A pid of the snapshot may have died and been reused meanwhile (another lesson's
            # sandbox runs beside this one): only what still descends from us is killed.
            ours = set(descendants(os.getpid(), FORKED))
            for pid in [process.pid, *descendants(process.pid), *(p for p in family if p in ours)]:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            process.wait()
            for _ in range(100):  # orphans left to the grader, until none is alive
                alive = [p for p in descendants(os.getpid(), FORKED) if p in ORPHANS]
                alive = [p for p in alive if state(p) not in ("Z", "X", "")]
                if not alive:
                    break
                for pid in alive:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
                time.sleep(0.002)
            reap_orphans()
        if self._slot is not None:
            sweep_uid(self._slot.uid)
            reap_orphans()
        prune_orphans()
        self._pending_exit, self._init_pid = None, None

    def disown(self) -> None:
        """In a forked copy of the grader: drop the copies of this worker's descriptors.

        The worker and its process stay the forking grader's, which stops them; the copy
        keeps nothing that could talk to the sandbox or keep its channel open.
        """
        for sock in (self.ctl, self.data):
            if sock is not None:
                sock.close()
        if self._info_r is not None:
            os.close(self._info_r)
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        if self._slot is not None:  # our copy of its lock; the forking grader keeps the uid
            self._slot.release()
        self.ctl = self.data = self._info_r = self.process = self._slot = None
        self._cgroup = None  # the forking grader removes it

    def close(self) -> None:
        """Stop the worker, remove its files and whatever its uid left in shared folders."""
        self.kill()
        if self._slot is not None:
            if self.isolation == "uid":
                _remove_owned(shared_folders(), self._slot.uid)
            self._slot.release()
            self._slot = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None
        shutil.rmtree(self._runtime, ignore_errors=True)

    # --- the control channel --------------------------------------------------------------
    def _event(self, timeout: float) -> dict:
        assert self.ctl is not None
        event = channel.receive(self.ctl, timeout, 1 << 20)
        if type(event) is not dict:
            raise codec.ChannelError("the worker's root sent something odd")
        return event


def _remove_owned(folders: tuple[str, ...], uid: int) -> None:
    """Remove the entries of shared folders that a sandbox uid created."""
    for folder in folders:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid != uid:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)
