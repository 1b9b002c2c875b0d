"""The content folder as the player knows it: slides, playlists, settings, and their problems.

One object that `run`, `check`, `plan` and `preview` share, so that every command sees the
folder the same way. It reads; it never writes to the content folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from signage.content.catalog import LOOK_BUDGET_S, Catalog
from signage.content.quarantine import Quarantine
from signage.content.reading import Reader
from signage.core.config import Settings, with_content
from signage.core.model import ContentError, Plan, Playlist, Problem
from signage.core.paths import SLIDES_DIR, display_path, resolve_inside
from signage.schedule.calendar import WorkCalendar
from signage.schedule.planner import make_plan, missing_items, next_change
from signage.schedule.timeline import Segment, timeline
from signage.workers.jobs import PlaylistResult, SettingsResult
from signage.workers.lane import Lane, WorkerLane
from signage.workers.limits import worker_limits

log = logging.getLogger(__name__)

SettingsLoader = Callable[[], tuple[Settings, list[Problem]]]
"""The trusted layers (defaults, machine configuration, command line); the content's own
signage.yaml is read by a worker and laid under them here."""

KEEP_LAST_GOOD = frozenset(
    {"yaml-syntax", "yaml-too-complex", "not-text", "too-large", "read-timeout", "reader-memory"}
)
"""A signage.yaml refused whole for one of these keeps the values of its last good version."""


class ContentFolder:
    def __init__(
        self,
        load_settings: SettingsLoader,
        monotonic: Callable[[], float],
        wake: Callable[[], None] | None = None,
        *,
        lane: Lane | None = None,
        reader: Reader | None = None,
    ) -> None:
        """With `wake` (the player's), files are read in the background and `wake` is called
        when a result is ready; without it, reading is immediate (check, plan, preview).

        Files are read in worker processes: in `lane` when given (shared with the caller),
        else in a lane of this folder's own, closed by `close()`. A `reader` function reads
        slides in this process instead (tests only)."""
        self._load_settings = load_settings
        self._monotonic = monotonic
        self._base, self._base_problems = load_settings()
        self.settings = self._base
        self.root = Path(os.path.abspath(self.settings.content))
        self._own_lane: WorkerLane | None = None
        if lane is None and reader is None:
            lane = self._own_lane = WorkerLane(
                "read", worker_limits(self.settings), wake=wake, idle_exit_s=60.0
            )
        self.catalog = Catalog(
            self.root,
            self.settings,
            reader,
            monotonic,
            background=wake is not None,
            wake=wake,
            lane=lane,
            memory_mb=self.settings.worker_memory_mb,
            # Only the player remembers files that beat a worker: a one-shot command reads
            # everything afresh and says what it finds.
            quarantine=Quarantine(self.settings.state_dir, self.settings.worker_memory_mb)
            if wake is not None and self.settings.state_dir is not None
            else None,
        )
        self.playlists: dict[str, Playlist] = {}
        self._playlist_problems: list[Problem] = []
        self._playlist_digests: dict[str, str] = {}
        self._settings_digest: str | None = None
        self._content_values: Mapping[str, Any] = {}
        self._content_problems: tuple[Problem, ...] = ()
        self.settings_version = 0
        """Goes up when the content's signage.yaml changes what the settings are."""
        self.calendar, self._calendar_problems = WorkCalendar.from_settings(
            self.settings.calendar_workdays, self.settings.calendar_holidays
        )

    # --- reading -------------------------------------------------------------------------

    def scan(self) -> bool:
        """Look at everything; True if anything visible changed."""
        changed = self.catalog.scan(self._monotonic())
        return self._refresh_meta() or changed

    def update(self, paths: Iterable[str]) -> bool:
        """Take a batch of changed root-relative paths from the watcher ("" = everything)."""
        changed = self.catalog.update(set(paths), self._monotonic(), budget_s=LOOK_BUDGET_S)
        return self._refresh_meta() or changed

    def settle(self) -> bool:
        """Called when a settle deadline passes: files that went quiet are taken now."""
        changed = self.catalog.update((), self._monotonic(), budget_s=LOOK_BUDGET_S)
        return self._refresh_meta() or changed

    def next_deadline(self) -> float | None:
        return self.catalog.next_settle_deadline()

    def close(self) -> None:
        """Stop reading in the background, and this folder's own workers, if any."""
        self.catalog.close()
        if self._own_lane is not None:
            self._own_lane.close()

    def _refresh_meta(self) -> bool:
        changed = False
        meta = self.catalog.settings_file
        digest = meta.digest if meta is not None else None
        if digest != self._settings_digest:
            self._settings_digest = digest
            result = meta.result if meta is not None else None
            if isinstance(result, SettingsResult):
                refused = not result.values and any(
                    p.code in KEEP_LAST_GOOD for p in result.problems
                )
                if not refused:
                    self._content_values = result.values
                self._content_problems = result.problems
            else:
                self._content_values, self._content_problems = {}, ()
            self._base, self._base_problems = self._load_settings()
            self.settings = with_content(self._base, self._content_values)
            self.settings_version += 1
            # The catalog keeps the settings it was made with for settling times and limits;
            # content settings cannot change those, so it need not be rebuilt.
            changed = True
        files = self.catalog.playlist_files
        digests = {rel: f.digest for rel, f in files.items()}
        if digests != self._playlist_digests:
            self._playlist_digests = digests
            good: dict[str, Playlist] = {}
            problems: list[Problem] = []
            for rel, meta_file in files.items():
                checked = meta_file.result
                if not isinstance(checked, PlaylistResult):
                    continue
                problems += checked.problems
                if checked.playlist is not None:
                    good[rel] = checked.playlist
                elif rel in self.playlists:
                    good[rel] = self.playlists[rel]  # an invalid edit: the last good one plays
            self.playlists, self._playlist_problems = good, problems
            changed = True
        return changed

    # --- what the commands ask -----------------------------------------------------------

    def problems(self) -> list[Problem]:
        out = list(self._base_problems) + list(self._content_problems)
        out += self._calendar_problems
        out += self.catalog.problems.values()
        out += self._playlist_problems
        # A file still being copied or read is there: its playlist item is not "missing".
        known = [*self.catalog.slides, *sorted(self.catalog.settling - self.catalog.slides.keys())]
        out += missing_items(self.playlists.values(), known, out, is_folder=self._is_folder)
        return _unique(out)

    def plan(self, now: datetime) -> Plan:
        return make_plan(
            self.catalog.slides,
            self.problems(),
            self.playlists,
            self.settings,
            now,
            self.calendar,
            is_folder=self._is_folder,
        )

    def _is_folder(self, rel: str) -> bool:
        """Whether slides/rel is a folder (an empty one is named by a playlist, not missing)."""
        try:
            return resolve_inside(self.root, f"{SLIDES_DIR}/{rel}").is_dir()
        except (ContentError, OSError):
            return False

    def timeline(self, start: datetime, end: datetime) -> list[Segment]:
        """What plays when between two moments (`plan --from/--to`, the day's preview)."""
        return timeline(
            self.catalog.slides,
            self.problems(),
            self.playlists,
            self.settings,
            self.calendar,
            start,
            end,
        )

    def next_change(self, now: datetime) -> datetime | None:
        """When the plan could change by time alone (a window edge, a validity edge)."""
        return next_change(self.catalog.slides, self.playlists, self.settings, now)

    def describe(self, rel: str) -> str:
        return display_path(rel)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        key = (p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
