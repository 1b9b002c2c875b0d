"""The real player process under the conditions an appliance meets: systemd's notify
protocol and watchdog, SIGKILL and restart, SIGTERM, a full or unwritable play-log disk,
no display at all. Each test starts `python -m signage run` headless (SDL's dummy driver)
on small content written here, and watches it from outside: notify datagrams, the status
file, the play log, the exit status.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each test waits for at most; the player starts in well under a second here.
START_TIMEOUT_S = 20.0
WATCHDOG_PERIOD_S = 2.0
"""WATCHDOG_USEC=2000000 in these tests."""
POLL_S = 0.02

# A long document: about ten pages on a 640x360 canvas.
LONG_TEXT = "长文档标题\n\n" + "\n\n".join(
    f"第{i}段：这是用于测试分页的一段较长的文字内容，会占据好几页。" for i in range(1, 40)
)


def write_content(root: Path, slides: dict[str, str], duration: int) -> Path:
    """A content folder: `slides` (name -> text) under slides/, every page `duration` s."""
    (root / "slides").mkdir(parents=True)
    (root / "signage.yaml").write_text(
        f"organisation: 测试单位\ndefaults:\n  duration: {duration}\n  transition: none\n",
        encoding="utf-8",
    )
    for name, text in slides.items():
        (root / "slides" / name).write_text(text + "\n", encoding="utf-8")
    return root


def short(title: str) -> str:
    return f"{title}\n\n短内容。"


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(POLL_S)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class Run:
    """One player process and what it leaves behind."""

    proc: subprocess.Popen[bytes]
    status_file: Path
    play_log: Path
    stdout: Path
    stderr: Path
    started: float = field(default_factory=time.monotonic)

    def status(self) -> dict[str, Any] | None:
        """The status file as this very process wrote it (a previous run's is ignored)."""
        try:
            data = json.loads(self.status_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if data.get("pid") == self.proc.pid else None

    def current(self) -> tuple[str, int] | None:
        status = self.status()
        cur = status.get("current") if status else None
        return (cur["path"], cur["page"]) if cur else None

    def wait_current(self, timeout: float = START_TIMEOUT_S) -> tuple[str, int]:
        self.assert_alive()
        found: tuple[str, int] = wait_until(self.current, timeout, "a page on screen")
        return found

    def assert_alive(self) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(f"player exited with {self.proc.returncode}: {self.output()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def output(self) -> str:
        return self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")

    def records(self) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = []
        for path in sorted(self.play_log.glob("play-*.jsonl")):
            lines += [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
        return lines


Starter = Callable[..., Run]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Starter]:
    """Start `signage run` headless; every process still alive at the end is killed."""
    runs: list[Run] = []
    machine = tmp_path / "machine.yaml"
    machine.write_text("screen: 测试屏\n", encoding="utf-8")

    def start_(
        content: Path,
        *,
        env: dict[str, str] | None = None,
        play_log: Path | None = None,
        wrapper: list[str] | None = None,
        name: str = "run",
    ) -> Run:
        out = tmp_path / name
        out.mkdir(exist_ok=True)
        status_file = tmp_path / "state" / "status.json"
        log_dir = play_log or tmp_path / "playlog"
        environ = {
            k: v
            for k, v in os.environ.items()
            if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "RUNTIME_DIRECTORY")
        }
        environ.update(
            SDL_VIDEODRIVER="dummy",
            SDL_AUDIODRIVER="dummy",
            PYGAME_HIDE_SUPPORT_PROMPT="1",
            PYTHONPATH=str(ROOT),
            PYTHONDONTWRITEBYTECODE="1",
            # Office conversions are cached (failures too): never share a cache between runs.
            XDG_CACHE_HOME=str(tmp_path / "cache"),
        )
        environ.update(env or {})
        argv = [
            sys.executable,
            "-m",
            "signage",
            "run",
            "--content",
            str(content),
            "--config",
            str(machine),
            "--windowed",
            "--size",
            "640x360",
            "--status-file",
            str(status_file),
            "--play-log",
            str(log_dir),
        ]
        stdout, stderr = out / "stdout.txt", out / "stderr.txt"
        with stdout.open("wb") as o, stderr.open("wb") as e:
            proc = subprocess.Popen(
                [*(wrapper or []), *argv], env=environ, cwd=tmp_path, stdout=o, stderr=e
            )
        run = Run(proc, status_file, log_dir, stdout, stderr)
        runs.append(run)
        return run

    yield start_
    for run in runs:
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait(10)


def assert_clean_exit(run: Run, code: int) -> None:
    assert code == 0, run.output()
    text = run.output()
    assert "Traceback" not in text, text
    assert "ERROR" not in text and "CRITICAL" not in text, text


# --- 1. the notify protocol, end to end ---------------------------------------------------


class NotifyListener:
    """The systemd side of sd_notify: a datagram socket, and every message with its time."""

    def __init__(self) -> None:
        # sun_path holds 108 bytes; pytest's tmp_path can be longer than that.
        self._dir = tempfile.mkdtemp(prefix="sdn-")
        self.path = os.path.join(self._dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages: list[tuple[float, str]] = []

    def receive(self, until: Callable[[], bool], timeout: float) -> None:
        """Collect messages until `until()` is true after one arrived, or the time is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, min(0.1, deadline - time.monotonic())))
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                if until():
                    return
                continue
            self.messages.append((time.monotonic(), data.decode()))
            if until():
                return

    def times(self, field_: str) -> list[float]:
        return [t for t, m in self.messages if field_ in m.split("\n")]

    def close(self) -> None:
        self.sock.close()
        shutil.rmtree(self._dir, ignore_errors=True)


@pytest.fixture
def listener() -> Iterator[NotifyListener]:
    n = NotifyListener()
    yield n
    n.close()


# The child's pid is only known once it runs: the shell exports its own pid, then becomes
# the player (exec keeps the pid), exactly as systemd sets WATCHDOG_PID for the main process.
WATCHDOG_PID_WRAPPER = ["sh", "-c", 'WATCHDOG_PID=$$; export WATCHDOG_PID; exec "$@"', "sh"]


def test_notify_ready_watchdog_stopping(
    start: Starter, listener: NotifyListener, tmp_path: Path
) -> None:
    # One slide for an hour: a static screen, where nothing but the heartbeat wakes the loop.
    content = write_content(tmp_path / "content", {"通知.txt": short("停水通知")}, 3600)
    run = start(
        content,
        env={"NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "2000000"},
        wrapper=WATCHDOG_PID_WRAPPER,
    )
    listener.receive(lambda: bool(listener.times("READY=1")), START_TIMEOUT_S)
    run.assert_alive()
    ready = listener.times("READY=1")
    assert len(ready) == 1, listener.messages
    # READY=1 means the first frame is up: the status file names the page within moments
    # (the player writes it just after presenting that frame).
    assert wait_until(run.current, 1.0, "the status file after READY=1") == ("slides/通知.txt", 0)
    assert not [m for t, m in listener.messages if "WATCHDOG=1" in m and t < ready[0]]

    listener.receive(lambda: time.monotonic() - ready[0] > 4.2, 6.0)
    beats = listener.times("WATCHDOG=1")
    # WatchdogSec=2 s: a heartbeat every second (half the period), never a gap near 2 s.
    assert len(beats) >= 4, listener.messages
    assert beats[0] - ready[0] < 1.2
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    # What matters is that no gap reaches the 2 s period (systemd would kill the player);
    # the aim is one a second, but a shared CI machine may delay a wake-up a little.
    assert max(gaps) < WATCHDOG_PERIOD_S, gaps
    assert min(gaps) > 0.5, gaps  # rate-limited, not one per loop pass
    assert run.current() == ("slides/通知.txt", 0)  # static all along

    run.proc.send_signal(signal.SIGTERM)
    listener.receive(lambda: run.proc.poll() is not None, 15.0)
    code = run.proc.wait(5)
    assert listener.times("STOPPING=1"), listener.messages
    assert listener.times("STOPPING=1")[0] > beats[-1]
    assert_clean_exit(run, code)


def test_watchdog_meant_for_another_process_is_not_fed(
    start: Starter, listener: NotifyListener, tmp_path: Path
) -> None:
    """WATCHDOG_PID names another process (a wrapper's): READY still, but no heartbeats."""
    content = write_content(tmp_path / "content", {"通知.txt": short("停水通知")}, 3600)
    run = start(
        content,
        env={
            "NOTIFY_SOCKET": listener.path,
            "WATCHDOG_USEC": "1000000",
            "WATCHDOG_PID": str(os.getpid()),
        },
    )
    listener.receive(lambda: bool(listener.times("READY=1")), START_TIMEOUT_S)
    ready = listener.times("READY=1")
    assert ready, listener.messages
    listener.receive(lambda: time.monotonic() - ready[0] > 1.5, 3.0)
    assert not listener.times("WATCHDOG=1"), listener.messages
    assert_clean_exit(run, run.stop())


def test_watchdog_is_fed_while_libreoffice_converts(
    start: Starter, listener: NotifyListener, tmp_path: Path
) -> None:
    # A LibreOffice that takes 3 s, longer than the 2 s watchdog period.
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexec sleep 3\n", encoding="utf-8")
    fake.chmod(0o755)
    content = write_content(tmp_path / "content", {"通知.txt": short("停水通知")}, 3600)
    run = start(
        content,
        env={
            "NOTIFY_SOCKET": listener.path,
            "WATCHDOG_USEC": "2000000",
            "PATH": f"{fake.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        },
        wrapper=WATCHDOG_PID_WRAPPER,
    )
    listener.receive(lambda: bool(listener.times("READY=1")), START_TIMEOUT_S)
    run.wait_current(1.0)
    # Staff drop an old Word file into the folder while the screen plays.
    (content / "slides" / "会议通知.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 2000)
    dropped = time.monotonic()
    listener.receive(lambda: time.monotonic() - dropped > 5.0, 7.0)
    beats = [t for t in listener.times("WATCHDOG=1") if t > dropped - 1.0]
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert_clean_exit(run, run.stop())
    assert beats and max(gaps, default=0.0) < WATCHDOG_PERIOD_S, gaps


# --- 2. SIGKILL and restart: the rotation resumes where it was ----------------------------


def test_sigkill_then_restart_resumes_at_the_same_page(start: Starter, tmp_path: Path) -> None:
    content = write_content(
        tmp_path / "content",
        {"01-甲.txt": short("甲通知"), "02-长文.txt": LONG_TEXT, "03-丙.txt": short("丙通知")},
        1,
    )
    runtime = tmp_path / "runtime"  # systemd's RuntimeDirectory=signage, preserved
    runtime.mkdir()
    env = {"RUNTIME_DIRECTORY": str(runtime)}
    first = start(content, env=env, name="first")
    first.wait_current()
    wait_until(
        lambda: (cur := first.current()) and cur[0] == "slides/02-长文.txt" and cur[1] >= 1,
        15.0,
        "a later page of the long document",
    )
    first.stop(signal.SIGKILL)
    # What was on screen when it died: the dead process's last status.
    status = json.loads(first.status_file.read_text(encoding="utf-8"))
    was = (status["current"]["path"], status["current"]["page"])
    assert was[0] == "slides/02-长文.txt" and was[1] >= 1, status

    second = start(content, env=env, name="second")
    back = second.wait_current(timeout=5.0)
    assert time.monotonic() - second.started < 5.0
    assert back == was, f"resumed at {back}, was at {was}"
    # …and the rotation goes on from there.
    nxt = wait_until(lambda: (c := second.current()) != back and c, 5.0, "the next page")
    assert nxt[0] in ("slides/02-长文.txt", "slides/03-丙.txt")
    assert_clean_exit(second, second.stop())


# --- 3. SIGTERM: a clean stop that logs the page on screen --------------------------------


def test_sigterm_stops_cleanly_and_logs_the_last_page(start: Starter, tmp_path: Path) -> None:
    content = write_content(
        tmp_path / "content", {"01-甲.txt": short("甲通知"), "02-乙.txt": short("乙通知")}, 60
    )
    run = start(content)
    cur = run.wait_current()
    time.sleep(1.2)
    assert run.current() == cur
    assert_clean_exit(run, run.stop(signal.SIGTERM))
    records = run.records()
    assert records, "no play log line for the page that was on screen"
    last = records[-1]
    assert (last["path"], last["page"]) == cur
    assert 1.0 <= last["seconds"] < 10.0
    assert last["screen"] == "测试屏"


# --- 4. a full or unwritable play-log disk does not stop the screen -----------------------


def tmpfs_wrapper(mount_point: Path) -> list[str]:
    """Run the player in a mount namespace of its own, with `mount_point` a tiny tmpfs that
    is already full: the mount vanishes with the process, whatever happens to the test."""
    script = (
        'd=$1; shift; mount -t tmpfs -o size=64k,mode=0755 signage-test "$d" || exit 97; '
        'cat /dev/zero > "$d/fill" 2>/dev/null; exec "$@"'
    )
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]


def can_mount_tmpfs(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    result = subprocess.run(
        [*tmpfs_wrapper(probe), str(probe), "true"], capture_output=True, timeout=10
    )
    return result.returncode == 0


@pytest.mark.parametrize("kind", ["disk-full", "parent-is-a-file"])
def test_play_log_that_cannot_be_written_does_not_stop_the_screen(
    start: Starter, tmp_path: Path, kind: str
) -> None:
    content = write_content(
        tmp_path / "content",
        {"01-甲.txt": short("甲通知"), "02-乙.txt": short("乙通知"), "03-丙.txt": short("丙通知")},
        1,
    )
    if kind == "disk-full":
        if not can_mount_tmpfs(tmp_path):
            pytest.skip("cannot mount a tmpfs in a private mount namespace here")
        play_log = tmp_path / "full"
        play_log.mkdir()
        run = start(content, play_log=play_log, wrapper=[*tmpfs_wrapper(play_log), str(play_log)])
        reason = "the disk is full"
    else:
        # Works as root too: nothing can make a directory below a regular file.
        blocker = tmp_path / "not-a-dir"
        blocker.write_text("", encoding="utf-8")
        play_log = blocker / "playlog"
        run = start(content, play_log=play_log)
        reason = "not a directory"

    shown = [run.wait_current()]

    def turned_and_complained() -> bool:
        cur = run.current()
        if cur and cur != shown[-1]:
            shown.append(cur)
        status = run.status() or {}
        complaint = any("play log" in p["message"] for p in status.get("problems", []))
        return len(shown) >= 3 and complaint

    wait_until(turned_and_complained, 12.0, "pages turning with a play-log problem")
    problems = [p for p in (run.status() or {})["problems"] if "play log" in p["message"]]
    assert problems[0].get("code") == "play-log"
    assert reason in problems[0]["message"].lower(), problems
    assert str(play_log) in problems[0]["message"]
    assert_clean_exit(run, run.stop())
    if kind == "parent-is-a-file":
        assert blocker.is_file() and blocker.read_text(encoding="utf-8") == ""
    # Said once in the log, not once per page.
    assert run.output().count("play log not written") == 1, run.output()


# --- 5. the report, from a play log the player wrote --------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """cli.main() installs a root log handler on the (captured) stderr; take it away after."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_report_from_the_players_own_play_log(
    start: Starter,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from signage.commands.cli import main

    content = write_content(
        tmp_path / "content", {"01-甲.txt": short("甲通知"), "02-乙.txt": short("乙通知")}, 1
    )
    run = start(content)
    t0 = time.monotonic()
    shown = [run.wait_current()]

    def pages_turned() -> bool:
        cur = run.current()
        if cur and cur != shown[-1]:
            shown.append(cur)
        return len(shown) >= 4

    wait_until(pages_turned, 12.0, "four pages in turn")
    time.sleep(0.6)  # a page replaced within half a second is not logged; this one stays
    assert_clean_exit(run, run.stop())
    wall = time.monotonic() - t0
    records = run.records()
    assert len(records) >= 4

    monkeypatch.chdir(tmp_path)  # the report reads ./signage.yaml: not the repo's
    capsys.readouterr()
    assert main(["report", "--play-log", str(run.play_log), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    files = {f["path"]: f for f in report["files"]}
    assert set(files) == {"slides/01-甲.txt", "slides/02-乙.txt"}
    assert report["records"] == len(records)
    assert report["skipped_lines"] == 0
    assert sum(f["showings"] for f in files.values()) == len(records)
    total = sum(f["seconds"] for f in files.values())
    # One second a page (the last one cut short by the stop, but at least half a second).
    assert (len(records) - 1) * 0.9 + 0.5 <= total <= wall + 0.5, (total, wall, records)
    for f in files.values():
        assert f["seconds"] <= f["showings"] * 1.3 + 0.1, f
        assert f["screens"] == ["测试屏"]
        assert f["page_count"] == 1 and f["pages"] == [0]
        assert len(f["digests"]) == 1


# --- 6. no display ------------------------------------------------------------------------


def test_no_display_exits_1_with_a_message(
    start: Starter, listener: NotifyListener, tmp_path: Path
) -> None:
    content = write_content(tmp_path / "content", {"通知.txt": short("停水通知")}, 10)
    run = start(
        content,
        env={"SDL_VIDEODRIVER": "nonexistent-driver", "NOTIFY_SOCKET": listener.path},
    )
    code = run.proc.wait(START_TIMEOUT_S)
    err = run.stderr.read_text()
    assert code == 1, run.output()
    assert "Cannot open the screen" in err and "nonexistent-driver" in err, err
    assert "Traceback" not in run.output()
    listener.receive(lambda: True, 0.2)
    assert not listener.times("READY=1")  # systemd sees a failed start, and restarts it
    assert not run.status_file.exists()
