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
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.hostile_files import CASES, Hostile
from tests.hostile_files import case as case_named
from tests.office_fixtures import text_pdf
from tests.test_live_player import REPO, LivePlayer, Status
from tests.test_resilience import NotifyListener

pytestmark = pytest.mark.slow

ADDRESS_SPACE = ("prlimit", f"--as={4 * 1024**3}", "--")
NAMED_WITHIN_S = 30.0
MAX_FREEZE_S = 2.0
"""No gap between two heartbeats (one every 0.5 s) longer than this: the loop never froze."""
MAX_GAP_S = 5.0
"""Pages of one second keep changing: the next one is at most this late (it may wait for a
worker to finish drawing it while hostile files keep the workers busy)."""
WATCHDOG_USEC = 1_000_000


def notice(title: str) -> bytes:
    return f"{title}\n\n请各位居民留意。\n\n青山镇人民政府\n2026年12月1日\n".encode()


class Watch:
    """Follows the player in the background: every change of the page on screen (from the
    status file) and every heartbeat it sends systemd (from its notify socket)."""

    def __init__(self, player: LivePlayer) -> None:
        self.player = player
        self.changes: list[tuple[float, str, str]] = []
        self.beats: list[float] = []
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
        listener: NotifyListener | None = getattr(self.player, "listener", None)
        while not self._stop.is_set():
            status = self.player.status()
            current = (status or {}).get("current") or {}
            seen = (str(current.get("path")), str(current.get("since")))
            if status is not None and seen != last:
                last = seen
                self.changes.append((time.monotonic(), *seen))
            if listener is None:
                time.sleep(0.05)
                continue
            listener.receive(lambda: True, 0.05)
            self.beats = listener.times("WATCHDOG=1")

    def worst_beat_gap(self, since: float) -> float:
        """The longest the player's loop went without a heartbeat: its worst freeze."""
        times = [t for t in self.beats if t >= since] + [time.monotonic()]
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)

    def worst_gap(self, since: float) -> float:
        times = [t for t, _, _ in self.changes if t >= since] + [time.monotonic()]
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)

    def around_worst_gap(self, since: float) -> str:
        """The page changes either side of the longest gap, for a failure's message."""
        changes = [c for c in self.changes if c[0] >= since]
        if len(changes) < 2:
            return repr(changes)
        i = max(range(1, len(changes)), key=lambda n: changes[n][0] - changes[n - 1][0])
        return f"{changes[i][0] - changes[i - 1][0]:.2f} s from {changes[i - 1]} to {changes[i]}"


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Callable[..., LivePlayer]]:
    root = tmp_path / "content"
    (root / "slides").mkdir(parents=True)
    (root / "playlists").mkdir()
    (root / "slides" / "01-good.txt").write_bytes(notice("第一份通知"))
    (root / "slides" / "02-good.txt").write_bytes(notice("第二份通知"))
    (root / "signage.yaml").write_text("defaults: {duration: 1}\n", encoding="utf-8")
    players: list[LivePlayer] = []
    listeners: list[NotifyListener] = []

    def start(**config: Any) -> LivePlayer:
        config.setdefault("state_dir", str(tmp_path / "state"))
        player = LivePlayer(tmp_path, root, ADDRESS_SPACE, **config)
        listener = NotifyListener()
        listeners.append(listener)
        player.listener = listener  # type: ignore[attr-defined]
        # A heartbeat every half second: a gap of seconds between two is a frozen loop.
        player.env = {"NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": str(WATCHDOG_USEC)}
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
    for listener in listeners:
        listener.close()
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


def survives(
    player: LivePlayer, rel: str, codes: set[str] | None = None, *, plays_on: bool = True
) -> Status:
    """The file is named within 30 s while the loop keeps beating and (`plays_on`: the file
    does not change what plays) pages keep changing; the player is alive."""
    started = time.monotonic()
    with Watch(player) as watch:
        status = player.wait_for(
            lambda s: bool(named(s, rel) & codes) if codes else bool(named(s, rel)),
            NAMED_WITHIN_S + 5,
            f"{rel} named in problems",
        )
        assert time.monotonic() - started <= NAMED_WITHIN_S + 1.0, status
        time.sleep(2.0)
    assert watch.worst_beat_gap(started) < MAX_FREEZE_S, "the player's loop froze"
    if codes is not None:
        assert named(status, rel) & codes, status["problems"]
    if plays_on:
        assert watch.worst_gap(started) < MAX_GAP_S, watch.changes
        rotation = set((player.status() or {}).get("rotation", []))
        assert rotation >= {"slides/01-good.txt", "slides/02-good.txt"}
    return status


def aged(path: Path) -> None:
    """Dated a minute back, as a file copied a while ago: a file that reads as cut short is
    otherwise held back COPY_GRACE_S in case it is still arriving (tested in test_catalog and
    test_share_player); here only what the player does with it counts."""
    if os.path.lexists(path):
        past = time.time() - 60
        os.utime(path, (past, past), follow_symlinks=False)


def usable(case: Hostile) -> bool:
    """Cases this test's user can make and meet (root cannot meet a mode-000 folder)."""
    root = os.geteuid() == 0
    return not (case.needs == "root" and not root) and not (case.needs == "non-root" and root)


WORKER_LIMIT_CODES = {"reader-memory", "reader-crashed"}
"""PDFium aborts (SIGABRT) when an allocation fails under the address-space limit: a crash."""


def expected(status: Status, case: Hostile) -> bool:
    """The case is where it must be: named with its code, or playing."""
    if case.code is None:
        return case.rel in status.get("rotation", [])
    codes = WORKER_LIMIT_CODES if case.worker_limit else {case.code}
    return bool(codes & named(status, case.rel))


def missing(status: Status, cases: list[Hostile]) -> str:
    return "; ".join(
        f"{c.name} ({c.rel}): want {c.code}, have {sorted(named(status, c.rel))}"
        for c in cases
        if not expected(status, c)
    )


def test_every_hostile_slide_in_a_running_player(
    hostile: Callable[..., LivePlayer], tmp_path: Path
) -> None:
    """All of tests/hostile_files.py's slide files, dropped ten at a time into one player:
    each is named (or plays) within 30 s of its drop, pages never stop changing, and then
    `check --json` says the same of every one."""
    player = hostile()
    root = player.content
    cases = [c for c in CASES if c.kind == "slide" and usable(c)]
    assert len(cases) > 50
    started = time.monotonic()
    with Watch(player) as watch:
        for batch in (cases[i : i + 10] for i in range(0, len(cases), 10)):
            for case in batch:
                case.make(root)
                aged(root / case.rel)
            try:
                player.wait_for(
                    lambda s, batch=batch: all(expected(s, c) for c in batch),  # type: ignore[misc]
                    NAMED_WITHIN_S,
                    "every case of the batch named",
                )
            except pytest.fail.Exception:
                pytest.fail(missing(player.status() or {}, batch))
    assert watch.worst_beat_gap(started) < MAX_FREEZE_S, "the player's loop froze"
    assert watch.worst_gap(started) < MAX_GAP_S, watch.around_worst_gap(started)
    status = player.status()
    assert status is not None
    assert {"slides/01-good.txt", "slides/02-good.txt"} <= set(status["rotation"])
    # check reads the same files through the same workers and limits, and answers in JSON.
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-m", "signage", "check", "--content", str(root), "--json"],
        capture_output=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert run.returncode == 1, run.stderr.decode(errors="replace")[-2000:]
    report = json.loads(run.stdout)
    text = json.dumps(report, ensure_ascii=False)
    for case in cases:
        if case.code is not None and not case.worker_limit:
            assert case.code in text, case.name


def test_hostile_playlists_and_settings(hostile: Callable[..., LivePlayer]) -> None:
    player = hostile()
    for case in (c for c in CASES if c.kind in ("playlist", "settings") and usable(c)):
        target = player.content / case.rel
        if target.is_symlink() or target.is_file():
            target.unlink()  # the case before it, at the same place
        case.make(player.content)
        # A playlist may rightly change what plays (a hostile one that is still valid).
        survives(player, case.rel, {case.code} if case.code else None, plays_on=False)


@pytest.mark.parametrize(
    "name", [c.name for c in CASES if c.kind == "folder" and usable(c)], ids=str
)
def test_a_hostile_folder(hostile: Callable[..., LivePlayer], name: str) -> None:
    case = case_named(name)
    player = hostile()
    if case.rel == "slides":
        shutil.rmtree(player.content / "slides")  # the case puts something else there
    case.make(player.content)
    with Watch(player) as watch:
        started = time.monotonic()
        player.wait_for(lambda s: expected(s, case), NAMED_WITHIN_S, f"{case.rel} named")
        time.sleep(1.0)
    assert watch.worst_beat_gap(started) < MAX_FREEZE_S, "the player's loop froze"
    if case.rel != "slides":  # the good notices are under slides/ themselves otherwise
        assert watch.worst_gap(started) < MAX_GAP_S, watch.changes


def test_a_memory_bomb_beyond_the_readers_is_named_and_kept_out_across_a_restart(
    hostile: Callable[..., LivePlayer],
) -> None:
    bomb = case_named("pdf-12-content-streams")
    player = hostile(worker_memory_mb=512)
    bomb.make(player.content)
    survives(player, bomb.rel, {"reader-memory", "reader-crashed"})
    assert player.stop() == 0
    again = hostile(worker_memory_mb=512)
    status = again.wait_for(lambda s: bool(named(s, bomb.rel)), 15, "still refused")
    assert bomb.rel not in status["rotation"]


def test_random_bytes_renamed_over_a_playing_pdf(hostile: Callable[..., LivePlayer]) -> None:
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


def test_a_signage_yaml_that_leads_outside_is_never_read(
    hostile: Callable[..., LivePlayer], tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("organisation: 不该出现的名字\n", encoding="utf-8")
    player = hostile()
    target = player.content / "signage.yaml"
    target.unlink()
    target.symlink_to(outside)
    status = survives(player, "signage.yaml", {"outside-root"})
    assert "不该出现的名字" not in json.dumps(status, ensure_ascii=False)
