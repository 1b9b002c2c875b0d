from __future__ import annotations

import errno
import json
import logging
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TextIO

import pytest

from signage.appliance.playlog import (
    PlayLog,
    PlayRecord,
    format_duration_zh,
    format_report,
    log_file_name,
    report_to_json,
    summarise,
)
from signage.core.clock import ManualClock

CST = timezone(timedelta(hours=8))
NOTICE = "slides/notices/停水通知.txt"
POLICY = "slides/policies/医保政策.docx"


def at(day: int, hh: int, mm: int = 0, ss: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hh, mm, ss, tzinfo=CST)


def make_log(tmp_path: Path, retention: int = 30) -> tuple[PlayLog, ManualClock]:
    clock = ManualClock(at(1, 8))
    return PlayLog(tmp_path / "playlog", retention, clock), clock


def play_week(log: PlayLog, clock: ManualClock) -> None:
    """Dec 1-7: the notice 09:00-09:10 every day except the 3rd; the policy on the 5th."""
    for day in range(1, 8):
        clock.set(at(day, 9))
        if day == 3:
            continue
        for i in range(30):  # 30 x 20 s = 10 minutes
            start = at(day, 9) + timedelta(seconds=20 * i)
            assert log.record(start, 20.0, "lobby-1", "playlists/lobby.yaml", NOTICE, "d1", 0, 1)
    for page in range(3):
        start = at(5, 10) + timedelta(seconds=30 * page)
        log.record(start, 30.0, "lobby-2", None, POLICY, "p1", page, 3)


def test_one_file_per_day_json_lines(tmp_path: Path) -> None:
    log, _ = make_log(tmp_path)
    assert log.record(at(1, 9), 20.0, "lobby-1", "playlists/lobby.yaml", NOTICE, "abc", 0, 2)
    assert log.record(at(1, 9, 0, 20), 20.0, "lobby-1", "playlists/lobby.yaml", NOTICE, "abc", 1, 2)
    assert log.record(at(2, 9), 15.5, "lobby-1", None, "slides/a.jpg", "def", 0, 1)
    files = sorted(p.name for p in (tmp_path / "playlog").iterdir())
    assert files == ["play-2026-12-01.jsonl", "play-2026-12-02.jsonl"]
    lines = (
        (tmp_path / "playlog" / "play-2026-12-01.jsonl").read_text(encoding="utf-8").splitlines()
    )
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first == {
        "start": "2026-12-01T09:00:00+08:00",
        "seconds": 20.0,
        "screen": "lobby-1",
        "playlist": "playlists/lobby.yaml",
        "path": NOTICE,
        "digest": "abc",
        "page": 0,
        "pages": 2,
    }
    assert "停水通知" in lines[0]  # readable with grep, not \\u escapes
    assert log.problem is None


def test_report_answers_was_it_shown_every_working_day(tmp_path: Path) -> None:
    log, clock = make_log(tmp_path)
    play_week(log, clock)
    report = summarise(tmp_path / "playlog", date(2026, 12, 1), date(2026, 12, 7))
    assert report.skipped_lines == 0
    assert [f.path for f in report.files] == [NOTICE, POLICY]
    notice = report.files[0]
    assert notice.first_shown == at(1, 9)
    assert notice.last_shown == at(7, 9, 10)
    assert notice.seconds == pytest.approx(6 * 600)
    assert notice.showings == 180
    assert notice.days == tuple(date(2026, 12, d) for d in (1, 2, 4, 5, 6, 7))
    assert [(d.day.day, d.seconds, d.showings) for d in notice.per_day][:2] == [
        (1, 600.0, 30),
        (2, 600.0, 30),
    ]
    assert notice.screens == ("lobby-1",)
    assert notice.playlists == ("playlists/lobby.yaml",)
    policy = report.files[1]
    assert policy.pages == (0, 1, 2) and policy.page_count == 3
    assert policy.screens == ("lobby-2",) and policy.playlists == ()

    # Dec 1-7 2026: Tue..Mon; working days are 1-4 and 7.
    workdays = [date(2026, 12, d) for d in (1, 2, 3, 4, 7)]
    text = format_report(report, expected_days=workdays)
    assert "播放记录 2026-12-01 至 2026-12-07" in text
    assert "2026-12-03 周四  未显示" in text
    assert "2026-12-01 周二  10分（30 次）" in text
    assert "应显示而未显示: 2026-12-03 周四" in text
    assert f"{POLICY}\n" in text and "第 1, 2, 3 页（共 3 页）" in text

    data = json.loads(format_report(report, as_json=True, expected_days=workdays))
    assert data["from"] == "2026-12-01" and data["to"] == "2026-12-07"
    entry = data["files"][0]
    assert entry["path"] == NOTICE
    assert entry["missing_days"] == ["2026-12-03"]
    assert entry["per_day"][0] == {"date": "2026-12-01", "seconds": 600.0, "showings": 30}
    assert entry["days"] == [
        "2026-12-01",
        "2026-12-02",
        "2026-12-04",
        "2026-12-05",
        "2026-12-06",
        "2026-12-07",
    ]
    assert data["files"][1]["missing_days"] == [
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",
        "2026-12-07",
    ]


def test_report_filters(tmp_path: Path) -> None:
    log, clock = make_log(tmp_path)
    play_week(log, clock)
    d = tmp_path / "playlog"
    one_day = summarise(d, date(2026, 12, 2), date(2026, 12, 2))
    assert [f.path for f in one_day.files] == [NOTICE]
    assert one_day.files[0].seconds == 600.0
    assert [f.path for f in summarise(d, path_glob="slides/policies/*").files] == [POLICY]
    assert [f.path for f in summarise(d, screen="lobby-2").files] == [POLICY]
    assert summarise(d, date(2027, 1, 1), None).files == ()
    assert "没有播放记录" in format_report(summarise(d, date(2027, 1, 1), None))
    assert summarise(tmp_path / "nowhere").files == ()


def test_midnight_splits_seconds_between_days(tmp_path: Path) -> None:
    log, _ = make_log(tmp_path)
    log.record(at(1, 23, 59, 50), 30.0, "s", None, NOTICE, "d", 0, 1)
    report = summarise(tmp_path / "playlog")
    (f,) = report.files
    assert [(d.day.day, d.seconds) for d in f.per_day] == [(1, 10.0), (2, 20.0)]
    only_second = summarise(tmp_path / "playlog", date(2026, 12, 2), date(2026, 12, 2))
    assert only_second.files[0].seconds == 20.0
    assert only_second.files[0].first_shown == at(2, 0)


def test_corrupt_and_truncated_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    log, _ = make_log(tmp_path)
    log.record(at(1, 9), 20.0, "s", None, NOTICE, "d", 0, 1)
    path = tmp_path / "playlog" / "play-2026-12-01.jsonl"
    # A power cut mid-write: half a line, no newline, then zeros from the file system.
    with path.open("ab") as f:
        f.write(b'{"start":"2026-12-01T09:00:20+08:00","seconds":2')
    # A new process starts: the next record must not be glued to the broken one.
    log2 = PlayLog(tmp_path / "playlog", 30, ManualClock(at(1, 9, 1)))
    assert log2.record(at(1, 9, 1), 20.0, "s", None, NOTICE, "d", 0, 1)
    with path.open("ab") as f:
        f.write(b"\0\0\0\0\n")
        f.write(b'{"start":"yesterday","seconds":1,"path":"x"}\n')
        f.write(b'{"start":"2026-12-01T09:03:00+08:00","seconds":-5,"path":"x"}\n')
        f.write(b"[1, 2]\n\xff\xfe\n")
    report = summarise(tmp_path / "playlog")
    assert report.skipped_lines == 5  # half line, bad date, negative seconds, list, bad bytes
    assert report.files[0].showings == 2
    assert report.files[0].seconds == 40.0
    assert "跳过 5 行不完整的记录" in format_report(report)


class FullDisk:
    """An opener standing in for a full disk: every append fails with ENOSPC."""

    def __init__(self) -> None:
        self.full = True

    def __call__(self, path: Path) -> TextIO:
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return path.open("a", encoding="utf-8")


def problem_of(log: PlayLog) -> str | None:
    """Read afresh (mypy would otherwise keep the value narrowed by an earlier assert)."""
    return log.problem


def test_full_disk_is_one_problem_and_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    disk = FullDisk()
    clock = ManualClock(at(1, 9))
    log = PlayLog(tmp_path / "playlog", 30, clock, opener=disk)
    for i in range(20):
        assert not log.record(at(1, 9, i), 20.0, "s", None, NOTICE, "d", 0, 1)
    assert log.problem == f"play log not written to {tmp_path / 'playlog'}: the disk is full"
    assert log.lost_records == 20
    disk.full = False
    recovered = log.record(at(1, 9, 30), 20.0, "s", None, NOTICE, "d", 0, 1)
    assert recovered
    assert problem_of(log) is None
    messages = [r.getMessage() for r in caplog.records if "play log not written" in r.getMessage()]
    assert messages == [log_message := messages[0], f"resolved: {log_message}"]
    assert summarise(tmp_path / "playlog").records == 1


def test_unwritable_directory_never_raises(tmp_path: Path) -> None:
    # Tests run as root, so permissions do not stop us; a file where the directory should be does.
    blocker = tmp_path / "state"
    blocker.write_text("not a directory")
    log = PlayLog(blocker / "playlog", 30, ManualClock(at(1, 9)))
    assert not log.record(at(1, 9), 20.0, "s", None, NOTICE, "d", 0, 1)
    assert log.problem is not None and str(blocker / "playlog") in log.problem
    assert log.prune(date(2026, 12, 1)) == []


def test_retention_deletes_only_our_old_files(tmp_path: Path) -> None:
    d = tmp_path / "playlog"
    d.mkdir()
    old = [d / log_file_name(date(2026, 10, 1)), d / log_file_name(date(2026, 10, 31))]
    kept = [d / log_file_name(date(2026, 11, 1)), d / log_file_name(date(2026, 11, 30))]
    others = [
        d / "play-2026-10-01.jsonl.bak",
        d / "notes.txt",
        d / "play-2026-13-01.jsonl",  # not a date
        d / "sub" / log_file_name(date(2026, 1, 1)),
    ]
    for p in old + kept + others:
        p.parent.mkdir(exist_ok=True)
        p.write_text("{}\n")
    clock = ManualClock(at(1, 9))
    log = PlayLog(d, 30, clock)
    log.record(at(1, 9), 20.0, "s", None, NOTICE, "d", 0, 1)  # first record prunes
    assert not any(p.exists() for p in old)
    assert all(p.exists() for p in kept + others)
    # Pruning happens again when the day changes.
    clock.set(at(2, 9))
    log.record(at(2, 9), 20.0, "s", None, NOTICE, "d", 0, 1)
    assert not kept[0].exists() and kept[1].exists()
    forever = PlayLog(d, 0, clock)
    assert forever.prune(date(2030, 1, 1)) == []


def test_record_round_trip_and_duration_text() -> None:
    rec = PlayRecord(at(1, 9), 12.25, "lobby", "playlists/a.yaml", NOTICE, "x", 1, 2)
    assert PlayRecord.from_json(json.loads(json.dumps(rec.to_json()))) == rec
    assert format_duration_zh(0) == "0秒"
    assert format_duration_zh(3725) == "1小时2分5秒"
    assert format_duration_zh(7200) == "2小时"
    assert format_duration_zh(90.4) == "1分30秒"


def test_json_report_shape(tmp_path: Path) -> None:
    log, clock = make_log(tmp_path)
    play_week(log, clock)
    data = report_to_json(summarise(tmp_path / "playlog"))
    assert data["from"] is None and data["records"] == 183
    assert set(data["files"][0]) == {
        "path", "first_shown", "last_shown", "seconds", "showings", "days", "per_day",
        "pages", "page_count", "screens", "playlists", "digests",
    }  # fmt: skip


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 16 KiB tmpfs, where the machine allows mounting one (root in most CI)."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k,mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def test_really_full_disk(tiny_disk: Path) -> None:
    log_dir = tiny_disk / "playlog"
    log_dir.mkdir()
    filler = tiny_disk / "filler"
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"x" * 1024)
        except OSError as err:
            assert err.errno == errno.ENOSPC
    log = PlayLog(log_dir, 30, ManualClock(at(1, 9)))
    assert not log.record(at(1, 9), 20.0, "s", None, NOTICE, "d", 0, 1)
    assert log.problem is not None and log.problem.endswith("the disk is full")
    filler.unlink()
    recovered = log.record(at(1, 9, 20), 20.0, "s", None, NOTICE, "d", 0, 1)
    assert recovered
    assert problem_of(log) is None
    assert summarise(log_dir).records == 1


# --- issue 14: the future is not "missed"; urgent notices under their own label -------------


def test_days_after_today_are_never_counted_as_missed(tmp_path: Path) -> None:
    # Seen: `report --from 2026-12-01 --to 2026-12-31` on the 7th listed 8-31 as missed.
    log, clock = make_log(tmp_path)
    play_week(log, clock)
    report = summarise(tmp_path / "playlog", date(2026, 12, 1), date(2026, 12, 10))
    workdays = [date(2026, 12, d) for d in (1, 2, 3, 4, 7, 8, 9, 10)]
    text = format_report(report, expected_days=workdays, today=date(2026, 12, 8))
    notice = text[text.index(NOTICE) : text.index(POLICY)]
    assert "应显示而未显示: 2026-12-03 周四\n" in notice
    assert "2026-12-08 周二  今天还没有显示（今天还没过完）" in notice
    assert "2026-12-09 周三  （还没到）" in notice
    data = json.loads(
        format_report(report, as_json=True, expected_days=workdays, today=date(2026, 12, 8))
    )
    assert data["files"][0]["missing_days"] == ["2026-12-03"]
    assert "2026-12-09" not in data["files"][1]["missing_days"]


def test_urgent_notices_are_reported_under_their_own_label(tmp_path: Path) -> None:
    from signage.appliance.playlog import URGENT_PLAYLIST

    log, _ = make_log(tmp_path)
    log.record(at(1, 9), 20.0, "lobby-1", URGENT_PLAYLIST, "slides/紧急/停水.txt", "u", 0, 1)
    text = format_report(summarise(tmp_path / "playlog"))
    assert "播放列表 紧急通知（代替所有播放列表）" in text


def test_report_command_uses_today(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from signage.commands.cli import main

    log, clock = make_log(tmp_path)
    play_week(log, clock)
    argv = ["report", "--play-log", str(tmp_path / "playlog"), "--from", "2026-12-01"]
    assert main([*argv, "--to", "2026-12-31", "--today", "2026-12-05", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["files"][0]["missing_days"] == ["2026-12-03"]
