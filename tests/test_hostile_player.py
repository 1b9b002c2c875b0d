"""Hostile files dropped into the folder of a running player: it stays up and keeps changing
pages, the file is named in `problems` within 30 s, and a restart does not bring it back.

The player runs as `python -m signage run` (headless) under a 4 GiB address-space limit,
standing in for a small lobby PC; two good notices change every second, so a freeze of the
loop shows as a gap between page changes.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.office_fixtures import text_pdf
from tests.test_live_player import LivePlayer, Status

pytestmark = pytest.mark.slow

ADDRESS_SPACE = ("prlimit", f"--as={4 * 1024**3}", "--")
NAMED_WITHIN_S = 30.0
MAX_GAP_S = 2.5


def notice(title: str) -> bytes:
    return f"{title}\n\n请各位居民留意。\n\n青山镇人民政府\n2026年12月1日\n".encode()


class Watch:
    """Follows the status file in the background: every change of the page on screen."""

    def __init__(self, player: LivePlayer) -> None:
        self.player = player
        self.changes: list[tuple[float, str, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        last: tuple[str, str] | None = None
        while not self._stop.is_set():
            status = self.player.status()
            current = (status or {}).get("current") or {}
            seen = (str(current.get("path")), str(current.get("since")))
            if status is not None and seen != last:
                last = seen
                self.changes.append((time.monotonic(), *seen))
            time.sleep(0.05)

    def worst_gap(self, since: float) -> float:
        times = [t for t, _, _ in self.changes if t >= since] + [time.monotonic()]
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Callable[..., LivePlayer]]:
    root = tmp_path / "content"
    (root / "slides").mkdir(parents=True)
    (root / "playlists").mkdir()
    (root / "slides" / "01-good.txt").write_bytes(notice("第一份通知"))
    (root / "slides" / "02-good.txt").write_bytes(notice("第二份通知"))
    (root / "signage.yaml").write_text("defaults: {duration: 1}\n", encoding="utf-8")
    players: list[LivePlayer] = []

    def start(**config: Any) -> LivePlayer:
        config.setdefault("state_dir", str(tmp_path / "state"))
        player = LivePlayer(tmp_path, root, ADDRESS_SPACE, **config)
        player.status_file.unlink(missing_ok=True)  # a restart must not read the last one's
        player.start()
        players.append(player)
        assert player.proc is not None
        pid = player.proc.pid
        player.wait_for(
            lambda s: s.get("pid") == pid and len(s.get("rotation", [])) >= 2,
            30,
            "the good notices",
        )
        return player

    yield start
    codes = [p.stop() for p in players]
    assert codes == [0] * len(players), [p.log_tail() for p in players]


def named(status: Status, rel: str) -> set[str]:
    return {p.get("code", "") for p in status.get("problems", []) if p["path"] == rel}


def drop(root: Path, rel: str, data: bytes) -> None:
    """As staff do: written next to it, renamed into place."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def survives(player: LivePlayer, rel: str, codes: set[str] | None = None) -> Status:
    """The file is named within 30 s while pages keep changing; the player is alive."""
    started = time.monotonic()
    with Watch(player) as watch:
        status = player.wait_for(
            lambda s: bool(named(s, rel)), NAMED_WITHIN_S + 5, f"{rel} named in problems"
        )
        assert time.monotonic() - started <= NAMED_WITHIN_S + 1.0, status
        time.sleep(2.0)
    assert watch.worst_gap(started) < MAX_GAP_S, watch.changes
    if codes is not None:
        assert named(status, rel) & codes, status["problems"]
    assert set(player.status()["rotation"]) >= {"slides/01-good.txt", "slides/02-good.txt"}  # type: ignore[index]
    return status


def deep_yaml(depth: int) -> bytes:
    return ("items: " + "[" * depth + "]" * depth + "\n").encode()


def test_a_deeply_nested_playlist_and_settings_file(
    hostile: Callable[..., LivePlayer], tmp_path: Path
) -> None:
    player = hostile()
    root = player.content
    drop(root, "playlists/deep.yaml", deep_yaml(5000))
    survives(player, "playlists/deep.yaml")
    drop(root, "signage.yaml", ("organisation: " + "[" * 5000 + "]" * 5000 + "\n").encode())
    survives(player, "signage.yaml")


def test_backtracking_text_is_cut_off_by_the_worker_time_limit(
    hostile: Callable[..., LivePlayer],
) -> None:
    player = hostile()
    # A meeting of blank lines: a regular expression that backtracks holds a worker, never
    # the player, and the worker is killed at its time limit.
    drop(player.content, "slides/blank.yaml", b"kind: meeting\n" + b"\n" * 200_000 + b"x")
    survives(player, "slides/blank.yaml", {"read-timeout"})


def test_a_file_that_needs_too_much_memory_is_named_and_kept_out_across_a_restart(
    hostile: Callable[..., LivePlayer], tmp_path: Path
) -> None:
    from PIL import Image

    big = tmp_path / "big.png"
    Image.new("RGB", (12000, 6000), (10, 10, 10)).save(big, "PNG")
    player = hostile(worker_memory_mb=256)
    drop(player.content, "slides/big.png", big.read_bytes())
    survives(player, "slides/big.png")
    assert player.stop() == 0
    again = hostile(worker_memory_mb=256)
    status = again.wait_for(lambda s: bool(named(s, "slides/big.png")), 15, "still refused")
    assert "slides/big.png" not in status["rotation"]


def test_random_bytes_renamed_over_a_playing_pdf(
    hostile: Callable[..., LivePlayer], tmp_path: Path
) -> None:
    player = hostile()
    drop(player.content, "slides/report.pdf", text_pdf(["page one", "page two", "page three"] * 4))
    player.wait_for(lambda s: "slides/report.pdf" in s["rotation"], 30, "the PDF plays")
    player.wait_for(
        lambda s: (s.get("current") or {}).get("path") == "slides/report.pdf", 30, "on screen"
    )
    drop(player.content, "slides/report.pdf", os.urandom(200_000))
    survives(player, "slides/report.pdf")
    player.wait_for(lambda s: "slides/report.pdf" not in s["rotation"], 10, "it leaves")


def test_a_fifo_renamed_over_a_playing_pdf(hostile: Callable[..., LivePlayer]) -> None:
    player = hostile()
    root = player.content
    drop(root, "slides/report.pdf", text_pdf(["page one", "page two"] * 3))
    player.wait_for(lambda s: "slides/report.pdf" in s["rotation"], 30, "the PDF plays")
    fifo = root / "slides" / ".fifo"
    os.mkfifo(fifo)
    os.replace(fifo, root / "slides" / "report.pdf")
    survives(player, "slides/report.pdf", {"not-a-file"})


def test_a_status_file_names_what_a_crashing_file_did(
    hostile: Callable[..., LivePlayer], tmp_path: Path
) -> None:
    player = hostile()
    drop(player.content, "slides/deep.yaml", deep_yaml(100_000))
    status = survives(player, "slides/deep.yaml")
    problem = next(p for p in status["problems"] if p["path"] == "slides/deep.yaml")
    assert problem["message"]
    print(json.dumps(problem, ensure_ascii=False))
