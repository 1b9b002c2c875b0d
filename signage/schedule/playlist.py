"""Reading `playlists/*.yaml`: every problem found, each with its line and the bad value.

The file is walked as YAML nodes (not as the loaded dict) so that each problem can name the
line it is on, duplicate keys are caught instead of silently keeping the last one, and
values that YAML 1.1 would turn into numbers (`18:00` is 1080 to PyYAML) are read from the
text that was written.

A playlist with any problem is refused as a whole: the caller keeps playing the last good
version (DESIGN.md), so a half-understood edit never changes what is on screen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from signage.core.clock import parse_when
from signage.core.model import ContentError, Fit, Playlist, PlaylistItem, Problem, TimeWindow
from signage.core.paths import read_bytes_limited, resolve_inside
from signage.core.yamlsafe import (
    YamlError,
    compose_yaml_text,
    forgive_full_width_colons,
    node_line,
    node_value,
    yaml_text,
)

MAX_PLAYLIST_BYTES = 1_000_000
MAX_ITEMS = 2000
"""More items than any lobby needs; a cap keeps a pasted or generated file from costing time."""
MAX_SECONDS = 3600.0

TOP_KEYS = ("name", "priority", "screens", "when", "items")
WHEN_KEYS = ("days", "hours", "dates")
ITEM_KEYS = ("slides", "duration", "fit", "show_from", "show_until", "pages_per_turn")

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    alias: short
    for i, short in enumerate(WEEKDAYS)
    for alias in (
        short,
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[i],
        "周" + "一二三四五六日"[i],
        "星期" + "一二三四五六日"[i],
    )
} | {"周天": "sun", "星期天": "sun"}
_DAY_KINDS = {
    "workdays": "workdays",
    "workday": "workdays",
    "工作日": "workdays",
    "holidays": "holidays",
    "holiday": "holidays",
    "休息日": "holidays",
    "节假日": "holidays",
    "everyday": "everyday",
    "every day": "everyday",
    "daily": "everyday",
    "每天": "everyday",
}

_HOURS_RE = re.compile(
    r"^\s*(\d{1,2})[:：](\d{2})\s*(?:-|–|—|~|～|至|到)\s*(\d{1,2})[:：](\d{2})\s*$"
)
_DATE_RANGE_RE = re.compile(r"\s*(?:\.\.|…|～|~|至)\s*")
_DATE_ONLY_RE = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}$")


PLAYLIST_SUFFIXES = (".yaml", ".yml", ".yaml.txt", ".yml.txt")
"""Names a file in playlists/ may have. Notepad adds .txt unless the type is changed to 所有文件,
and Windows hides it: `工作日.yaml.txt` shows as 工作日.yaml, and is read as what it is. Other
files there (notes.txt) are not playlists."""


def is_playlist_name(name: str) -> bool:
    return name.lower().endswith(PLAYLIST_SUFFIXES)


def playlist_stem(rel: str) -> str:
    """'playlists/工作日.yaml.txt' -> '工作日'."""
    name = PurePosixPath(rel).name
    for suffix in sorted(PLAYLIST_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return PurePosixPath(rel).stem


# --- small parsers, shared with the display windows of signage.yaml ---------------------------


def parse_days(value: Any) -> str | tuple[str, ...]:
    """`workdays`, `holidays`, `everyday` or weekday names (a list, or one name, or "mon, tue").

    Returns the canonical kind or a tuple of "mon" … "sun"; ValueError quoting the input.
    """
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _DAY_KINDS:
            return _DAY_KINDS[key]
        names: list[Any] = [p for p in re.split(r"[,，、\s]+", key) if p]
    elif isinstance(value, list | tuple):
        names = list(value)
    else:
        raise ValueError(
            f"days {value!r} should be workdays, holidays, everyday or a list like [mon, tue]"
        )
    if not names:
        raise ValueError("days is an empty list: name at least one day")
    out: list[str] = []
    for name in names:
        short = _DAY_NAMES.get(str(name).strip().lower()) if isinstance(name, str) else None
        if short is None:
            raise ValueError(
                f"day {name!r} is not one of mon, tue, wed, thu, fri, sat, sun"
                " (or workdays, holidays, everyday)"
            )
        if short not in out:
            out.append(short)
    return tuple(sorted(out, key=WEEKDAYS.index))


def parse_hours(text: str) -> tuple[int, int]:
    """'08:00-18:00' -> (480, 1080) minutes of the day; the end may be 24:00 or before the
    start (the range then runs past midnight). ValueError quoting the input."""
    m = _HOURS_RE.match(str(text))
    if not m:
        raise ValueError(f'hours {text!r} is not a range like "08:00-18:00"')
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise ValueError(f"hours {text!r} has a time that does not exist")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ValueError(
            f"hours {text!r} starts and ends at the same time; leave hours out for all day"
        )
    return start, end


def parse_date_range(text: str, tz: tzinfo | None) -> tuple[datetime, datetime]:
    """'2026-12-01..2026-12-31' (or one date) -> (start of first day, end of last day)."""
    raw = str(text).strip()
    parts = _DATE_RANGE_RE.split(raw)
    if len(parts) == 1:
        parts = [raw, raw]
    if len(parts) != 2 or not all(_DATE_ONLY_RE.match(p.strip()) for p in parts):
        raise ValueError(
            f"dates {raw!r} should be a date or a range of dates like 2026-12-01..2026-12-31"
        )
    first = parse_when(_pad_date(parts[0]), tz)
    last = parse_when(_pad_date(parts[1]), tz, end_of_day=True)
    if last < first:
        raise ValueError(f"dates {raw!r} ends before it starts")
    return first, last


def _pad_date(text: str) -> str:
    y, m, d = re.split(r"[-/]", text.strip())
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def check_slides_path(text: str) -> str:
    """An item's path under slides/, normalised; ValueError for paths that could leave it."""
    raw = str(text).strip()
    if not raw:
        raise ValueError("slides is empty: name a file, a folder or a pattern under slides/")
    if "\x00" in raw:
        raise ValueError(f"slides {raw!r} contains a NUL character")
    value = raw.replace("\\", "/")
    if value.startswith("/") or re.match(r"^[A-Za-z]:", value) or value.startswith("~"):
        raise ValueError(f"slides {raw!r} is an absolute path; name a path under the slides folder")
    if ".." in PurePosixPath(value).parts:
        raise ValueError(f"slides {raw!r} goes outside the slides folder ('..' is not allowed)")
    trailing = "/" if value.endswith("/") else ""
    parts = [p for p in value.split("/") if p not in ("", ".")]
    if not parts:
        return ""
    return "/".join(parts) + trailing


# --- the file ----------------------------------------------------------------------------------


class _Check:
    """Collects problems for one file."""

    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.problems: list[Problem] = []

    def add(self, message: str, node: yaml.Node | None, code: str) -> None:
        line = node_line(node) if node is not None else None
        self.problems.append(Problem(self.rel, message, line, code))

    def mapping(
        self, node: yaml.Node, allowed: tuple[str, ...], where: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Key -> (key node, value node); unknown and repeated keys become problems."""
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        assert isinstance(node, yaml.MappingNode)
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.add(f"{where}: a key should be a plain word", key_node, "unknown-key")
                continue
            key = key.strip()
            if key not in allowed:
                self.add(
                    f"{where}: unknown key {key!r} (known: {', '.join(allowed)})",
                    key_node,
                    "unknown-key",
                )
                continue
            if key in out:
                self.add(f"{where}: {key!r} is given twice", key_node, "duplicate-key")
                continue
            out[key] = (key_node, value_node)
        return out


def _scalar_text(node: yaml.Node) -> str | None:
    """The text as written for a scalar (18:00 stays "18:00"); None for null or a collection."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return str(node.value)


def _show(node: yaml.Node) -> str:
    """A short quotation of a bad value for a message."""
    if isinstance(node, yaml.ScalarNode):
        text = str(node.value)
        return repr(text if len(text) <= 60 else text[:57] + "...")
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "a mapping"


def check_playlist(rel: str, text: str, tz: tzinfo | None) -> tuple[Playlist | None, list[Problem]]:
    """Parse a playlist; (playlist, []) when it is good, (None, every problem) when not."""
    check = _Check(rel)
    try:
        root = compose_yaml_text(forgive_full_width_colons(text))
    except YamlError as err:
        return None, [Problem(rel, err.message, err.line, err.code)]
    if root is None:
        return None, [Problem(rel, "the playlist is empty", None, "empty-file")]
    if not isinstance(root, yaml.MappingNode):
        check.add(
            "a playlist should be a mapping with items: (and optionally name, priority,"
            " screens, when)",
            root,
            "not-a-mapping",
        )
        return None, check.problems
    keys = check.mapping(root, TOP_KEYS, "playlist")
    stem = playlist_stem(rel)

    name = stem
    if "name" in keys:
        text_value = _scalar_text(keys["name"][1])
        if text_value is None or not text_value.strip():
            check.add(
                f"name should be text, not {_show(keys['name'][1])}", keys["name"][1], "bad-name"
            )
        else:
            name = text_value.strip()[:80]

    priority = 0
    if "priority" in keys:
        node = keys["priority"][1]
        value = node_value(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, int) or not -1000 <= value <= 1000:
            check.add(
                f"priority {_show(node)} should be a whole number from -1000 to 1000",
                node,
                "bad-priority",
            )
        else:
            priority = value

    screens: tuple[str, ...] = ()
    if "screens" in keys:
        screens = _screens(check, keys["screens"][1])

    when: TimeWindow | None = None
    if "when" in keys:
        when = _when(check, keys["when"][1], tz)

    items: tuple[PlaylistItem, ...] = ()
    if "items" not in keys:
        check.add("the playlist has no items: list the slides to play", root, "no-items")
    else:
        items = _items(check, keys["items"][1], tz)

    if check.problems:
        return None, sorted(check.problems, key=lambda p: p.line or 0)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    playlist = Playlist(
        path=rel,
        name=name,
        items=items,
        priority=priority,
        screens=screens,
        when=when,
        digest=digest,
    )
    return playlist, []


def parse_playlist(rel: str, text: str, tz: tzinfo | None) -> Playlist:
    """Like `check_playlist`, but raises ContentError (the first problem, with its line)."""
    playlist, problems = check_playlist(rel, text, tz)
    if playlist is None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ContentError(first.message + more, first.line, first.code)
    return playlist


def check_playlist_bytes(
    rel: str, data: bytes, tz: tzinfo | None
) -> tuple[Playlist | None, list[Problem]]:
    """`check_playlist` for a file's bytes; the digest is then the SHA-256 of the bytes."""
    text = yaml_text(data)
    if text is None:
        message = "the file is not text (neither UTF-8, UTF-16 nor GBK)"
        return None, [Problem(rel, message, None, "not-text")]
    playlist, problems = check_playlist(rel, text, tz)
    if playlist is not None:
        playlist = dataclasses.replace(playlist, digest=hashlib.sha256(data).hexdigest())
    return playlist, problems


def read_playlist(root: Path, rel: str, tz: tzinfo | None) -> tuple[Playlist | None, list[Problem]]:
    """Read `root/rel` (e.g. "playlists/lobby.yaml") and check it; never raises for bad input."""
    try:
        data = read_bytes_limited(resolve_inside(root, rel), MAX_PLAYLIST_BYTES, real=True)
    except ContentError as err:
        code = err.code or ("outside-root" if "outside" in err.message else "unreadable")
        return None, [Problem(rel, err.message, err.line, code)]
    return check_playlist_bytes(rel, data, tz)


def load_playlists(
    files: Mapping[str, bytes],
    tz: tzinfo | None,
    previous: Mapping[str, Playlist] | None = None,
) -> tuple[dict[str, Playlist], list[Problem]]:
    """Every playlist file (path -> bytes) checked; what the planner should use, and problems.

    A file that is refused keeps its last good version from `previous`, so an invalid edit
    never changes the screen (DESIGN.md); a file that is gone is dropped. A file whose bytes
    are unchanged (same digest as in `previous`) is not parsed again.
    """
    previous = previous or {}
    good: dict[str, Playlist] = {}
    problems: list[Problem] = []
    for rel, data in files.items():
        before = previous.get(rel)
        if before is not None and before.digest == hashlib.sha256(data).hexdigest():
            good[rel] = before
            continue
        playlist, found = check_playlist_bytes(rel, data, tz)
        problems += found
        if playlist is not None:
            good[rel] = playlist
        elif before is not None:
            good[rel] = before
    return good, problems


def _screens(check: _Check, node: yaml.Node) -> tuple[str, ...]:
    nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
    out: list[str] = []
    for item in nodes:
        text = _scalar_text(item)
        if text is None or not text.strip():
            check.add(f"screens: {_show(item)} is not a screen name", item, "bad-screens")
        else:
            out.append(text.strip())
    if not nodes:
        check.add("screens is empty: leave it out to play on every screen", node, "bad-screens")
    return tuple(out)


def _when(check: _Check, node: yaml.Node, tz: tzinfo | None) -> TimeWindow | None:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return None
    if not isinstance(node, yaml.MappingNode):
        check.add(f"when {_show(node)} should be a mapping of days, hours, dates", node, "bad-when")
        return None
    keys = check.mapping(node, WHEN_KEYS, "when")
    days: str | tuple[str, ...] = "everyday"
    if "days" in keys:
        days_node = keys["days"][1]
        try:
            if isinstance(days_node, yaml.SequenceNode):
                raw: Any = [
                    _scalar_text(n) if isinstance(n, yaml.ScalarNode) else None
                    for n in days_node.value
                ]
            else:
                raw = _scalar_text(days_node)
            days = parse_days(raw)
        except ValueError as err:
            check.add(str(err), days_node, "bad-days")
    hours: list[tuple[int, int]] = []
    if "hours" in keys:
        hours_node = keys["hours"][1]
        for item in _list_nodes(hours_node):
            text = _scalar_text(item)
            try:
                if text is None:
                    raise ValueError(f'hours {_show(item)} is not a range like "08:00-18:00"')
                hours.append(parse_hours(text))
            except ValueError as err:
                check.add(str(err), item, "bad-hours")
    dates: list[tuple[datetime, datetime]] = []
    if "dates" in keys:
        for item in _list_nodes(keys["dates"][1]):
            text = _scalar_text(item)
            try:
                if text is None:
                    raise ValueError(f"dates {_show(item)} should be a date range")
                dates.append(parse_date_range(text, tz))
            except ValueError as err:
                check.add(str(err), item, "bad-dates")
    return TimeWindow(days=days, hours=tuple(hours), dates=tuple(dates))


def _list_nodes(node: yaml.Node) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else [node]


def _items(check: _Check, node: yaml.Node, tz: tzinfo | None) -> tuple[PlaylistItem, ...]:
    if not isinstance(node, yaml.SequenceNode):
        check.add("items should be a list (each line starting with '- ')", node, "bad-items")
        return ()
    if not node.value:
        check.add("items is empty: list the slides to play", node, "no-items")
        return ()
    if len(node.value) > MAX_ITEMS:
        check.add(f"too many items ({len(node.value)}; at most {MAX_ITEMS})", node, "bad-items")
        return ()
    out: list[PlaylistItem] = []
    for entry in node.value:
        item = _item(check, entry, tz)
        if item is not None:
            out.append(item)
    return tuple(out)


def _item(check: _Check, node: yaml.Node, tz: tzinfo | None) -> PlaylistItem | None:
    line = node_line(node)
    if isinstance(node, yaml.ScalarNode):
        return _item_path(check, node, line)
    if not isinstance(node, yaml.MappingNode):
        check.add("an item should be a path or a mapping with slides:", node, "bad-item")
        return None
    keys = check.mapping(node, ITEM_KEYS, "item")
    ok = True
    if "slides" not in keys:
        check.add("item has no slides: name a file, folder or pattern", node, "missing-slides")
        ok = False
        path_item = None
    else:
        path_item = _item_path(check, keys["slides"][1], line)
        ok = path_item is not None

    duration: float | None = None
    if "duration" in keys:
        d_node = keys["duration"][1]
        value = node_value(d_node) if isinstance(d_node, yaml.ScalarNode) else None
        if isinstance(value, str) and value.strip().lower() in ("auto", "自动"):
            duration = None
        elif (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 1 <= value <= MAX_SECONDS
        ):
            check.add(
                f"duration {_show(d_node)} should be seconds from 1 to {MAX_SECONDS:.0f}, or auto",
                d_node,
                "bad-duration",
            )
            ok = False
        else:
            duration = float(value)

    fit: Fit | None = None
    if "fit" in keys:
        f_node = keys["fit"][1]
        text = (_scalar_text(f_node) or "").strip().lower()
        if text == "contain":
            fit = "contain"
        elif text == "cover":
            fit = "cover"
        else:
            check.add(f"fit {_show(f_node)} should be contain or cover", f_node, "bad-fit")
            ok = False

    pages_per_turn: int | None = None
    if "pages_per_turn" in keys:
        p_node = keys["pages_per_turn"][1]
        value = node_value(p_node)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1000:
            pages_per_turn = value
        else:
            check.add(
                f"pages_per_turn {_show(p_node)} should be a whole number of pages (0: all)",
                p_node,
                "bad-value",
            )
            ok = False

    show_from = _moment(check, keys.get("show_from"), tz, end_of_day=False)
    show_until = _moment(check, keys.get("show_until"), tz, end_of_day=True)
    if ("show_from" in keys and show_from is None) or ("show_until" in keys and show_until is None):
        ok = False
    if show_from and show_until and show_until < show_from:
        check.add(
            f"show_until {_show(keys['show_until'][1])} is before show_from"
            f" {_show(keys['show_from'][1])}",
            keys["show_until"][1],
            "date-order",
        )
        ok = False
    if not ok or path_item is None:
        return None
    return PlaylistItem(
        slides=path_item.slides,
        duration=duration,
        fit=fit,
        show_from=show_from,
        show_until=show_until,
        line=line,
        pages_per_turn=pages_per_turn,
    )


def _item_path(check: _Check, node: yaml.Node, line: int) -> PlaylistItem | None:
    text = _scalar_text(node)
    if text is None:
        check.add(f"slides {_show(node)} should be a path under slides/", node, "bad-item")
        return None
    try:
        path = check_slides_path(text)
    except ValueError as err:
        code = "outside-root" if ("absolute" in str(err) or ".." in str(err)) else "bad-item"
        check.add(str(err), node, code)
        return None
    return PlaylistItem(slides=path, line=line)


def _moment(
    check: _Check,
    pair: tuple[yaml.Node, yaml.Node] | None,
    tz: tzinfo | None,
    *,
    end_of_day: bool,
) -> datetime | None:
    if pair is None:
        return None
    key_node, node = pair
    text = _scalar_text(node)
    try:
        if text is None:
            raise ValueError(f"{_show(node)} is not a date like 2026-12-01 or 2026-12-01 09:00")
        return parse_when(text, tz, end_of_day=end_of_day)
    except ValueError as err:
        check.add(f"{key_node.value}: {err}", node, "bad-date")
        return None
