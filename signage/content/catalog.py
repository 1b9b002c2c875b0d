"""The catalog: what the content folder holds right now, file by file.

For every file under slides/ the catalog keeps either a parsed `Slide` or a `Problem` (or,
after a bad edit, both: the previous good version keeps playing while the new one is
refused). Playlists and the content signage.yaml are kept as raw bytes for their parsers.

Settling: staff copy large photos over a slow network and editors save through temp files,
so a file is read only after its signature (size, mtime_ns, inode) has stayed the same for
`settings.settle_s`, checked by two looks; a third look after reading discards the result if
the file changed while it was read. A deleted file leaves at once.

Reading: with `background=True` (the player) slides are read on one worker thread
(signage.content.reader_pool), so a slow reader (a big photo, a PDF, LibreOffice) never stalls the
screen; `update()` takes the finished results in, `wake` tells the player one is ready, and
`next_settle_deadline()` says when to call `update([])` for them. A reader that hangs is given
up after `read_timeout(rel)` and the file is refused until it changes. Without it (`check`,
`plan`, `preview`, tests) every file is read on the calling thread, at once.

Not thread-safe: the player loop owns the catalog and feeds it the watcher's batches. Call
`close()` when done with a background catalog: it joins the reader thread.

A copy in progress: a slow network copy can pause longer than settle_s (Explorer over SMB
stalls for seconds), so the half file settles and is read. In background mode with
settle_s > 0, a slide that fails with a code a half-done copy produces (`COPY_CODES`) while
its mtime is within `COPY_GRACE_S` of the wall clock is not reported yet: it stays pending
(in `settling` and `copying`, not in the rotation; a previous good version keeps playing)
and is read again after a longer quiet period (`COPY_RETRY_S`, doubling), until it reads
fine or the grace since its last change is over; then the problem is reported as usual.
The grace is also bounded by the monotonic clock from the first failed read of that version,
so a file stamped in the future (a share with a fast clock, a player booted before its clock
was set) is still reported. One-shot commands (check, plan, preview: not background, or
settle_s == 0) get no grace: they report such files at once, as they read finished files.
Text slides are not held (not-text, yaml-syntax, front-matter): a text file (2 MB at most)
arrives in one or two network writes, so a half copy of one is rare, while these codes are
staff mistakes (a Word file named .txt, a typo) that they want to see on the status page
promptly.
"""

from __future__ import annotations

import bisect
import dataclasses
import errno
import logging
import math
import os
import stat as stat_mod
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from signage.content.quarantine import Quarantine
from signage.content.reading import (
    META_READ_TIMEOUT_S,
    FileKind,
    FunctionReading,
    Reader,
    Reading,
    WorkerReading,
    failure_problem,
)
from signage.core.config import Settings
from signage.core.model import ImageBody, PdfBody, Problem, Slide
from signage.core.paths import (
    PLAYLISTS_DIR,
    SLIDES_DIR,
    display_path,
    gbk_guess,
    is_ignored,
    is_unicode_name,
    natural_key,
    walk_files,
)
from signage.formats.registry import MAX_TEXT_BYTES, read_slide, read_timeout, size_limit
from signage.schedule.playlist import is_playlist_name
from signage.workers.jobs import PlaylistResult, SettingsResult
from signage.workers.lane import Lane

log = logging.getLogger(__name__)

SETTINGS_FILE = "signage.yaml"

Signature = tuple[int, int, int]
"""(size, mtime_ns, inode) of a file: if it is unchanged, the file is not read again."""

ROOT_MISSING = "root-missing"
MANY_CHANGES = 2000
"""A batch of more changed paths than this is taken as "look at everything"."""
CROWDED_FOLDER = 200
"""So many changed files in one folder in one batch: the folder is walked (and its limits
checked) rather than each file taken on its own."""
LOOK_BUDGET_S = 0.1
"""Time one `update` may spend looking at files when given a budget (the player's loop does);
what is left waits in a backlog for the next call. A folder of 20,000 files arriving at once
otherwise held the loop, and the watchdog's heartbeat with it, for seconds."""
NATURAL_ORDER_MAX = 2000
"""Files due to be read at once that are still put in natural name order (2 before 10)."""
RENAME_WINDOW_S = 10.0
"""How long a vanished file's signature is remembered, to recognise it under a new name."""
COPY_GRACE_S = 15.0
"""How long after its last modification a file that fails like a half-done copy is held."""
COPY_RETRY_S = 3.0
"""The first quiet period before a held file is read again; it doubles each time."""
COPY_MIN_RETRY_S = 0.25
"""Never look again sooner than this, whatever is left of the grace."""
COPY_CODES = frozenset(
    {
        "empty-file",  # created, nothing written yet
        "image-truncated",  # the end of the image has not arrived
        "damaged-image",  # Pillow's other words for a short image
        "not-an-image",  # not even the header yet (or a zero-filled preallocation)
        "damaged-document",  # a PDF or .docx without its end (cross-reference table, zip index)
        "conversion-failed",  # LibreOffice on a half .doc/.ppt
    }
)
"""Problem codes a half-copied slide produces: these are held for the copy grace."""
FIRST_SCAN_WAIT_S = 3.0
"""Background reading: how long the first scan waits for the files already there, so the
screen starts with content (and a remembered position) instead of the idle page."""


@dataclass(frozen=True)
class MetaFile:
    """A playlist or the content signage.yaml as a worker last read and checked it."""

    path: str
    """Root-relative posix path; may hold surrogates (use display_path to print it)."""
    signature: Signature
    result: PlaylistResult | SettingsResult

    @property
    def digest(self) -> str:
        """SHA-256 of the file's bytes."""
        digest: str = self.result.digest
        return digest


@dataclass(frozen=True)
class _Pending:
    signature: Signature
    quiet_since: float
    """Monotonic time at which this signature was first seen."""
    quiet_s: float | None = None
    """How long it must stay quiet before it is read; None: settings.settle_s."""


@dataclass(frozen=True)
class _Hold:
    """A version that failed like a copy in progress, and is being given time."""

    signature: Signature
    tries: int
    since: float
    """Monotonic time of the first failed read of this version."""


@dataclass(frozen=True)
class _Refusal:
    """A problem found by looking at a file (stat, links), before any reading."""

    problem: Problem


def file_kind(rel: str) -> FileKind | None:
    """Which part of the content folder a root-relative path belongs to; None: not ours."""
    if rel == SETTINGS_FILE:
        return "settings"
    parts = rel.split("/")
    if any(not part or is_ignored(part) for part in parts):
        return None
    if parts[0] == SLIDES_DIR and len(parts) > 1:
        return "slide"
    if parts[0] == PLAYLISTS_DIR and len(parts) == 2 and is_playlist_name(parts[1]):
        return "playlist"  # 工作日.yaml.txt too: Notepad's hidden .txt
    return None


def draws_from_file(slide: Slide) -> bool:
    """Are the slide's pages drawn from its file's bytes (photos, PDF pages, Word pictures),
    rather than from the text already read?"""
    return isinstance(slide.body, ImageBody | PdfBody) or slide.pictures > 0


def order_key(rel: str) -> tuple[tuple[tuple[int, int | str], ...], ...]:
    """Natural name order, folder by folder: the order list_files walks in."""
    return tuple(natural_key(part) for part in rel.split("/"))


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.0f} MB"


class Catalog:
    """Current state of one content folder; see the module docstring for settling."""

    def __init__(
        self,
        root: Path,
        settings: Settings,
        reader: Reader | None = None,
        clock_monotonic: Callable[[], float] = time.monotonic,
        *,
        clock_wall: Callable[[], float] = time.time,
        background: bool = False,
        wake: Callable[[], None] | None = None,
        read_timeout_s: Callable[[str], float] = read_timeout,
        first_scan_wait_s: float = FIRST_SCAN_WAIT_S,
        lane: Lane | None = None,
        memory_mb: int = 0,
        quarantine: Quarantine | None = None,
    ) -> None:
        self.root = Path(os.path.abspath(root))
        self.settings = settings
        self._clock = clock_monotonic
        self._wall = clock_wall
        self._slides: dict[str, tuple[Slide, Signature]] = {}
        self._raw: dict[str, MetaFile] = {}
        self._problems: dict[str, tuple[Problem, Signature | None]] = {}
        self._pending: dict[str, _Pending] = {}
        self._backlog: dict[str, bool] = {}
        """Files still to look at (path -> first scan?), in the order they are to be looked at."""
        self._holds: dict[str, _Hold] = {}
        self._root_problem: Problem | None = None
        self._walk_problems: dict[str, Problem] = {}
        self._scanned = False
        self._dirty = False
        self._real_dirs: dict[str, bool] = {}
        self._real_root = str(self.root)
        self._gone: dict[Signature, tuple[float, Slide | None]] = {}
        self._now = 0.0
        self._background = background
        self._quarantine = quarantine
        self._reader: Reading
        if lane is not None:
            self._reader = WorkerReading(lane, self.root, settings, memory_mb)
        else:
            self._reader = FunctionReading(
                reader or read_slide,
                self.root,
                settings,
                background=background,
                wake=wake,
                clock_monotonic=clock_monotonic,
            )
        self._reading: dict[str, tuple[int, Signature, FileKind]] = {}
        """Files handed to the readers: path -> (ticket, signature read, kind)."""
        self._read_timeout = read_timeout_s
        self._first_scan_wait_s = first_scan_wait_s
        self.version = 0
        """Goes up by one on every visible change: compare it to know whether to re-plan."""
        self._views_version = -1
        self._order_keys: dict[str, tuple[tuple[tuple[int, int | str], ...], ...]] = {}
        self._slides_view: Mapping[str, Slide] = MappingProxyType({})
        self._problems_view: Mapping[str, Problem] = MappingProxyType({})
        self._playlists_view: Mapping[str, MetaFile] = MappingProxyType({})

    # --- what the rest of the player reads ----------------------------------------------------

    @property
    def slides(self) -> Mapping[str, Slide]:
        """Root-relative path -> slide, in natural name order. Keys may hold surrogates."""
        self._refresh_views()
        return self._slides_view

    @property
    def problems(self) -> Mapping[str, Problem]:
        """Path -> problem ("" for the root first, then name order). Problem.path is printable."""
        self._refresh_views()
        return self._problems_view

    @property
    def playlist_files(self) -> Mapping[str, MetaFile]:
        """playlists/*.yaml (last readable version of each), in name order."""
        self._refresh_views()
        return self._playlists_view

    @property
    def settings_file(self) -> MetaFile | None:
        """The content signage.yaml, last readable version; None if there is none."""
        return self._raw.get(SETTINGS_FILE)

    @property
    def settling(self) -> frozenset[str]:
        """Paths seen changing that are not taken yet (a copy in progress, or being read)."""
        return frozenset(self._pending) | frozenset(self._reading)

    @property
    def copying(self) -> frozenset[str]:
        """Paths held because they fail like a copy still in progress (part of `settling`)."""
        return frozenset(
            rel
            for rel, hold in self._holds.items()
            if rel in self._pending and self._pending[rel].signature == hold.signature
        )

    @property
    def root_present(self) -> bool:
        return self._root_problem is None

    def next_settle_deadline(self) -> float | None:
        """Monotonic time at which `update([])` should look at settling files again.

        0.0 (long past) when a reader has results waiting to be taken in.
        """
        if self._backlog and self._root_problem is None:
            return 0.0
        deadlines: list[float] = []
        if self._background:
            reading = self._reader.next_deadline()
            if reading is not None:
                deadlines.append(reading)
        if self._pending and self._root_problem is None:
            deadlines.append(min(self._due(p) for p in self._pending.values()))
        return min(deadlines) if deadlines else None

    def _due(self, pending: _Pending) -> float:
        quiet = pending.quiet_s if pending.quiet_s is not None else self.settings.settle_s
        return pending.quiet_since + max(0.0, quiet)

    def close(self) -> None:
        """Stop reading in the background and join what it runs on; safe to call twice."""
        self._reader.close()

    # --- what the player loop calls -----------------------------------------------------------

    def scan(self, now_mono: float | None = None) -> bool:
        """Look at every file; unchanged signatures are not read again. True if anything changed.

        On the very first scan, files last written more than settle_s ago (by the wall clock)
        are read at once so the screen starts with content; everything else settles.
        """
        now = self._clock() if now_mono is None else now_mono
        self._begin_pass(now)
        first = not self._scanned
        present = self._check_root()
        self._collect(now, keep=present)
        if present:
            self._scan_all(now)
            self._look_at_backlog(now, math.inf)
            self._settle(now, math.inf)
            if first and self._background and self._reading:
                self._reader.wait_idle(self._first_scan_wait_s)
                self._collect(now, keep=True)
        return self._commit()

    def update(
        self,
        changed: Iterable[str],
        now_mono: float | None = None,
        *,
        budget_s: float | None = None,
    ) -> bool:
        """Take in a batch of changed paths (files or folders; "" = everything) and settle.

        Call with an empty batch at `next_settle_deadline()`. True if anything visible changed.
        With `budget_s`, files are looked at for about that long (by the performance
        counter) and the rest on later calls, `next_settle_deadline()` saying when.
        """
        until = math.inf if budget_s is None else time.perf_counter() + budget_s
        now = self._clock() if now_mono is None else now_mono
        self._begin_pass(now)
        was_missing = self._root_problem is not None or not self._scanned
        paths = set(changed)
        if len(paths) > MANY_CHANGES:
            paths = {""}  # one walk, with its limits, is quicker than this many looks
        present = self._check_root()
        self._collect(now, keep=present)
        if not present:
            self._backlog.clear()  # looked at now, every file would seem gone; a rescan follows
        elif was_missing or "" in paths:
            self._scan_all(now)
        elif paths:
            for rel in self._expand(paths):
                self._backlog.setdefault(rel, False)
        if present:
            self._look_at_backlog(now, until)
            self._settle(now, until)
        return self._commit()

    def _look_at_backlog(self, now: float, until: float) -> None:
        while self._backlog:
            rel = next(iter(self._backlog))
            first = self._backlog.pop(rel)
            self._note(rel, now, first=first)
            if time.perf_counter() > until:
                return

    def _begin_pass(self, now: float) -> None:
        self._real_root = os.path.realpath(self.root)
        self._real_dirs = {}
        # Signatures of files that left recently: one reappearing under a new name was moved.
        self._gone = {s: g for s, g in self._gone.items() if now - g[0] <= RENAME_WINDOW_S}
        self._now = now

    # --- root ---------------------------------------------------------------------------------

    def _check_root(self) -> bool:
        """Is the root there and not an empty mount point? Sets or clears the root problem."""
        shown = display_path(str(self.root))
        problem: Problem | None = None
        try:
            with os.scandir(self.root) as entries:
                empty = next(entries, None) is None
            if empty:
                problem = Problem(
                    "",
                    f"the content folder {shown!r} is empty (is the network share mounted?)",
                    code=ROOT_MISSING,
                )
        except FileNotFoundError:
            problem = Problem(
                "", f"the content folder {shown!r} cannot be found", code=ROOT_MISSING
            )
        except NotADirectoryError:
            problem = Problem("", f"{shown!r} is not a folder", code=ROOT_MISSING)
        except OSError as err:
            problem = Problem(
                "",
                f"the content folder {shown!r} cannot be read: {err.strerror or err}",
                code=ROOT_MISSING,
            )
        if problem != self._root_problem:
            if problem is not None:
                log.warning("%s; keeping the last content", problem.message)
            else:
                log.info("the content folder %r is back", shown)
            self._root_problem = problem
            self._dirty = True
        return problem is None

    # --- walking ------------------------------------------------------------------------------

    def _known(self) -> set[str]:
        known = set(self._slides) | set(self._raw) | set(self._pending) | set(self._problems)
        known |= set(self._reading)
        known.discard("")
        return known

    def _scan_all(self, now: float) -> None:
        first = not self._scanned
        self._scanned = True
        slides = walk_files(self.root, SLIDES_DIR)
        playlists = walk_files(self.root, PLAYLISTS_DIR)
        self._set_walk_problems("", (*slides.problems, *playlists.problems))
        on_disk: list[str] = list(slides.files)
        on_disk += [r for r in playlists.files if file_kind(r) == "playlist"]
        if os.path.lexists(self.root / SETTINGS_FILE):
            on_disk.append(SETTINGS_FILE)
        present = set(on_disk)
        for rel in self._known() - present:
            self._forget(rel)
        # Every file is looked at again, in walk order: what was waiting is in the walk.
        self._backlog = dict.fromkeys(on_disk, first)

    def _expand(self, paths: Iterable[str]) -> list[str]:
        """Changed paths -> the files to look at: a folder stands for everything under it.

        Known paths come first, so that in a rename the old name is forgotten before the
        new one is looked at and recognised (see `_note`).
        """
        known = sorted(self._known())
        out: set[str] = set()
        paths = {raw.strip("/") for raw in paths}
        # Thousands of files appearing in one folder (a copy of a whole archive): walk that
        # folder, so its limits hold even for files reported one event at a time.
        crowded: dict[str, int] = {}
        for rel in paths:
            parent = rel.rpartition("/")[0]
            crowded[parent] = crowded.get(parent, 0) + 1
        paths |= {folder for folder, n in crowded.items() if n >= CROWDED_FOLDER and folder}
        for raw in sorted(paths):
            rel = raw.strip("/")
            out.add(rel)
            prefix = rel + "/"
            # Everything known under a folder that moved or vanished: a range of the sorted list.
            start = bisect.bisect_left(known, prefix)
            end = bisect.bisect_left(known, prefix + "\U0010ffff")
            out.update(known[start:end])
            full = self.root / rel
            top = rel.split("/", 1)[0]
            ours = top in (SLIDES_DIR, PLAYLISTS_DIR) and file_kind(rel) in ("slide", None)
            if ours and os.path.isdir(full):
                try:
                    walk = walk_files(self.root, rel)
                except ValueError:
                    continue  # not under slides/ or playlists/
                self._set_walk_problems(rel, walk.problems)
                out.update(walk.files)
        known_set = set(known)
        return sorted(out, key=lambda rel: (rel not in known_set, rel))

    def _in_refused_folder(self, rel: str) -> bool:
        """Is the file inside a folder the walk refused (too many files, a link loop …)? An
        event for a file in one must not bring in what the walk left out."""
        return any(rel.startswith(folder + "/") for folder in self._walk_problems if folder)

    def _set_walk_problems(self, under: str, problems: Iterable[Problem]) -> None:
        """Folders not walked (a link out of the root or back into the tree, too deep, too
        many files, unreadable), as found by the latest walk of `under` ("" for all)."""
        prefix = under.rstrip("/") + "/" if under else ""
        kept = {
            rel: p
            for rel, p in self._walk_problems.items()
            if prefix and not (rel == under or rel.startswith(prefix))
        }
        for problem in problems:
            kept[problem.path] = problem
        if kept != self._walk_problems:
            for rel in kept.keys() - self._walk_problems.keys():
                log.warning("%s", kept[rel].describe())
            self._walk_problems = kept
            self._dirty = True
            for rel in [r for r in self._known() if self._in_refused_folder(r)]:
                self._forget(rel)

    # --- one file -----------------------------------------------------------------------------

    def _inside_root(self, rel: str) -> bool:
        """Does the file, after following links, stay under the root? Folders cached per pass."""
        real_root = self._real_root
        parent = rel.rpartition("/")[0]
        inside = self._real_dirs.get(parent)
        if inside is None:
            real = os.path.realpath(self.root / parent) if parent else real_root
            inside = real == real_root or real.startswith(real_root.rstrip("/") + "/")
            self._real_dirs[parent] = inside
        if not inside:
            return False
        full = self.root / rel
        if os.path.islink(full):
            real = os.path.realpath(full)
            return real.startswith(real_root.rstrip("/") + "/")
        return True

    def _look(self, rel: str) -> Signature | _Refusal | None:
        """The file's signature; a refusal for what can never be read; None if it is gone."""
        shown = display_path(rel)

        def refuse(message: str, code: str) -> _Refusal:
            return _Refusal(Problem(shown, message, code=code))

        full = self.root / rel
        try:
            st = os.stat(full)
        except FileNotFoundError:
            if os.path.islink(full):
                return refuse("the link points to a file that does not exist", "broken-link")
            return None
        except NotADirectoryError:
            return None
        except PermissionError:
            return refuse("the file cannot be read (permission denied)", "permission-denied")
        except OSError as err:
            if err.errno == errno.ELOOP:
                return refuse("the file is a symbolic link loop", "symlink-loop")
            return refuse(f"the file cannot be read: {err.strerror or err}", "unreadable")
        if not self._inside_root(rel):
            return refuse(
                "the file is a link that leads outside the content folder", "outside-root"
            )
        if stat_mod.S_ISDIR(st.st_mode):
            return refuse("this is a folder, not a file", "not-a-file")
        if not stat_mod.S_ISREG(st.st_mode):
            # A FIFO or device would block or never end when read.
            return refuse("this is not a regular file", "not-a-file")
        if not is_unicode_name(rel):
            return refuse(
                "the file name is not UTF-8 (a name from an old zip or a USB stick written on "
                f"an older Windows); read as GBK it says {gbk_guess(rel)!r}: rename the file",
                "name-encoding",
            )
        return (st.st_size, st.st_mtime_ns, st.st_ino)

    def _current_signature(self, rel: str) -> Signature | None:
        if rel in self._slides:
            return self._slides[rel][1]
        if rel in self._raw:
            return self._raw[rel].signature
        return None

    def _note(self, rel: str, now: float, *, first: bool) -> None:
        """A file may have changed: forget it, refuse it, or start settling its new version."""
        kind = file_kind(rel)
        if kind is None or self._in_refused_folder(rel):
            self._forget(rel)
            return
        look = self._look(rel)
        if look is None:
            self._forget(rel)
            return
        if isinstance(look, _Refusal):
            self._refuse(rel, kind, look)
            return
        if look == self._current_signature(rel):
            # Back to the version already taken (a bad copy moved away): nothing to refuse.
            self._pending.pop(rel, None)
            self._clear_problem(rel)
            return
        problem = self._problems.get(rel)
        if problem is not None and problem[1] == look:
            self._pending.pop(rel, None)
            return
        reading = self._reading.get(rel)
        if reading is not None and reading[1] == look:
            self._pending.pop(rel, None)  # this very version is being read already
            return
        pending = self._pending.get(rel)
        if look in self._gone:
            # The same inode, size and mtime that just left under another name: a rename of
            # a file that had settled, so no need to wait (a renamed folder stays on screen).
            _, slide = self._gone.pop(look)
            if slide is not None and self._background and rel not in self._slides:
                # Read again in the background (its path and title change); meanwhile the
                # slide already read stays on screen under its new name.
                self._slides[rel] = (dataclasses.replace(slide, path=rel), look)
                self._dirty = True
            self._take(rel, kind, look, now)
        elif first and self._wall() - look[1] / 1e9 >= self.settings.settle_s:
            self._take(rel, kind, look, now)
        elif pending is None or pending.signature != look:
            self._pending[rel] = _Pending(look, now)

    def _refuse(self, rel: str, kind: FileKind, refusal: _Refusal) -> None:
        if (
            kind == "slide"
            and refusal.problem.code == "not-a-file"
            and os.path.isdir(self.root / rel)
        ):
            # A folder under slides/ is walked, not shown: a file that became one is gone.
            self._forget(rel)
            return
        self._pending.pop(rel, None)
        self._holds.pop(rel, None)
        self._stop_reading(rel)
        self._set_problem(rel, refusal.problem, None)

    def _settle(self, now: float, until: float) -> None:
        due = [rel for rel, pending in self._pending.items() if now >= self._due(pending)]
        # Read in name order, so a rotation's first files come first; a flood of thousands
        # is taken in plain code-point order (cheap), a little at a time.
        due.sort(key=order_key if len(due) <= NATURAL_ORDER_MAX else None)
        for rel in due:
            if time.perf_counter() > until:
                return  # the rest are due still, so the next call comes at once
            pending = self._pending.get(rel)
            if pending is None:
                continue  # settled along with another (a rename, a refused folder)
            kind = file_kind(rel)
            look = self._look(rel)
            if kind is None or look is None:
                self._forget(rel)
            elif isinstance(look, _Refusal):
                self._refuse(rel, kind, look)
            elif look != pending.signature:
                self._pending[rel] = _Pending(look, now)  # still being written
            else:
                self._take(rel, kind, look, now)

    def _take(self, rel: str, kind: FileKind, signature: Signature, now: float) -> None:
        """Read a settled file; keep the result only if the file did not change meanwhile."""
        self._pending.pop(rel, None)
        shown = display_path(rel)
        size = signature[0]
        limit = MAX_TEXT_BYTES if kind != "slide" else size_limit(rel)
        if size > limit:
            message = (
                f"the file is too large ({_mb(size)}; the limit for this type is {_mb(limit)})"
            )
            self._set_problem(rel, Problem(shown, message, code="too-large"), signature)
            return
        if size == 0 and kind == "slide":
            empty = Problem(shown, "the file is empty (0 bytes)", code="empty-file")
            if not self._hold_for_copy(rel, kind, signature, empty, now):
                self._set_problem(rel, empty, signature)
            return
        refused = self._quarantine.refused(rel, signature) if self._quarantine else None
        if refused is not None:
            self._set_problem(rel, refused, signature)
            return
        timeout = self._timeout(rel, kind)
        if self._background and not self._reader.closed:
            ticket = self._reader.submit(rel, kind, timeout)
            self._reading[rel] = (ticket, signature, kind)
            return
        result = self._result(rel, self._reader.read(rel, kind, timeout))
        self._finish(rel, kind, signature, result, now)

    def _timeout(self, rel: str, kind: FileKind) -> float:
        return self._read_timeout(rel) if kind == "slide" else META_READ_TIMEOUT_S

    def _collect(self, now: float, *, keep: bool) -> None:
        """Take in what the readers finished; with `keep` False (the root is gone) drop it:
        the rescan when the root returns reads those files again."""
        if not self._background:
            return
        for done in self._reader.take():
            entry = self._reading.get(done.key)
            if entry is None or entry[0] != done.ticket:
                continue  # forgotten, or superseded by a newer version being read
            del self._reading[done.key]
            _, signature, kind = entry
            if not keep:
                continue
            if done.failure is not None:
                timeout = self._timeout(done.key, kind)
                memory = getattr(self._reader, "memory_mb", 0)
                outcome = failure_problem(done.key, done.failure, timeout, memory)
            else:
                outcome = done.result
            self._finish(done.key, kind, signature, self._result(done.key, outcome), now)

    def _result(self, rel: str, answer: object) -> Slide | MetaFile | Problem:
        """A reader's answer as the catalog keeps it; anything unexpected is a Problem."""
        if isinstance(answer, Slide | Problem):
            return answer
        if isinstance(answer, PlaylistResult | SettingsResult):
            return MetaFile(rel, (0, 0, 0), answer)
        return Problem(display_path(rel), "the reader gave no answer", code="reader-failed")

    def _stop_reading(self, rel: str) -> None:
        if self._reading.pop(rel, None) is not None:
            self._reader.cancel(rel)

    def _finish(
        self,
        rel: str,
        kind: FileKind,
        signature: Signature,
        result: Slide | MetaFile | Problem,
        now: float,
    ) -> None:
        """Keep a read result, unless the file changed or went away while it was read."""
        after = self._look(rel)
        if after is None:
            self._forget(rel)
            return
        if isinstance(after, _Refusal):
            self._refuse(rel, kind, after)
            return
        if after != signature:
            # Changed while we read it: settle the newer version before trusting any of it.
            self._pending[rel] = _Pending(after, now)
            return
        if isinstance(result, Problem) and self._hold_for_copy(rel, kind, signature, result, now):
            return
        self._holds.pop(rel, None)
        if self._quarantine is not None:
            if isinstance(result, Problem):
                self._quarantine.note(rel, signature, result)
            else:
                self._quarantine.clear(rel)
        if isinstance(result, Problem):
            # A chmod that fixes the permissions leaves size, mtime and inode as they were:
            # tie that refusal to no version, so the next event or rescan tries again.
            tied = None if result.code == "permission-denied" else signature
            self._set_problem(rel, result, tied)
            old = self._slides.get(rel)
            if old is not None and draws_from_file(old[0]):
                # Its pictures come from the file, and the file now holds the refused
                # version: the previous version cannot be drawn any more.
                del self._slides[rel]
                self._dirty = True
        elif isinstance(result, MetaFile):
            kept = MetaFile(rel, signature, result.result)
            if self._raw.get(rel) != kept:
                self._raw[rel] = kept
                self._dirty = True
            self._clear_problem(rel)
        else:
            old = self._slides.get(rel)
            if old is None or old[0] != result or old[1] != signature:
                self._slides[rel] = (result, signature)
                self._dirty = True
            self._clear_problem(rel)

    def _hold_for_copy(
        self, rel: str, kind: FileKind, signature: Signature, problem: Problem, now: float
    ) -> bool:
        """Does this failure look like a copy still in progress? Then keep the file pending,
        to be read again after a longer quiet period, and True. See the module docstring."""
        settle = self.settings.settle_s
        if kind != "slide" or not self._background or settle <= 0 or problem.code not in COPY_CODES:
            self._holds.pop(rel, None)
            return False
        hold = self._holds.get(rel)
        if hold is None or hold.signature != signature:
            hold = _Hold(signature, 0, now)
        age = self._wall() - signature[1] / 1e9
        left = min(COPY_GRACE_S - age, COPY_GRACE_S - (now - hold.since))
        if left <= 0:
            self._holds.pop(rel, None)
            return False
        wait = max(COPY_MIN_RETRY_S, settle, min(COPY_RETRY_S * 2.0**hold.tries, left))
        self._holds[rel] = _Hold(signature, hold.tries + 1, hold.since)
        self._pending[rel] = _Pending(signature, now, wait)
        log.debug(
            "%s fails as %s but was changed %.1f s ago (a copy in progress?): again in %.1f s",
            display_path(rel),
            problem.code,
            age,
            wait,
        )
        return True

    # --- bookkeeping --------------------------------------------------------------------------

    def _set_problem(self, rel: str, problem: Problem, signature: Signature | None) -> None:
        old = self._problems.get(rel)
        if old is not None and old[0] == problem:
            self._problems[rel] = (problem, signature)
            return
        self._problems[rel] = (problem, signature)
        self._dirty = True
        keeping = (
            " (the previous version keeps playing)"
            if rel in self._slides or rel in self._raw
            else ""
        )
        log.warning("%s%s", problem.describe(), keeping)

    def _clear_problem(self, rel: str) -> None:
        if self._problems.pop(rel, None) is not None:
            self._dirty = True
            log.info("%s is fine again", display_path(rel))

    def _forget(self, rel: str) -> None:
        if self._quarantine is not None:
            self._quarantine.clear(rel)
        self._pending.pop(rel, None)
        self._holds.pop(rel, None)
        self._stop_reading(rel)
        slide = self._slides.pop(rel, None)
        raw = self._raw.pop(rel, None)
        problem = self._problems.pop(rel, None)
        if slide is not None or raw is not None or problem is not None:
            self._dirty = True
        signature = slide[1] if slide is not None else raw.signature if raw is not None else None
        if signature is not None:
            self._gone[signature] = (self._now, slide[0] if slide is not None else None)

    def _commit(self) -> bool:
        changed = self._dirty
        if changed:
            self.version += 1
            self._dirty = False
        return changed

    def _refresh_views(self) -> None:
        if self._views_version == self.version:
            return
        self._views_version = self.version
        # Name-order keys are kept from one refresh to the next (for the files still there):
        # with thousands of files arriving a few at a time, working each one out again on
        # every refresh held the player's loop.
        old_keys = self._order_keys
        keys: dict[str, tuple[tuple[tuple[int, int | str], ...], ...]] = {}

        def key(rel: str) -> tuple[tuple[tuple[int, int | str], ...], ...]:
            found = keys.get(rel) or old_keys.get(rel) or order_key(rel)
            keys[rel] = found
            return found

        ordered = sorted(self._slides, key=key)
        self._slides_view = MappingProxyType({rel: self._slides[rel][0] for rel in ordered})
        problems: dict[str, Problem] = {}
        if self._root_problem is not None:
            problems[""] = self._root_problem
        for rel in sorted({*self._problems, *self._walk_problems}, key=key):
            entry = self._problems.get(rel)
            problems[rel] = entry[0] if entry is not None else self._walk_problems[rel]
        self._problems_view = MappingProxyType(problems)
        playlists = sorted((r for r in self._raw if r != SETTINGS_FILE), key=key)
        self._order_keys = keys
        self._playlists_view = MappingProxyType({rel: self._raw[rel] for rel in playlists})
