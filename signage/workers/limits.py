"""The bounds a worker process lives in, set by the worker itself before it reads anything.

Address space and open files are hard limits, lowered once and never raised again. CPU time
is a soft limit moved forward before each job (`job_cpu_budget`), under a hard lifetime cap:
a job that spins past its budget gets SIGXCPU, which ends the worker. The parent's
wall-clock timeout is the other half: it catches a worker that waits instead of spinning.

Also, where the kernel allows it: the worker dies with the player (PR_SET_PDEATHSIG), can
never gain privileges (PR_SET_NO_NEW_PRIVS), is the first the out-of-memory killer picks
(oom_score_adj 1000) and has no network (a new network namespace; under systemd the unit's
PrivateNetwork= and RestrictAddressFamilies= already do that for the whole service).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import resource
import signal
from dataclasses import dataclass
from typing import Any

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
EXIT_AFTER_MEMORY_ERROR = 3
"""How a worker that ran out of memory ends (it answers first, then exits)."""
LIFETIME_CPU_S = 4 * 3600
"""A worker is replaced long before it has used this much CPU (see WorkerLane.max_jobs)."""


@dataclass(frozen=True)
class Limits:
    """What one worker may use. Defaults suit a 2 GB Raspberry Pi (see docs)."""

    memory_mb: int = 768
    """Address space. A reader that needs more fails with MemoryError or dies, alone."""
    open_files: int = 128
    cpu_s: float = 60.0
    """CPU seconds for one job; the wall-clock timeout of each job is set by the caller."""
    network: bool = False


def worker_limits(settings: Any, *, cpu_s: float = 60.0) -> Limits:
    """The limits the machine configuration asks for (`worker_memory_mb`)."""
    return Limits(memory_mb=max(256, int(settings.worker_memory_mb)), cpu_s=cpu_s)


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None


def apply(limits: Limits) -> list[str]:
    """Bound this process; returns what could not be applied (for the log), never raises."""
    skipped: list[str] = []
    libc = _libc()
    if libc is not None:
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            skipped.append("die-with-parent")
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            skipped.append("no-new-privileges")
        # Unprivileged, a user namespace comes first, if this kernel and sandbox allow one.
        if (
            not limits.network
            and libc.unshare(CLONE_NEWNET) != 0
            and libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0
        ):
            skipped.append("no-network (already none under systemd)")
    else:
        skipped.append("prctl (no libc found)")
    try:
        with open("/proc/self/oom_score_adj", "w") as fh:
            fh.write("1000")
    except OSError:
        skipped.append("oom-score")
    for name, which, value in (
        ("memory", resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024),
        ("open-files", resource.RLIMIT_NOFILE, limits.open_files),
    ):
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            skipped.append(name)
    try:
        used = _cpu_used()
        resource.setrlimit(
            resource.RLIMIT_CPU, (int(used + limits.cpu_s) + 1, int(used + LIFETIME_CPU_S))
        )
    except (ValueError, OSError):
        skipped.append("cpu")
    return skipped


def job_cpu_budget(seconds: float) -> None:
    """Allow the next job `seconds` of CPU from now (the soft limit moves, the cap stays)."""
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = int(_cpu_used() + seconds) + 1
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _cpu_used() -> float:
    times = os.times()
    return times.user + times.system
