"""The content folder as the player knows it: slides, playlists, settings, and their problems.

One object that `run`, `check`, `plan` and `preview` share, so that every command sees the
folder the same way. It reads; it never writes to the content folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from signage.content.catalog import Catalog
from signage.core.clock import local_zone
from signage.core.config import Settings
from signage.core.model import ContentError, Plan, Playlist, Problem
from signage.core.paths import SLIDES_DIR, display_path, resolve_inside
from signage.formats.registry import read_slide
from signage.schedule.calendar import WorkCalendar
from signage.schedule.planner import make_plan, missing_items, next_change
from signage.schedule.playlist import load_playlists

log = logging.getLogger(__name__)

SettingsLoader = Callable[[], tuple[Settings, list[Problem]]]


class ContentFolder:
    def __init__(
        self,
        load_settings: SettingsLoader,
        monotonic: Callable[[], float],
        wake: Callable[[], None] | None = None,
    ) -> None:
        """With `wake` (the player's), slides are read on a background thread that calls it
        when a result is ready; call `close()` at the end. Without it, reading is immediate."""
        self._load_settings = load_settings
        self._monotonic = monotonic
        self.settings, self._settings_problems = load_settings()
        self.root = self.settings.content
        self.catalog = Catalog(
            self.root,
            self.settings,
            read_slide,
            monotonic,
            background=wake is not None,
            wake=wake,
        )
        self.playlists: dict[str, Playlist] = {}
        self._playlist_problems: list[Problem] = []
        self._playlist_digests: dict[str, str] = {}
        self._settings_digest: str | None = None
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
        changed = self.catalog.update(set(paths), self._monotonic())
        return self._refresh_meta() or changed

    def settle(self) -> bool:
        """Called when a settle deadline passes: files that went quiet are taken now."""
        changed = self.catalog.update((), self._monotonic())
        return self._refresh_meta() or changed

    def next_deadline(self) -> float | None:
        return self.catalog.next_settle_deadline()

    def close(self) -> None:
        """Stop the background reader, if any (joins its thread)."""
        self.catalog.close()

    def _refresh_meta(self) -> bool:
        changed = False
        raw = self.catalog.settings_file
        digest = raw.digest if raw is not None else None
        if digest != self._settings_digest:
            self._settings_digest = digest
            self.settings, self._settings_problems = self._load_settings()
            self.settings_version += 1
            # The catalog keeps the settings it was made with for settling times and limits;
            # content settings cannot change those, so it need not be rebuilt.
            changed = True
        files = self.catalog.playlist_files
        digests = {rel: f.digest for rel, f in files.items()}
        if digests != self._playlist_digests:
            self._playlist_digests = digests
            self.playlists, self._playlist_problems = load_playlists(
                {rel: f.data for rel, f in files.items()},
                local_zone(self.settings.timezone),
                self.playlists,
            )
            changed = True
        return changed

    # --- what the commands ask -----------------------------------------------------------

    def problems(self) -> list[Problem]:
        out = list(self._settings_problems) + list(self._calendar_problems)
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
