"""The watcher with real watchdog observers (inotify and polling) on real tmp folders,
feeding a catalog the way the player loop does."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from signage.content.catalog import Catalog
from signage.content.watcher import (
    Watcher,
    choose_mode,
    filesystem_type,
    relative_path,
)
from signage.core.config import Settings
from signage.core.model import Block, ContentError, Document, Slide
from signage.core.paths import read_bytes_limited, resolve_inside

SETTLE = 0.3
POLL = 0.1


def text_reader(root: Path, rel: str, settings: Settings) -> Slide:
    data = read_bytes_limited(resolve_inside(root, rel), 2_000_000)
    text = data.decode("utf-8", "replace")
    if text.startswith("BROKEN"):
        raise ContentError("the notice is broken", code="broken")
    return Slide(
        rel, "notice", rel, Document(None, (Block("body", text),)), hashlib.sha256(data).hexdigest()
    )


def text_of(slide: Slide) -> str:
    assert isinstance(slide.body, Document)
    return slide.body.blocks[0].text


class Loop:
    """The player loop in miniature: sleep until a batch or a settle deadline, then update."""

    def __init__(self, root: Path, mode: str, **settings: float) -> None:
        self.settings = Settings(
            watch=mode,
            poll_interval_s=POLL,
            settle_s=SETTLE,
            rescan_interval_s=settings.pop("rescan_interval_s", 3600.0),
        )
        self.wakes = 0
        self.watcher = Watcher(root, self.settings, wake=self._wake, root_check_s=0.1)
        self.catalog = Catalog(root, self.settings, text_reader)
        self.seen: list[set[str]] = []

    def _wake(self) -> None:
        self.wakes += 1

    def step(self, max_wait: float = 0.05) -> None:
        deadline = self.catalog.next_settle_deadline()
        timeout = max_wait
        if deadline is not None:
            timeout = max(0.0, min(max_wait, deadline - time.monotonic()))
        self.watcher.wait(timeout)
        batch = self.watcher.drain()
        self.seen.append(batch)
        self.catalog.update(batch, time.monotonic())

    def until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> float:
        """Run the loop until predicate holds; seconds it took. Fails after timeout."""
        start = time.monotonic()
        while not predicate():
            if time.monotonic() - start > timeout:
                raise AssertionError(f"not reached within {timeout} s")
            self.step()
        return time.monotonic() - start

    def text(self, rel: str) -> str | None:
        slide = self.catalog.slides.get(rel)
        return None if slide is None else text_of(slide)


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    left = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    assert left == [], f"threads left running: {left}"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "slides").mkdir(parents=True)
    (content / "playlists").mkdir()
    old = time.time() - 60
    (content / "slides" / "start.txt").write_text("start")
    os.utime(content / "slides" / "start.txt", (old, old))
    return content


@pytest.fixture(params=["native", "polling"])
def loop(request: pytest.FixtureRequest, root: Path) -> Iterator[Loop]:
    before = set(threading.enumerate())
    player = Loop(root, request.param)
    player.watcher.start()
    player.catalog.scan()
    try:
        yield player
    finally:
        player.watcher.stop()
        player.watcher.stop()  # twice is harmless
        left = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
        assert left == [], f"threads left running: {left}"


def test_new_file_appears_and_wakes_the_loop(loop: Loop, root: Path) -> None:
    assert loop.watcher.mode == loop.settings.watch
    assert loop.text("slides/start.txt") == "start"
    (root / "slides" / "new.txt").write_text("hello")
    loop.until(lambda: loop.text("slides/new.txt") == "hello")
    assert loop.wakes >= 1


def test_slow_chunked_copy_is_never_taken_half_done(loop: Loop, root: Path) -> None:
    chunks = [f"chunk {i:02d} ".encode() * 50 for i in range(8)]
    full = b"".join(chunks).decode()
    target = root / "slides" / "big.txt"

    def copy() -> None:
        with target.open("wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
                fh.flush()
                time.sleep(SETTLE / 2)  # longer than a poll interval, shorter than settling

    writer = threading.Thread(target=copy)
    writer.start()
    seen: set[int] = set()
    try:
        start = time.monotonic()
        while writer.is_alive() or loop.text("slides/big.txt") is None:
            assert time.monotonic() - start < 10
            loop.step()
            text = loop.text("slides/big.txt")
            if text is not None:
                seen.add(len(text))
            assert "slides/big.txt" not in loop.catalog.problems
    finally:
        writer.join()
    assert seen == {len(full)}
    assert loop.text("slides/big.txt") == full


def test_atomic_rename_save_is_picked_up(loop: Loop, root: Path) -> None:
    temp = root / "slides" / "start.txt.tmp"  # WPS and friends: write a temp file, then rename
    temp.write_text("second version")
    os.replace(temp, root / "slides" / "start.txt")
    loop.until(lambda: loop.text("slides/start.txt") == "second version")
    assert not any("slides/start.txt.tmp" in batch for batch in loop.seen)
    assert list(loop.catalog.slides) == ["slides/start.txt"]


def test_deleting_a_file_takes_it_out_at_once(loop: Loop, root: Path) -> None:
    (root / "slides" / "start.txt").unlink()
    took = loop.until(lambda: not loop.catalog.slides)
    # No settling for a deletion: just the time for the event to arrive.
    assert took < (POLL if loop.settings.watch == "polling" else 0) + SETTLE


def test_changed_file_becoming_broken_keeps_previous_version(loop: Loop, root: Path) -> None:
    (root / "slides" / "start.txt").write_text("BROKEN save")
    loop.until(lambda: "slides/start.txt" in loop.catalog.problems)
    assert loop.text("slides/start.txt") == "start"
    (root / "slides" / "start.txt").write_text("repaired")
    loop.until(lambda: loop.text("slides/start.txt") == "repaired")
    assert not loop.catalog.problems


def others(loop: Loop) -> list[str]:
    return [rel for rel in loop.catalog.slides if rel != "slides/start.txt"]


def test_folders_appear_are_renamed_and_disappear(loop: Loop, root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "staging" / "meetings"
    outside.mkdir(parents=True)
    for i in (1, 2, 10):
        (outside / f"{i}.txt").write_text(f"meeting {i}")
    os.rename(outside, root / "slides" / "meetings")  # a whole folder dropped in at once
    expected = [f"slides/meetings/{i}.txt" for i in (1, 2, 10)]
    loop.until(lambda: others(loop) == expected)
    os.rename(root / "slides" / "meetings", root / "slides" / "会议")
    renamed = [f"slides/会议/{i}.txt" for i in (1, 2, 10)]
    loop.until(lambda: others(loop) == renamed)
    shutil.rmtree(root / "slides" / "会议")
    loop.until(lambda: list(loop.catalog.slides) == ["slides/start.txt"])


def test_playlists_and_settings_changes_are_seen(loop: Loop, root: Path) -> None:
    (root / "playlists" / "lobby.yaml").write_text("items: []\n")
    (root / "signage.yaml").write_text("organisation: 某镇\n")
    loop.until(
        lambda: (
            "playlists/lobby.yaml" in loop.catalog.playlist_files
            and loop.catalog.settings_file is not None
        )
    )
    (root / "playlists" / "lobby.yaml").unlink()
    loop.until(lambda: not loop.catalog.playlist_files)


def test_root_removed_and_restored(loop: Loop, root: Path, tmp_path: Path) -> None:
    away = tmp_path / "pulled"
    root.rename(away)  # share unmounted, USB stick pulled
    loop.until(lambda: "" in loop.catalog.problems)
    assert loop.catalog.problems[""].code == "root-missing"
    assert loop.text("slides/start.txt") == "start"
    loop.until(lambda: loop.watcher.mode is None)
    assert not loop.watcher.root_present
    (away / "slides" / "while-away.txt").write_text("copied while away")
    away.rename(root)
    loop.until(lambda: "" not in loop.catalog.problems)
    loop.until(lambda: loop.text("slides/while-away.txt") == "copied while away")
    # The observer is watching the returned folder again.
    (root / "slides" / "after.txt").write_text("after")
    loop.until(lambda: loop.text("slides/after.txt") == "after")


def test_ignored_names_are_not_reported(loop: Loop, root: Path) -> None:
    (root / "slides" / "~$draft.txt").write_text("lock")
    (root / "slides" / ".~lock.a.odt#").write_text("lock")
    (root / "slides" / "real.txt").write_text("real")
    loop.until(lambda: loop.text("slides/real.txt") == "real")
    reported = set().union(*loop.seen)
    assert reported <= {"slides/real.txt", "slides"}


def test_rescan_signal(root: Path) -> None:
    watcher = Watcher(
        root, Settings(watch="polling", poll_interval_s=5, rescan_interval_s=0.2), root_check_s=0.05
    )
    with watcher:
        assert watcher.wait(3.0)
        assert watcher.drain() == {""}
        assert watcher.wait(3.0)  # and again, every interval
        assert watcher.drain() == {""}


def test_missing_root_at_start_is_watched_for(tmp_path: Path) -> None:
    root = tmp_path / "later"
    settings = Settings(watch="native", settle_s=SETTLE, rescan_interval_s=3600)
    with Watcher(root, settings, root_check_s=0.05) as watcher:
        assert watcher.mode is None and not watcher.root_present
        (root / "slides").mkdir(parents=True)
        assert watcher.wait(3.0)
        assert "" in watcher.drain()
        assert watcher.mode == "native"
        (root / "slides" / "x.txt").write_text("x")
        assert watcher.wait(3.0)
        assert "slides/x.txt" in watcher.drain()


def test_auto_mode_polls_network_shares(root: Path, tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    real = os.path.realpath(root).replace(" ", "\\040")
    mounts.write_text(f"/dev/vda / ext4 rw 0 0\n//nas/signage {real} cifs rw 0 0\n")
    settings = Settings(watch="auto", poll_interval_s=POLL, rescan_interval_s=3600)
    with Watcher(root, settings, mounts_file=mounts) as watcher:
        assert watcher.mode == "polling"
    mounts.write_text("/dev/vda / ext4 rw 0 0\n")
    with Watcher(root, settings, mounts_file=mounts) as watcher:
        assert watcher.mode == "native"


def test_filesystem_type_from_mounts_text() -> None:
    mounts = "\n".join(
        [
            "/dev/vda / ext4 rw,relatime 0 0",
            "proc /proc proc rw 0 0",
            "//nas/公告 /mnt/share\\040one cifs rw 0 0",
            "nas:/export /srv/signage nfs4 rw 0 0",
            "user@host:/x /srv/signage/remote fuse.sshfs rw 0 0",
            "/dev/sda1 /media/usb vfat rw 0 0",
            "/dev/sdb1 /media/usb ext4 rw 0 0",
            "garbage",
        ]
    )
    assert filesystem_type("/mnt/share one/slides", mounts) == "cifs"
    assert filesystem_type("/srv/signage", mounts) == "nfs4"
    assert filesystem_type("/srv/signage/content", mounts) == "nfs4"
    assert filesystem_type("/srv/signage/remote/a", mounts) == "fuse.sshfs"
    assert filesystem_type("/srv/signagex", mounts) == "ext4"
    assert filesystem_type("/media/usb/x", mounts) == "ext4"  # mounted over: the last one wins
    assert filesystem_type("/home/x", mounts) == "ext4"
    assert filesystem_type("/x", "") is None


def test_choose_mode() -> None:
    assert choose_mode("auto", "cifs") == "polling"
    assert choose_mode("auto", "smb3") == "polling"
    assert choose_mode("auto", "nfs") == "polling"
    assert choose_mode("auto", "ext4") == "native"
    assert choose_mode("auto", None) == "native"
    assert choose_mode("native", "cifs") == "native"
    assert choose_mode("polling", "ext4") == "polling"
    assert choose_mode("sometimes", "cifs") == "polling"


def test_relative_path() -> None:
    assert relative_path("/c", "/c") == ""
    assert relative_path("/c", "/c/slides/a.txt") == "slides/a.txt"
    assert relative_path("/c", "/content/x") is None
    assert relative_path("/c", "/c/slides/~$a.docx") is None
    assert relative_path("/c", "/c/.git/objects/x") is None
    assert relative_path("/c", "/c/slides/a.txt.part") is None


def test_batches_from_many_threads_lose_nothing(root: Path) -> None:
    wakes: list[int] = []
    watcher = Watcher(root, Settings(), wake=lambda: wakes.append(1))  # not started: no observer
    expected = {f"slides/{t}/{i}.txt" for t in range(4) for i in range(500)}
    got: set[str] = set()

    def produce(t: int) -> None:
        for i in range(500):
            watcher.report([f"slides/{t}/{i}.txt"])

    threads = [threading.Thread(target=produce, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        got |= watcher.drain()
    for thread in threads:
        thread.join()
    got |= watcher.drain()
    assert got == expected
    assert 1 <= len(wakes) <= len(expected)
    assert not watcher.pending() and watcher.drain() == set()


def test_a_flood_of_paths_becomes_one_rescan(root: Path) -> None:
    watcher = Watcher(root, Settings())
    watcher.report(f"slides/{i}.txt" for i in range(20_000))
    assert watcher.drain() == {""}


def test_a_dead_observer_is_rearmed(root: Path) -> None:
    settings = Settings(watch="native", rescan_interval_s=3600)
    with Watcher(root, settings, root_check_s=0.05) as watcher:
        observer = watcher._observer
        assert observer is not None
        for emitter in list(observer.emitters):
            emitter.stop()  # as if inotify had given up
        assert watcher.wait(3.0)
        assert watcher.drain() == {""}
        assert watcher._observer is not observer
        (root / "slides" / "later.txt").write_text("later")
        assert watcher.wait(3.0)
        assert "slides/later.txt" in watcher.drain()
