"""How the catalog gets a file read: in a worker process (always, in the player and every
command), or in this process through a function a test supplies.

Both give the same answers: a `Slide`, a `PlaylistResult`, a `SettingsResult`, or a
`Problem` naming the file. A worker that timed out, crashed or ran out of memory on a file
becomes a Problem with its own code, so staff learn which file it was, and the catalog keeps
that file out until it changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol

from signage.content.reader_pool import ReaderPool
from signage.core.config import Settings
from signage.core.model import Problem, Slide
from signage.core.paths import display_path
from signage.formats.registry import MAX_TEXT_BYTES
from signage.workers.jobs import (
    Failure,
    Job,
    PlaylistResult,
    ReadPlaylist,
    ReadSettings,
    ReadSlide,
    SettingsResult,
    State,
    problem_from,
)
from signage.workers.lane import Done, Lane

FileKind = Literal["slide", "playlist", "settings"]
Result = Slide | PlaylistResult | SettingsResult | Problem
Reader = Callable[[Path, str, Settings], Slide]
"""A slide reader run in this process (tests): bad input raises ContentError."""

META_READ_TIMEOUT_S = 10.0
"""A playlist or signage.yaml (2 MB at most) that takes longer than this is hostile."""


class Reading(Protocol):
    def read(self, rel: str, kind: FileKind, timeout_s: float) -> Result: ...
    def submit(self, rel: str, kind: FileKind, timeout_s: float) -> int: ...
    def take(self) -> list[Done]: ...
    def cancel(self, rel: str) -> None: ...
    def next_deadline(self) -> float | None: ...
    def wait_idle(self, timeout_s: float) -> bool: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...


def job_for(root: Path, rel: str, kind: FileKind, settings: Settings) -> Job:
    if kind == "slide":
        return ReadSlide(str(root), rel, settings)
    if kind == "playlist":
        return ReadPlaylist(str(root), rel, settings.timezone, MAX_TEXT_BYTES)
    return ReadSettings(str(root), rel, MAX_TEXT_BYTES)


def failure_problem(rel: str, failure: Failure, timeout_s: float, memory_mb: int) -> Problem:
    """What staff and the administrator are told about a file that beat a worker."""
    shown = display_path(rel)
    if failure.kind == "timeout":
        return Problem(
            shown,
            f"reading the file took longer than {timeout_s:g} s; it is skipped until it changes",
            code="read-timeout",
        )
    if failure.kind == "memory":
        return Problem(
            shown,
            f"reading the file needed more memory than a reader may use ({memory_mb} MB); "
            "it is skipped until it changes",
            code="reader-memory",
        )
    if failure.kind == "crash":
        return Problem(
            shown,
            f"the file made the reading process fail ({failure.detail}); "
            "it is skipped until it changes",
            code="reader-crashed",
        )
    if failure.code:
        return Problem(shown, failure.detail, code=failure.code)
    return Problem(shown, f"the file could not be read ({failure.detail})", code="reader-failed")


class WorkerReading:
    """Every file read by a job in a worker lane (signage.workers)."""

    def __init__(self, lane: Lane, root: Path, settings: Settings, memory_mb: int) -> None:
        self._lane = lane
        self._root = root
        self._settings = settings
        self._memory_mb = memory_mb

    def read(self, rel: str, kind: FileKind, timeout_s: float) -> Result:
        answer = self._lane.call(job_for(self._root, rel, kind, self._settings), timeout_s)
        if isinstance(answer, Failure):
            return failure_problem(rel, answer, timeout_s, self._memory_mb)
        return answer  # type: ignore[no-any-return]

    def submit(self, rel: str, kind: FileKind, timeout_s: float) -> int:
        return self._lane.submit(rel, job_for(self._root, rel, kind, self._settings), timeout_s)

    def take(self) -> list[Done]:
        return self._lane.take()

    def cancel(self, rel: str) -> None:
        self._lane.cancel(rel)

    def next_deadline(self) -> float | None:
        # The lane keeps its own time limits and wakes the player when a job ends.
        return 0.0 if self._lane.has_results() else None

    def wait_idle(self, timeout_s: float) -> bool:
        return self._lane.wait_idle(timeout_s)

    def close(self) -> None:
        """The lane belongs to whoever made it; it is closed there."""

    @property
    def closed(self) -> bool:
        return self._lane.closed

    @property
    def memory_mb(self) -> int:
        return self._memory_mb


class FunctionReading:
    """Slides read by `reader` in this process, on a thread when in the background; playlists
    and settings by the same jobs a worker runs. For tests that need to control a reader."""

    def __init__(
        self,
        reader: Reader,
        root: Path,
        settings: Settings,
        *,
        background: bool,
        wake: Callable[[], None] | None,
        clock_monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._reader = reader
        self._root = root
        self._settings = settings
        self._kinds: dict[str, FileKind] = {}
        self._pool: ReaderPool[Result] | None = (
            ReaderPool(self._work, wake, clock_monotonic) if background else None
        )

    def _work(self, rel: str) -> Result:
        return self._now(rel, self._kinds.get(rel, "slide"))

    def _now(self, rel: str, kind: FileKind) -> Result:
        if kind != "slide":
            answer = job_for(self._root, rel, kind, self._settings).run(State())
            assert isinstance(answer, PlaylistResult | SettingsResult)
            return answer
        try:
            return self._reader(self._root, rel, self._settings)
        except Exception as err:  # as a worker would answer: bad input and bugs are Problems
            return problem_from(rel, err)

    def read(self, rel: str, kind: FileKind, timeout_s: float) -> Result:
        return self._now(rel, kind)

    def submit(self, rel: str, kind: FileKind, timeout_s: float) -> int:
        if self._pool is None:
            raise RuntimeError("submit() on a reading that is not in the background")
        self._kinds[rel] = kind
        return self._pool.submit(rel, timeout_s)

    def take(self) -> list[Done]:
        if self._pool is None:
            return []
        out: list[Done] = []
        for done in self._pool.take():
            if done.timed_out:
                out.append(Done(done.key, done.ticket, failure=Failure("timeout")))
            elif done.result is None:
                out.append(Done(done.key, done.ticket, failure=Failure("error", done.error or "")))
            else:
                out.append(Done(done.key, done.ticket, result=done.result))
        return out

    def cancel(self, rel: str) -> None:
        if self._pool is not None:
            self._pool.cancel(rel)

    def next_deadline(self) -> float | None:
        return None if self._pool is None else self._pool.next_deadline()

    def wait_idle(self, timeout_s: float) -> bool:
        return True if self._pool is None else self._pool.wait_idle(timeout_s)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    @property
    def closed(self) -> bool:
        return self._pool is not None and self._pool.closed

    @property
    def memory_mb(self) -> int:
        return 0
