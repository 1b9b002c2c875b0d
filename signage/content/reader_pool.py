"""One background thread that reads files for the catalog, so the screen never waits on them.

Decoding a large photo, parsing a PDF or converting a .doc through LibreOffice (up to a
minute) must not run on the player thread: the screen would freeze and systemd's watchdog
(30 s) would restart the player. The catalog submits a path; this thread runs the reader on
it, keeps the result and calls `wake` so the player loop comes back to `take()` it.

A reader that hangs (a hostile file, a stalled network share) is given up after the job's
time limit: `take()` reports it timed out and a fresh thread takes the rest of the queue. The
stuck thread cannot be killed in Python; it is left (as a daemon) to finish on its own and
its late result is thrown away. At most `max_stuck` such threads are left at once: past that,
reading waits for one of them instead of piling up threads.

Thread-safe: `submit`, `cancel`, `take`, `next_deadline`, `wait_idle` and `close` may be
called from any thread, though the catalog calls them all from the player thread.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

R = TypeVar("R")


@dataclass(frozen=True)
class Done(Generic[R]):
    """A finished (or abandoned) job, as `take()` hands it back."""

    key: str
    ticket: int
    """The number `submit` returned: tells a current job from a superseded one."""
    result: R | None = None
    error: str | None = None
    """The work function raised (a bug: readers turn bad input into results)."""
    timed_out: bool = False
    """The work ran past its time limit and was given up."""


@dataclass(frozen=True)
class _Job:
    key: str
    ticket: int
    timeout_s: float


@dataclass(frozen=True)
class _Running:
    job: _Job
    started: float
    """On the pool's clock (the catalog's monotonic clock)."""


class ReaderPool(Generic[R]):
    """Runs `work(key)` for submitted keys, one at a time, in submission order."""

    def __init__(
        self,
        work: Callable[[str], R],
        wake: Callable[[], None] | None,
        clock_monotonic: Callable[[], float],
        *,
        max_stuck: int = 8,
        name: str = "signage-reader",
    ) -> None:
        self._work = work
        self._wake = wake
        self._clock = clock_monotonic
        self._max_stuck = max(0, max_stuck)
        self._name = name
        self._cond = threading.Condition()
        self._queue: OrderedDict[str, _Job] = OrderedDict()
        self._running: _Running | None = None
        self._done: list[Done[R]] = []
        self._thread: threading.Thread | None = None
        self._generation = 0
        """Bumped when a stuck thread is given up: a thread of an older generation exits."""
        self._stuck: list[threading.Thread] = []
        self._tickets = 0
        self._closing = False
        self._warned_stuck = False

    # --- what the catalog calls ----------------------------------------------------------------

    def submit(self, key: str, timeout_s: float) -> int:
        """Queue `work(key)`; a job for the same key still waiting is replaced. The ticket."""
        with self._cond:
            if self._closing:
                raise RuntimeError("ReaderPool.submit() after close()")
            self._tickets += 1
            self._queue.pop(key, None)
            self._queue[key] = _Job(key, self._tickets, max(0.0, timeout_s))
            self._ensure_thread()
            self._cond.notify_all()
            return self._tickets

    def cancel(self, key: str) -> None:
        """Drop a waiting job for `key`; one already running finishes and is still reported."""
        with self._cond:
            self._queue.pop(key, None)

    def take(self, now: float | None = None) -> list[Done[R]]:
        """Finished jobs since the last call, oldest first; gives up a job past its limit."""
        now = self._clock() if now is None else now
        with self._cond:
            running = self._running
            if running is not None and now - running.started >= running.job.timeout_s:
                self._abandon(running)
            elif self._queue and not self._closing:
                self._ensure_thread()  # held back by stuck readers earlier: try again
            done, self._done = self._done, []
            return done

    def next_deadline(self) -> float | None:
        """When `take()` has something: 0.0 if results wait, else the running job's limit."""
        with self._cond:
            if self._done:
                return 0.0
            if self._running is not None:
                return self._running.started + self._running.job.timeout_s
            return None

    @property
    def closed(self) -> bool:
        return self._closing

    @property
    def busy(self) -> frozenset[str]:
        """Keys queued or being read."""
        with self._cond:
            keys = set(self._queue)
            if self._running is not None:
                keys.add(self._running.job.key)
            return frozenset(keys)

    def wait_idle(self, timeout_s: float) -> bool:
        """Block (real time) until nothing is queued or running; False if the time ran out."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._queue and self._running is None, timeout=max(0.0, timeout_s)
            )

    def close(self, timeout_s: float = 5.0) -> bool:
        """Stop taking work and join the threads; False if a stuck one is still running."""
        with self._cond:
            self._closing = True
            self._queue.clear()
            self._cond.notify_all()
            threads = [t for t in (self._thread, *self._stuck) if t is not None]
        for thread in threads:
            thread.join(timeout_s)
        alive = [t for t in threads if t.is_alive()]
        if alive:
            log.warning("%d file reader thread(s) still busy at exit; left behind", len(alive))
        return not alive

    # --- the thread ------------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        """Start the worker if there is none (first job, or after giving one up). Under lock."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stuck = [t for t in self._stuck if t.is_alive()]
        if len(self._stuck) > self._max_stuck:
            if not self._warned_stuck:
                self._warned_stuck = True
                log.error(
                    "%d file readers are stuck; new files wait until one of them returns",
                    len(self._stuck),
                )
            return
        self._warned_stuck = False
        thread = threading.Thread(
            target=self._run, args=(self._generation,), name=self._name, daemon=True
        )
        self._thread = thread
        thread.start()

    def _abandon(self, running: _Running) -> None:
        """Give up the running job: report it, and let a fresh thread go on. Under lock."""
        job = running.job
        log.warning("reading %r took longer than %g s; giving up on it", job.key, job.timeout_s)
        self._done.append(Done(job.key, job.ticket, timed_out=True))
        self._running = None
        self._generation += 1
        if self._thread is not None:
            self._stuck.append(self._thread)
            self._thread = None
        if self._queue:
            self._ensure_thread()
        self._cond.notify_all()

    def _run(self, generation: int) -> None:
        while True:
            with self._cond:
                while True:
                    if self._closing or generation != self._generation:
                        return
                    if self._queue:
                        break
                    self._cond.wait()
                _, job = self._queue.popitem(last=False)
                self._running = _Running(job, self._clock())
            result: R | None = None
            error: str | None = None
            try:
                result = self._work(job.key)
            except Exception as err:  # this thread's loop boundary: a bug must not end reading
                log.exception("reading %r failed unexpectedly", job.key)
                error = f"{type(err).__name__}: {err}"
            with self._cond:
                if generation != self._generation:
                    return  # given up while we worked: the result is stale, a newer thread runs
                self._running = None
                self._done.append(Done(job.key, job.ticket, result, error))
                self._cond.notify_all()
            if self._wake is not None:
                try:
                    self._wake()
                except Exception:  # same boundary: a failing wake must not stop reading
                    log.exception("wake callback failed")
