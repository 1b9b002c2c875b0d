"""The content folder as the player knows it: slides, playlists, settings, and their problems.

One object that `run`, `check`, `plan` and `preview` share, so that every command sees the
folder the same way. It reads; it never writes to the content folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from signage.catalog import Catalog
from signage.config import Settings
from signage.content import PLAYLISTS_DIR, display_path, is_ignored, natural_key
from signage.model import ContentError, Plan, Playlist, Problem
from signage.slides import read_slide

log = logging.getLogger(__name__)

SettingsLoader = Callable[[], tuple[Settings, list[Problem]]]


@dataclass(frozen=True)
class _PlaylistState:
    signature: tuple[int, int, int]
    good: Playlist | None
    problems: tuple[Problem, ...]


class Library:
    def __init__(self, load_settings: SettingsLoader, monotonic: Callable[[], float]) -> None:
        self._load_settings = load_settings
        self._monotonic = monotonic
        self.settings, self._settings_problems = load_settings()
        self.root = self.settings.content
        self.catalog = Catalog(self.root, self.settings, read_slide, monotonic)
        self._playlists: dict[str, _PlaylistState] = {}
        self._settings_signature: tuple[int, int, int] | None = _signature(
            self.root / "signage.yaml"
        )
        from signage.calendar import WorkCalendar

        self.calendar = WorkCalendar(self.settings)

    # --- reading -------------------------------------------------------------------------

    def scan(self) -> bool:
        """Look at everything; True if anything visible changed."""
        changed = self.catalog.scan()
        return self._refresh_meta() or bool(changed)

    def update(self, paths: Iterable[str]) -> bool:
        """Take a batch of changed root-relative paths from the watcher."""
        paths = set(paths)
        changed = self.catalog.update(paths, self._monotonic())
        return self._refresh_meta() or bool(changed)

    def settle(self) -> bool:
        """Called when a settle deadline passes: files that went quiet are taken now."""
        return bool(self.catalog.update((), self._monotonic()))

    def next_deadline(self) -> float | None:
        return self.catalog.next_settle_deadline()

    def _refresh_meta(self) -> bool:
        changed = False
        sig = _signature(self.root / "signage.yaml")
        if sig != self._settings_signature:
            self._settings_signature = sig
            self.settings, self._settings_problems = self._load_settings()
            changed = True
        changed |= self._refresh_playlists()
        return changed

    def _refresh_playlists(self) -> bool:
        from signage.playlist import parse_playlist

        folder = self.root / PLAYLISTS_DIR
        found: dict[str, Path] = {}
        try:
            entries = sorted(folder.iterdir(), key=lambda p: natural_key(p.name))
        except OSError:
            entries = []
        for entry in entries:
            if is_ignored(entry.name) or entry.suffix.lower() not in (".yaml", ".yml"):
                continue
            found[f"{PLAYLISTS_DIR}/{entry.name}"] = entry
        changed = False
        for rel in list(self._playlists):
            if rel not in found:
                del self._playlists[rel]
                changed = True
        for rel, path in found.items():
            sig = _signature(path)
            old = self._playlists.get(rel)
            if old is not None and old.signature == sig:
                continue
            changed = True
            good = old.good if old is not None else None
            try:
                from signage.content import read_bytes_limited

                data = read_bytes_limited(path, 1_000_000)
                text = data.decode("utf-8-sig")
            except ContentError as err:
                self._playlists[rel] = _PlaylistState(
                    sig, good, (Problem(rel, err.message, err.line, err.code),)
                )
                continue
            except UnicodeDecodeError:
                try:
                    text = data.decode("gb18030")
                except UnicodeDecodeError:
                    self._playlists[rel] = _PlaylistState(
                        sig, good, (Problem(rel, "the playlist is not text", code="not-text"),)
                    )
                    continue
            playlist, problems = parse_playlist(rel, text, self.calendar_tz())
            if playlist is not None and not problems:
                good = playlist
            elif good is not None:
                problems = [
                    *problems,
                    Problem(
                        rel,
                        "the last good version of this playlist keeps playing",
                        code="playlist-kept",
                    ),
                ]
            self._playlists[rel] = _PlaylistState(sig, good, tuple(problems))
        return changed

    def calendar_tz(self) -> object:
        from signage.clock import local_zone

        return local_zone(self.settings.timezone)

    # --- what the commands ask -----------------------------------------------------------

    @property
    def playlists(self) -> Mapping[str, Playlist]:
        return {rel: s.good for rel, s in self._playlists.items() if s.good is not None}

    def problems(self) -> list[Problem]:
        out = list(self._settings_problems)
        out += sorted(self.catalog.problems.values(), key=lambda p: natural_key(p.path))
        for state in self._playlists.values():
            out += state.problems
        return out

    def plan(self, now: datetime) -> Plan:
        from signage.planner import make_plan

        return make_plan(
            self.catalog.slides,
            self.problems(),
            self.playlists,
            self.settings,
            now,
            self.calendar,
        )

    def describe(self, rel: str) -> str:
        return display_path(rel)


def _signature(path: Path) -> tuple[int, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (0, 0, 0)
    return (st.st_size, st.st_mtime_ns, st.st_ino)
