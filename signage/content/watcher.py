"""Watching the content folder: the only module that knows about watchdog.

Everything downstream sees one thing: batches of root-relative posix paths that may have
changed, from `Watcher.drain()`. A path may name a file or a folder (a folder stands for
everything under it); "" names the root itself and means "rescan everything" — it is
reported when the root disappears or comes back, and every `rescan_interval_s` as a safety
net against missed events.

Threads (all stopped and joined by `stop()`):
- the watchdog observer (and its emitter) — inotify on local disks, polling on network
  shares, where inotify never hears about writes made by other machines;
- a supervisor that checks every `root_check_s` that the root still exists and is the same
  directory (device, inode): when a share is unmounted or a USB stick pulled it reports "",
  drops the observer and re-arms a fresh one when the root returns.

`wake` is called from those threads whenever a batch goes from empty to non-empty, so it
must be quick and thread-safe (posting a pygame user event is).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from signage.core.config import Settings
from signage.core.paths import is_ignored

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

log = logging.getLogger(__name__)

WatchMode = Literal["native", "polling"]

NETWORK_FILESYSTEMS = frozenset(
    {
        "cifs",
        "smb3",
        "smbfs",
        "nfs",
        "nfs4",
        "sshfs",
        "fuse.sshfs",
        # Desktop-mounted shares and cloud folders: inotify sees only local writes there too.
        "fuse.gvfsd-fuse",
        "fuse.rclone",
        "davfs",
        "fuse.davfs2",
        "9p",
    }
)

MAX_PENDING_PATHS = 10_000
"""Past this many distinct paths in one batch, report "" (rescan everything) instead."""

MOUNTS_FILE = Path("/proc/self/mounts")


def _unescape_mount_field(text: str) -> str:
    """/proc/self/mounts writes space, tab, newline and backslash as octal escapes (\\040)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def filesystem_type(path: str | os.PathLike[str], mounts_text: str) -> str | None:
    """The type of the file system `path` lives on, from the text of /proc/self/mounts.

    `path` should be absolute and resolved; the longest mount point containing it wins (the
    last one listed when a point is mounted over). None when no line applies.
    """
    target = os.fspath(path).rstrip("/") or "/"
    best: tuple[int, str] | None = None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _unescape_mount_field(fields[1]).rstrip("/") or "/"
        inside = target == point or point == "/" or target.startswith(point + "/")
        if inside and (best is None or len(point) >= best[0]):
            best = (len(point), fields[2])
    return best[1] if best else None


def choose_mode(setting: str, fstype: str | None) -> WatchMode:
    """settings.watch (auto | native | polling) and the file system type -> how to watch."""
    if setting == "native":
        return "native"
    if setting == "polling":
        return "polling"
    if setting != "auto":
        log.warning("watch: %r is not auto, native or polling; using auto", setting)
    return "polling" if fstype in NETWORK_FILESYSTEMS else "native"


def relative_path(root: str, path: str) -> str | None:
    """`path` (absolute, as watchdog reports it) relative to `root` in posix form.

    "" for the root itself; None if it is outside the root or any part of it is an ignored
    name (temp files, hidden folders, Office lock files).
    """
    if path == root:
        return ""
    prefix = root.rstrip(os.sep) + os.sep
    if not path.startswith(prefix):
        return None
    rel = path[len(prefix) :].strip(os.sep)
    parts = rel.split(os.sep)
    if any(is_ignored(part) for part in parts):
        return None
    return "/".join(parts)


def _root_identity(root: Path) -> tuple[int, int] | None:
    """(device, inode) of the root directory, or None if it is missing or unreachable."""
    try:
        st = os.stat(root)
    except OSError:
        return None
    import stat as stat_mod

    if not stat_mod.S_ISDIR(st.st_mode):
        return None
    return (st.st_dev, st.st_ino)


class Watcher:
    """Collects changed paths under `root` from watchdog; `drain()` hands them over.

    Thread-safe: `drain()`, `wait()` and `pending()` may be called from any thread; `start()`
    and `stop()` from the owning thread. Not restartable after `stop()`.
    """

    def __init__(
        self,
        root: Path,
        settings: Settings,
        wake: Callable[[], None] | None = None,
        *,
        root_check_s: float = 1.0,
        mounts_file: Path = MOUNTS_FILE,
        clock_monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = Path(os.path.abspath(root))
        self.settings = settings
        self._wake = wake
        self._root_check_s = max(0.01, root_check_s)
        self._mounts_file = mounts_file
        self._clock = clock_monotonic
        self._lock = threading.Lock()
        self._paths: set[str] = set()
        self._changed = threading.Event()
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._observer: BaseObserver | None = None
        self._identity: tuple[int, int] | None = None
        self._mode: WatchMode | None = None
        self._root_present = False

    # --- what the player loop calls -------------------------------------------------------

    def drain(self) -> set[str]:
        """Every path reported since the last drain (possibly empty); clears the batch."""
        with self._lock:
            paths, self._paths = self._paths, set()
            self._changed.clear()
        return paths

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a batch is waiting (True) or the timeout passes (False)."""
        return self._changed.wait(timeout)

    def pending(self) -> bool:
        return self._changed.is_set()

    @property
    def mode(self) -> WatchMode | None:
        """How the root is watched now: "native", "polling", or None while it is missing."""
        return self._mode

    @property
    def root_present(self) -> bool:
        return self._root_present

    # --- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._supervisor is not None:
            raise RuntimeError("Watcher.start() called twice")
        self._identity = _root_identity(self.root)
        self._root_present = self._identity is not None
        if self._root_present:
            self._arm()
        else:
            log.warning("content folder %s is missing; waiting for it", self.root)
        self._supervisor = threading.Thread(
            target=self._supervise, name="signage-watch-supervisor", daemon=True
        )
        self._supervisor.start()

    def stop(self) -> None:
        """Stop and join every thread this watcher started; safe to call more than once."""
        self._stopping.set()
        if self._supervisor is not None and self._supervisor.is_alive():
            self._supervisor.join()
        self._disarm()

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- reporting ----------------------------------------------------------------------------

    def report(self, paths: Iterable[str]) -> None:
        """Add paths to the batch and wake the player if the batch was empty."""
        with self._lock:
            was_empty = not self._paths
            self._paths.update(paths)
            if len(self._paths) > MAX_PENDING_PATHS:
                # A huge burst (a whole archive unpacked): one rescan is cheaper than the list.
                self._paths = {""}
            if not self._paths:
                return
            self._changed.set()
        if was_empty and self._wake is not None:
            try:
                self._wake()
            except Exception:  # the loop boundary of a watcher thread: never let wake kill it
                log.exception("wake callback failed")

    def _on_event(self, src: str | bytes, dest: str | bytes, is_directory: bool) -> None:
        root = str(self.root)
        found: list[str] = []
        for raw in (src, dest):
            if not raw:
                continue
            rel = relative_path(root, os.fsdecode(raw))
            if rel is None:
                continue
            if rel == "" and not is_directory:
                continue
            found.append(rel)
        if found:
            self.report(found)

    # --- observer ------------------------------------------------------------------------------

    def _decide_mode(self) -> WatchMode:
        fstype: str | None = None
        if self.settings.watch not in ("native", "polling"):
            try:
                text = self._mounts_file.read_text(encoding="utf-8", errors="surrogateescape")
                fstype = filesystem_type(os.path.realpath(self.root), text)
            except OSError as err:
                log.warning("cannot read %s (%s); watching natively", self._mounts_file, err)
        return choose_mode(self.settings.watch, fstype)

    def _arm(self) -> None:
        """Start a fresh observer on the root; on failure fall back to polling, or wait."""
        mode = self._decide_mode()
        for attempt in (mode, "polling") if mode == "native" else (mode,):
            try:
                self._observer = self._start_observer(attempt)
            except OSError as err:
                # inotify watch limit reached, or the root vanished in between.
                log.warning("cannot watch %s with %s observer: %s", self.root, attempt, err)
                continue
            self._mode = attempt
            log.info("watching %s (%s)", self.root, attempt)
            return
        self._mode = None

    def _start_observer(self, mode: WatchMode) -> BaseObserver:
        from watchdog.events import (
            DirCreatedEvent,
            DirDeletedEvent,
            DirMovedEvent,
            FileAttribEvent,
            FileClosedEvent,
            FileCreatedEvent,
            FileDeletedEvent,
            FileModifiedEvent,
            FileMovedEvent,
            FileSystemEvent,
            FileSystemEventHandler,
        )

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                try:
                    watcher._on_event(event.src_path, event.dest_path, event.is_directory)
                except Exception:  # the dispatcher thread's boundary: one odd event must not end it
                    log.exception("handling %r failed", event)

        observer: BaseObserver
        if mode == "polling":
            from watchdog.observers.polling import PollingObserver

            observer = PollingObserver(timeout=max(0.05, self.settings.poll_interval_s))
        else:
            from watchdog.observers import Observer

            observer = Observer()
        # Opens and reads (ours included) and folder mtime bumps carry no news: leave them out.
        wanted = [
            FileCreatedEvent,
            FileDeletedEvent,
            FileModifiedEvent,
            FileMovedEvent,
            FileClosedEvent,
            FileAttribEvent,
            DirCreatedEvent,
            DirDeletedEvent,
            DirMovedEvent,
        ]
        try:
            observer.schedule(Handler(), str(self.root), recursive=True, event_filter=wanted)
            observer.start()
        except BaseException:
            self._stop_observer(observer)
            raise
        return observer

    @staticmethod
    def _stop_observer(observer: BaseObserver) -> None:
        observer.stop()
        with contextlib.suppress(RuntimeError):  # never started
            observer.join()

    def _disarm(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            self._stop_observer(observer)

    def _observer_alive(self) -> bool:
        observer = self._observer
        if observer is None or not observer.is_alive():
            return False
        return all(emitter.is_alive() for emitter in observer.emitters) and bool(observer.emitters)

    # --- supervisor ------------------------------------------------------------------------------

    def _supervise(self) -> None:
        next_rescan = self._clock() + self.settings.rescan_interval_s
        while not self._stopping.wait(self._root_check_s):
            try:
                self._check_root()
            except Exception:  # the loop boundary of this thread: log, keep supervising
                log.exception("checking the content folder failed")
            now = self._clock()
            if self.settings.rescan_interval_s > 0 and now >= next_rescan:
                next_rescan = now + self.settings.rescan_interval_s
                self.report([""])

    def _check_root(self) -> None:
        identity = _root_identity(self.root)
        if identity is None:
            if self._root_present:
                log.warning("content folder %s has disappeared", self.root)
                self._root_present = False
                self._disarm()
                self._mode = None
                self.report([""])
            return
        if not self._root_present or identity != self._identity:
            # Back, or replaced by another folder / a share mounted over the mount point.
            log.info("content folder %s is (back) in place; watching it again", self.root)
            self._identity = identity
            self._root_present = True
            self._disarm()
            self._arm()
            self.report([""])
            return
        if not self._observer_alive():
            # The emitter stopped by itself (root deleted and recreated between two checks,
            # or a transient error): start over.
            self._disarm()
            self._arm()
            if self._mode is not None:
                self.report([""])
