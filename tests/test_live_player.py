"""The real player process (`python -m signage run`, headless) against a live content folder.

Everything is observed from outside, as an administrator would: through the status file the
player rewrites, its exit code and /proc. Expectations are computed here from what the test
wrote, not with the player's own code.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from signage.content.catalog import COPY_GRACE_S

REPO = Path(__file__).resolve().parent.parent
SETTLE_S = 0.3
CACHE_MB = 64
Status = dict[str, Any]


class LivePlayer:
    """One `signage run` process on a content folder, stopped with SIGTERM at the end."""

    def __init__(
        self, tmp_path: Path, content: Path, prefix: tuple[str, ...] = (), **config: Any
    ) -> None:
        self.content = content
        self.prefix = prefix
        """A command the player runs under (to drop capabilities, say)."""
        self.status_file = tmp_path / "status.json"
        self.log_file = tmp_path / "player.log"
        machine: dict[str, Any] = {
            "settle_s": SETTLE_S,
            "watch": "native",
            "transition": "none",
            "rescan_interval_s": 60,
            "cache_mb": CACHE_MB,
        }
        machine.update(config)
        self.config_file = tmp_path / "machine.yaml"
        self.config_file.write_text(json.dumps(machine), encoding="utf-8")  # JSON is YAML
        self.proc: subprocess.Popen[bytes] | None = None
        self.env: dict[str, str] = {}
        """More environment for the player (NOTIFY_SOCKET, WATCHDOG_USEC …)."""

    def start(self) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "RUNTIME_DIRECTORY")
        }
        env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(REPO))
        env["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
        env.update(self.env)
        command = [
            *self.prefix,
            sys.executable,
            "-m",
            "signage",
            "run",
            "--content",
            str(self.content),
            "--windowed",
            "--size",
            "640x360",
            "--status-file",
            str(self.status_file),
            "--config",
            str(self.config_file),
        ]
        with self.log_file.open("wb") as log:
            self.proc = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def status(self) -> Status | None:
        try:
            data: Status = json.loads(self.status_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return data

    def log_tail(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")[-3000:]

    def wait_for(self, check: Callable[[Status], bool], timeout: float, what: str) -> Status:
        """Poll the status file until `check` holds; fail (with the log) if the player died."""
        give_up = time.monotonic() + timeout
        last: Status | None = None
        while True:
            assert self.alive(), f"the player died while waiting for {what}:\n{self.log_tail()}"
            last = self.status()
            if last is not None and check(last):
                return last
            if time.monotonic() > give_up:
                pytest.fail(
                    f"not within {timeout} s: {what}\nlast status: "
                    f"{json.dumps(last, ensure_ascii=False, indent=1)}\nlog:\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def rss_kb(self) -> int:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; the exit code (killed after 15 s: a failure)."""
        proc = self.proc
        if proc is None:
            return 0
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                return -1
        return proc.returncode


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "slides").mkdir(parents=True)
    (root / "playlists").mkdir()
    return root


@pytest.fixture
def live(tmp_path: Path, content: Path) -> Iterator[Callable[..., LivePlayer]]:
    """Start players; every one is stopped (and must exit 0) when the test ends."""
    started: list[LivePlayer] = []

    def start(prefix: tuple[str, ...] = (), **config: Any) -> LivePlayer:
        player = LivePlayer(tmp_path, content, prefix, **config)
        player.start()
        started.append(player)
        return player

    yield start
    codes = [p.stop() for p in started]
    assert codes == [0] * len(started), [p.log_tail() for p in started]


# --- content helpers ----------------------------------------------------------------------------


def picture(fmt: str, seed: int) -> bytes:
    rng = random.Random(seed)
    color = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    out = io.BytesIO()
    Image.new("RGB", (48 + seed % 16, 32), color).save(out, fmt)
    return out.getvalue()


def notice(seed: int) -> bytes:
    return (
        f"关于第{seed}号事项的通知\n\n请各位居民留意。第 {seed} 号。\n\n青山镇人民政府\n".encode()
    )


def binary(seed: int) -> bytes:
    return bytes(range(256)) * 4 + seed.to_bytes(4, "little")


def truncated_jpeg(seed: int) -> bytes:
    data = picture("JPEG", seed)
    return data[: len(data) // 2]


def playlist(priority: int, folder: str) -> bytes:
    return f"name: 列表{priority}\npriority: {priority}\nitems:\n  - slides: {folder}/\n".encode()


def broken_playlist(seed: int) -> bytes:
    return f"name: 坏的{seed}\nitems:\n  - slides: [a/, b/\n".encode()


def rotation_is(expected: list[str]) -> Callable[[Status], bool]:
    return lambda s: s["rotation"] == expected


def snapshot(root: Path) -> dict[bytes, tuple[Any, ...]]:
    """Every entry under root, links not followed: type, mode, size, mtime and content hash."""
    out: dict[bytes, tuple[Any, ...]] = {}
    base = os.fsencode(root)
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            rel = os.path.relpath(full, base)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", st.st_mode, st.st_mtime_ns)
            else:
                digest = hashlib.sha256()
                with open(full, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(chunk)
                out[rel] = ("file", st.st_mode, st.st_size, st.st_mtime_ns, digest.hexdigest())
    top = os.stat(root)
    out[b"."] = ("dir", top.st_mode, top.st_mtime_ns)
    return out


# --- churn --------------------------------------------------------------------------------------


@dataclass
class Entry:
    valid: bool
    ext: str = ""
    priority: int = 0
    folder: str = ""


class Churn:
    """Random creates, rewrites, renames and deletes, with a model of what should play.

    A path is never used twice and a rewrite keeps a file valid or broken as it was, so what
    should play follows from the folder as it ends up, not from the player's timing.
    """

    FOLDERS = ("a", "b", "c")

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.counter = 0
        self.slides: dict[str, Entry] = {}
        self.playlists: dict[str, Entry] = {}
        for folder in self.FOLDERS:
            (root / "slides" / folder).mkdir(exist_ok=True)

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def _write(self, rel: str, data: bytes) -> None:
        path = self.root / rel
        if self.rng.random() < 0.3:
            # The careful way: a temporary (ignored) name, then one rename.
            tmp = path.with_name(path.name + ".part")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        else:
            path.write_bytes(data)

    def _slide_bytes(self, entry: Entry, seed: int) -> bytes:
        if entry.ext == ".txt":
            return notice(seed) if entry.valid else binary(seed)
        if entry.ext == ".png":
            return picture("PNG", seed)
        return picture("JPEG", seed) if entry.valid else truncated_jpeg(seed)

    def create_slide(self, valid: bool | None = None) -> None:
        n = self._next()
        ext = self.rng.choice([".txt", ".txt", ".jpg", ".png"])
        if valid is None:
            valid = ext == ".png" or self.rng.random() < 0.7
        entry = Entry(valid, ext)
        rel = f"slides/{self.rng.choice(self.FOLDERS)}/s{n:05d}{ext}"
        self._write(rel, self._slide_bytes(entry, n))
        self.slides[rel] = entry

    def rewrite_slide(self) -> None:
        rel = self.rng.choice(sorted(self.slides))
        self._write(rel, self._slide_bytes(self.slides[rel], self._next()))

    def rename_slide(self) -> None:
        rel = self.rng.choice(sorted(self.slides))
        entry = self.slides.pop(rel)
        new = f"slides/{self.rng.choice(self.FOLDERS)}/s{self._next():05d}{entry.ext}"
        os.rename(self.root / rel, self.root / new)
        self.slides[new] = entry

    def delete_slide(self) -> None:
        rel = self.rng.choice(sorted(self.slides))
        (self.root / rel).unlink()
        del self.slides[rel]

    def create_playlist(self) -> None:
        n = self._next()
        rel = f"playlists/p{n:05d}.yaml"
        if self.rng.random() < 0.35:
            self._write(rel, broken_playlist(n))
            self.playlists[rel] = Entry(False)
        else:
            entry = Entry(True, priority=n, folder=self.rng.choice(self.FOLDERS[:2]))
            self._write(rel, playlist(entry.priority, entry.folder))
            self.playlists[rel] = entry

    def rewrite_playlist(self) -> None:
        rel = self.rng.choice(sorted(self.playlists))
        entry = self.playlists[rel]
        if entry.valid:
            entry.folder = "b" if entry.folder == "a" else "a"
            self._write(rel, playlist(entry.priority, entry.folder))
        else:
            self._write(rel, broken_playlist(self._next()))

    def rename_playlist(self) -> None:
        rel = self.rng.choice(sorted(self.playlists))
        new = f"playlists/p{self._next():05d}.yaml"
        os.rename(self.root / rel, self.root / new)
        self.playlists[new] = self.playlists.pop(rel)

    def delete_playlist(self) -> None:
        rel = self.rng.choice(sorted(self.playlists))
        (self.root / rel).unlink()
        del self.playlists[rel]

    def step(self) -> None:
        slides, lists = len(self.slides), len(self.playlists)
        choices: list[tuple[Callable[[], None], float]] = [
            (self.create_slide, 3.0 if slides < 25 else 0.5),
            (self.create_playlist, 0.6 if lists < 4 else 0.1),
        ]
        if slides:
            choices += [(self.rewrite_slide, 2.0), (self.rename_slide, 2.0)]
            choices += [(self.delete_slide, 2.0 if slides > 8 else 0.5)]
        if lists:
            choices += [(self.rewrite_playlist, 0.5), (self.rename_playlist, 0.5)]
            choices += [(self.delete_playlist, 0.6 if lists > 2 else 0.2)]
        actions, weights = zip(*choices, strict=True)
        self.rng.choices(actions, weights)[0]()

    def expected(self) -> tuple[list[str], dict[str, set[str]]]:
        """(rotation, path -> problem codes), from the model alone."""
        good = sorted(rel for rel, e in self.slides.items() if e.valid)  # names sort naturally
        problems: dict[str, set[str]] = {}
        for rel, e in self.slides.items():
            if not e.valid:
                problems[rel] = {"not-text" if e.ext == ".txt" else "damaged-image"}
        valid_lists = {rel: e for rel, e in self.playlists.items() if e.valid}
        for rel, e in self.playlists.items():
            if not e.valid:
                problems[rel] = {"yaml-syntax"}
            elif not any(s.startswith(f"slides/{e.folder}/") for s in good):
                problems[rel] = {"missing-slide"}
        if not valid_lists:
            return good, problems
        chosen = max(valid_lists.values(), key=lambda e: e.priority)
        return [s for s in good if s.startswith(f"slides/{chosen.folder}/")], problems

    def check_model(self) -> None:
        on_disk = {
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and not p.name.endswith(".part")
        }
        assert on_disk == set(self.slides) | set(self.playlists)


def problem_codes(status: Status) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for p in status["problems"]:
        out.setdefault(p["path"], set()).add(p.get("code", ""))
    return out


@pytest.mark.slow
def test_churn_ends_with_the_status_matching_the_folder(
    content: Path, live: Callable[..., LivePlayer]
) -> None:
    churn = Churn(content, seed=20261128)
    for _ in range(6):
        churn.create_slide(valid=True)
    player = live()
    rotation, _ = churn.expected()
    player.wait_for(rotation_is(rotation), 15, "the first rotation")

    def run_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            churn.step()
            time.sleep(churn.rng.uniform(0.0, 0.08))
            assert player.alive(), player.log_tail()

    run_for(3.0)  # warm-up: every kind of file read and drawn once
    rss_start = player.rss_kb()
    run_for(12.0)
    churn.check_model()
    rotation, problems = churn.expected()

    def matches(status: Status) -> bool:
        return status["rotation"] == rotation and problem_codes(status) == problems

    # A broken file written in the last seconds is held as a copy in progress for up to
    # COPY_GRACE_S after its last write before it is listed (see signage.content.catalog).
    status = player.wait_for(
        matches, COPY_GRACE_S + 6, "the status to match the folder after the churn"
    )
    assert status["current"] is None or status["current"]["path"] in rotation
    rss_end = player.rss_kb()
    growth_mb = (rss_end - rss_start) / 1024
    # The bound: the surface cache (64 MB at least, whatever cache_mb says) fills up with
    # pages of new files during the churn and then stays full (a minute of churn levels off
    # at about 61 MB above the start); anything beyond it and a little slack is a leak.
    assert growth_mb < CACHE_MB + 16, f"RSS grew {growth_mb:.1f} MB during the churn"
    assert churn.counter > 100  # it really churned


# --- bad input ----------------------------------------------------------------------------------

GBK_NAME = "通知公告.txt".encode("gbk")
ODD_NAME = "odd name #1 (副本) [2] & ☃ \u200b'\";.txt"


def alias_bomb() -> bytes:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, cur in zip("abcdefghijklm", "bcdefghijklmn", strict=True):
        lines.append(f"{cur}: &{cur} [{', '.join([f'*{prev}'] * 9)}]")
    return ("\n".join(lines) + "\nitems:\n  - slides: good/\n").encode()


def test_bad_input_dropped_into_a_running_player(
    content: Path, tmp_path: Path, live: Callable[..., LivePlayer]
) -> None:
    good = content / "slides" / "good"
    good.mkdir()
    (good / "01-通知.txt").write_bytes(notice(1))
    (good / "02-photo.jpg").write_bytes(picture("JPEG", 2))
    (content / "playlists" / "main.yaml").write_text(
        "priority: 1\nitems:\n  - slides: good/\n  - slides: x.jpg\n", encoding="utf-8"
    )
    player = live(defaults={"duration": 2})
    base = ["slides/good/01-通知.txt", "slides/good/02-photo.jpg"]
    player.wait_for(rotation_is(base), 15, "the good slides")

    # Every case of issue 4 at once.
    slides = content / "slides"
    (slides / "truncated.jpg").write_bytes(truncated_jpeg(3))
    (slides / "zero.png").write_bytes(b"")
    (slides / "binary.txt").write_bytes(binary(4))
    # Dropped in whole with their original time (a zip extracted, cp -p), so they are not
    # taken for copies in progress and are listed at once.
    for name in ("truncated.jpg", "zero.png", "binary.txt"):
        os.utime(slides / name, (time.time() - 3600, time.time() - 3600))
    with (slides / "huge.txt").open("wb") as fh:
        fh.truncate(50_000_000)  # sparse: 50 MB long, nothing on disk
    (slides / "x.jpg").mkdir()  # a folder named like a picture (empty)
    (slides / "escape.txt").symlink_to("/etc/hostname")
    (slides / "etc").symlink_to("/etc")
    (slides / "loop.txt").symlink_to("loop.txt")
    (slides / "loop-a.txt").symlink_to("loop-b.txt")
    (slides / "loop-b.txt").symlink_to("loop-a.txt")
    (slides / "bomb.yaml").write_bytes(b"kind: meeting\n" + alias_bomb())
    with open(os.fsencode(good) + b"/" + GBK_NAME, "wb") as fh:
        fh.write(notice(5))
    (good / ODD_NAME).write_bytes(notice(6))
    lists = content / "playlists"
    # A tab where YAML wants spaces, as Notepad leaves it.
    (lists / "syntax.yaml").write_bytes(b"name: x\nitems:\n  - slides: good/\n\tduration: 5\n")
    (lists / "bomb.yaml").write_bytes(alias_bomb())
    (lists / "outside.yaml").write_text(
        "priority: 9\nitems:\n  - slides: ../../etc/passwd\n  - slides: /etc/passwd\n",
        encoding="utf-8",
    )
    before = snapshot(content)

    rotation = sorted([*base, f"slides/good/{ODD_NAME}"])
    expected = {
        "slides/good/通知公告.txt〔编码不对〕": {"name-encoding"},
        "slides/truncated.jpg": {"damaged-image"},
        "slides/zero.png": {"empty-file"},
        "slides/binary.txt": {"not-text"},
        "slides/huge.txt": {"too-large"},
        "slides/escape.txt": {"outside-root"},
        "slides/etc": {"outside-root"},
        "slides/loop.txt": {"symlink-loop"},
        "slides/loop-a.txt": {"symlink-loop"},
        "slides/loop-b.txt": {"symlink-loop"},
        "slides/bomb.yaml": {"yaml-too-complex"},
        "playlists/syntax.yaml": {"yaml-syntax"},
        "playlists/bomb.yaml": {"yaml-too-complex"},
        "playlists/outside.yaml": {"outside-root"},
        "playlists/main.yaml": {"missing-slide"},
    }
    codes: dict[str, set[str]] = {}

    def settled(status: Status) -> bool:
        codes.clear()
        codes.update(problem_codes(status))
        return set(codes) == set(expected) and status["rotation"] == rotation

    status = player.wait_for(settled, 10, "every bad file listed, the good ones playing")
    by_path = {p["path"]: p for p in status["problems"]}
    assert {k: v for k, v in codes.items() if k in expected} == expected, codes
    assert status["current"]["path"] in rotation
    # Messages say what is wrong, quote the value, and give the line where there is one.
    assert by_path["playlists/syntax.yaml"]["line"] == 4
    assert "YAML syntax error" in by_path["playlists/syntax.yaml"]["message"]
    assert "alias" in by_path["playlists/bomb.yaml"]["message"]
    assert "50 MB" in by_path["slides/huge.txt"]["message"]
    assert "outside the content folder" in by_path["slides/escape.txt"]["message"]
    assert "'x.jpg'" in by_path["playlists/main.yaml"]["message"]
    outside = [p["message"] for p in status["problems"] if p["path"] == "playlists/outside.yaml"]
    assert any("'../../etc/passwd'" in m for m in outside), outside
    assert any("'/etc/passwd'" in m for m in outside), outside
    # The pages keep turning: the rotation goes on past the slide on screen.
    first = status["current"]["path"]
    player.wait_for(lambda s: s["current"]["path"] != first, 6, "the next slide")
    assert player.stop() == 0
    assert snapshot(content) == before


def unprivileged() -> tuple[str, ...]:
    """A command prefix under which a chmod 000 file cannot be read, even by root."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv (util-linux) is missing")
    # Root without these two capabilities is held to the permission bits like anyone.
    caps = "-dac_override,-dac_read_search"
    return (setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}")


def test_permission_denied_file_in_a_running_player(
    content: Path, live: Callable[..., LivePlayer]
) -> None:
    (content / "slides" / "ok.txt").write_bytes(notice(1))
    player = live(unprivileged())
    player.wait_for(rotation_is(["slides/ok.txt"]), 15, "the first slide")
    locked = content / "slides" / "locked.txt"
    locked.write_bytes(notice(2))
    locked.chmod(0)
    status = player.wait_for(
        lambda s: "permission-denied" in problem_codes(s).get("slides/locked.txt", set()),
        10,
        "the locked file reported",
    )
    assert status["rotation"] == ["slides/ok.txt"]
    by_path = {p["path"]: p for p in status["problems"]}
    assert "permission denied" in by_path["slides/locked.txt"]["message"]
    locked.chmod(0o644)  # fixed: it comes back
    player.wait_for(
        lambda s: s["rotation"] == ["slides/locked.txt", "slides/ok.txt"] and not s["problems"],
        10,
        "the fixed file playing",
    )


# --- copies, renames, deletes through the real process ------------------------------------------


def moved_on(deleted: str) -> Callable[[Status], bool]:
    def check(status: Status) -> bool:
        current = status["current"]
        return (
            current is not None
            and current["path"] != deleted
            and (deleted not in status["rotation"])
        )

    return check


def test_slow_copy_atomic_rename_and_deleting_the_slide_on_screen(
    content: Path, live: Callable[..., LivePlayer]
) -> None:
    slides = content / "slides"
    for i in (1, 2):
        (slides / f"{i}.txt").write_bytes(notice(i))
    player = live()
    player.wait_for(rotation_is(["slides/1.txt", "slides/2.txt"]), 15, "the first slides")

    # A slow copy: a big picture arriving in pieces, each gap shorter than settling.
    data = picture("PNG", 7) + b"\0" * 200_000  # trailing bytes after IEND are ignored
    seen: list[Status] = []
    with (slides / "3.png").open("wb") as fh:
        for start in range(0, len(data), len(data) // 8 + 1):
            fh.write(data[start : start + len(data) // 8 + 1])
            fh.flush()
            time.sleep(SETTLE_S / 3)
            status = player.status()
            assert status is not None
            seen.append(status)
    closed = time.monotonic()
    player.wait_for(lambda s: "slides/3.png" in s["rotation"], 5, "the copied picture")
    assert time.monotonic() - closed < 3
    for status in seen:  # never refused nor shown half-copied
        assert "slides/3.png" not in problem_codes(status)
        assert "slides/3.png" not in status["rotation"]

    # An atomic save: a temporary name (ignored), then one rename onto the final name.
    tmp = slides / "4.txt.part"
    tmp.write_bytes(notice(4))
    time.sleep(SETTLE_S * 2)
    status = player.status()
    assert status is not None and not status["problems"]
    assert all("part" not in p for p in status["rotation"])
    os.replace(tmp, slides / "4.txt")
    player.wait_for(
        rotation_is(["slides/1.txt", "slides/2.txt", "slides/3.png", "slides/4.txt"]),
        3,
        "the renamed file",
    )

    # Deleting the slide on screen: the next one comes at once.
    for _ in range(2):
        status = player.status()
        assert status is not None and status["current"] is not None
        shown = status["current"]["path"]
        deleted = time.monotonic()
        (content / shown).unlink()
        status = player.wait_for(moved_on(shown), 3, f"the player to leave the deleted {shown}")
        assert time.monotonic() - deleted < 1.5
    assert len(status["rotation"]) == 2


def test_a_copy_that_pauses_longer_than_settling_is_not_a_problem(
    content: Path, live: Callable[..., LivePlayer]
) -> None:
    slides = content / "slides"
    (slides / "1.txt").write_bytes(notice(1))
    player = live()
    player.wait_for(rotation_is(["slides/1.txt"]), 15, "the first slide")
    rng = random.Random(5)
    out = io.BytesIO()
    Image.frombytes("RGB", (320, 240), rng.randbytes(320 * 240 * 3)).save(out, "JPEG")
    data = out.getvalue()
    seen: list[Status] = []
    with (slides / "2.jpg").open("wb") as fh:
        fh.write(data[: len(data) // 2])
        fh.flush()
        paused = time.monotonic()
        while time.monotonic() - paused < 2.0:  # a network copy stalls for 2 s
            time.sleep(0.1)
            status = player.status()
            assert status is not None
            seen.append(status)
        fh.write(data[len(data) // 2 :])
    player.wait_for(rotation_is(["slides/1.txt", "slides/2.jpg"]), 5, "the copied photo")
    assert len(seen) > 10
    for status in [*seen, player.status()]:
        assert status is not None and not status["problems"], status["problems"]
    assert "incomplete" not in player.log_file.read_text(encoding="utf-8", errors="replace")


# --- the content root going away ----------------------------------------------------------------


def test_content_root_vanishes_and_returns(
    content: Path, tmp_path: Path, live: Callable[..., LivePlayer]
) -> None:
    for i in (1, 2):
        (content / "slides" / f"{i}.txt").write_bytes(notice(i))
    player = live()
    both = ["slides/1.txt", "slides/2.txt"]
    player.wait_for(rotation_is(both), 15, "the first slides")

    away = tmp_path / "unmounted"
    content.rename(away)
    status = player.wait_for(
        lambda s: "root-missing" in problem_codes(s).get("", set()), 5, "root-missing reported"
    )
    assert status["rotation"] == both  # the last content keeps showing
    assert status["current"] is not None
    time.sleep(1.0)
    assert player.alive()

    # Back, with a change made while it was away.
    (away / "slides" / "3.txt").write_bytes(notice(3))
    (away / "slides" / "1.txt").unlink()
    away.rename(content)
    player.wait_for(
        lambda s: s["rotation"] == ["slides/2.txt", "slides/3.txt"] and not s["problems"],
        6,
        "the folder picked up again",
    )
    # Watched again: a new file after the return shows up.
    (content / "slides" / "4.txt").write_bytes(notice(4))
    player.wait_for(lambda s: "slides/4.txt" in s["rotation"], 4, "a file dropped after the return")


# --- a hanging reader, in process (the reader can be made to hang only from inside) -----------


class _Batches:
    """Stands in for the Watcher: hands the player the paths the test reports."""

    def __init__(self) -> None:
        self.paths: set[str] = set()

    def drain(self) -> set[str]:
        paths, self.paths = self.paths, set()
        return paths


def test_a_hanging_reader_does_not_stall_the_player_loop(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    from datetime import datetime

    import pygame

    from signage.content.folder import ContentFolder
    from signage.core.clock import ManualClock
    from signage.core.config import Settings, load_settings
    from signage.screen.output import Display
    from signage.screen.player import Player
    from signage.typeset.fonts import FontBook
    from signage.workers.lane import InlineLane

    release = threading.Event()
    entered = threading.Event()
    from signage.formats.registry import read_slide as real_reader

    def reader(root: Path, rel: str, settings: Settings) -> Any:
        if rel.endswith("hang.txt"):
            entered.set()
            release.wait(30)  # a hostile file: the reader does not come back
        return real_reader(root, rel, settings)

    slides = content / "slides"
    (slides / "1.txt").write_bytes(notice(1))
    old = time.time() - 60
    os.utime(slides / "1.txt", (old, old))
    clock = ManualClock(datetime(2026, 12, 1, 10, 0).astimezone())
    overrides: dict[str, Any] = {"size": (320, 180), "windowed": True, "transition": "none"}
    status_file = tmp_path / "status.json"
    batches = _Batches()
    pygame.display.init()
    holder: list[Player] = []
    folder = ContentFolder(
        lambda: load_settings(content, None, overrides),
        clock.monotonic,
        lambda: holder[0].wake() if holder else None,
        reader=reader,
    )
    try:
        settings = folder.settings
        player = Player(
            folder,
            clock,
            FontBook.from_settings(settings.fonts),
            Display(settings.size, True, settings.rotation),
            lane=InlineLane(),
            status_file=status_file,
            watcher=batches,
        )
        holder.append(player)
        player.start()
        assert player.rotation.order == ("slides/1.txt",)

        def drop(name: str) -> None:
            (slides / name).write_bytes(notice(len(name)))
            batches.paths.add(f"slides/{name}")
            player.tick()
            clock.advance(settings.settle_s)
            started = time.monotonic()
            player.tick()  # settled: handed to the reader thread, not read here
            assert time.monotonic() - started < 1.0

        drop("hang.txt")
        # Its time limit counts from when the reader starts it, on the player's clock.
        assert entered.wait(10)
        drop("late.txt")  # queued behind the hanging one
        for _ in range(5):
            clock.advance(1.0)
            started = time.monotonic()
            player.tick()
            assert time.monotonic() - started < 1.0
        assert player.rotation.order == ("slides/1.txt",)
        # Past the limit (30 s on the player's clock) the hanging file is given up ...
        clock.advance(30.0)
        player.tick()
        status = json.loads(status_file.read_text(encoding="utf-8"))
        assert problem_codes(status) == {"slides/hang.txt": {"read-timeout"}}
        # ... and a fresh reader thread takes the next file, waking the player when done.
        give_up = time.monotonic() + 10
        while list(player.rotation.order) != ["slides/1.txt", "slides/late.txt"]:
            assert time.monotonic() < give_up, player.rotation.order
            due = folder.next_deadline()
            if due is not None and due <= clock.monotonic():
                player.tick()  # what the loop does when the reader wakes it
            else:
                time.sleep(0.01)
    finally:
        release.set()
        folder.close()
        gc.collect()  # textures go before the renderer that made them
        pygame.quit()
