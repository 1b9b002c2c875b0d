"""What a worker does: each job is a frozen request whose `run` turns content into values.

Jobs run inside a worker process (signage.workers.child), or in the calling thread where a
test asks for that (signage.workers.lane.InlineLane); the code is the same. Reading a file
never raises for bad input: it returns a `Problem` naming the file. Layout and rendering
raise ContentError or any bug's exception, which the worker sends back as a `Failure`.

A job that draws a picture from a file re-reads it under the same rules as the first read
(inside the root, a regular file, within the format's size limit, opened without blocking)
and checks its SHA-256 against the version the catalog accepted: pages are never drawn from
bytes nobody validated.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from signage.core.config import Settings, apply_mapping
from signage.core.model import (
    ContentError,
    Document,
    Meeting,
    Page,
    PlannedItem,
    Playlist,
    Problem,
    Slide,
)
from signage.core.paths import display_path, read_regular_file, resolve_inside

log = logging.getLogger(__name__)

FailureKind = Literal["timeout", "crash", "memory", "error", "protocol"]


@dataclass(frozen=True)
class Failure:
    """A job that did not produce its value: what happened, in words for the log."""

    kind: FailureKind
    detail: str = ""
    code: str = ""
    """For a ContentError: its problem code ("changed", "too-large" …)."""


@dataclass(frozen=True)
class Ready:
    """A worker's first words: it runs, with these bounds not applied (if any)."""

    pid: int
    skipped: tuple[str, ...] = ()
    package: str = ""
    """Where the worker found the signage package: it must run the player's own code."""


@dataclass(frozen=True)
class Pixels:
    """A rendered page: RGB, row by row, no padding."""

    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class PlaylistResult:
    playlist: Playlist | None
    problems: tuple[Problem, ...]
    digest: str


@dataclass(frozen=True)
class SettingsResult:
    """The content folder's signage.yaml: the settings it changes, and its problems."""

    values: Mapping[str, Any]
    """Settings field -> value, only fields a content folder may set (config.CONTENT_FIELDS)."""
    problems: tuple[Problem, ...]
    digest: str


@dataclass
class State:
    """What a worker keeps between jobs: opened fonts and the last files it read."""

    fonts: dict[tuple[tuple[str, str], ...], Any] = field(default_factory=dict)
    files: OrderedDict[tuple[str, str], bytes] = field(default_factory=OrderedDict)
    file_cache_bytes: int = 120_000_000

    def font_book(self, settings: Settings) -> Any:
        from signage.typeset.fonts import FontBook

        key = tuple(sorted(settings.fonts.items()))
        book = self.fonts.get(key)
        if book is None:
            book = FontBook.from_settings(settings.fonts)
            self.fonts = {key: book}
        return book

    def remember(self, key: tuple[str, str], data: bytes) -> None:
        self.files[key] = data
        self.files.move_to_end(key)
        while len(self.files) > 1 and sum(map(len, self.files.values())) > self.file_cache_bytes:
            self.files.popitem(last=False)


# --- reading -----------------------------------------------------------------------------


def read_regular(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most `limit`, never blocking (core.paths.read_regular_file);
    `path` from resolve_inside, so it must still be that file when opened."""
    return read_regular_file(path, limit, real=True)


def problem_from(rel: str, err: BaseException) -> Problem:
    shown = display_path(rel)
    if isinstance(err, ContentError):
        return Problem(shown, err.message, err.line, code=err.code or "unreadable")
    if isinstance(err, PermissionError):
        return Problem(
            shown, "the file cannot be read (permission denied)", code="permission-denied"
        )
    if isinstance(err, FileNotFoundError):
        return Problem(shown, "the file disappeared while it was read", code="unreadable")
    if isinstance(err, MemoryError):
        return Problem(
            shown, "the file needs more memory than this player allows", code="too-large"
        )
    text = display_path(str(err))[:160]
    return Problem(
        shown, f"the file could not be read ({type(err).__name__}: {text})", code="reader-failed"
    )


@dataclass(frozen=True)
class ReadSlide:
    """root/rel → the Slide its format's reader makes, or the Problem that refuses it."""

    root: str
    rel: str
    settings: Settings

    def run(self, state: State) -> Slide | Problem:
        from signage.formats.registry import read_slide

        try:
            slide = read_slide(Path(self.root), self.rel, self.settings)
        except MemoryError:
            raise  # the worker may be in a bad state: it reports and is replaced
        except Exception as err:
            if not isinstance(err, ContentError | OSError):
                log.exception("reading %s failed unexpectedly", display_path(self.rel))
            return problem_from(self.rel, err)
        return with_glyph_warnings(slide, state, self.settings)


def with_glyph_warnings(slide: Slide, state: State, settings: Settings) -> Slide:
    """The slide, warned of the characters no installed font has (staff see them in
    状态.txt and `check`, not only as boxes on the screen)."""
    from signage.typeset.describe import missing_glyph_warnings

    if not isinstance(slide.body, Document | Meeting):
        return slide
    try:
        warnings = missing_glyph_warnings(slide, state.font_book(settings))
    except Exception as err:  # no fonts at all: the screen worker will say so
        log.warning("cannot check %s against the fonts: %s", display_path(slide.path), err)
        return slide
    if not warnings:
        return slide
    return dataclasses.replace(slide, warnings=(*slide.warnings, *warnings))


@dataclass(frozen=True)
class ReadPlaylist:
    """playlists/x.yaml → the checked Playlist (None if refused) and every problem."""

    root: str
    rel: str
    timezone: str | None
    max_bytes: int

    def run(self, state: State) -> PlaylistResult:
        from signage.core.clock import local_zone
        from signage.schedule.playlist import check_playlist_bytes

        try:
            data = read_regular(resolve_inside(Path(self.root), self.rel), self.max_bytes)
        except ContentError as err:
            return PlaylistResult(None, (problem_from(self.rel, err),), "")
        playlist, problems = check_playlist_bytes(
            display_path(self.rel), data, local_zone(self.timezone)
        )
        return PlaylistResult(playlist, tuple(problems), hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class ReadSettings:
    """The content's signage.yaml → the settings it may change, and its problems."""

    root: str
    rel: str
    max_bytes: int

    def run(self, state: State) -> SettingsResult:
        from signage.core.config import CONTENT_FIELDS
        from signage.core.yamlsafe import (
            YamlError,
            forgive_full_width_colons,
            load_yaml_text,
            yaml_text,
        )

        shown = display_path(self.rel)
        try:
            data = read_regular(resolve_inside(Path(self.root), self.rel), self.max_bytes)
            text = yaml_text(data)
            if text is None:
                raise ContentError(
                    "the file is not text (neither UTF-8, UTF-16 nor GBK)", code="not-text"
                )
            loaded = load_yaml_text(forgive_full_width_colons(text))
        except ContentError as err:
            return SettingsResult({}, (problem_from(self.rel, err),), "")
        except YamlError as err:
            problem = Problem(shown, err.message, err.line, err.code or "yaml-syntax")
            return SettingsResult({}, (problem,), "")
        digest = hashlib.sha256(data).hexdigest()
        if loaded is None:
            return SettingsResult({}, (), digest)
        if not isinstance(loaded, Mapping):
            problem = Problem(shown, "should be a mapping of settings", code="bad-setting")
            return SettingsResult({}, (problem,), digest)
        base = Settings()
        settings, problems = apply_mapping(base, loaded, source=shown, trusted=False)
        values = {
            name: getattr(settings, name)
            for name in CONTENT_FIELDS
            if getattr(settings, name) != getattr(base, name)
        }
        return SettingsResult(values, tuple(problems), digest)


# --- pages and pixels ----------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """A planned slide laid out for a canvas at a moment (meetings' labels depend on it)."""

    item: PlannedItem
    canvas: tuple[int, int]
    settings: Settings
    now: datetime

    def run(self, state: State) -> tuple[Page, ...]:
        from signage.typeset.paginate import pages_for

        fonts = state.font_book(self.settings)
        return pages_for(self.item, self.canvas, fonts, self.settings, self.now)


@dataclass(frozen=True)
class Render:
    """One page's pixels on the whole canvas (the header band is left to the player)."""

    page: Page
    slide_path: str
    slide_digest: str
    root: str
    canvas: tuple[int, int]
    settings: Settings

    def run(self, state: State) -> Pixels:
        import pygame

        from signage.render.page import render_page

        fonts = state.font_book(self.settings)

        def source(rel: str) -> bytes:
            return self._verified(state, rel)

        surface = render_page(self.page, self.canvas, fonts, self.settings.theme, source)
        w, h = surface.get_size()
        return Pixels(w, h, pygame.image.tobytes(surface, "RGB"))

    def _verified(self, state: State, rel: str) -> bytes:
        from signage.formats.registry import MAX_DOCUMENT_BYTES, format_for

        if rel != self.slide_path:
            raise ContentError(f"a page of {self.slide_path!r} asked for {rel!r}")
        key = (rel, self.slide_digest)
        data = state.files.get(key)
        if data is None:
            fmt = format_for(rel)
            limit = fmt.max_bytes if fmt is not None else MAX_DOCUMENT_BYTES
            raw = read_regular(resolve_inside(Path(self.root), rel), limit)
            if hashlib.sha256(raw).hexdigest() != self.slide_digest:
                raise ContentError(
                    "the file changed since it was read; the new version is read first",
                    code="changed",
                )
            data = raw
            if fmt is not None and fmt.module == "office":
                from signage.formats.office import office_converted

                data = office_converted(rel, raw, self.settings)[1]
            state.remember(key, data)
        return data


# --- the lane's self-test ------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """Misbehave on purpose, the way a hostile file can make a decoder misbehave, so the
    tests and the bench can prove the lane survives it: sleep (a hang), spin (a CPU loop),
    allocate (a memory blow-up), die (a crash by signal), chatter (a library printing to
    stdout), or report the bounds the worker lives in."""

    action: Literal["sleep", "spin", "allocate", "die", "chatter", "limits", "echo"]
    amount: float = 0.0

    def run(self, state: State) -> Any:
        import resource
        import signal
        import time

        if self.action == "sleep":
            time.sleep(self.amount)
        elif self.action == "spin":
            end = time.process_time() + self.amount
            while time.process_time() < end:
                pass
        elif self.action == "allocate":
            hoard = bytearray(int(self.amount * 1024 * 1024))
            return len(hoard)
        elif self.action == "die":
            os.kill(os.getpid(), signal.SIGSEGV)
        elif self.action == "chatter":
            print("a library talking on stdout " * 100)
        elif self.action == "limits":
            return (
                resource.getrlimit(resource.RLIMIT_AS),
                resource.getrlimit(resource.RLIMIT_NOFILE),
                resource.getrlimit(resource.RLIMIT_CPU),
            )
        return self.amount


Job = ReadSlide | ReadPlaylist | ReadSettings | Layout | Render | Probe
