"""Proof of play: what was on screen, when, for how long — and the report built from it.

One JSON object per line, appended after each page leaves the screen, one file per local day
(`play-2026-12-01.jsonl`) in the play-log directory (by default in the state directory,
never in the content folder). Files older than the retention are deleted, and only files
whose names we gave them.

Writing never stops the show: a full disk or an unwritable directory becomes one `problem`
(logged when it appears and when it clears) and the next record simply tries again. Reading
skips lines cut short by a power failure and counts them.

    {"start":"2026-12-01T08:00:05+08:00","seconds":20.0,"screen":"lobby-1",
     "playlist":"playlists/lobby.yaml","path":"slides/notices/停水.txt",
     "digest":"9f2c…","page":0,"pages":3}

`page` is 0-based, as in the status file; `pages` is how many pages the slide had.
`playlist` is the playlist the page was shown under, `"urgent"` (URGENT_PLAYLIST) for an
urgent notice (which is shown instead of every playlist), or null with no playlist.
"""

from __future__ import annotations

import errno
import fnmatch
import json
import logging
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from signage.appliance.logsetup import OnceLogger
from signage.core.clock import Clock

_log = logging.getLogger(__name__)

LOG_NAME = re.compile(r"^play-(\d{4}-\d{2}-\d{2})\.jsonl$")
"""The only names this module writes, reads and deletes."""

Opener = Callable[[Path], TextIO]
"""Opens a file for appending text; injected so tests can make the disk full."""

# A page is on screen for seconds to an hour; a longer value is a corrupt line.
_MAX_RECORD_SECONDS = 86_400.0

_WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

URGENT_PLAYLIST = "urgent"
"""The `playlist` of an urgent notice's records: it interrupts playlists, it is none of them."""


def playlist_label(playlist: str) -> str:
    """How the report names a record's playlist."""
    return "紧急通知（代替所有播放列表）" if playlist == URGENT_PLAYLIST else playlist


def log_file_name(day: date) -> str:
    return f"play-{day.isoformat()}.jsonl"


def _append_utf8(path: Path) -> TextIO:
    return path.open("a", encoding="utf-8", newline="\n")


@dataclass(frozen=True)
class PlayRecord:
    """One page on screen once."""

    start: datetime
    seconds: float
    screen: str
    playlist: str | None
    path: str
    digest: str
    page: int
    pages: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(timespec="seconds"),
            "seconds": round(self.seconds, 3),
            "screen": self.screen,
            "playlist": self.playlist,
            "path": self.path,
            "digest": self.digest,
            "page": self.page,
            "pages": self.pages,
        }

    @classmethod
    def from_json(cls, data: Any) -> PlayRecord:
        """Raises ValueError (or TypeError/KeyError) for anything that is not a whole record."""
        if not isinstance(data, Mapping):
            raise ValueError("not an object")
        start = datetime.fromisoformat(str(data["start"]))
        if start.tzinfo is None:
            start = start.astimezone()
        seconds = float(data["seconds"])
        if not (math.isfinite(seconds) and 0 <= seconds <= _MAX_RECORD_SECONDS):
            raise ValueError(f"seconds {seconds!r} out of range")
        path = data["path"]
        if not isinstance(path, str) or not path:
            raise ValueError("no path")
        playlist = data.get("playlist")
        page, pages = data.get("page", 0), data.get("pages", 1)
        if not isinstance(page, int) or not isinstance(pages, int) or page < 0 or pages < 1:
            raise ValueError("bad page numbers")
        return cls(
            start=start,
            seconds=seconds,
            screen=str(data.get("screen", "")),
            playlist=None if playlist is None else str(playlist),
            path=path,
            digest=str(data.get("digest", "")),
            page=page,
            pages=pages,
        )


class PlayLog:
    """Appends play records to one file per local day and keeps `retention_days` of them.

    `retention_days` <= 0 keeps every file. `clock` gives today's date for the retention.
    """

    def __init__(
        self,
        directory: Path,
        retention_days: int,
        clock: Clock,
        *,
        opener: Opener = _append_utf8,
        logger: logging.Logger | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.retention_days = retention_days
        self._clock = clock
        self._opener = opener
        self._once: OnceLogger[str] = OnceLogger(logger or _log)
        self._problem: str | None = None
        self._pruned_for: date | None = None
        self._checked_file: Path | None = None
        self.lost_records = 0
        """Records that could not be written since start-up."""

    @property
    def problem(self) -> str | None:
        """Why the last record could not be written; None when writing works."""
        return self._problem

    def record(
        self,
        when_start: datetime,
        seconds: float,
        screen: str,
        playlist: str | None,
        path: str,
        digest: str,
        page: int,
        pages: int,
    ) -> bool:
        """Append one record; True when it was written. Never raises."""
        if when_start.tzinfo is None:
            when_start = when_start.astimezone()
        rec = PlayRecord(
            start=when_start,
            seconds=max(0.0, float(seconds)) if math.isfinite(seconds) else 0.0,
            screen=screen,
            playlist=playlist,
            path=path,
            digest=digest,
            page=page,
            pages=pages,
        )
        line = json.dumps(rec.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n"
        # A lone surrogate (a name that was not UTF-8) would stop the write, and the player.
        line = line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        target = self.directory / log_file_name(when_start.date())
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if self._checked_file != target:
                # A power cut can leave the last line unfinished; start ours on a new line
                # so only the broken one is lost.
                if _ends_mid_line(target):
                    line = "\n" + line
                self._checked_file = target
            with self._opener(target) as out:
                out.write(line)
        except OSError as err:
            self.lost_records += 1
            self._checked_file = None
            self._set_problem(f"play log not written to {self.directory}: {_reason(err)}")
            return False
        self._set_problem(None)
        self._prune_daily()
        return True

    def prune(self, today: date | None = None) -> list[Path]:
        """Delete our day files older than the retention; returns what was deleted."""
        if self.retention_days <= 0:
            return []
        today = today or self._clock.now().date()
        oldest_kept = today - timedelta(days=self.retention_days)
        deleted = []
        for path, day in _log_files(self.directory):
            if day < oldest_kept:
                try:
                    path.unlink()
                except OSError as err:
                    _log.warning("cannot delete old play log %s: %s", path, err)
                    continue
                deleted.append(path)
        if deleted:
            _log.info("deleted %d play log file(s) older than %s", len(deleted), oldest_kept)
        return deleted

    def _prune_daily(self) -> None:
        today = self._clock.now().date()
        if self._pruned_for != today:
            self._pruned_for = today
            self.prune(today)

    def _set_problem(self, message: str | None) -> None:
        if message != self._problem:
            self._problem = message
            self._once.set("play-log", message)


def _ends_mid_line(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            if f.tell() == 0:
                return False
            f.seek(-1, 2)
            return f.read(1) != b"\n"
    except FileNotFoundError:
        return False


def _reason(err: OSError) -> str:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if err.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if err.errno == errno.EROFS:
        return "the file system is read-only"
    return err.strerror or str(err)


def _log_files(directory: Path) -> list[tuple[Path, date]]:
    """Our day files in `directory` (not below it), oldest first."""
    found = []
    try:
        entries = list(directory.iterdir())
    except OSError:
        return []
    for entry in entries:
        m = LOG_NAME.match(entry.name)
        if not m:
            continue
        try:
            day = date.fromisoformat(m.group(1))
        except ValueError:
            continue
        if entry.is_file() and not entry.is_symlink():
            found.append((entry, day))
    return sorted(found, key=lambda item: item[1])


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DayPlay:
    day: date
    seconds: float
    showings: int


@dataclass(frozen=True)
class FileSummary:
    """How one slide file was shown over the report's dates."""

    path: str
    first_shown: datetime
    """When it first came on screen."""
    last_shown: datetime
    """When it last left the screen."""
    seconds: float
    showings: int
    """Pages shown (a three-page document shown once counts three)."""
    days: tuple[date, ...]
    per_day: tuple[DayPlay, ...]
    pages: tuple[int, ...]
    """0-based page numbers that were shown."""
    page_count: int
    """The most pages the file had in any version shown."""
    screens: tuple[str, ...]
    playlists: tuple[str, ...]
    digests: tuple[str, ...]
    """Each version of the file (SHA-256 of its bytes) that was shown."""


@dataclass(frozen=True)
class PlayReport:
    directory: str
    date_from: date | None
    date_to: date | None
    files: tuple[FileSummary, ...]
    records: int
    skipped_lines: int
    """Lines that were not a whole record (cut by a power failure, edited by hand)."""
    log_files: tuple[str, ...]


def _segments(rec: PlayRecord) -> Iterable[tuple[date, datetime, datetime]]:
    """Split a record at local midnights, so each day gets its own seconds."""
    start, end = rec.start, rec.end
    while True:
        midnight = datetime.combine(start.date() + timedelta(days=1), time(), tzinfo=start.tzinfo)
        if end <= midnight:
            yield start.date(), start, end
            return
        yield start.date(), start, midnight
        start = midnight


def _read_records(path: Path) -> tuple[list[PlayRecord], int]:
    records: list[PlayRecord] = []
    skipped = 0
    try:
        raw = path.read_bytes()
    except OSError as err:
        _log.warning("cannot read play log %s: %s", path, err)
        return [], 0
    for chunk in raw.split(b"\n"):
        text = chunk.strip(b"\0 \r\t")
        if not text:
            continue
        try:
            records.append(PlayRecord.from_json(json.loads(text.decode("utf-8"))))
        except (ValueError, TypeError, KeyError, UnicodeDecodeError):
            skipped += 1
    return records, skipped


def summarise(
    directory: Path,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    path_glob: str | None = None,
    screen: str | None = None,
) -> PlayReport:
    """Read the day files for [date_from, date_to] (inclusive; None: open-ended) and add up,
    per slide file, the time it was on screen. `path_glob` ("slides/notices/*") and `screen`
    narrow the report. Never raises for bad log content.
    """
    per_path: dict[str, list[tuple[PlayRecord, date, datetime, datetime]]] = {}
    total = skipped = 0
    read: list[str] = []
    for path, day in _log_files(Path(directory)):
        # A record is filed under the day it started, and may run past midnight.
        if date_from and day < date_from - timedelta(days=1):
            continue
        if date_to and day > date_to:
            continue
        records, bad = _read_records(path)
        read.append(path.name)
        skipped += bad
        for rec in records:
            if screen is not None and rec.screen != screen:
                continue
            if path_glob is not None and not fnmatch.fnmatchcase(rec.path, path_glob):
                continue
            kept = False
            for seg_day, seg_start, seg_end in _segments(rec):
                if (date_from and seg_day < date_from) or (date_to and seg_day > date_to):
                    continue
                per_path.setdefault(rec.path, []).append((rec, seg_day, seg_start, seg_end))
                kept = True
            total += kept
    files = tuple(_summary(p, segs) for p, segs in sorted(per_path.items()))
    return PlayReport(
        directory=str(directory),
        date_from=date_from,
        date_to=date_to,
        files=files,
        records=total,
        skipped_lines=skipped,
        log_files=tuple(read),
    )


def _summary(path: str, segs: list[tuple[PlayRecord, date, datetime, datetime]]) -> FileSummary:
    by_day: dict[date, list[float]] = {}
    for _rec, day, start, end in segs:
        by_day.setdefault(day, []).append((end - start).total_seconds())
    records = {id(rec): rec for rec, *_ in segs}.values()
    return FileSummary(
        path=path,
        first_shown=min(start for _, _, start, _ in segs),
        last_shown=max(end for _, _, _, end in segs),
        seconds=sum(sum(v) for v in by_day.values()),
        showings=len(records),
        days=tuple(sorted(by_day)),
        per_day=tuple(DayPlay(d, sum(v), len(v)) for d, v in sorted(by_day.items())),
        pages=tuple(sorted({r.page for r in records})),
        page_count=max(r.pages for r in records),
        screens=tuple(sorted({r.screen for r in records})),
        playlists=tuple(sorted({r.playlist for r in records if r.playlist})),
        digests=tuple(sorted({r.digest for r in records if r.digest})),
    )


def report_to_json(report: PlayReport) -> dict[str, Any]:
    def stamp(when: datetime) -> str:
        return when.isoformat(timespec="seconds")

    return {
        "play_log": report.directory,
        "from": report.date_from.isoformat() if report.date_from else None,
        "to": report.date_to.isoformat() if report.date_to else None,
        "records": report.records,
        "skipped_lines": report.skipped_lines,
        "log_files": list(report.log_files),
        "files": [
            {
                "path": f.path,
                "first_shown": stamp(f.first_shown),
                "last_shown": stamp(f.last_shown),
                "seconds": round(f.seconds, 1),
                "showings": f.showings,
                "days": [d.isoformat() for d in f.days],
                "per_day": [
                    {
                        "date": d.day.isoformat(),
                        "seconds": round(d.seconds, 1),
                        "showings": d.showings,
                    }
                    for d in f.per_day
                ],
                "pages": list(f.pages),
                "page_count": f.page_count,
                "screens": list(f.screens),
                "playlists": list(f.playlists),
                "digests": list(f.digests),
            }
            for f in report.files
        ],
    }


def format_duration_zh(seconds: float) -> str:
    """3725 -> '1小时2分5秒'; '0秒' for nothing."""
    total = round(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h}小时" if h else "", f"{m}分" if m else "", f"{s}秒" if s or not (h or m) else ""]
    return "".join(parts)


def _day_label(day: date) -> str:
    return f"{day.isoformat()} {_WEEKDAYS_ZH[day.weekday()]}"


# Listing every day of a range is useful for a week or a month, not for a year.
_MAX_LISTED_DAYS = 62


def format_report(
    report: PlayReport,
    *,
    as_json: bool = False,
    expected_days: Collection[date] | None = None,
    today: date | None = None,
) -> str:
    """The report as text for the administrator (Chinese labels), or as JSON.

    With `expected_days` (say, the working days of the range from the calendar), each file
    lists the expected days on which it was not shown. With `today`, days from today on are
    never counted as missed (today is not over; later days have not come).
    """
    if today is not None and expected_days is not None:
        expected_days = [d for d in expected_days if d < today]
    if as_json:
        data = report_to_json(report)
        if expected_days is not None:
            wanted = sorted(expected_days)
            for entry, f in zip(data["files"], report.files, strict=True):
                entry["missing_days"] = [d.isoformat() for d in wanted if d not in f.days]
        return json.dumps(data, ensure_ascii=False, indent=2)

    span = (
        f"{report.date_from.isoformat() if report.date_from else '最早'} 至 "
        f"{report.date_to.isoformat() if report.date_to else '最近'}"
    )
    out = [
        f"播放记录 {span}",
        f"记录目录 {report.directory}"
        f"（{len(report.log_files)} 个日志文件，{report.records} 条记录）",
    ]
    if report.skipped_lines:
        out.append(f"跳过 {report.skipped_lines} 行不完整的记录（多为断电时写了一半）")
    if not report.files:
        out.append("这段时间没有播放记录。")
        return "\n".join(out) + "\n"
    listed: list[date] | None = None
    if report.date_from and report.date_to:
        n = (report.date_to - report.date_from).days + 1
        if 0 < n <= _MAX_LISTED_DAYS:
            listed = [report.date_from + timedelta(days=i) for i in range(n)]
    for f in report.files:
        pages = (
            f"第 {', '.join(str(p + 1) for p in f.pages)} 页（共 {f.page_count} 页）"
            if f.page_count > 1
            else "单页"
        )
        out += [
            "",
            f.path,
            f"  首次显示 {f.first_shown:%Y-%m-%d %H:%M:%S}"
            f"   最后显示 {f.last_shown:%Y-%m-%d %H:%M:%S}",
            f"  累计 {format_duration_zh(f.seconds)} · {f.showings} 次"
            f" · {len(f.days)} 天 · {pages}",
            f"  屏幕 {', '.join(s or '-' for s in f.screens)}"
            + (f" · 播放列表 {', '.join(map(playlist_label, f.playlists))}" if f.playlists else "")
            + (f" · {len(f.digests)} 个版本" if len(f.digests) > 1 else ""),
        ]
        shown = {d.day: d for d in f.per_day}
        for day in listed if listed is not None else sorted(shown):
            entry = shown.get(day)
            if entry is None and today is not None and day > today:
                out.append(f"    {_day_label(day)}  （还没到）")
            elif entry is None and day == today:
                out.append(f"    {_day_label(day)}  今天还没有显示（今天还没过完）")
            elif entry is None:
                out.append(f"    {_day_label(day)}  未显示")
            else:
                seconds = format_duration_zh(entry.seconds)
                out.append(f"    {_day_label(day)}  {seconds}（{entry.showings} 次）")
        if expected_days is not None:
            missing = sorted(d for d in expected_days if d not in shown)
            if missing:
                out.append("  应显示而未显示: " + "、".join(_day_label(d) for d in missing))
            else:
                out.append("  应显示的日子每天都显示了。")
    return "\n".join(out) + "\n"
