"""The catalog on real files in tmp folders, driven by explicit batches and a hand-set clock."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

import signage.core.paths
from signage.content.catalog import (
    COPY_GRACE_S,
    COPY_RETRY_S,
    Catalog,
    Reader,
    file_kind,
    order_key,
)
from signage.content.reader_pool import ReaderPool
from signage.core.config import Settings
from signage.core.model import Block, ContentError, Document, ImageBody, Slide
from signage.core.paths import read_bytes_limited, resolve_inside
from signage.formats.registry import MAX_IMAGE_BYTES, MAX_TEXT_BYTES, read_slide, size_limit
from signage.workers.jobs import PlaylistResult, SettingsResult

SETTLE = 0.5


def fake_reader(root: Path, rel: str, settings: Settings) -> Slide:
    """Stands in for the real readers: UTF-8 text becomes a notice, images are opened whole."""
    path = resolve_inside(root, rel)
    suffix = Path(rel).suffix.lower()
    if suffix in (".png", ".jpg"):
        data = read_bytes_limited(path, MAX_IMAGE_BYTES)
        try:
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                size = img.size
                fmt = img.format or "?"
        except (OSError, SyntaxError) as err:
            raise ContentError(f"the picture cannot be decoded ({err})", code="image-bad") from None
        body: ImageBody | Document = ImageBody(size[0], size[1], fmt)
        title = Path(rel).stem
    else:
        data = read_bytes_limited(path, MAX_TEXT_BYTES)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ContentError("the file is not text", code="not-text") from None
        if "\x00" in text:
            raise ContentError("the file is not text", code="not-text")
        if text.startswith("BROKEN"):
            raise ContentError("the notice is broken", line=1, code="broken")
        title = text.splitlines()[0] if text else ""
        body = Document(title, (Block("body", text),))
    return Slide(rel, "notice", title, body, hashlib.sha256(data).hexdigest())


def text_of(slide: Slide) -> str:
    assert isinstance(slide.body, Document)
    return slide.body.blocks[0].text


def write(path: Path, data: str | bytes, *, age: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    if age is not None:
        t = time.time() - age
        os.utime(path, (t, t))
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "slides").mkdir(parents=True)
    return content


def make(root: Path, reader=fake_reader) -> Catalog:  # type: ignore[no-untyped-def]
    return Catalog(root, Settings(settle_s=SETTLE), reader, clock_monotonic=lambda: 0.0)


def settle(catalog: Catalog, changed: list[str], t: float) -> None:
    """Report a batch at t, then look again when the catalog says it is due."""
    catalog.update(changed, t)
    deadline = catalog.next_settle_deadline()
    assert deadline is not None
    catalog.update([], deadline)


def test_first_scan_takes_old_files_in_natural_order(root: Path) -> None:
    for name in ("10.txt", "2.txt", "notices/1.txt", "a.txt"):
        write(root / "slides" / name, f"notice {name}", age=60)
    write(root / "slides" / "~$draft.txt", "lock file", age=60)
    write(root / "slides" / ".hidden.txt", "hidden", age=60)
    write(root / "slides" / "copy.part", "partial", age=60)
    catalog = make(root)
    assert catalog.scan(0.0)
    assert list(catalog.slides) == [
        "slides/2.txt",
        "slides/10.txt",
        "slides/a.txt",
        "slides/notices/1.txt",
    ]
    assert not catalog.problems
    assert catalog.next_settle_deadline() is None


def test_first_scan_settles_a_file_written_just_now(root: Path) -> None:
    write(root / "slides" / "new.txt", "just copied")
    catalog = make(root)
    catalog.scan(0.0)
    assert "slides/new.txt" not in catalog.slides
    assert catalog.settling == {"slides/new.txt"}
    assert catalog.next_settle_deadline() == pytest.approx(SETTLE)
    assert catalog.update([], SETTLE)
    assert text_of(catalog.slides["slides/new.txt"]) == "just copied"


def test_new_file_waits_until_quiet_then_appears(root: Path) -> None:
    catalog = make(root)
    catalog.scan(0.0)
    write(root / "slides" / "a.txt", "hello")
    assert not catalog.update(["slides/a.txt"], 10.0)
    assert "slides/a.txt" not in catalog.slides
    assert not catalog.update([], 10.0 + SETTLE / 2)
    assert catalog.update([], 10.0 + SETTLE)
    assert text_of(catalog.slides["slides/a.txt"]) == "hello"


def test_a_file_still_growing_is_not_taken(root: Path) -> None:
    catalog = make(root)
    catalog.scan(0.0)
    target = write(root / "slides" / "big.txt", "part one,")
    catalog.update(["slides/big.txt"], 1.0)
    with target.open("ab") as fh:  # the next chunk lands without an event reaching us yet
        fh.write(b" part two")
    assert not catalog.update([], 1.0 + SETTLE)
    assert "slides/big.txt" not in catalog.slides
    assert catalog.next_settle_deadline() == pytest.approx(1.0 + 2 * SETTLE)
    assert catalog.update([], 1.0 + 2 * SETTLE)
    assert text_of(catalog.slides["slides/big.txt"]) == "part one, part two"


def test_a_file_changed_while_it_is_read_is_read_again(root: Path) -> None:
    calls: list[str] = []

    def reader(root_: Path, rel: str, settings: Settings) -> Slide:
        slide = fake_reader(root_, rel, settings)
        if not calls:
            with (root_ / rel).open("ab") as fh:
                fh.write(b" and more")
        calls.append(rel)
        return slide

    catalog = make(root, reader)
    catalog.scan(0.0)
    write(root / "slides" / "a.txt", "first")
    catalog.update(["slides/a.txt"], 0.0)
    catalog.update([], SETTLE)
    assert "slides/a.txt" not in catalog.slides
    catalog.update([], 2 * SETTLE)
    assert text_of(catalog.slides["slides/a.txt"]) == "first and more"
    assert len(calls) == 2


def test_unchanged_files_are_not_read_again(root: Path) -> None:
    calls: list[str] = []

    def reader(root_: Path, rel: str, settings: Settings) -> Slide:
        calls.append(rel)
        return fake_reader(root_, rel, settings)

    for i in range(5):
        write(root / "slides" / f"{i}.txt", f"n{i}", age=60)
    catalog = make(root, reader)
    catalog.scan(0.0)
    assert len(calls) == 5
    assert not catalog.scan(1.0)
    assert not catalog.update(["", "slides/1.txt"], 2.0)
    assert len(calls) == 5
    write(root / "slides" / "3.txt", "changed")
    settle(catalog, ["slides/3.txt"], 3.0)
    assert calls[5:] == ["slides/3.txt"]


def test_deleted_file_leaves_at_once(root: Path) -> None:
    write(root / "slides" / "a.txt", "a", age=60)
    write(root / "slides" / "b.txt", "b", age=60)
    catalog = make(root)
    catalog.scan(0.0)
    version = catalog.version
    (root / "slides" / "a.txt").unlink()
    assert catalog.update(["slides/a.txt"], 1.0)
    assert list(catalog.slides) == ["slides/b.txt"]
    assert catalog.version == version + 1


def test_broken_replacement_keeps_previous_version_until_fixed(root: Path) -> None:
    target = write(root / "slides" / "a.txt", "good", age=60)
    catalog = make(root)
    catalog.scan(0.0)
    target.write_bytes(b"BROKEN edit")
    settle(catalog, ["slides/a.txt"], 1.0)
    assert text_of(catalog.slides["slides/a.txt"]) == "good"
    problem = catalog.problems["slides/a.txt"]
    assert (problem.path, problem.code, problem.line) == ("slides/a.txt", "broken", 1)
    # The same broken bytes are not read again on a rescan.
    assert not catalog.scan(5.0)
    target.write_bytes(b"fixed")
    settle(catalog, ["slides/a.txt"], 10.0)
    assert text_of(catalog.slides["slides/a.txt"]) == "fixed"
    assert not catalog.problems


def test_a_new_broken_file_is_a_problem_and_others_play_on(root: Path) -> None:
    write(root / "slides" / "ok.txt", "fine", age=60)
    catalog = make(root)
    catalog.scan(0.0)
    write(root / "slides" / "bad.txt", "BROKEN")
    settle(catalog, ["slides/bad.txt"], 1.0)
    assert list(catalog.slides) == ["slides/ok.txt"]
    assert list(catalog.problems) == ["slides/bad.txt"]
    (root / "slides" / "bad.txt").unlink()
    assert catalog.update(["slides/bad.txt"], 3.0)
    assert not catalog.problems


def test_renames_keep_playing_without_settling_again(root: Path) -> None:
    for name in ("1.txt", "2.txt"):
        write(root / "slides" / "old" / name, name, age=60)
    write(root / "slides" / "a.txt", "a", age=60)
    catalog = make(root)
    catalog.scan(0.0)
    (root / "slides" / "old").rename(root / "slides" / "new")
    (root / "slides" / "a.txt").rename(root / "slides" / "b.txt")
    # The watcher reports both names; the new ones come in the same batch, unread-again
    # files need no settling because they are the very files (inode, size, mtime) that left.
    assert catalog.update(["slides/new", "slides/old", "slides/b.txt", "slides/a.txt"], 1.0)
    assert list(catalog.slides) == ["slides/b.txt", "slides/new/1.txt", "slides/new/2.txt"]
    assert catalog.next_settle_deadline() is None
    # A file that left long ago and comes back is settled like any new file.
    (root / "slides" / "b.txt").rename(root / "b.txt")
    catalog.update(["slides/b.txt"], 2.0)
    (root / "b.txt").rename(root / "slides" / "c.txt")
    catalog.update(["slides/c.txt"], 100.0)
    assert "slides/c.txt" not in catalog.slides
    catalog.update([], 100.0 + SETTLE)
    assert "slides/c.txt" in catalog.slides


def test_root_vanishes_and_returns(root: Path, tmp_path: Path) -> None:
    write(root / "slides" / "a.txt", "a", age=60)
    catalog = make(root)
    catalog.scan(0.0)
    away = tmp_path / "unmounted"
    root.rename(away)
    assert catalog.update([""], 1.0)
    assert list(catalog.slides) == ["slides/a.txt"]
    assert catalog.problems[""].code == "root-missing"
    assert catalog.next_settle_deadline() is None
    assert not catalog.update(["slides/a.txt"], 2.0)  # still missing: nothing else happens
    # An empty mount point is not "everything was deleted".
    root.mkdir()
    catalog.update([""], 3.0)
    assert catalog.problems[""].code == "root-missing"
    assert "empty" in catalog.problems[""].message
    root.rmdir()
    away.rename(root)
    write(root / "slides" / "b.txt", "b", age=60)
    assert catalog.update([], 4.0)  # whatever the batch, a returning root is rescanned
    assert "" not in catalog.problems
    assert "slides/a.txt" in catalog.slides
    catalog.update([], 4.0 + SETTLE)
    assert list(catalog.slides) == ["slides/a.txt", "slides/b.txt"]


def test_unexpected_reader_errors_become_problems(root: Path) -> None:
    def reader(root_: Path, rel: str, settings: Settings) -> Slide:
        if "bug" in rel:
            raise ZeroDivisionError("division by zero")
        if "huge" in rel:
            raise MemoryError()
        if "locked" in rel:
            raise PermissionError(13, "Permission denied")
        return fake_reader(root_, rel, settings)

    for name in ("bug.txt", "huge.txt", "locked.txt", "ok.txt"):
        write(root / "slides" / name, name, age=60)
    catalog = make(root, reader)
    catalog.scan(0.0)
    assert list(catalog.slides) == ["slides/ok.txt"]
    codes = {path: p.code for path, p in catalog.problems.items()}
    assert codes == {
        "slides/bug.txt": "reader-failed",
        "slides/huge.txt": "too-large",
        "slides/locked.txt": "permission-denied",
    }
    assert "ZeroDivisionError" in catalog.problems["slides/bug.txt"].message


def test_a_permission_fix_is_noticed_though_size_and_mtime_stay(root: Path) -> None:
    locked = {"slides/locked.txt"}

    def reader(root_: Path, rel: str, settings: Settings) -> Slide:
        if rel in locked:
            raise PermissionError(13, "Permission denied")
        return fake_reader(root_, rel, settings)

    write(root / "slides" / "locked.txt", "now readable", age=60)
    catalog = make(root, reader)
    catalog.scan(0.0)
    assert catalog.problems["slides/locked.txt"].code == "permission-denied"
    locked.clear()  # chmod 644: only the mode and ctime change; the watcher reports the path
    settle(catalog, ["slides/locked.txt"], 5.0)
    assert text_of(catalog.slides["slides/locked.txt"]) == "now readable"
    assert not catalog.problems


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"", "empty-file", "empty"),
        (b"\x89\x00\xff\xfe binary \x00\x01", "not-text", "not text"),
    ],
)
def test_bad_text_input_has_one_clear_problem(
    root: Path, data: bytes, code: str, words: str
) -> None:
    write(root / "slides" / "ok.txt", "fine", age=60)
    write(root / "slides" / "bad.txt", data, age=60)
    catalog = make(root)
    catalog.scan(0.0)
    assert list(catalog.slides) == ["slides/ok.txt"]
    assert list(catalog.problems) == ["slides/bad.txt"]
    assert catalog.problems["slides/bad.txt"].code == code
    assert words in catalog.problems["slides/bad.txt"].message


def test_huge_text_is_refused_by_size_unread(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = root / "slides" / "huge.txt"
    with big.open("wb") as fh:
        fh.truncate(50_000_000)  # sparse: 50 MB on paper, nothing to write
    old = time.time() - 60
    os.utime(big, (old, old))
    write(root / "slides" / "ok.txt", "fine", age=60)
    opened: list[str] = []
    real_open = open

    def spy_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    real_os_open = os.open

    def spy_os_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(file))
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy_open)
    monkeypatch.setattr("os.open", spy_os_open)  # paths.read_regular_file opens this way
    calls: list[str] = []

    def reader(root_: Path, rel: str, settings: Settings) -> Slide:
        calls.append(rel)
        return fake_reader(root_, rel, settings)

    catalog = make(root, reader)
    catalog.scan(0.0)
    problem = catalog.problems["slides/huge.txt"]
    assert problem.code == "too-large"
    assert "50 MB" in problem.message and "2 MB" in problem.message
    assert calls == ["slides/ok.txt"]
    assert any(name.endswith("ok.txt") for name in opened)  # the spy does see reads
    assert not any(name.endswith("huge.txt") for name in opened), opened
    assert list(catalog.slides) == ["slides/ok.txt"]


def test_permission_denied_by_the_file_system(root: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file; the reader-raises-PermissionError test covers this")
    locked = write(root / "slides" / "locked.txt", "secret", age=60)
    locked.chmod(0)
    catalog = make(root)
    catalog.scan(0.0)
    assert catalog.problems["slides/locked.txt"].code == "permission-denied"


def test_folders_where_files_are_expected(root: Path) -> None:
    (root / "signage.yaml").mkdir()
    write(root / "slides" / "photo.jpg" / "inside.txt", "a folder named like a picture", age=60)
    write(root / "playlists" / "lobby.yaml" / "x.txt", "folder", age=60)
    catalog = make(root)
    catalog.scan(0.0)
    assert catalog.problems["signage.yaml"].code == "not-a-file"
    assert "folder" in catalog.problems["signage.yaml"].message
    assert list(catalog.slides) == ["slides/photo.jpg/inside.txt"]
    assert catalog.settings_file is None
    assert not catalog.playlist_files
    assert list(catalog.problems) == ["signage.yaml"]


def test_symlink_loop_and_link_out_of_the_root(root: Path, tmp_path: Path) -> None:
    slides = root / "slides"
    os.symlink("loop.txt", slides / "loop.txt")
    secret = write(tmp_path / "outside" / "secret.txt", "not for the lobby", age=60)
    os.symlink(secret, slides / "escape.txt")
    os.symlink(secret.parent, slides / "escape-dir")
    os.symlink(slides, slides / "again")  # a folder loop inside the root
    write(slides / "ok.txt", "fine", age=60)
    os.symlink("ok.txt", slides / "same.txt")  # a link that stays inside is fine
    os.symlink("nothing.txt", slides / "dangling.txt")
    catalog = make(root)
    catalog.scan(0.0)
    codes = {path: p.code for path, p in catalog.problems.items()}
    assert codes == {
        "slides/again": "link-loop",  # walked once, and said so
        "slides/dangling.txt": "broken-link",
        "slides/escape-dir": "outside-root",
        "slides/escape.txt": "outside-root",
        "slides/loop.txt": "symlink-loop",
    }
    assert list(catalog.slides) == ["slides/ok.txt", "slides/same.txt"]
    # The same when the watcher reports them one by one.
    catalog.update(["slides/escape-dir", "slides/escape.txt", "slides/loop.txt"], 5.0)
    assert catalog.next_settle_deadline() is None
    assert codes == {path: p.code for path, p in catalog.problems.items()}


@pytest.mark.skipif(sys.getfilesystemencoding() != "utf-8", reason="needs a UTF-8 file system")
def test_gbk_file_names(root: Path) -> None:
    slides = os.fsencode(root / "slides")
    good = os.path.join(slides, "公告.txt".encode("gbk"))
    bad = os.path.join(slides, "坏.txt".encode("gbk"))
    for name, data in ((good, b"notice"), (bad, b"BROKEN")):
        with open(name, "wb") as fh:
            fh.write(data)
        os.utime(name, (time.time() - 60,) * 2)
    catalog = make(root)
    catalog.scan(0.0)
    # Refused, never shown: a name no log, status file or screen label can write would
    # otherwise reach every one of them (the play log crashed on it). The reason names the
    # file as it read on the PC it came from.
    assert not catalog.slides
    problems = {p.path: p for p in catalog.problems.values()}
    assert set(problems) == {"slides/公告.txt〔编码不对〕", "slides/坏.txt〔编码不对〕"}
    for problem in problems.values():
        assert problem.code == "name-encoding"
        json.dumps({"path": problem.path}, ensure_ascii=False).encode("utf-8")
        problem.message.encode("utf-8")
    os.rename(good, root / "slides" / "公告.txt")
    rel = "slides/" + os.fsdecode("公告.txt".encode("gbk"))
    catalog.update([rel, "slides/公告.txt"], 1.0)
    catalog.update([], 1.0 + SETTLE)
    assert list(catalog.slides) == ["slides/公告.txt"]
    assert {p.path for p in catalog.problems.values()} == {"slides/坏.txt〔编码不对〕"}


def test_playlists_and_settings_are_kept_checked(root: Path) -> None:
    write(root / "playlists" / "lobby.yaml", "items: []\n", age=60)
    write(root / "playlists" / "old" / "archived.yaml", "items: []\n", age=60)
    write(root / "playlists" / "notes.txt", "not a playlist", age=60)
    write(root / "playlists" / "empty.yml", b"", age=60)
    write(root / "signage.yaml", "organisation: 某镇人民政府\n", age=60)
    catalog = make(root)
    catalog.scan(0.0)
    assert list(catalog.playlist_files) == ["playlists/empty.yml", "playlists/lobby.yaml"]
    lobby = catalog.playlist_files["playlists/lobby.yaml"]
    assert lobby.digest == hashlib.sha256(b"items: []\n").hexdigest()
    assert isinstance(lobby.result, PlaylistResult) and lobby.result.problems[0].code == "no-items"
    assert catalog.settings_file is not None
    assert isinstance(catalog.settings_file.result, SettingsResult)
    assert catalog.settings_file.result.values == {"organisation": "某镇人民政府"}
    assert not catalog.slides and not catalog.problems
    # A half-saved playlist is settled like any file; the old version stays until then.
    (root / "playlists" / "lobby.yaml").write_bytes(b"items: [a]\n")
    catalog.update(["playlists/lobby.yaml"], 1.0)
    assert catalog.playlist_files["playlists/lobby.yaml"].digest == lobby.digest
    assert catalog.update([], 1.0 + SETTLE)
    newer = catalog.playlist_files["playlists/lobby.yaml"]
    assert newer.digest == hashlib.sha256(b"items: [a]\n").hexdigest()
    (root / "signage.yaml").unlink()
    assert catalog.update(["signage.yaml"], 5.0)
    assert catalog.settings_file is None


def test_real_images_and_a_truncated_one(root: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "PNG")
    png = buf.getvalue()
    write(root / "slides" / "photo.png", png, age=60)
    catalog = make(root)
    catalog.scan(0.0)
    body = catalog.slides["slides/photo.png"].body
    assert isinstance(body, ImageBody) and (body.width, body.height) == (64, 48)
    write(root / "slides" / "photo.png", png[: len(png) // 2])
    settle(catalog, ["slides/photo.png"], 1.0)
    assert catalog.problems["slides/photo.png"].code == "image-bad"
    # The photo on disk is now the broken one: the previous version cannot be drawn any
    # more, so it leaves (a text keeps playing its previous version: its words were read).
    assert "slides/photo.png" not in catalog.slides


def test_missing_root_at_start(tmp_path: Path) -> None:
    catalog = make(tmp_path / "nowhere")
    assert catalog.scan(0.0)
    assert catalog.problems[""].code == "root-missing"
    assert not catalog.root_present


def test_pure_helpers() -> None:
    assert file_kind("slides/a/b.jpg") == "slide"
    assert file_kind("slides/~$a.docx") is None
    assert file_kind("slides/.git/x") is None
    assert file_kind("playlists/x.YAML") == "playlist"
    assert file_kind("playlists/a/x.yaml") is None
    assert file_kind("signage.yaml") == "settings"
    assert file_kind("readme.txt") is None
    assert size_limit("a.JPG") > size_limit("a.txt")
    assert sorted(["s/10.txt", "s/9/a.txt", "s/2.txt"], key=order_key) == [
        "s/2.txt",
        "s/9/a.txt",
        "s/10.txt",
    ]
    assert signage.core.paths.natural_key("a2") < signage.core.paths.natural_key("a10")


# --- background reading (the player's mode) ---------------------------------------------------


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("signage-reader")]


class Clock:
    """A hand-set monotonic clock the reader thread may read too."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def background(
    root: Path,
    reader: Reader = fake_reader,
    clock: Clock | None = None,
    timeout_s: float = 30.0,
    wall: Clock | None = None,
) -> tuple[Catalog, threading.Event]:
    woken = threading.Event()
    catalog = Catalog(
        root,
        Settings(settle_s=SETTLE),
        reader,
        clock or Clock(),
        clock_wall=wall or time.time,
        background=True,
        wake=woken.set,
        read_timeout_s=lambda rel: timeout_s,
        first_scan_wait_s=5.0,
    )
    return catalog, woken


def take_results(catalog: Catalog, woken: threading.Event, t: float) -> bool:
    """What the player does when woken: update([]) once the catalog says it is due."""
    give_up = time.monotonic() + 10
    while True:
        assert woken.wait(max(0.0, give_up - time.monotonic())), "the reader never woke us"
        woken.clear()
        deadline = catalog.next_settle_deadline()
        if deadline is not None and deadline <= t:
            return catalog.update([], t)


@pytest.fixture
def no_thread_left() -> Iterator[None]:
    yield
    for thread in reader_threads():
        thread.join(5)
    assert not reader_threads()


def test_background_reads_off_the_calling_thread_and_wakes(
    root: Path, no_thread_left: None
) -> None:
    threads: list[str] = []

    def reader(root: Path, rel: str, settings: Settings) -> Slide:
        threads.append(threading.current_thread().name)
        return fake_reader(root, rel, settings)

    catalog, woken = background(root, reader)
    try:
        catalog.scan(0.0)
        write(root / "slides" / "a.txt", "hello")
        catalog.update(["slides/a.txt"], 1.0)
        # Settled: handed to the reader thread, not read here; the catalog is unchanged yet.
        assert not catalog.update([], 1.0 + SETTLE)
        assert catalog.settling == {"slides/a.txt"}
        assert take_results(catalog, woken, 1.0 + SETTLE)
        assert text_of(catalog.slides["slides/a.txt"]) == "hello"
        assert threads == ["signage-reader"]
        assert catalog.next_settle_deadline() is None
        assert not catalog.settling
        # Closed (the player stopping): a late update reads on the calling thread.
        catalog.close()
        assert not reader_threads()
        write(root / "slides" / "b.txt", "late")
        settle(catalog, ["slides/b.txt"], 5.0)
        assert text_of(catalog.slides["slides/b.txt"]) == "late"
        assert threads[-1] == threading.current_thread().name
    finally:
        catalog.close()
        catalog.close()  # twice is fine


def test_background_first_scan_waits_for_the_files_already_there(
    root: Path, no_thread_left: None
) -> None:
    for i in range(5):
        write(root / "slides" / f"{i}.txt", f"notice {i}", age=60)
    write(root / "slides" / "bad.png", b"not a picture", age=60)
    catalog, _ = background(root)
    try:
        assert catalog.scan(0.0)
        assert list(catalog.slides) == [f"slides/{i}.txt" for i in range(5)]
        assert [p.code for p in catalog.problems.values()] == ["image-bad"]
    finally:
        catalog.close()


def test_a_hanging_reader_is_given_up_and_the_rest_is_read(
    root: Path, no_thread_left: None
) -> None:
    release = threading.Event()
    started = threading.Event()

    def reader(root: Path, rel: str, settings: Settings) -> Slide:
        if rel.endswith("hang.txt"):
            started.set()
            release.wait(30)  # a hostile file: the reader does not come back
        return fake_reader(root, rel, settings)

    clock = Clock()
    catalog, woken = background(root, reader, clock, timeout_s=20.0)
    try:
        catalog.scan(0.0)
        write(root / "slides" / "hang.txt", "hangs")
        write(root / "slides" / "later.txt", "good")
        catalog.update(["slides/hang.txt", "slides/later.txt"], 1.0)
        clock.t = 1.0 + SETTLE
        catalog.update([], clock.t)
        assert started.wait(10)
        # Still within the limit: the player sleeps until the limit, the good file waits.
        deadline = catalog.next_settle_deadline()
        assert deadline == pytest.approx(1.0 + SETTLE + 20.0)
        clock.t = 1.0 + SETTLE + 20.0
        catalog.update([], clock.t)
        problem = catalog.problems["slides/hang.txt"]
        assert problem.code == "read-timeout"
        assert "longer than 20 s" in problem.message
        # A fresh reader thread goes on with the queue.
        assert take_results(catalog, woken, clock.t)
        assert text_of(catalog.slides["slides/later.txt"]) == "good"
        assert "slides/hang.txt" not in catalog.slides
        # Not tried again while unchanged (a rescan looks at it and leaves it).
        catalog.update([""], clock.t + 1)
        assert catalog.next_settle_deadline() is None
        assert len(reader_threads()) == 2  # the stuck one and the fresh one
    finally:
        release.set()
        catalog.close()
    # Its late result is thrown away.
    assert catalog.problems["slides/hang.txt"].code == "read-timeout"


def test_changed_or_deleted_while_read_in_the_background(root: Path, no_thread_left: None) -> None:
    gate = threading.Event()
    inside = threading.Event()

    def reader(root: Path, rel: str, settings: Settings) -> Slide:
        inside.set()
        gate.wait(10)
        return fake_reader(root, rel, settings)

    catalog, woken = background(root, reader)
    try:
        catalog.scan(0.0)
        path = write(root / "slides" / "a.txt", "first")
        catalog.update(["slides/a.txt"], 1.0)
        catalog.update([], 1.0 + SETTLE)
        assert inside.wait(10)
        write(path, "second, longer")
        catalog.update(["slides/a.txt"], 2.0)  # settles again; the read in flight is stale
        gate.set()
        take_results(catalog, woken, 2.0)
        assert "slides/a.txt" not in catalog.slides
        assert catalog.next_settle_deadline() == pytest.approx(2.0 + SETTLE)
        catalog.update([], 2.0 + SETTLE)
        take_results(catalog, woken, 2.0 + SETTLE)
        assert text_of(catalog.slides["slides/a.txt"]) == "second, longer"
        # Deleted while being read: the late result does not bring it back.
        gate.clear()
        inside.clear()
        write(root / "slides" / "b.txt", "b")
        catalog.update(["slides/b.txt"], 3.0)
        catalog.update([], 3.0 + SETTLE)
        assert inside.wait(10)
        (root / "slides" / "b.txt").unlink()
        catalog.update(["slides/b.txt"], 4.0)
        woken.clear()
        gate.set()
        assert woken.wait(10)
        catalog.update([], 4.0)
        assert "slides/b.txt" not in catalog.slides
        assert not catalog.problems
        assert catalog.next_settle_deadline() is None
    finally:
        gate.set()
        catalog.close()


def test_background_rename_stays_on_screen(root: Path, no_thread_left: None) -> None:
    write(root / "slides" / "a.txt", "a", age=60)
    gate = threading.Event()

    def reader(root: Path, rel: str, settings: Settings) -> Slide:
        if rel.endswith("b.txt"):
            gate.wait(10)
        return fake_reader(root, rel, settings)

    catalog, woken = background(root, reader)
    try:
        catalog.scan(0.0)
        (root / "slides" / "a.txt").rename(root / "slides" / "b.txt")
        catalog.update(["slides/a.txt", "slides/b.txt"], 1.0)
        # Before the new name is read again, the slide read under the old name stands in.
        assert list(catalog.slides) == ["slides/b.txt"]
        assert catalog.slides["slides/b.txt"].path == "slides/b.txt"
        gate.set()
        take_results(catalog, woken, 1.0)
        assert text_of(catalog.slides["slides/b.txt"]) == "a"
    finally:
        gate.set()
        catalog.close()


def test_background_root_vanishing_drops_results_then_rereads(
    root: Path, tmp_path: Path, no_thread_left: None
) -> None:
    write(root / "slides" / "a.txt", "a", age=60)
    catalog, woken = background(root)
    try:
        catalog.scan(0.0)
        woken.clear()  # the first scan's reading is done
        write(root / "slides" / "b.txt", "b")
        catalog.update(["slides/b.txt"], 1.0)
        catalog.update([], 1.0 + SETTLE)
        assert woken.wait(10)
        root.rename(tmp_path / "away")
        catalog.update([""], 2.0)
        # Missing: the last content keeps playing; the result that came in is not kept.
        assert list(catalog.slides) == ["slides/a.txt"]
        assert catalog.problems[""].code == "root-missing"
        assert catalog.next_settle_deadline() is None
        (tmp_path / "away").rename(root)
        catalog.update([""], 3.0)
        catalog.update([], 3.0 + SETTLE)
        take_results(catalog, woken, 3.0 + SETTLE)
        assert list(catalog.slides) == ["slides/a.txt", "slides/b.txt"]
        assert not catalog.problems
    finally:
        catalog.close()


def test_reader_pool_replaces_cancels_reports_errors_and_closes() -> None:
    gate = threading.Event()
    seen: list[str] = []

    def work(key: str) -> str:
        seen.append(key)
        if key == "block":
            gate.wait(10)
        if key == "bug":
            raise ValueError("boom")
        return key.upper()

    woken = threading.Event()
    pool: ReaderPool[str] = ReaderPool(work, woken.set, time.monotonic, name="signage-reader")
    try:
        pool.submit("block", 60)
        deadline = time.monotonic() + 10
        while pool.busy != {"block"} or pool.next_deadline() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        first = pool.submit("a", 60)
        second = pool.submit("a", 60)  # replaces the waiting job
        pool.submit("gone", 60)
        pool.cancel("gone")
        pool.submit("bug", 60)
        assert pool.busy == {"block", "a", "bug"}
        gate.set()
        assert pool.wait_idle(10)
        done = pool.take()
        assert [(d.key, d.result) for d in done] == [("block", "BLOCK"), ("a", "A"), ("bug", None)]
        assert done[1].ticket == second != first
        assert done[2].error == "ValueError: boom"
        assert seen == ["block", "a", "bug"]
        assert woken.is_set()
        assert pool.next_deadline() is None
    finally:
        gate.set()
        assert pool.close()
    with pytest.raises(RuntimeError):
        pool.submit("late", 1)
    assert not reader_threads()


def test_reader_pool_holds_back_when_too_many_readers_are_stuck() -> None:
    release = threading.Event()

    def work(key: str) -> str:
        if key.startswith("hang"):
            release.wait(30)
        return key

    clock = Clock()
    pool: ReaderPool[str] = ReaderPool(work, None, clock, max_stuck=1, name="signage-reader")
    try:
        pool.submit("hang1", 1)
        pool.submit("hang2", 1)
        pool.submit("ok", 1)
        deadline = time.monotonic() + 10
        while pool.next_deadline() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        clock.t = 5.0
        assert [d.timed_out for d in pool.take()] == [True]  # hang1 given up; hang2 starts
        while pool.busy != {"hang2", "ok"} or pool.next_deadline() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        clock.t = 10.0
        assert [(d.key, d.timed_out) for d in pool.take()] == [("hang2", True)]
        # Two stuck, one allowed: "ok" waits instead of a third thread starting.
        time.sleep(0.1)
        assert pool.busy == {"ok"}
        assert len(reader_threads()) == 2
        release.set()
        for thread in reader_threads():
            thread.join(5)
        pool.take()  # the stuck ones returned: a reader starts again
        assert pool.wait_idle(10)
        assert [(d.key, d.result) for d in pool.take()] == [("ok", "ok")]
    finally:
        release.set()
        assert pool.close()
    assert not reader_threads()


# --- a slow copy that pauses longer than settling ---------------------------------------------

T0 = 1_800_000_000.0
"""Wall-clock time (s) that the hand-set wall clock shows at monotonic 0."""


def noisy_jpeg(seed: int) -> bytes:
    """A JPEG whose first half is a truncated image for Pillow (random pixels compress badly)."""
    rng = random.Random(seed)
    img = Image.frombytes("RGB", (160, 120), rng.randbytes(160 * 120 * 3))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


class Copy:
    """A background catalog with the real readers, hand-set clocks and a file being copied."""

    def __init__(self, root: Path, settle_s: float = SETTLE) -> None:
        self.clock = Clock()
        self.wall = Clock()
        self.wall.t = T0
        self.root = root
        self.catalog, self.woken = background(root, read_slide, self.clock, wall=self.wall)
        if settle_s != SETTLE:
            self.catalog.settings = Settings(settle_s=settle_s)
        self.problem_seen_at: float | None = None

    def write(self, rel: str, data: bytes, t: float) -> None:
        """Write at monotonic time t: the file's mtime is the wall clock then."""
        path = write(self.root / rel, data)
        os.utime(path, (T0 + t, T0 + t))

    def at(self, t: float, changed: list[str] | None = None) -> None:
        self.clock.t = t
        self.wall.t = T0 + t
        self.woken.clear()
        self.catalog.update(changed or [], t)
        self._note_problems()

    def read(self) -> None:
        """The reader thread has a file: wait for it and take the result in, as the player."""
        take_results(self.catalog, self.woken, self.clock.t)
        self._note_problems()

    def _note_problems(self) -> None:
        if self.catalog.problems and self.problem_seen_at is None:
            self.problem_seen_at = self.clock.t


def test_a_copy_pausing_longer_than_settling_is_never_a_problem(
    root: Path, no_thread_left: None
) -> None:
    data = noisy_jpeg(1)
    rel = "slides/photo.jpg"
    copy = Copy(root)
    catalog = copy.catalog
    try:
        catalog.scan(0.0)
        copy.write(rel, data[: len(data) // 2], 0.0)  # half, then a 2 s pause
        copy.at(0.0, [rel])
        copy.at(SETTLE)  # quiet for settle_s: read, and it is truncated
        copy.read()
        assert not catalog.problems
        assert rel not in catalog.slides
        assert catalog.copying == {rel} and catalog.settling == {rel}
        # Looked at again after a longer quiet period, not at every settle.
        assert catalog.next_settle_deadline() == pytest.approx(SETTLE + COPY_RETRY_S)
        copy.write(rel, data, 2.0)  # the rest arrives
        copy.at(2.0, [rel])
        assert catalog.copying == frozenset() and catalog.settling == {rel}
        assert catalog.next_settle_deadline() == pytest.approx(2.0 + SETTLE)
        copy.at(2.0 + SETTLE)
        copy.read()
        body = catalog.slides[rel].body
        assert isinstance(body, ImageBody) and (body.width, body.height) == (160, 120)
        assert copy.problem_seen_at is None
        assert not catalog.settling and catalog.next_settle_deadline() is None
    finally:
        catalog.close()


def test_a_copy_that_never_completes_is_reported_after_the_grace(
    root: Path, no_thread_left: None
) -> None:
    data = noisy_jpeg(2)
    rel = "slides/photo.jpg"
    copy = Copy(root)
    catalog = copy.catalog
    try:
        catalog.scan(0.0)
        copy.write(rel, data[: len(data) // 2], 0.0)
        copy.at(0.0, [rel])
        looks: list[float] = []
        while (deadline := catalog.next_settle_deadline()) is not None:
            assert deadline < 60, "never reported"
            copy.at(deadline)
            looks.append(deadline)
            copy.read()
        # Read at settling, then after 3 s, 6 s, and once the grace since the write is over.
        assert looks == pytest.approx([SETTLE, SETTLE + 3, SETTLE + 9, COPY_GRACE_S])
        assert copy.problem_seen_at == pytest.approx(COPY_GRACE_S)
        assert catalog.problems[rel].code == "image-truncated"
        assert not catalog.settling and not catalog.copying
        # Completed later: it joins, as any fixed file.
        copy.write(rel, data, 30.0)
        copy.at(30.0, [rel])
        copy.at(30.0 + SETTLE)
        copy.read()
        assert rel in catalog.slides and not catalog.problems
    finally:
        catalog.close()


def test_a_broken_file_with_an_old_mtime_is_reported_at_once(
    root: Path, no_thread_left: None
) -> None:
    data = noisy_jpeg(3)
    copy = Copy(root)
    catalog = copy.catalog
    try:
        catalog.scan(0.0)
        # Copied whole with its original time (cp -p, a zip extracted): not being copied.
        copy.write("slides/old.jpg", data[: len(data) // 2], -COPY_GRACE_S - 60)
        copy.write("slides/zero.png", b"", -COPY_GRACE_S - 1)
        copy.at(0.0, ["slides/old.jpg", "slides/zero.png"])
        copy.at(SETTLE)
        copy.read()
        assert {rel: p.code for rel, p in catalog.problems.items()} == {
            "slides/old.jpg": "image-truncated",
            "slides/zero.png": "empty-file",
        }
        # Text is not held: fresh broken front matter or binary data is reported at once.
        copy.write("slides/typo.txt", "---\ntitle: [oops\n---\n通知\n", 1.0)
        copy.write("slides/word.txt", b"PK\x03\x04" + bytes(range(256)) * 8, 1.0)
        copy.at(1.0, ["slides/typo.txt", "slides/word.txt"])
        copy.at(1.0 + SETTLE)
        copy.read()
        if "slides/word.txt" not in catalog.problems:
            copy.read()  # the two results may wake the player once or twice
        assert catalog.problems["slides/typo.txt"].code == "yaml-syntax"
        assert catalog.problems["slides/word.txt"].code == "hidden-extension"  # a zip named .txt
        # A fresh empty file is held like a copy that has not started writing.
        copy.write("slides/new.png", b"", 2.0)
        copy.at(2.0, ["slides/new.png"])
        copy.at(2.0 + SETTLE)
        assert "slides/new.png" not in catalog.problems
        assert catalog.copying == {"slides/new.png"}
    finally:
        catalog.close()


def test_a_file_stamped_in_the_future_is_held_no_longer_than_the_grace(
    root: Path, no_thread_left: None
) -> None:
    data = noisy_jpeg(4)
    rel = "slides/photo.jpg"
    copy = Copy(root)
    catalog = copy.catalog
    try:
        catalog.scan(0.0)
        copy.write(rel, data[: len(data) // 2], 3600.0)  # the share's clock is an hour ahead
        copy.at(0.0, [rel])
        while (deadline := catalog.next_settle_deadline()) is not None:
            assert deadline < 60, "never reported"
            copy.at(deadline)
            copy.read()
        assert copy.problem_seen_at == pytest.approx(SETTLE + COPY_GRACE_S)
    finally:
        catalog.close()


def test_the_previous_version_plays_while_the_new_one_is_copied(
    root: Path, no_thread_left: None
) -> None:
    old, new = noisy_jpeg(5), noisy_jpeg(6)
    rel = "slides/photo.jpg"
    copy = Copy(root)
    catalog = copy.catalog
    try:
        copy.write(rel, old, -600.0)
        catalog.scan(0.0)
        first = catalog.slides[rel]
        copy.write(rel, new[: len(new) // 3], 1.0)
        copy.at(1.0, [rel])
        copy.at(1.0 + SETTLE)
        copy.read()
        assert catalog.slides[rel] == first and not catalog.problems
        assert catalog.copying == {rel}
        copy.write(rel, new[: 2 * len(new) // 3], 3.0)
        copy.at(3.0, [rel])
        copy.at(3.0 + SETTLE)
        copy.read()
        assert catalog.slides[rel] == first and not catalog.problems
        copy.write(rel, new, 5.0)
        copy.at(5.0, [rel])
        copy.at(5.0 + SETTLE)
        copy.read()
        assert catalog.slides[rel] != first and catalog.slides[rel].digest != first.digest
        assert copy.problem_seen_at is None and not catalog.copying
    finally:
        catalog.close()


def test_one_shot_reading_reports_a_fresh_half_file_at_once(root: Path) -> None:
    data = noisy_jpeg(7)
    write(root / "slides" / "photo.jpg", data[: len(data) // 2])
    write(root / "slides" / "zero.png", b"")
    # check / plan / preview: not background, settle_s 0.
    for settle_s in (0.0, SETTLE):
        catalog = Catalog(root, Settings(settle_s=settle_s), read_slide, lambda: 100.0)
        catalog.scan()
        catalog.update([], 100.0 + settle_s)
        assert {rel: p.code for rel, p in catalog.problems.items()} == {
            "slides/photo.jpg": "image-truncated",
            "slides/zero.png": "empty-file",
        }


def test_background_with_no_settling_has_no_grace(root: Path, no_thread_left: None) -> None:
    data = noisy_jpeg(8)
    copy = Copy(root, settle_s=0.0)
    catalog = copy.catalog
    try:
        catalog.scan(0.0)
        copy.write("slides/photo.jpg", data[: len(data) // 2], 0.0)
        copy.at(0.0, ["slides/photo.jpg"])
        copy.read()
        assert catalog.problems["slides/photo.jpg"].code == "image-truncated"
    finally:
        catalog.close()


def test_a_flood_of_files_is_looked_at_a_little_per_call(root: Path) -> None:
    """With a budget, one update looks at files for about that long and leaves the rest for
    the next calls, which the catalog asks for at once (deadline 0.0); all arrive in the end.
    Without one (check, preview, the first scan) everything is looked at in one call."""
    catalog = make(root)
    catalog.scan(0.0)
    names = [f"slides/堆/{i}.txt" for i in range(400)]
    for rel in names:
        write(root / rel, f"notice {rel}", age=60)
    catalog.update(names[:300], 1.0, budget_s=0.0)
    assert catalog.next_settle_deadline() == 0.0  # more to look at: come back at once
    calls = 1
    while catalog.next_settle_deadline() == 0.0:
        catalog.update([], 1.0, budget_s=0.0)
        calls += 1
        assert calls < 10_000
    assert calls > 10  # a zero budget looks at one file a call (and settles one)
    catalog.update([], 1.0 + SETTLE)
    assert set(catalog.slides) == set(names)
    again = make(root)
    again.scan(0.0)
    assert set(again.slides) == set(names)
