"""The seccomp filter that keeps a check off the network, other processes and namespaces."""

from __future__ import annotations

import ctypes
import os
import struct

from processes import libc, prctl

PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2

# Syscalls a check never needs: network, ptrace, SysV IPC and keyrings (state that would
# outlive a check), io_uring, bpf and perf; namespaces; signals to the grader or the root;
# memfds, whose pages no rlimit counts (passed to the grader over the channel, they would
# even outlive the sandbox).
_SYSCALLS = {
    "x86_64": {
        "arch": 0xC000003E,
        "deny": {
            "socket": 41,
            "socketpair": 53,
            "ptrace": 101,
            "process_vm_readv": 310,
            "process_vm_writev": 311,
            "kcmp": 312,
            "shmget": 29,
            "semget": 64,
            "msgget": 68,
            "mq_open": 240,
            "add_key": 248,
            "request_key": 249,
            "keyctl": 250,
            "bpf": 321,
            "perf_event_open": 298,
            "userfaultfd": 323,
            "io_uring_setup": 425,
            "io_uring_enter": 426,
            "io_uring_register": 427,
            "pidfd_send_signal": 424,
            "pidfd_getfd": 438,
            "setns": 308,
            "unshare": 272,
            "mount": 165,
            "umount2": 166,
            "pivot_root": 155,
            "memfd_create": 319,
            "memfd_secret": 447,
        },
        "kill": [62, 200, 234, 129, 297],
        "clone": 56,
        "clone3": 435,
    },
    "aarch64": {
        "arch": 0xC00000B7,
        "deny": {
            "socket": 198,
            "socketpair": 199,
            "ptrace": 117,
            "process_vm_readv": 270,
            "process_vm_writev": 271,
            "kcmp": 272,
            "shmget": 194,
            "semget": 190,
            "msgget": 186,
            "mq_open": 180,
            "add_key": 217,
            "request_key": 218,
            "keyctl": 219,
            "bpf": 280,
            "perf_event_open": 241,
            "userfaultfd": 282,
            "io_uring_setup": 425,
            "io_uring_enter": 426,
            "io_uring_register": 427,
            "pidfd_send_signal": 424,
            "pidfd_getfd": 438,
            "setns": 268,
            "unshare": 97,
            "mount": 40,
            "umount2": 39,
            "pivot_root": 41,
            "memfd_create": 279,
            "memfd_secret": 447,
        },
        "kill": [129, 130, 131, 138, 240],
        "clone": 220,
        "clone3": 435,
    },
}
_NAMESPACE_FLAGS = 0x7E020080  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME


_PROGRAMS: dict[tuple[int, ...], bytes | None] = {}


def seccomp_program(protected: list[int]) -> bytes | None:
    """The filter's BPF program, built once per list of protected pids (children inherit it)."""
    key = tuple(protected)
    if key not in _PROGRAMS:
        _PROGRAMS[key] = _build_program(protected)
    return _PROGRAMS[key]


def _build_program(protected: list[int]) -> bytes | None:
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
    for n, nr in enumerate(table["deny"].values()):
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


class SockFprog(ctypes.Structure):
    """struct sock_fprog: the program's length in instructions and its address."""

    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_READY: dict[tuple[int, ...], tuple | None] = {}
_MODE_FILTER = ctypes.c_ulong(SECCOMP_MODE_FILTER)
_ZERO = ctypes.c_ulong(0)


def prepare_seccomp(protected: list[int]) -> tuple | None:
    """The filter and the ctypes arguments that install it, built once (None if unsupported).

    The root prepares them before it forks any check: a check's child then only calls prctl,
    and creates no ctypes objects (every page that writes would be copied for every check).
    """
    key = tuple(protected)
    if key not in _READY:
        program = seccomp_program(protected)
        if program is None:
            _READY[key] = None
        else:
            buf = ctypes.create_string_buffer(program, len(program))
            prog = SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
            _READY[key] = (buf, prog, ctypes.byref(prog))  # buf and prog live as long as the ref
    return _READY[key]


def install_seccomp(protected: list[int]) -> bool:
    """Install the filter on this process and its future children; False if unsupported."""
    ready = prepare_seccomp(protected)
    if ready is None:
        return False
    if prctl(PR_SET_NO_NEW_PRIVS, 1) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, _MODE_FILTER, ready[2], _ZERO, _ZERO) == 0
