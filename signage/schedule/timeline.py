"""What plays when between two moments (`signage plan --from A --to B`).

Walks from one `next_change` to the next, planning at each, and merges neighbouring spans
that play the same thing, so the result is one segment per real change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from signage.core.config import Settings
from signage.core.model import Playlist, Problem, Slide
from signage.schedule.calendar import WorkCalendar
from signage.schedule.planner import make_plan, next_change

MAX_STEPS = 20_000
"""Plans evaluated at most; a year of hourly changes fits, a runaway walk stops."""


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    """Exclusive: the moment the next segment starts."""
    playlist: str | None
    items: tuple[str, ...]
    """Slide paths in play order."""
    display: Literal["on", "off"] = "on"
    urgent: bool = False

    def same_show(self, other: Segment) -> bool:
        return (self.playlist, self.items, self.display, self.urgent) == (
            other.playlist,
            other.items,
            other.display,
            other.urgent,
        )


def timeline(
    slides: Mapping[str, Slide],
    problems: Sequence[Problem],
    playlists: Mapping[str, Playlist],
    settings: Settings,
    calendar: WorkCalendar,
    start: datetime,
    end: datetime,
    step: timedelta | None = None,
) -> list[Segment]:
    """Segments covering [start, end). `step`, if given, is the longest stride between two
    plans: a safety net for changes `next_change` does not foresee."""
    segments: list[Segment] = []
    moment = start
    for _ in range(MAX_STEPS):
        if moment >= end:
            break
        plan = make_plan(slides, problems, playlists, settings, moment, calendar)
        upcoming = next_change(slides, playlists, settings, moment)
        stop = end if upcoming is None else min(upcoming, end)
        if step is not None:
            stop = min(stop, moment + step)
        if stop <= moment:  # cannot happen with a sane next_change; never loop in place
            stop = moment + timedelta(seconds=1)
        segment = Segment(
            start=moment,
            end=stop,
            playlist=plan.playlist,
            items=tuple(item.slide.path for item in plan.items),
            display=plan.display,
            urgent=plan.urgent,
        )
        if segments and segments[-1].same_show(segment):
            segments[-1] = replace(segments[-1], end=stop)
        else:
            segments.append(segment)
        moment = stop
    return segments


_WEEKDAYS = "一二三四五六日"


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d} 周{_WEEKDAYS[moment.weekday()]} {moment:%H:%M:%S}"


def format_timeline(segments: Sequence[Segment]) -> str:
    """Readable text for the administrator: one heading line per segment (its times, then
    what decides it, in Chinese), then its slides indented."""
    lines: list[str] = []
    for seg in segments:
        if seg.urgent:
            what = "紧急通知（代替所有播放列表）"
        elif seg.playlist is not None:
            what = f"播放列表 {seg.playlist}"
        elif seg.items:
            what = "没有播放列表：全部文件按文件名顺序"
        else:
            what = "没有在播放时间内的播放列表：只显示单位名称和时间"
        display = "" if seg.display == "on" else "  〔关屏〕"
        lines.append(f"{_when(seg.start)} 至 {_when(seg.end)}  {what}{display}")
        lines.extend(f"    {path}" for path in seg.items)
    return "\n".join(lines) + ("\n" if lines else "")
