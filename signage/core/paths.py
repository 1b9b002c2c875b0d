"""The content folder: which names count, and paths that never leave the root.

Nothing here writes to the folder. Symlinks are followed only while they stay inside the
root; loops and escapes are refused with a message.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path, PurePosixPath

from signage.core.model import ContentError

IGNORED_PATTERNS = (
    ".*",
    "~$*",
    "*~",
    "*.tmp",
    "*.part",
    "*.swp",
    ".~lock.*#",
    "thumbs.db",
    "desktop.ini",
    "*.sync-conflict-*",  # Syncthing's conflict copies; its temp files match .* and *.tmp
)

YAML_EXTENSIONS = frozenset({".yaml", ".yml"})
"""Playlists and meetings."""

SLIDES_DIR = "slides"
PLAYLISTS_DIR = "playlists"
MAX_DEPTH = 12


def is_ignored(name: str) -> bool:
    """Temporary and hidden names that editors, copiers and Windows leave behind."""
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern) for pattern in IGNORED_PATTERNS)


def display_path(rel: str) -> str:
    """A relative path as text that is always printable (GBK-named files arrive as surrogates)."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def resolve_inside(root: Path, rel: str) -> Path:
    """The real path of `rel` under root; ContentError if it leaves the root or loops."""
    if "\x00" in rel:
        raise ContentError("the path contains a NUL character")
    pure = PurePosixPath(rel.replace("\\", "/"))
    if pure.is_absolute() or (len(rel) > 1 and rel[1] == ":"):
        raise ContentError(
            f"absolute path {rel!r} is not allowed; name a path under the content folder"
        )
    if ".." in pure.parts:
        raise ContentError(
            f"path {rel!r} goes outside the content folder ('..' is not allowed)",
            code="outside-root",
        )
    real_root = root.resolve()
    candidate = real_root.joinpath(*pure.parts)
    try:
        real = candidate.resolve(strict=False)
    except RuntimeError:
        raise ContentError(f"path {rel!r} is a symbolic link loop", code="link-loop") from None
    except OSError as err:
        raise ContentError(f"path {rel!r} cannot be resolved: {err.strerror or err}") from None
    if real != real_root and real_root not in real.parents:
        raise ContentError(
            f"path {rel!r} is a link that leads outside the content folder", code="outside-root"
        )
    return real


def list_files(root: Path, sub: str) -> list[str]:
    """Every non-ignored file under root/sub, as root-relative posix paths in name order.

    Directories are walked in name order; symlinked directories are entered only if they
    stay inside the root and were not seen before (so a loop ends).
    """
    real_root = root.resolve()
    start = real_root / sub
    out: list[str] = []
    seen: set[tuple[int, int]] = set()

    def walk(directory: Path, rel: PurePosixPath, depth: int) -> None:
        try:
            st = directory.stat()
        except OSError:
            return
        key = (st.st_dev, st.st_ino)
        if key in seen or depth > MAX_DEPTH:
            return
        seen.add(key)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: natural_key(e.name))
        except OSError:
            return
        for entry in entries:
            if is_ignored(entry.name):
                continue
            child_rel = rel / entry.name
            try:
                if entry.is_symlink():
                    target = Path(entry.path).resolve()
                    if target != real_root and real_root not in target.parents:
                        out.append(str(child_rel))  # refused later with a clear message
                        continue
                if entry.is_dir():
                    walk(Path(entry.path), child_rel, depth + 1)
                else:
                    out.append(str(child_rel))
            except (OSError, RuntimeError):
                out.append(str(child_rel))  # a loop or unreadable entry: reported by the reader

    if start.is_dir():
        walk(start, PurePosixPath(sub), 0)
    return out


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort '2.jpg' before '10.jpg', as staff numbering files expect."""
    import re

    parts = re.split(r"(\d+)", name.lower())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p != "")


def read_bytes_limited(path: Path, limit: int) -> bytes:
    """Read a regular file of at most `limit` bytes; ContentError in plain words otherwise."""
    import stat as stat_mod

    try:
        st = path.stat()
        if stat_mod.S_ISDIR(st.st_mode):
            raise ContentError("this is a folder, not a file", code="not-a-file")
        if not stat_mod.S_ISREG(st.st_mode):
            raise ContentError("this is not a regular file", code="not-a-file")
        if st.st_size > limit:
            raise ContentError(
                f"the file is too large ({st.st_size / 1e6:.0f} MB; "
                f"the limit is {limit / 1e6:.0f} MB)",
                code="too-large",
            )
        if st.st_size == 0:
            raise ContentError("the file is empty (0 bytes)", code="empty-file")
        with open(path, "rb") as fh:
            return fh.read(limit + 1)
    except FileNotFoundError:
        raise ContentError("the file has disappeared", code="missing") from None
    except PermissionError:
        raise ContentError(
            "the file cannot be read (permission denied)", code="permission-denied"
        ) from None
    except OSError as err:
        raise ContentError(f"the file cannot be read: {err.strerror or err}") from None
