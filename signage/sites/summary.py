"""The office's summary of every screen: 全部屏幕.txt and 全部屏幕.json.

Written by `signage sites tick` on the office machine (a systemd timer, every minute) into
the office's status folder, the one the read-only staff share shows, beside `各站状态/`
where each station's own status folder arrives. For every screen: when it was last heard
from, what it plays, its problems, and how old its content is compared with the office's.

Whether a station has the office's content comes from the office's Syncthing when it runs
(`/rest/db/completion` for that station: what the station lacks of the office's current
files, as of the last index it sent); how long ago it last had all of it comes from the
station's own report (`report.py`). Everything a station sent is untrusted text: shown on
one line, never used as a path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from signage.appliance.statuspage import STATUS_TEXT_NAME, explain, short_time
from signage.sites import words
from signage.sites.folders import STATIONS_DIR
from signage.sites.report import SiteProblem, problem_lines

SUMMARY_TEXT = "全部屏幕.txt"
SUMMARY_JSON = "全部屏幕.json"
OFFLINE_AFTER = timedelta(minutes=10)
"""A station the office has not been connected to for this long is reported as cut off."""
SILENT_AFTER = timedelta(minutes=15)
"""The player rewrites its status page at least every 5 minutes."""


@dataclass(frozen=True)
class PeerView:
    """The office's Syncthing's view of one station."""

    connected: bool
    last_seen: datetime | None = None
    need_items: int | None = None
    """Of the office's current content, items the station does not have (None: unknown)."""


@dataclass(frozen=True)
class Station:
    name: str
    device_id: str = ""
    status: Mapping[str, Any] | None = None
    """The station player's status.json, as it arrived."""
    report: Mapping[str, Any] | None = None
    """The station's sync.json, as it arrived."""
    peer: PeerView | None = None


def screen_entry(
    station: Station, now: datetime, *, role: str = "station", office_running: bool = True
) -> dict[str, Any]:
    status = station.status if isinstance(station.status, Mapping) else {}
    report = station.report if isinstance(station.report, Mapping) else {}
    peer = station.peer
    times = [
        t
        for t in (
            peer.last_seen if peer else None,
            words.parse_time(status.get("updated_at")),
            words.parse_time(report.get("written_at")),
        )
        if t is not None and t <= now + timedelta(minutes=5)
    ]
    online: bool | None = None
    if role == "office":
        online = True
    elif peer is not None:
        online = peer.connected
    last_seen = now if online else (max(times) if times else None)

    raw_content = report.get("content")
    content: Mapping[str, Any] = raw_content if isinstance(raw_content, Mapping) else {}
    in_sync: bool | None
    need: int | None
    if role == "office":
        in_sync, need = True, 0
    elif peer is not None and peer.need_items is not None:
        need = peer.need_items
        in_sync = need == 0
    else:
        raw_need = content.get("need_items")
        need = raw_need if isinstance(raw_need, int) else None
        raw = content.get("in_sync")
        in_sync = raw if isinstance(raw, bool) else None
    in_sync_at = words.parse_time(content.get("in_sync_at"))
    if in_sync:
        age: int | None = 0
    elif in_sync_at is not None:
        age = max(0, round((now - in_sync_at).total_seconds()))
    else:
        age = None

    current = status.get("current")
    playing = None
    if isinstance(current, Mapping) and words.one_line(current.get("path")):
        page = current.get("page")
        playing = {
            "path": words.one_line(current.get("path")),
            "page": page if isinstance(page, int) and not isinstance(page, bool) else 0,
        }
    rotation = status.get("rotation")
    player_problems = []
    for problem in status.get("problems") or []:
        if not isinstance(problem, Mapping):
            continue
        path = words.one_line(problem.get("path"))
        line = problem.get("line")
        player_problems.append(
            {
                "path": path,
                "message": words.one_line(problem.get("message")),
                "code": words.one_line(problem.get("code")),
                "text": explain(
                    words.one_line(problem.get("code")),
                    line if isinstance(line, int) and not isinstance(line, bool) else None,
                    path,
                ),
            }
        )

    sync_problems: list[dict[str, str]] = []
    for problem in report.get("problems") or []:
        if isinstance(problem, Mapping) and words.one_line(problem.get("kind")):
            kind = words.one_line(problem.get("kind"))
            if role == "station" and online is not None and kind == "office-unreachable":
                # The office's own view of the link is newer than the report: connected, or
                # reported below as the station being unreachable.
                continue
            sync_problems.append(
                SiteProblem(
                    kind, words.one_line(problem.get("detail")), words.one_line(problem.get("path"))
                ).as_dict()
            )
    if role == "station":
        if not status and not report:
            sync_problems.insert(0, SiteProblem("no-report").as_dict())
        elif online is False and office_running:
            since = f"last seen {last_seen.isoformat(timespec='seconds')}" if last_seen else ""
            if last_seen is None or now - last_seen > OFFLINE_AFTER:
                sync_problems.insert(0, SiteProblem("station-unreachable", since).as_dict())
        updated = words.parse_time(status.get("updated_at"))
        if online and updated is not None and now - updated > SILENT_AFTER:
            sync_problems.append(
                SiteProblem("player-silent", f"status.json updated_at {updated}").as_dict()
            )
        screen = words.one_line(status.get("screen"))
        if screen and screen != station.name:
            sync_problems.append(
                SiteProblem("name-mismatch", f"site {station.name!r}, screen {screen!r}").as_dict()
            )
    return {
        "name": station.name,
        "role": role,
        "device_id": station.device_id,
        "online": online,
        "last_seen": None if last_seen is None else last_seen.isoformat(timespec="seconds"),
        "playing": playing,
        "playlist": words.one_line(status.get("playlist")) or None,
        "display": words.one_line(status.get("display")) or None,
        "rotation": len(rotation) if isinstance(rotation, list) else None,
        "content": {
            "in_sync": in_sync,
            "need_items": need,
            "in_sync_at": None if in_sync_at is None else in_sync_at.isoformat(timespec="seconds"),
            "age_s": age,
        },
        "problems": player_problems,
        "sync_problems": sync_problems,
        "status_page": str(PurePosixPath(STATIONS_DIR, station.name, STATUS_TEXT_NAME))
        if role == "station"
        else STATUS_TEXT_NAME,
    }


def summary(
    office: Station,
    stations: Sequence[Station],
    now: datetime,
    *,
    syncthing_error: str = "",
) -> dict[str, Any]:
    """全部屏幕.json: the office's own screen first, then the stations in name order."""
    office_entry = screen_entry(office, now, role="office", office_running=not syncthing_error)
    if syncthing_error:
        office_entry["sync_problems"].insert(
            0, SiteProblem("syncthing-down", syncthing_error).as_dict()
        )
    if office.status is None:
        office_entry["online"] = None  # no player here: only the office's files
    screens = [office_entry] + [
        screen_entry(s, now, office_running=not syncthing_error)
        for s in sorted(stations, key=lambda s: s.name)
    ]
    return {
        "updated_at": now.isoformat(timespec="seconds"),
        "office": office.name,
        "screens": screens,
    }


def _state(entry: Mapping[str, Any]) -> str:
    if entry.get("role") == "station" and entry.get("online") is False:
        return "离线"
    if entry.get("problems") or entry.get("sync_problems"):
        return "注意"
    return "正常"


def _content_words(entry: Mapping[str, Any], now: datetime) -> str:
    content = entry.get("content")
    content = content if isinstance(content, Mapping) else {}
    if entry.get("role") == "office":
        return "（发送内容的一端）"
    if content.get("in_sync") is True:
        return "和镇里一致"
    need = content.get("need_items")
    missing = f"差 {need} 个文件" if isinstance(need, int) and need > 0 else "不是最新"
    at = words.parse_time(content.get("in_sync_at"))
    if at is None:
        return f"{missing}（还没有完整同步过）"
    return f"{missing}，最后一次一致是 {short_time(at, now)}（{words.duration(now - at)}以前）"


def summary_text(data: Mapping[str, Any], now: datetime) -> str:
    screens = [s for s in data.get("screens") or [] if isinstance(s, Mapping)]
    office = words.one_line(data.get("office")) or "镇政府"
    out = [f"{office} 全部屏幕的状态（共 {len(screens)} 块）"]
    updated = words.parse_time(data.get("updated_at"))
    out.append(f"更新时间：{words.full_time(updated, now) if updated else '未知'}")
    out.append(
        "（本页由镇里的机器每分钟自动生成。每个站点的详细情况在 各站状态\\站点名称\\状态.txt"
        " 和 同步状态.txt。）"
    )
    out.append("")
    out.append("一览")
    for n, entry in enumerate(screens, 1):
        name = words.one_line(entry.get("name"))
        if entry.get("role") == "office":
            name += "（本机）"
        issues = len(entry.get("problems") or []) + len(entry.get("sync_problems") or [])
        note = f"，{issues} 项要注意" if issues else ""
        out.append(f"  {n}. {name}：{_state(entry)}{note}")
    out.append("")
    for n, entry in enumerate(screens, 1):
        out += _entry_lines(n, entry, now)
        out.append("")
    return "\n".join(out)


_NUMBERS = "一二三四五六七八九十"


def _heading(n: int) -> str:
    if n <= 10:
        return _NUMBERS[n - 1]
    if n < 20:
        return "十" + _NUMBERS[n - 11]
    return str(n)


def _entry_lines(n: int, entry: Mapping[str, Any], now: datetime) -> list[str]:
    name = words.one_line(entry.get("name"))
    office = entry.get("role") == "office"
    out = [f"{_heading(n)}、{name}{'（本机）' if office else ''}"]
    seen = words.parse_time(entry.get("last_seen"))
    if office:
        pass
    elif entry.get("online") is True:
        out.append("  连接：在线")
    elif seen is not None:
        ago = words.duration(now - seen)
        out.append(f"  连接：离线，最后联系 {short_time(seen, now)}（{ago}以前）")
    else:
        out.append("  连接：还没有联系上过")
    out.append(f"  内容：{_content_words(entry, now)}")
    playing = entry.get("playing")
    if entry.get("display") == "off":
        out.append("  屏幕：关屏时段")
    elif isinstance(playing, Mapping):
        page = playing.get("page")
        where = f"（第 {page + 1} 页）" if isinstance(page, int) else ""
        label = "断线前在播放" if entry.get("online") is False else "正在播放"
        out.append(f"  {label}：{words.show_path(str(playing.get('path')))}{where}")
    elif office and entry.get("online") is None:
        out.append("  这台机器没有运行播放器（或者还没有写出状态）。")
    else:
        out.append("  正在播放：没有文件（屏幕显示单位名称和时间），或者还不知道")
    rotation = entry.get("rotation")
    if isinstance(rotation, int):
        out.append(f"  轮流播放的文件：{rotation} 个")
    problems = [p for p in entry.get("problems") or [] if isinstance(p, Mapping)]
    if problems:
        where = words.show_path(str(entry.get("status_page") or STATUS_TEXT_NAME))
        out.append(f"  没有显示的文件：{len(problems)} 个（详见 {where}）")
        for problem in problems[:10]:
            path = words.show_path(str(problem.get("path") or "")) or "（共享文件夹本身）"
            out.append(f"    - {path}：{words.one_line(problem.get('text'))}")
        if len(problems) > 10:
            out.append(f"    ……还有 {len(problems) - 10} 个")
    sync_problems = [p for p in entry.get("sync_problems") or [] if isinstance(p, Mapping)]
    if sync_problems:
        out.append(f"  同步方面要注意的（{len(sync_problems)} 项）：")
        for k, problem in enumerate(sync_problems, 1):
            out += ["  " + line for line in problem_lines(k, problem)]
    return out
