"""Running jobs in worker processes: a lane is a queue and the processes that work it.

The player has two lanes: "read" (files into slides, playlists and settings) and "screen"
(pages and pixels for what comes next), so a slow file never delays the next page. Each
process of a lane is supervised by one thread here that sends it a job, waits for the answer
with the job's wall-clock limit, and on any failure — the limit passed, the process died
(a segfault in a decoder, SIGXCPU, the kernel's OOM killer, MemoryError), a malformed or
oversized answer — kills the process group, reports the job as a `Failure` and starts a fresh
process for the next job. A process that cannot even start is retried with a growing pause,
so a broken installation never turns into a tight loop. A process that has had nothing to do
for `idle_exit_s` exits, so a static screen costs no worker memory.

`submit` / `take` / `wake` are for the player loop (never blocks); `call` is for one-shot
commands (check, plan, preview) and blocks until the answer. `InlineLane` runs the same jobs
in the calling thread, for unit tests that want the player deterministic.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from signage.workers.jobs import Failure, FailureKind, Job, Ready, State
from signage.workers.limits import EXIT_AFTER_MEMORY_ERROR, Limits
from signage.workers.wire import HEADER, WireError, dumps, loads_result

log = logging.getLogger(__name__)

START_TIMEOUT_S = 30.0
"""A worker has this long to import its modules and say Ready (a Pi from an SD card is slow)."""
MAX_BACKOFF_S = 60.0


@dataclass(frozen=True)
class Done:
    """A finished job, as `take()` hands it back: a result, or a failure."""

    key: str
    ticket: int
    result: Any = None
    failure: Failure | None = None


class Lane(Protocol):
    def submit(self, key: str, job: Job, timeout_s: float, *, first: bool = False) -> int: ...
    def cancel(self, key: str) -> None: ...
    def take(self) -> list[Done]: ...
    def has_results(self) -> bool: ...
    def call(self, job: Job, timeout_s: float) -> Any: ...
    def wait_idle(self, timeout_s: float) -> bool: ...
    def close(self) -> None: ...
    @property
    def busy(self) -> frozenset[str]: ...
    @property
    def closed(self) -> bool: ...


@dataclass
class _Queued:
    key: str
    ticket: int
    job: Job
    timeout_s: float
    waiter: threading.Event | None = None
    answer: list[Done] = field(default_factory=list)


class _Worker:
    """One child process and the bookkeeping to talk to it."""

    def __init__(self, proc: subprocess.Popen[bytes], ready: Ready) -> None:
        self.proc = proc
        self.ready = ready
        self.jobs = 0
        self.last_used = time.monotonic()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # LibreOffice and all it started
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.reap()

    def reap(self) -> str:
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        try:
            code = self.proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            return "still running"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit status {code}"


class WorkerLane:
    """A queue of jobs and `processes` worker processes; see the module docstring."""

    def __init__(
        self,
        name: str,
        limits: Limits,
        *,
        processes: int = 1,
        wake: Callable[[], None] | None = None,
        idle_exit_s: float = 300.0,
        max_jobs: int = 500,
        max_result_bytes: int = 128_000_000,
        python: str = sys.executable,
        warm: int = 0,
    ) -> None:
        """`warm`: how many worker processes to start now rather than at the first job."""
        self.name = name
        self.limits = limits
        self._wake = wake
        self._idle_exit_s = idle_exit_s
        self._max_jobs = max_jobs
        self._max_result = max_result_bytes
        self._python = python
        self._warm = warm
        self._cond = threading.Condition()
        self._queue: OrderedDict[str, _Queued] = OrderedDict()
        self._running: dict[int, _Queued] = {}
        self._done: list[Done] = []
        self._tickets = 0
        self._closing = False
        self._workers: dict[int, _Worker] = {}
        self._starting: dict[int, _Worker] = {}
        """Workers still on their way to Ready, by slot (close() kills them too)."""
        self._busy: dict[int, _Worker] = {}
        """Workers running a job, by slot."""
        self._ready_slots: set[int] = set()
        """Slots whose worker process is up and waiting for a job."""
        self._failures_in_a_row = 0
        self.started = 0
        """Worker processes started so far (the tests and the bench read it)."""
        self._threads = [
            threading.Thread(target=self._serve, args=(n,), name=f"signage-{name}-{n}", daemon=True)
            for n in range(max(1, processes))
        ]
        for thread in self._threads:
            thread.start()

    # --- what the caller uses --------------------------------------------------------------

    def submit(self, key: str, job: Job, timeout_s: float, *, first: bool = False) -> int:
        """Queue `job` under `key` (a waiting job with the same key is replaced); its ticket.
        `first`: ahead of everything waiting (what the screen needs next)."""
        return self._enqueue(key, job, timeout_s, None, first=first).ticket

    def call(self, job: Job, timeout_s: float) -> Any:
        """Run `job` now and return its result, or a Failure. Blocks (one-shot commands)."""
        waiter = threading.Event()
        queued = self._enqueue(f"\x00call-{id(waiter)}", job, timeout_s, waiter)
        waiter.wait()
        done = queued.answer[0]
        return done.failure if done.failure is not None else done.result

    def cancel(self, key: str) -> None:
        with self._cond:
            self._queue.pop(key, None)

    def take(self) -> list[Done]:
        with self._cond:
            done, self._done = self._done, []
            return done

    def has_results(self) -> bool:
        with self._cond:
            return bool(self._done)

    @property
    def busy(self) -> frozenset[str]:
        with self._cond:
            return frozenset(self._queue) | frozenset(q.key for q in self._running.values())

    @property
    def closed(self) -> bool:
        return self._closing

    @property
    def pids(self) -> tuple[int, ...]:
        with self._cond:
            return tuple(w.pid for w in self._workers.values())

    def wait_idle(self, timeout_s: float) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._queue and not self._running, timeout=max(0.0, timeout_s)
            )

    def close(self) -> None:
        """Stop taking work, let the workers go, and join the threads."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            for queued in self._queue.values():
                self._answer(
                    queued, Done(queued.key, queued.ticket, failure=Failure("error", "closed"))
                )
            self._queue.clear()
            self._cond.notify_all()
            workers = [*self._workers.values(), *self._starting.values()]
            workers += [w for w in self._busy.values() if w not in workers]
        for worker in workers:
            worker.kill()
        give_up = time.monotonic() + 5.0
        for thread in self._threads:
            thread.join(max(0.1, give_up - time.monotonic()))

    # --- the supervising threads -----------------------------------------------------------

    def _enqueue(
        self,
        key: str,
        job: Job,
        timeout_s: float,
        waiter: threading.Event | None,
        *,
        first: bool = False,
    ) -> _Queued:
        with self._cond:
            if self._closing:
                raise RuntimeError(f"the {self.name} lane is closed")
            self._tickets += 1
            queued = _Queued(key, self._tickets, job, max(0.1, timeout_s), waiter)
            self._queue.pop(key, None)
            self._queue[key] = queued
            if first:
                self._queue.move_to_end(key, last=False)
            self._cond.notify_all()
            return queued

    def _answer(self, queued: _Queued, done: Done) -> None:
        """Under the lock."""
        if queued.waiter is not None:
            queued.answer.append(done)
            queued.waiter.set()
        else:
            self._done.append(done)

    def _serve(self, slot: int) -> None:
        worker: _Worker | None = None
        if slot < self._warm:
            # A worker's interpreter and imports then overlap the player's own start (the
            # display, the fonts) instead of delaying the first page.
            worker = self._start(slot)
            if worker is not None:
                with self._cond:
                    self._workers[slot] = worker
        while True:
            with self._cond:
                if worker is not None:
                    self._ready_slots.add(slot)
                # A slot with no process leaves a job to a slot whose process is up and
                # waiting: starting another interpreter would only make the job wait longer.
                while not self._closing and not (
                    self._queue
                    and (worker is not None or len(self._queue) > len(self._ready_slots))
                ):
                    idle_for = (
                        self._idle_exit_s - (time.monotonic() - worker.last_used)
                        if worker is not None
                        else None
                    )
                    if idle_for is not None and idle_for <= 0:
                        break
                    self._cond.wait(idle_for)
                self._ready_slots.discard(slot)
                if self._closing:
                    return
                if not self._queue:
                    # Nothing to do for a while: give the memory back.
                    assert worker is not None
                    self._workers.pop(slot, None)
                    retiring, worker = worker, None
                else:
                    retiring = None
                    _, queued = self._queue.popitem(last=False)
                    self._running[slot] = queued
                    self._cond.notify_all()  # a slot that waited for this one may go now
            if retiring is not None:
                log.debug("%s worker %d idle; letting it go", self.name, retiring.pid)
                retiring.kill()
                continue
            worker, done = self._run(slot, worker, queued)
            with self._cond:
                self._running.pop(slot, None)
                if worker is None:
                    self._workers.pop(slot, None)
                else:
                    self._workers[slot] = worker
                self._answer(queued, done)
                self._cond.notify_all()
            if queued.waiter is None and self._wake is not None:
                try:
                    self._wake()
                except Exception:  # a failing wake must not stop this lane
                    log.exception("wake callback failed")

    def _run(
        self, slot: int, worker: _Worker | None, queued: _Queued
    ) -> tuple[_Worker | None, Done]:
        def failed(kind: FailureKind, detail: str) -> Done:
            return Done(queued.key, queued.ticket, failure=Failure(kind, detail))

        if worker is not None and worker.proc.poll() is not None:
            worker.reap()
            worker = None
        if worker is None:
            worker = self._start(slot)
            if worker is None:
                return None, failed("crash", "the worker process could not start (see the log)")
        deadline = time.monotonic() + queued.timeout_s
        with self._cond:
            self._busy[slot] = worker
        try:
            return self._exchange(worker, queued, deadline, failed)
        finally:
            with self._cond:
                self._busy.pop(slot, None)

    def _exchange(
        self,
        worker: _Worker,
        queued: _Queued,
        deadline: float,
        failed: Callable[[FailureKind, str], Done],
    ) -> tuple[_Worker | None, Done]:
        try:
            assert worker.proc.stdin is not None and worker.proc.stdout is not None
            request = dumps((queued.job, queued.timeout_s * 1.5 + 1.0))
            _write_all(worker.proc.stdin.fileno(), HEADER.pack(len(request)) + request, deadline)
            payload = _read_frame(worker.proc.stdout.fileno(), deadline, self._max_result)
            result = loads_result(payload)
        except TimeoutError:
            worker.kill()
            return None, failed("timeout", f"no answer within {queued.timeout_s:g} s")
        except WireError as err:
            if worker.proc.poll() is None:
                # The pipe closed: it is on its way out (reap waits) - or it is still there
                # and sent something we will not read: kill it either way.
                try:
                    worker.proc.wait(timeout=2.0)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    return None, failed("protocol", str(err))
            how = worker.reap()
            memory = how == f"exit status {EXIT_AFTER_MEMORY_ERROR}"
            return None, failed("memory" if memory else "crash", f"the worker ended ({how})")
        except OSError as err:
            how = worker.reap()
            return None, failed("crash", f"the worker ended ({how}; {err.strerror or err})")
        worker.jobs += 1
        worker.last_used = time.monotonic()
        keep: _Worker | None = worker
        if isinstance(result, Failure) and result.kind == "memory":
            worker.reap()  # it exits after a MemoryError
            keep = None
        elif worker.jobs >= self._max_jobs:
            worker.kill()
            keep = None
        return keep, Done(queued.key, queued.ticket, result=result)

    def _start(self, slot: int) -> _Worker | None:
        """A fresh worker that said Ready; None (after logging why) if it could not start."""
        pause = (
            min(MAX_BACKOFF_S, 0.5 * 2**self._failures_in_a_row) if self._failures_in_a_row else 0.0
        )
        if pause:
            with self._cond:
                self._cond.wait_for(lambda: self._closing, timeout=pause)
                if self._closing:
                    return None
        env = dict(os.environ)
        env["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
        # One thread, one heap: glibc's per-thread arenas would only inflate address space.
        env.setdefault("MALLOC_ARENA_MAX", "2")
        command = [
            self._python,
            "-I",  # never import from the working directory (it may be the content folder)
            "-m",
            "signage.workers.child",
            json.dumps(dataclasses.asdict(self.limits)),
        ]
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
                start_new_session=True,
                cwd="/",
                env=env,
            )
        except OSError as err:
            self._failures_in_a_row += 1
            log.error("cannot start a %s worker (%s): %s", self.name, command[0], err)
            return None
        worker = _Worker(proc, Ready(proc.pid))
        with self._cond:
            self._starting[slot] = worker
            closing = self._closing
        if closing:
            worker.kill()
            with self._cond:
                self._starting.pop(slot, None)
            return None
        try:
            assert proc.stdout is not None
            ready = loads_result(
                _read_frame(proc.stdout.fileno(), time.monotonic() + START_TIMEOUT_S, 65536)
            )
            if not isinstance(ready, Ready):
                raise WireError("the worker did not say Ready")
        except (TimeoutError, WireError, OSError) as err:
            worker.kill()
            with self._cond:
                self._starting.pop(slot, None)
                if self._closing:
                    return None
            self._failures_in_a_row += 1
            log.error("a %s worker failed to start: %s", self.name, err)
            return None
        with self._cond:
            self._starting.pop(slot, None)
        self._failures_in_a_row = 0
        self.started += 1
        worker.ready = ready
        mine = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        if ready.package and ready.package != mine and self.started == 1:
            log.error(
                "%s workers run the signage package in %s, the player the one in %s: "
                "reinstall (scripts/install or pip install) so both are the same",
                self.name,
                ready.package,
                mine,
            )
        if ready.skipped and self.started == 1:
            # Without its memory or CPU limit a worker is bounded only by the service's
            # cgroup: a hostile file can then take the player down with it.
            unbounded = {"memory", "cpu"} & set(ready.skipped)
            log.log(
                logging.WARNING if unbounded else logging.INFO,
                "%s workers run without: %s",
                self.name,
                ", ".join(ready.skipped),
            )
        return worker


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    """Write everything, or TimeoutError: a worker that stops reading cannot block us."""
    view = memoryview(data)
    while view:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        _, writable, _ = select.select([], [fd], [], remaining)
        if not writable:
            raise TimeoutError
        written = os.write(fd, view[: 1 << 16])
        view = view[written:]


def _read_exact(fd: int, n: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    left = n
    while left > 0:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise WireError("the worker closed its pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int, deadline: float, max_bytes: int) -> bytes:
    (length,) = HEADER.unpack(_read_exact(fd, HEADER.size, deadline))
    if length > max_bytes:
        raise WireError(f"an answer of {length} bytes is over the limit of {max_bytes}")
    return _read_exact(fd, length, deadline)


class InlineLane:
    """The same jobs, run at once in the calling thread: deterministic, for unit tests."""

    def __init__(self, wake: Callable[[], None] | None = None) -> None:
        self._state = State()
        self._done: list[Done] = []
        self._tickets = 0
        self._closed = False
        self._wake = wake

    def submit(self, key: str, job: Job, timeout_s: float, *, first: bool = False) -> int:
        self._tickets += 1
        self._done.append(self._run(key, self._tickets, job))
        return self._tickets

    def call(self, job: Job, timeout_s: float) -> Any:
        done = self._run("", 0, job)
        return done.failure if done.failure is not None else done.result

    def _run(self, key: str, ticket: int, job: Job) -> Done:
        from signage.core.model import ContentError

        try:
            return Done(key, ticket, result=job.run(self._state))
        except ContentError as err:
            return Done(
                key, ticket, failure=Failure("error", err.message, err.code or "unreadable")
            )
        except Exception as err:  # what a worker would answer with
            return Done(key, ticket, failure=Failure("error", f"{type(err).__name__}: {err}"))

    def cancel(self, key: str) -> None:
        self._done = [d for d in self._done if d.key != key]

    def take(self) -> list[Done]:
        done, self._done = self._done, []
        return done

    def has_results(self) -> bool:
        return bool(self._done)

    def wait_idle(self, timeout_s: float) -> bool:
        return True

    def close(self) -> None:
        self._closed = True

    @property
    def busy(self) -> frozenset[str]:
        return frozenset()

    @property
    def closed(self) -> bool:
        return self._closed
