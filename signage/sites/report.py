"""A station's sync report: how old its content is, what Syncthing is doing, conflict copies.

`signage sites tick` (a systemd timer, every minute; never the player loop) writes
`sync.json` and `同步状态.txt` into the station's status folder, beside the player's
状态.txt, so both reach the office with the rest of the folder. The station's own clock
decides: the content is "as of" the last moment the station was connected to the office and
had nothing left to fetch (`in_sync_at`); while cut off that moment stays put and the age
grows, and the next tick after the link returns brings it back to now.
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from signage.appliance.statuspage import short_time
from signage.sites import words

REPORT_JSON = "sync.json"
REPORT_TEXT = "同步状态.txt"
CONFLICT_PATTERN = "*.sync-conflict-*"
RESEND_AFTER = timedelta(minutes=10)
"""An unchanged report is rewritten (and so sent to the office) this often: a village link
may be metered, and the office sees a live connection in Syncthing anyway."""
MAX_LISTED = 200
MAX_WALK = 50_000
"""Entries looked at when searching the content for conflict copies: a runaway folder
costs a bounded moment, never the timer's whole minute."""


@dataclass(frozen=True)
class SyncState:
    """What this machine's Syncthing says about the content folder and the other end."""

    running: bool
    error: str = ""
    peer_connected: bool = False
    peer_last_seen: datetime | None = None
    folder_state: str = ""
    need_items: int = 0
    need_bytes: int = 0
    pull_errors: int = 0
    local_changes: int = 0


@dataclass(frozen=True)
class SiteProblem:
    kind: str
    detail: str = ""
    path: str = ""

    def as_dict(self) -> dict[str, str]:
        out = {"kind": self.kind, "text": words.reason(self.kind), "detail": self.detail}
        if self.path:
            out["path"] = self.path
        return out


@dataclass(frozen=True)
class StationReport:
    site: str
    written_at: datetime
    in_sync: bool
    in_sync_at: datetime | None
    sync: SyncState
    conflicts: tuple[str, ...] = ()
    problems: tuple[SiteProblem, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        age = (
            None
            if self.in_sync_at is None
            else max(0, round((self.written_at - self.in_sync_at).total_seconds()))
        )
        return {
            "site": self.site,
            "role": "station",
            "written_at": self.written_at.isoformat(timespec="seconds"),
            "content": {
                "in_sync": self.in_sync,
                "in_sync_at": None
                if self.in_sync_at is None
                else self.in_sync_at.isoformat(timespec="seconds"),
                "age_s": age,
                "need_items": self.sync.need_items if self.sync.running else None,
                "need_bytes": self.sync.need_bytes if self.sync.running else None,
            },
            "syncthing": {
                "running": self.sync.running,
                "office_connected": self.sync.peer_connected if self.sync.running else None,
                "office_last_seen": None
                if self.sync.peer_last_seen is None
                else self.sync.peer_last_seen.isoformat(timespec="seconds"),
                "state": self.sync.folder_state,
                "pull_errors": self.sync.pull_errors,
                "local_changes": self.sync.local_changes,
                "error": self.sync.error,
            },
            "conflicts": list(self.conflicts),
            "problems": [p.as_dict() for p in self.problems],
        }


def station_report(
    site: str,
    sync: SyncState,
    conflicts: Sequence[str],
    previous: Mapping[str, Any] | None,
    now: datetime,
) -> StationReport:
    """The report for `now`, carrying `in_sync_at` over from the previous one while cut off."""
    in_sync = (
        sync.running
        and sync.peer_connected
        and sync.folder_state == "idle"
        and sync.need_items == 0
        and sync.pull_errors == 0
    )
    in_sync_at: datetime | None = now if in_sync else None
    if in_sync_at is None and previous is not None:
        content = previous.get("content")
        if isinstance(content, Mapping):
            earlier = words.parse_time(content.get("in_sync_at"))
            # A clock set back (or a report from the future) must not claim fresher content.
            if earlier is not None and earlier <= now:
                in_sync_at = earlier
    problems: list[SiteProblem] = []
    if not sync.running:
        problems.append(SiteProblem("syncthing-down", sync.error))
    else:
        if not sync.peer_connected:
            problems.append(SiteProblem("office-unreachable"))
        if sync.need_items:
            problems.append(
                SiteProblem("behind", f"{sync.need_items} items, {sync.need_bytes} bytes to fetch")
            )
        if sync.pull_errors:
            problems.append(SiteProblem("pull-errors", f"{sync.pull_errors} pull errors"))
        if sync.local_changes:
            problems.append(
                SiteProblem("local-changes", f"{sync.local_changes} locally changed items")
            )
    problems += [SiteProblem("conflict-copy", path=p) for p in conflicts]
    return StationReport(
        site=site,
        written_at=now,
        in_sync=in_sync,
        in_sync_at=in_sync_at,
        sync=sync,
        conflicts=tuple(conflicts),
        problems=tuple(problems),
    )


def worth_sending(
    report: Mapping[str, Any], previous: Mapping[str, Any] | None, now: datetime
) -> bool:
    """Whether to rewrite the report: something changed, or it is RESEND_AFTER old."""
    if previous is None:
        return True
    written = words.parse_time(previous.get("written_at"))
    if written is None or not timedelta(0) <= now - written < RESEND_AFTER:
        return True
    return _comparable(report) != _comparable(previous)


def _comparable(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report less what moves with the clock alone (while in sync, in_sync_at is now)."""
    out = {k: v for k, v in report.items() if k != "written_at"}
    content = out.get("content")
    if isinstance(content, Mapping):
        content = {k: v for k, v in content.items() if k != "age_s"}
        if content.get("in_sync"):
            content.pop("in_sync_at", None)
        out["content"] = content
    syncthing = out.get("syncthing")
    if isinstance(syncthing, Mapping):
        out["syncthing"] = {k: v for k, v in syncthing.items() if k != "office_last_seen"}
    return out


def find_conflicts(root: Path) -> list[str]:
    """Conflict copies under the content root, as root-relative paths in name order.

    Symbolic links are not followed; the local-only folder is searched too (a copy there is
    as invisible on screen as anywhere else)."""
    found: list[str] = []
    seen = 0
    for directory, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        seen += len(dirs) + len(files)
        rel_dir = PurePosixPath(os.path.relpath(directory, root))
        for name in sorted(files):
            if _is_conflict(name):
                rel = rel_dir / name if str(rel_dir) != "." else PurePosixPath(name)
                found.append(str(rel))
        # Syncthing's own folders hold nothing of the content's.
        dirs[:] = [d for d in dirs if d not in (".stversions", ".stfolder")]
        if seen > MAX_WALK or len(found) >= MAX_LISTED:
            break
    return sorted(found)[:MAX_LISTED]


def _is_conflict(name: str) -> bool:
    return fnmatch.fnmatchcase(name.lower(), CONFLICT_PATTERN)


def report_text(report: Mapping[str, Any], now: datetime) -> str:
    """同步状态.txt: the report in plain Chinese, for staff at the station and the office."""
    site = words.one_line(report.get("site")) or "本站"
    out = [f"{site} 与镇里同步的情况"]
    written = words.parse_time(report.get("written_at"))
    out.append(f"更新时间：{words.full_time(written, now) if written else '未知'}")
    out.append(
        "（本页在情况变化时自动更新，至少每 10 分钟一次。"
        "屏幕播放什么、哪些文件有问题，见同一文件夹里的 状态.txt。）"
    )
    out.append("")
    out.append("一、内容是不是最新的")
    out += ["  " + line for line in content_lines(report, now)]
    out.append("")
    problems = [p for p in report.get("problems") or [] if isinstance(p, Mapping)]
    out.append(f"二、需要注意的事（共 {len(problems)} 项）")
    if not problems:
        out.append("  （没有）")
    for n, problem in enumerate(problems, 1):
        out += problem_lines(n, problem)
    return "\n".join(out) + "\n"


def content_lines(report: Mapping[str, Any], now: datetime) -> list[str]:
    """The content's age, as the station's report says it."""
    content = report.get("content")
    content = content if isinstance(content, Mapping) else {}
    at = words.parse_time(content.get("in_sync_at"))
    if content.get("in_sync") is True:
        return ["和镇里的内容一致（刚刚核对过）。"]
    if at is None:
        return ["还没有和镇里完整同步过一次，屏幕上可能还没有镇里的内容。"]
    age = words.duration(now - at)
    lines = [f"最后一次和镇里一致：{short_time(at, now)}（{age}以前）。"]
    need = content.get("need_items")
    if isinstance(need, int) and need > 0:
        lines.append(f"还差 {need} 个文件没有收到。")
    lines.append("在这之后镇里新放的内容，要等连上以后才会出现在这块屏幕上。")
    return lines


def problem_lines(n: int, problem: Mapping[str, Any]) -> list[str]:
    kind = words.one_line(problem.get("kind"))
    path = words.one_line(problem.get("path"))
    head = f"  {n}. {words.show_path(path)}" if path else f"  {n}."
    lines = [head + ("" if path else f" {words.reason(kind)}")]
    if path:
        lines.append(f"     原因：{words.reason(kind)}")
    detail = words.one_line(problem.get("detail"))
    if detail:
        lines.append(f"     技术说明（给管理员）：{detail}")
    return lines


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from a file, or None for anything else (missing, half, not an object)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(4_000_000)
        data = json.loads(raw.decode("utf-8-sig"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Temporary dot name in the same folder, then rename: Syncthing and Samba never see half
    a file (and the dot name is in neither's view)."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # the staff share reads it as another account
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
