"""The content folder: which names count, and paths that never leave the root.

Nothing here writes to the folder. The content root itself may be a symbolic link (the
administrator may have made it one); inside it, links are followed only while they stay
inside the root, and the walk of a folder is bounded: one depth rule (`MAX_DEPTH` folders
below `slides/` or `playlists/`) for the whole walk, a single path and a partial walk alike,
at most `MAX_ENTRIES` entries, and a folder link that leads back into the tree it is in
(`slides/again -> .`, or to a sibling folder whose files are shown already) is refused
instead of being walked twice. Every folder that is not walked is a Problem that says why.
"""

from __future__ import annotations

import errno
import os
import re
import stat as stat_mod
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from signage.core.model import ContentError, Problem

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
"""Folders below slides/ (or playlists/): slides/1/2/…/12/x.jpg is the deepest file read."""
MAX_ENTRIES = 20_000
"""Names looked at in one walk (files and folders); a lobby's slides are a few hundred."""


_IGNORED_PARTS = tuple(tuple(pattern.split("*")) for pattern in IGNORED_PATTERNS)
"""Each pattern as the literal runs between its stars (they have no `?` or `[`)."""


def _star_match(name: str, parts: tuple[str, ...]) -> bool:
    """fnmatch for patterns made of literals and `*`, in one pass: the first run must start
    the name, the last end it, and the others come in order between them."""
    if len(parts) == 1:
        return name == parts[0]
    head, *middle, tail = parts
    if len(name) < len(head) + len(tail) or not name.startswith(head) or not name.endswith(tail):
        return False
    at, end = len(head), len(name) - len(tail)
    for run in middle:
        found = name.find(run, at, end)
        if found < 0:
            return False
        at = found + len(run)
    return True


def _sorted_patterns() -> tuple[
    frozenset[str], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], ...]
]:
    """The patterns by shape, so that the common ones are tested by str methods in C: a walk
    looks at every name of a folder of 20,000 files on the player's loop."""
    exact: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    inside: list[str] = []
    other: list[tuple[str, ...]] = []
    for parts in _IGNORED_PARTS:
        if len(parts) == 1:
            exact.add(parts[0])
        elif len(parts) == 2 and parts[1] == "":
            prefixes.append(parts[0])
        elif len(parts) == 2 and parts[0] == "":
            suffixes.append(parts[1])
        elif len(parts) == 3 and parts[0] == parts[2] == "":
            inside.append(parts[1])
        else:
            other.append(parts)
    return frozenset(exact), tuple(prefixes), tuple(suffixes), tuple(inside), tuple(other)


_EXACT, _PREFIXES, _SUFFIXES, _INSIDE, _OTHER = _sorted_patterns()


def is_ignored(name: str) -> bool:
    """Temporary and hidden names that editors, copiers and Windows leave behind."""
    lowered = name.lower()
    return (
        lowered in _EXACT
        or lowered.startswith(_PREFIXES)
        or lowered.endswith(_SUFFIXES)
        or any(run in lowered for run in _INSIDE)
        or any(_star_match(lowered, parts) for parts in _OTHER)
    )


def extension(rel: str) -> str:
    """'.txt' for '通知.TXT', and for '通知.txt ' too: Windows drops spaces and dots after a
    name, so a file named so on a Mac or by a script shows as 通知.txt on a staff PC."""
    name = PurePosixPath(rel).name.rstrip(" .\u3000")
    return PurePosixPath(name).suffix.lower() if name else ""


def is_unicode_name(rel: str) -> bool:
    """False for a name whose bytes were not UTF-8: Python hands them over as lone surrogates,
    which no file, log or screen can write, so such a file is refused, never shown."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def gbk_guess(rel: str) -> str:
    """The name as it most likely read on the Windows PC it came from (GBK), each such part
    marked, for a reason: a file beside it with the same name in UTF-8 is another file, and
    the part to rename may be a folder's."""
    return "/".join(
        part
        if is_unicode_name(part)
        else part.encode("utf-8", "surrogateescape").decode("gb18030", "replace") + "〔编码不对〕"
        for part in rel.split("/")
    )


def display_path(rel: str) -> str:
    """A relative path as text that is always printable: a name whose bytes are not UTF-8
    (GBK from an old zip or USB stick, handed over as surrogates) as GBK would read it, so
    staff recognise their file in 状态.txt."""
    return rel if is_unicode_name(rel) else gbk_guess(rel)


def folder_depth(rel: str) -> int:
    """Folders between the tree (slides/, playlists/) and the file: 1 for slides/a/x.jpg."""
    return max(0, len(PurePosixPath(rel).parts) - 2)


def resolve_inside(root: Path, rel: str) -> Path:
    """The real path of `rel` under root; ContentError if it leaves the root, loops, or lies
    deeper than the walk goes (so that a path named by an event or a playlist is held to
    the same depth as the folder walk)."""
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
    if folder_depth(str(pure)) > MAX_DEPTH:
        raise ContentError(
            f"path {display_path(rel)!r} is inside more than {MAX_DEPTH} levels of folders",
            code="too-deep",
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


@dataclass(frozen=True)
class FolderWalk:
    """What a walk of a folder found: the files to read, and the folders it did not enter."""

    files: tuple[str, ...]
    """Root-relative posix paths in name order. Links that lead outside the root, broken
    links and links that loop are listed too: reading them gives the problem that names them."""
    problems: tuple[Problem, ...]
    """Folders not walked, and why: too deep, unreadable, a link back into the tree, too many
    entries."""


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


class _Walker:
    """One walk; see `walk_files`."""

    def __init__(self, root: Path, tree: str) -> None:
        self.real_root = os.path.realpath(root)
        self.real_tree = os.path.realpath(os.path.join(self.real_root, tree))
        self.files: list[str] = []
        self.problems: list[Problem] = []
        self.entries = 0
        self.seen: set[tuple[int, int]] = set()
        self.stopped = False

    def refuse(self, rel: str, message: str, code: str) -> None:
        self.problems.append(Problem(display_path(rel), message, code=code))

    def enter(self, path: str, rel: str, chain: tuple[str, ...]) -> str | None:
        """The real path of folder `path` if the walk may go in (`chain`: the real paths of
        the folders it is in); None (and a problem where one is due) if not."""
        if folder_depth(rel + "/x") > MAX_DEPTH:
            self.refuse(
                rel,
                f"the folder is inside more than {MAX_DEPTH} levels of folders; "
                "what is in it is not shown",
                "too-deep",
            )
            return None
        real = os.path.realpath(path)
        if not _inside(real, self.real_root):
            # Listed as a file: reading it says "outside-root", as for a file link.
            self.files.append(rel)
            return None
        here = chain[-1] if chain else self.real_root
        if real in chain or _inside(here, real):
            self.refuse(
                rel,
                "the folder is a link back to a folder it is in (a loop); it is not walked",
                "link-loop",
            )
            return None
        if os.path.islink(path) and _inside(real, self.real_tree):
            shown = display_path(os.path.relpath(real, self.real_root).replace(os.sep, "/"))
            self.refuse(
                rel,
                f"the folder is a link to {shown}, which is shown already; it is not walked",
                "duplicate-folder",
            )
            return None
        try:
            st = os.stat(real)
        except OSError:
            return None
        key = (st.st_dev, st.st_ino)
        if key in self.seen:
            # The same folder reached twice without a link (a bind mount): a loop or a copy.
            self.refuse(
                rel, "the folder was reached twice (a loop); it is not walked again", "link-loop"
            )
            return None
        self.seen.add(key)
        return real

    def walk(self, path: str, rel: str, chain: tuple[str, ...]) -> None:
        names: list[tuple[str, bool]] = []
        try:
            with os.scandir(path) as it:
                for entry in it:
                    self.entries += 1
                    if self.entries > MAX_ENTRIES:
                        self.refuse(
                            rel,
                            f"the folders hold more than {MAX_ENTRIES:,} files and folders; "
                            "the rest are not shown",
                            "too-many-files",
                        )
                        self.stopped = True
                        break
                    if is_ignored(entry.name):
                        continue
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    names.append((entry.name, is_dir))
        except PermissionError:
            self.refuse(rel, "the folder cannot be read (permission denied)", "permission-denied")
            return
        except OSError as err:
            self.refuse(rel, f"the folder cannot be read: {err.strerror or err}", "unreadable")
            return
        # A walk stopped at its limit shows nothing more: no need to sort what it will not use.
        ordered = [] if self.stopped else sorted(names, key=lambda n: natural_key(n[0]))
        for name, is_dir in ordered:
            if self.stopped:
                return
            child, child_rel = os.path.join(path, name), f"{rel}/{name}"
            if not is_dir:
                self.files.append(child_rel)
                continue
            real = self.enter(child, child_rel, chain)
            if real is not None:
                self.walk(child, child_rel, (*chain, real))


def walk_files(root: Path, sub: str) -> FolderWalk:
    """Every non-ignored file under root/sub (sub: "slides", "playlists", or a folder inside
    one of them), and the folders that were not walked.

    The same rules hold whether the walk starts at the top or at a folder inside: each part
    of `sub` is checked as the walk from the top would check it, so `slides/again -> .` is
    refused the same way when an event names it. The top (`slides/` itself) may be a link
    to a folder inside the root, never to one outside it.
    """
    pure = PurePosixPath(sub.strip("/"))
    parts = pure.parts
    if not parts or pure.is_absolute() or ".." in parts:
        raise ValueError(f"not a folder inside the content root: {sub!r}")
    walker = _Walker(root, parts[0])
    top = os.path.join(walker.real_root, parts[0])
    if not os.path.isdir(top):
        return FolderWalk((), ())
    if not _inside(walker.real_tree, walker.real_root) or walker.real_tree == walker.real_root:
        walker.refuse(
            parts[0],
            f"the {parts[0]} folder is a link that leads outside the content folder; "
            "nothing in it is shown",
            "outside-root",
        )
        return FolderWalk((), tuple(walker.problems))
    try:
        st = os.stat(walker.real_tree)
    except OSError:
        return FolderWalk((), ())
    walker.seen.add((st.st_dev, st.st_ino))
    chain: tuple[str, ...] = (walker.real_tree,)
    path, rel = top, parts[0]
    for name in parts[1:]:
        if is_ignored(name):
            return FolderWalk((), ())
        path, rel = os.path.join(path, name), f"{rel}/{name}"
        if not os.path.isdir(path):
            return FolderWalk((), ())
        real = walker.enter(path, rel, chain)
        if real is None:
            return FolderWalk(tuple(walker.files), tuple(walker.problems))
        chain = (*chain, real)
    walker.walk(path, rel, chain)
    return FolderWalk(tuple(walker.files), tuple(walker.problems))


def list_files(root: Path, sub: str) -> list[str]:
    """The files of `walk_files` (its problems dropped): root-relative posix paths in name
    order."""
    return list(walk_files(root, sub).files)


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort '2.jpg' before '10.jpg', as staff numbering files expect."""
    parts = _DIGITS.split(name.lower())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p != "")


_DIGITS = re.compile(r"(\d+)")


def read_regular_file(path: Path, limit: int, *, real: bool = False) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, read no further than that.

    The file is opened without blocking and checked on the open descriptor, so a FIFO or a
    device swapped in after a stat() neither blocks nor streams for ever, and a sparse file
    of 50 GB is refused by its size before anything is read. ContentError in plain words.

    `real`: `path` is what `resolve_inside` found, with no link in it; the file opened must
    be that very path, so a link swapped into it since (by someone who may write the folder)
    cannot lead the read outside the content folder."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (os.O_NOFOLLOW if real else 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ContentError("the file has disappeared", code="missing") from None
    except PermissionError:
        raise ContentError(
            "the file cannot be read (permission denied)", code="permission-denied"
        ) from None
    except OSError as err:
        if err.errno == errno.ELOOP and real:
            raise _swapped() from None
        if err.errno == errno.ELOOP:
            raise ContentError("the file is a symbolic link loop", code="symlink-loop") from None
        if err.errno in (errno.ENXIO, errno.EISDIR):
            raise ContentError("this is not a regular file", code="not-a-file") from None
        raise ContentError(f"the file cannot be read: {err.strerror or err}") from None
    try:
        if real and _opened_elsewhere(fd, path):
            raise _swapped()
        st = os.fstat(fd)
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
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as err:
        raise ContentError(f"the file cannot be read: {err.strerror or err}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        # It grew between the size check and the read (still being copied).
        raise ContentError(f"the file is too large (over {limit / 1e6:.0f} MB)", code="too-large")
    return data


def _opened_elsewhere(fd: int, path: Path) -> bool:
    """Is the open file not at `path`? Where /proc cannot say, O_NOFOLLOW has to do."""
    try:
        opened = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return False
    expected = os.fspath(path)
    return opened not in (expected, expected + " (deleted)")


def _swapped() -> ContentError:
    return ContentError(
        "the file or a folder above it changed into a link while it was being opened; "
        "it is not read",
        code="outside-root",
    )


def read_bytes_limited(path: Path, limit: int, *, real: bool = False) -> bytes:
    """Read a regular, non-empty file of at most `limit` bytes; ContentError in plain words
    otherwise (see `read_regular_file`)."""
    data = read_regular_file(path, limit, real=real)
    if not data:
        raise ContentError("the file is empty (0 bytes)", code="empty-file")
    return data
