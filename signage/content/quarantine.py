"""Files that beat a worker, remembered across restarts (in the state directory).

A file that made a worker time out, crash or run out of memory is refused until it changes.
After a restart the catalog would read it again first thing, and every file queued behind it
would wait for it to fail once more: the screen would start on the idle page. So the version
that failed is recorded (path, size, mtime, inode, the worker memory limit it failed under)
and a later player refuses that very version at once, unread. A changed file, or a higher
memory limit set by the administrator, is read again. The record is never in the content
folder, which the player only reads.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from signage.core.model import Problem

log = logging.getLogger(__name__)

FILE_NAME = "quarantine.json"
CODES = frozenset({"read-timeout", "reader-crashed", "reader-memory"})
"""The problems a file earns by beating a worker (not by simply being bad input)."""
MAX_ENTRIES = 1000

Signature = tuple[int, int, int]


@dataclass(frozen=True)
class Entry:
    signature: Signature
    problem: Problem
    memory_mb: int


class Quarantine:
    def __init__(self, directory: Path | None, memory_mb: int) -> None:
        self._path = directory / FILE_NAME if directory is not None else None
        self._memory_mb = memory_mb
        self._entries: dict[str, Entry] = self._load()

    def refused(self, rel: str, signature: Signature) -> Problem | None:
        """The recorded problem if this very version beat a worker under these limits."""
        entry = self._entries.get(rel)
        if entry is None or entry.signature != signature or self._memory_mb > entry.memory_mb:
            return None
        return entry.problem

    def note(self, rel: str, signature: Signature, problem: Problem) -> None:
        if problem.code not in CODES:
            self.clear(rel)
            return
        entry = Entry(signature, problem, self._memory_mb)
        if self._entries.get(rel) != entry and len(self._entries) < MAX_ENTRIES:
            self._entries[rel] = entry
            self._save()

    def clear(self, rel: str) -> None:
        if self._entries.pop(rel, None) is not None:
            self._save()

    def _load(self) -> dict[str, Entry]:
        if self._path is None:
            return {}
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
            return {
                str(rel): Entry(
                    (int(e["size"]), int(e["mtime_ns"]), int(e["inode"])),
                    Problem(str(e["path"]), str(e["message"]), code=str(e["code"])),
                    int(e["memory_mb"]),
                )
                for rel, e in raw.items()
            }
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            log.warning("ignoring the unreadable quarantine record %s: %s", self._path, err)
            return {}

    def _save(self) -> None:
        if self._path is None:
            return
        data = {
            rel: {
                "size": e.signature[0],
                "mtime_ns": e.signature[1],
                "inode": e.signature[2],
                "path": e.problem.path,
                "message": e.problem.message,
                "code": e.problem.code,
                "memory_mb": e.memory_mb,
            }
            for rel, e in self._entries.items()
        }
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".quarantine-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1)  # \u escapes keep undecodable names
            os.replace(tmp, self._path)
        except (OSError, UnicodeEncodeError) as err:
            log.warning("cannot record refused files in %s: %s", self._path, err)
