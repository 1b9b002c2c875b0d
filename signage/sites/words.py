"""What the sites' pages say: plain Chinese for staff, a technical line for the administrator.

Site problems are about synchronisation, not about a file the player reads, so they have
their own vocabulary (`kind`), apart from the player's problem codes (appliance.statuspage);
tests/test_sites.py checks that every kind the package writes has a sentence here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

SITE_REASONS: Mapping[str, str] = {
    "syncthing-down": "本机的同步程序（Syncthing）没有运行，收发不了内容和状态。屏幕照常播放"
    "已有的内容。请管理员运行 sudo systemctl restart syncthing@signage。",
    "office-unreachable": "现在连不上镇里的机器（网络断了，或者镇里的机器关着）。屏幕照常播放"
    "已有的内容；网络恢复后会自动补上，不用处理。",
    "station-unreachable": "现在连不上这个站点（网络断了，或者站点的机器关着）。站点屏幕会照常"
    "播放已有的内容；网络恢复后会自动补上。如果好几天都这样，请联系站点。",
    "behind": "还有文件没有从镇里收到（正在传，或者在等网络）。收到之前屏幕播放旧的内容。",
    "pull-errors": "有文件从镇里收不下来（可能是磁盘满了或者权限不对）。请管理员查看"
    "（signage sites show）。",
    "conflict-copy": "本站改过镇里发来的这个文件，镇里后来又发来了新版本：屏幕播放镇里的新版本，"
    "本站改过的那份另存成了这个“冲突副本”（不会上屏）。确认不需要后请删掉它；"
    "要给本站单独加内容，请放进 slides\\本站 文件夹。",
    "local-changes": "本站有文件和镇里发来的不一样（在本站加过、改过或删过，而不是放在"
    "“本站”文件夹里）。这些改动不会传回镇里，镇里再改同名文件时会被替换。要恢复成和镇里"
    "一样，请管理员运行 signage sites revert。",
    "name-mismatch": "站点名称和这台播放机的屏幕名称（screen）不一样，播放列表里的 screens: "
    "要写屏幕名称才对这块屏幕起作用。请管理员把两者改成一样。",
    "no-report": "还没有收到这个站点传回的状态（刚加上，或者一直没有连上）。",
    "player-silent": "站点的播放器很久没有更新状态，可能没有在运行。请联系站点看一下屏幕。",
}

_WEEKDAYS = "一二三四五六日"
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def reason(kind: str) -> str:
    return SITE_REASONS.get(kind, "同步出了问题（原因见技术说明）。")


def one_line(value: Any) -> str:
    """A value from a file a station sent, as one printable line (no forged lines)."""
    if value is None:
        return ""
    return _CONTROL.sub(" ", str(value)).strip()


def show_path(path: str) -> str:
    """As staff see it in Explorer."""
    return one_line(path).replace("/", "\\")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def full_time(moment: datetime, now: datetime) -> str:
    m = moment.astimezone(now.tzinfo) if now.tzinfo else moment
    return f"{m.year}年{m.month}月{m.day}日 星期{_WEEKDAYS[m.weekday()]} {m:%H:%M:%S}"


def duration(delta: timedelta) -> str:
    """How long, in the unit a person would say: 刚刚, 5 分钟, 3 小时, 2 天."""
    seconds = max(0.0, delta.total_seconds())
    if seconds < 90:
        return "不到 2 分钟"
    if seconds < 3600 * 2:
        return f"{round(seconds / 60)} 分钟"
    if seconds < 86400 * 2:
        return f"{round(seconds / 3600)} 小时"
    return f"{round(seconds / 86400)} 天"
