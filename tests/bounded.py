"""Run a function in a forked child under an address-space and CPU limit, and measure it.

For tests that must prove a bound rather than hope for one: the child sets RLIMIT_AS (so a
reader that tries to take gigabytes fails there, not in the test process), RLIMIT_CPU, and
is killed after a wall-clock limit; it reports what the function returned (or raised), how
long it took, and its peak resident memory above what it started with (VmHWM, reset at the
start through /proc/self/clear_refs).
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MB = 1 << 20


@dataclass(frozen=True)
class Bounded:
    status: str
    """"ok" (returned), "raised", "killed" (a signal: SIGABRT, SIGSEGV, SIGXCPU …), "timeout"."""
    value: Any = None
    """What the function returned, or the exception it raised (pickled across)."""
    error: str = ""
    """For "raised": the traceback; for "killed": the signal's name."""
    seconds: float = 0.0
    """Time in the function (for "killed" and "timeout": since the fork, seen from outside)."""
    peak_mb: float = 0.0
    """Peak resident memory above the child's start, in MiB."""


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def address_space_now() -> int:
    """This process's virtual size in bytes: the base the child's limit is added to."""
    return _status_kb("VmSize") * 1024


def run_bounded(
    fn: Callable[[], Any],
    *,
    memory_mb: int = 768,
    cpu_s: int = 60,
    wall_s: float = 60.0,
) -> Bounded:
    """fn() in a forked child whose address space may grow by `memory_mb` at most."""
    read_fd, write_fd = os.pipe()
    base = address_space_now()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        code = 0
        try:
            limit = base + memory_mb * MB
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
            try:
                with open("/proc/self/clear_refs", "w") as fh:
                    fh.write("5")  # reset the high-water mark to the current RSS
            except OSError:
                pass
            start_rss = _status_kb("VmRSS")
            t0 = time.perf_counter()
            try:
                result: tuple[str, Any, str] = ("ok", fn(), "")
            except BaseException as err:  # reported to the parent, whatever it is
                try:
                    pickle.dumps(err)
                    value: Any = err
                except Exception:
                    value = RuntimeError(repr(err))
                result = ("raised", value, traceback.format_exc())
            seconds = time.perf_counter() - t0
            peak = max(0, _status_kb("VmHWM") - start_rss) / 1024
            try:
                payload = pickle.dumps((*result, seconds, peak))
            except Exception as err:
                payload = pickle.dumps(("raised", RuntimeError(repr(err)), "", seconds, peak))
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    os.close(write_fd)
    started = time.monotonic()
    deadline = started + wall_s
    chunks: list[bytes] = []
    os.set_blocking(read_fd, False)
    status = None
    try:
        while True:
            try:
                chunk = os.read(read_fd, 1 << 16)
                if chunk:
                    chunks.append(chunk)
                    continue
            except BlockingIOError:
                pass
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return Bounded("timeout", seconds=wall_s)
            time.sleep(0.005)
        while True:
            try:
                chunk = os.read(read_fd, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
    elapsed = time.monotonic() - started
    if os.WIFSIGNALED(status):
        return Bounded("killed", error=signal.Signals(os.WTERMSIG(status)).name, seconds=elapsed)
    if not chunks:
        return Bounded("killed", error=f"exit status {os.WEXITSTATUS(status)}", seconds=elapsed)
    kind, value, error, seconds, peak = pickle.loads(b"".join(chunks))
    return Bounded(kind, value, error, seconds, peak)
