"""What plays now: from slides, playlists, settings and a moment to a `Plan`.

Rules, in order:
1. A valid urgent slide (any file under a folder named 紧急, 紧急通知 or urgent, or a text
   with `urgent: true`) preempts everything, on every screen: the plan is the urgent slides
   alone, in name order. The playlist they interrupt is named in `Plan.playlists`.
2. Playlists whose `screens` do not name this screen are not considered here. If none is
   left, every slide in slides/ plays in name order, so a fresh folder is never dark.
3. Among the active playlists the highest `priority` wins. On a tie a playlist with `when`
   beats one without (an always-on playlist is the fallback: staff who write a timed
   playlist and leave out `priority` expect it to play in its hours), then the file whose
   name sorts first (natural order, "2.yaml" before "10.yaml"), and a note says so.
   Playlists exist but none is active: no items (the player shows the name and clock).
4. A slide plays when its own show_from/show_until and its item's both hold; a meeting
   from the start of the day `meeting_lead_days` before it starts until its end (a
   meeting without an end leaves at the end of its day).
5. Every slide that does not play is listed in `left_out` with one reason.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta
from pathlib import PurePosixPath
from typing import Any, Literal

from signage.core.config import Settings
from signage.core.model import Meeting, Plan, PlannedItem, Playlist, PlaylistItem, Problem, Slide
from signage.core.paths import SLIDES_DIR, natural_key
from signage.schedule.calendar import WorkCalendar
from signage.schedule.windows import (
    AFTER,
    as_local,
    clock_problem,
    clock_trusted,
    has_time_conditions,
    next_boundary,
    parse_display_windows,
    slide_valid,
    validity_edges,
    window_active,
)

URGENT_FOLDERS = frozenset({"urgent", "紧急", "紧急通知"})
"""A file anywhere below a folder of one of these names is urgent, whatever its type
(`urgent/` from the first installs, the Chinese names from 使用说明.txt)."""

UNTRUSTED_RECHECK = timedelta(seconds=60)
"""With the clock not set, look again soon: it is usually corrected by NTP after boot."""
_GLOB_CHARS = re.compile(r"[*?\[]")


def path_key(path: str) -> tuple[tuple[tuple[int, int | str], ...], ...]:
    """Name order of a path, folder by folder ("slides/2/x" before "slides/10/a")."""
    return tuple(natural_key(part) for part in path.split("/"))


def _fmt(moment: datetime) -> str:
    if moment.time() == time(0):
        return f"{moment:%Y-%m-%d}"
    if moment.time() >= time(23, 59, 59):
        return f"{moment:%Y-%m-%d}"
    if moment.second:
        return f"{moment:%Y-%m-%d %H:%M:%S}"
    return f"{moment:%Y-%m-%d %H:%M}"


def meeting_period(meeting: Meeting, lead_days: int) -> tuple[datetime, datetime]:
    """(first moment shown, last moment shown) for a meeting announcement."""
    start = meeting.start
    end = meeting.end
    if end is not None and (end.tzinfo is None) != (start.tzinfo is None):
        end = end.replace(tzinfo=start.tzinfo)  # a reader mixing naive and aware: one zone
    appear = datetime.combine(
        start.date() - timedelta(days=max(0, lead_days)), time(0), tzinfo=start.tzinfo
    )
    if end is not None and end > start:
        leave = end - AFTER
    else:
        leave = datetime.combine(start.date(), time.max, tzinfo=start.tzinfo)
    return appear, leave


def why_not_now(
    slide: Slide,
    item: PlaylistItem | None,
    now: datetime,
    settings: Settings,
) -> str | None:
    """Why a slide may not play at `now` (its or its item's dates, a meeting's period), or None."""
    trusted = clock_trusted(now)
    checks: list[tuple[str, datetime | None, datetime | None]] = [
        ("", slide.show_from, slide.show_until)
    ]
    if item is not None:
        checks.append((f" (playlist item, line {item.line})", item.show_from, item.show_until))
    for where, show_from, show_until in checks:
        if not trusted and (show_from or show_until):
            return "the clock is not set and this slide has dates"
        if show_from is not None and not slide_valid(show_from, None, now):
            return f"show_from {_fmt(show_from)} not reached{where}"
        if show_until is not None and not slide_valid(None, show_until, now):
            if not where and isinstance(slide.body, Meeting):
                # A meeting's own show_until is its end: to staff, the meeting is over.
                return f"meeting of {_fmt(slide.body.start)} is over"
            return f"show_until {_fmt(show_until)} passed{where}"
    if isinstance(slide.body, Meeting):
        if not trusted:
            return "the clock is not set and this is a dated meeting"
        appear, leave = meeting_period(slide.body, settings.meeting_lead_days)
        appear, leave = as_local(appear, now), as_local(leave, now)
        if now < appear:
            return f"meeting on {_fmt(slide.body.start)}: shown from {_fmt(appear)}"
        if now > leave:
            return f"meeting of {_fmt(slide.body.start)} is over"
    return None


_STAR = "[^/]*"
_STARS = {"*": ("[^/]*", "[^/]*?"), "**": (".*", ".*?"), "**/": ("(?:.*/)?", "(?:.*?/)??")}
"""Each wildcard: (its pattern, its lazy pattern)."""


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob under slides/: `*` and `?` stay within one folder, `**` crosses folders.

    Compiled as fnmatch does, so that matching stays linear in the name: a wildcard followed
    by another takes the least it can, with the run after it, as one atomic group never tried
    again (where the next wildcard can take up whatever a longer match would have). A naive
    regex backtracks exponentially on `*a*a*a*a*a*a*a*b` against a long name: the player
    froze for minutes on such a playlist item."""
    pieces: list[tuple[str, str]] = []  # ("*" | "**" | "**/" | "", regex)
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            pieces.append(("**/", ""))
            i += 3
            continue
        if pattern.startswith("**", i):
            pieces.append(("**", ""))
            i += 2
            continue
        if c == "*":
            pieces.append(("*", ""))
        elif c == "?":
            pieces.append(("", "[^/]"))
        elif c == "[":
            close = pattern.find("]", i + 2)
            if close == -1:
                pieces.append(("", re.escape(c)))
            else:
                body = pattern[i + 1 : close]
                if body.startswith("!"):
                    body = "^" + body[1:]
                pieces.append(("", "[" + body.replace("\\", "\\\\") + "]"))
                i = close + 1
                continue
        else:
            pieces.append(("", re.escape(c)))
        i += 1
    stars = [n for n, (star, _) in enumerate(pieces) if star]
    out: list[str] = []
    n = 0
    while n < len(pieces):
        star, text = pieces[n]
        if not star:
            out.append(text)
            n += 1
            continue
        following = [p for p in stars if p > n]
        run_end = following[0] if following else len(pieces)
        run = "".join(text for _, text in pieces[n + 1 : run_end])
        after = pieces[run_end][0] if following else ""
        # The earliest end is enough when the next wildcard can take whatever a later end
        # would have skipped: `**` takes anything; `*` after `*` takes a run without "/".
        literal = "".join(text for _, text in pieces[n + 1 : run_end])
        safe = after == "**" or (star == after == "*" and "/" not in literal)
        if following and safe:
            out.append(f"(?>{_STARS[star][1]}{run})")
        else:
            out.append(_STARS[star][0] + run)
        n = run_end
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def expand_item(pattern: str, paths: Sequence[str]) -> list[str]:
    """Root-relative slide paths an item names: a file, a folder (all below it) or a glob.

    `paths` are root-relative ("slides/a.txt"); the result keeps their order. A name that
    differs only in letter case still matches (the share may be a Windows folder).
    """
    prefix = SLIDES_DIR + "/"
    under = [p for p in paths if p.startswith(prefix)]
    candidates = [pattern]
    if pattern.startswith(prefix):
        candidates.append(pattern[len(prefix) :])  # staff often write the slides/ part too
    for candidate in candidates:
        found = _expand_one(candidate, under, prefix)
        if found:
            return found
    return []


def _expand_one(pattern: str, under: list[str], prefix: str) -> list[str]:
    if _GLOB_CHARS.search(pattern):
        regex = _glob_regex(unicodedata.normalize("NFC", pattern.rstrip("/")))
        return [p for p in under if regex.fullmatch(unicodedata.normalize("NFC", p[len(prefix) :]))]
    folder = pattern.rstrip("/")
    if not folder:
        return list(under)
    full = prefix + folder
    if full in under and not pattern.endswith("/"):
        return [full]
    inside = [p for p in under if p.startswith(full + "/")]
    if inside:
        return inside
    loose = _loose(full)
    exact = [p for p in under if _loose(p) == loose]
    if exact and not pattern.endswith("/"):
        return exact[:1]
    return [p for p in under if _loose(p).startswith(loose + "/")]


def _loose(path: str) -> str:
    """A name as Windows would find it: any letter case, and é typed as one character or as
    e and an accent (a Mac saves the second, a playlist typed on Windows the first)."""
    return unicodedata.normalize("NFC", path).casefold()


def _for_screen(playlist: Playlist, screen: str) -> bool:
    return not playlist.screens or screen in playlist.screens


def _active(playlist: Playlist, now: datetime, calendar: WorkCalendar) -> bool:
    if not clock_trusted(now):
        return not has_time_conditions(playlist.when)
    return window_active(playlist.when, now, calendar)


def _file_name(path: str) -> str:
    return PurePosixPath(path).name


def in_urgent_folder(path: str) -> bool:
    """Whether a root-relative slide path lies below an urgent folder (any depth)."""
    return any(part.lower() in URGENT_FOLDERS for part in path.split("/")[1:-1])


def _with_urgent_folders(slides: Mapping[str, Slide]) -> Mapping[str, Slide]:
    """The slides, those in an urgent folder marked urgent: the readers decide `urgent` for
    text only, and a photo or a Word file dropped into 紧急 is just as urgent."""
    marked = {p for p, s in slides.items() if not s.urgent and in_urgent_folder(p)}
    if not marked:
        return slides
    return {p: dataclasses.replace(s, urgent=True) if p in marked else s for p, s in slides.items()}


def _folders_under_slides(paths: Sequence[str], limit: int = 12) -> list[str]:
    """The first-level folders of slides/, in name order: what a mistyped item could mean."""
    prefix = SLIDES_DIR + "/"
    found: list[str] = []
    for path in paths:
        if path.startswith(prefix) and "/" in path[len(prefix) :]:
            name = path[len(prefix) :].split("/", 1)[0]
            if name not in found:
                found.append(name)
    return sorted(found, key=natural_key)[:limit]


def missing_items(
    playlists: Iterable[Playlist],
    paths: Sequence[str],
    problems: Iterable[Problem] = (),
    expand: Callable[[str], list[str]] | None = None,
    is_folder: Callable[[str], bool] | None = None,
) -> list[Problem]:
    """A problem for each playlist item that names nothing under slides/ (for `check` and
    the status page). An item naming a file that is itself refused (in `problems`) is not
    reported twice, nor one naming a folder that is there but empty (no meeting this week is
    no mistake): `is_folder` answers for an item's text whether slides/ has that folder."""
    refused = {p.path for p in problems}
    folders: list[str] | None = None
    out = []
    for playlist in playlists:
        for item in playlist.items:
            matched = expand(item.slides) if expand else expand_item(item.slides, paths)
            if matched or (SLIDES_DIR + "/" + item.slides).rstrip("/") in refused:
                continue
            named = item.slides.removeprefix(SLIDES_DIR + "/").strip("/")
            # Written as a folder ("会议/", "会议"), not as a file ("x.jpg").
            as_folder = item.slides.endswith("/") or not PurePosixPath(named).suffix
            if (
                is_folder is not None
                and as_folder
                and not _GLOB_CHARS.search(named)
                and is_folder(named)
            ):
                continue
            if folders is None:
                folders = _folders_under_slides(paths)
            # A folder name that is not there (a typo, the demo's old English names): say
            # which folders there are, so the fix is in the message.
            named = item.slides.removeprefix(SLIDES_DIR + "/").strip("/")
            folder = named.split("/", 1)[0] if "/" in item.slides else ""
            there = (
                f" (folders in slides/: {', '.join(f + '/' for f in folders)})"
                if folders and folder and folder not in folders
                else ""
            )
            out.append(
                Problem(
                    playlist.path,
                    f"slides {item.slides!r} matches no file under slides/{there}",
                    item.line,
                    "missing-slide",
                )
            )
    return out


def make_plan(
    slides: Mapping[str, Slide],
    problems: Sequence[Problem],
    playlists: Mapping[str, Playlist],
    settings: Settings,
    now: datetime,
    calendar: WorkCalendar,
    *,
    is_folder: Callable[[str], bool] | None = None,
) -> Plan:
    """The plan for `now`. `slides` maps root-relative paths to parsed slides, in name order
    (signage.core.paths.list_files order); `problems` are the catalog's (files refused),
    carried into the plan with the planner's own; `is_folder` as for `missing_items`."""
    slides = _with_urgent_folders(slides)
    all_problems = list(problems)
    notes: list[str] = []
    trusted = clock_trusted(now)
    clock = clock_problem(now)
    if clock is not None:
        all_problems.append(clock)
    display_windows, display_problems = parse_display_windows(settings.display_windows)
    all_problems += display_problems
    display_lit = (
        not display_windows
        or not trusted
        or any(window_active(w, now, calendar) for w in display_windows)
    )
    display: Literal["on", "off"] = "on" if display_lit else "off"

    # The catalog hands slides over in name order; that order is kept as it is.
    ordered = list(slides)
    expanded: dict[str, list[str]] = {}

    def expand(pattern: str) -> list[str]:
        # The same pattern is asked for by several playlists and steps: expand it once.
        if pattern not in expanded:
            expanded[pattern] = expand_item(pattern, ordered)
        return expanded[pattern]

    mine = sorted(
        (p for p in playlists.values() if _for_screen(p, settings.screen)),
        key=lambda p: path_key(p.path),
    )
    others = [p for p in playlists.values() if not _for_screen(p, settings.screen)]

    uses_calendar = any(
        w is not None and w.days in ("workdays", "holidays")
        for w in [p.when for p in mine] + list(display_windows)
    )
    if uses_calendar and trusted:
        # From December on, next year's arrangement matters too: that is when the
        # administrator can still add it before the screen needs it.
        years = (now.year, now.year + 1) if now.month == 12 else (now.year,)
        for year in years:
            year_note = calendar.year_problem(year)
            if year_note is not None:
                all_problems.append(year_note)
                notes.append(year_note.message)

    # Reported for every playlist of this screen, active or not, so that the list of
    # problems does not change with the time of day; the folder's own list (`problems`) has
    # them already when it comes from ContentFolder, and a problem is listed once.
    known = {(p.path, p.message, p.line) for p in all_problems}
    all_problems += [
        p
        for p in missing_items(mine, ordered, problems, expand, is_folder)
        if (p.path, p.message, p.line) not in known
    ]

    validity: dict[str, str] = {}
    for path in ordered:
        reason = why_not_now(slides[path], None, now, settings)
        if reason is not None:
            validity[path] = reason

    def finish(
        playlist: str | None,
        items: list[PlannedItem],
        reason_for: Callable[[str], str],
        urgent: bool = False,
        unused: Sequence[tuple[str, str]] = (),
    ) -> Plan:
        playing = {i.slide.path for i in items}

        def reason(path: str) -> str:
            # An urgent slide never plays in a rotation: its own period is what matters.
            if slides[path].urgent and path in validity:
                return validity[path]
            return reason_for(path)

        left_out = tuple((path, reason(path)) for path in ordered if path not in playing)
        return Plan(
            at=now,
            screen=settings.screen,
            playlist=playlist,
            items=tuple(items),
            left_out=left_out,
            problems=tuple(all_problems),
            display=display,
            urgent=urgent,
            notes=tuple(notes),
            playlists=tuple(unused),
        )

    urgent = [slides[p] for p in ordered if slides[p].urgent and p not in validity]
    elsewhere = [
        (p.path, "for screen " + ", ".join(p.screens))
        for p in sorted(others, key=lambda p: path_key(p.path))
    ]
    chosen, unused = _choose(mine, now, calendar, notes)
    if urgent:
        notes.append("urgent notices are showing instead of the playlist")
        paused = [(chosen.path, URGENT_PAUSES)] if chosen is not None else []
        return finish(
            None,
            [PlannedItem(s) for s in urgent],
            lambda path: validity.get(path, "an urgent notice is showing"),
            urgent=True,
            unused=paused + unused + elsewhere,
        )

    if not mine:
        # Urgent slides out of their period stay out: they are never ordinary slides.
        items = [
            PlannedItem(slides[p]) for p in ordered if p not in validity and not slides[p].urgent
        ]
        if playlists:
            notes.append(f"no playlist is for screen {settings.screen!r}: every slide plays")
        return finish(
            None, items, lambda path: validity.get(path, "urgent notice"), unused=elsewhere
        )

    if chosen is None:
        return finish(None, [], lambda path: "no playlist is active now", unused=unused + elsewhere)

    items = []
    in_chosen: dict[str, str] = {}
    """Slides the chosen playlist names that do not play, with the first reason met."""
    for item in chosen.items:
        for path in expand(item.slides):
            slide = slides[path]
            reason = validity.get(path) or why_not_now(slide, item, now, settings)
            if reason is None:
                items.append(PlannedItem(slide, item.duration, item.fit, item.pages_per_turn))
            else:
                in_chosen.setdefault(path, reason)

    screens_of: dict[str, list[str]] = {}
    for other in sorted(others, key=lambda p: path_key(p.path)):
        for item in other.items:
            for path in expand(item.slides):
                listed = screens_of.setdefault(path, [])
                listed += [s for s in other.screens if s not in listed]
    in_mine = {path for p in mine for item in p.items for path in expand(item.slides)}
    not_in = f"not in playlist {_file_name(chosen.path)}"

    def reason_for(path: str) -> str:
        if path in in_chosen:
            return in_chosen[path]
        if path in screens_of and path not in in_mine:
            return "for screen " + ", ".join(screens_of[path])
        return not_in

    return finish(chosen.path, items, reason_for, unused=unused + elsewhere)


URGENT_PAUSES = "paused while urgent notices show"
NOT_ACTIVE = "not active now"


def _rank(playlist: Playlist) -> tuple[int, int, tuple[tuple[tuple[int, int | str], ...], ...]]:
    """Highest priority first; on a tie a timed playlist before an always-on one, then name."""
    return (-playlist.priority, 0 if playlist.when is not None else 1, path_key(playlist.path))


def _choose(
    mine: Sequence[Playlist], now: datetime, calendar: WorkCalendar, notes: list[str]
) -> tuple[Playlist | None, list[tuple[str, str]]]:
    """The playlist in use (None: none active) and, for each of the others, why not."""
    active = [p for p in mine if _active(p, now, calendar)]
    unused = [(p.path, NOT_ACTIVE) for p in mine if p not in active]
    if not active:
        return None, unused
    chosen = min(active, key=_rank)
    tied = [p.path for p in active if p.priority == chosen.priority and p is not chosen]
    if tied:
        why = (
            "timed, before always-on"
            if any(p.when is None for p in active if p.path in tied) and chosen.when is not None
            else "first by file name"
        )
        notes.append(
            f"{chosen.path} wins over {', '.join(tied)} (same priority {chosen.priority}, {why})"
        )
    outranked = []
    for p in active:
        if p is chosen:
            continue
        if p.priority < chosen.priority:
            reason = f"priority {p.priority} is lower than {chosen.path} ({chosen.priority})"
        elif p.when is None and chosen.when is not None:
            reason = f"same priority {p.priority} as {chosen.path}, which has times and wins"
        else:
            reason = f"same priority {p.priority} as {chosen.path}, which comes first by name"
        outranked.append((p.path, reason))
    order = {p.path: n for n, p in enumerate(mine)}
    return chosen, sorted(unused + outranked, key=lambda entry: order[entry[0]])


def next_change(
    slides: Mapping[str, Slide],
    playlists: Mapping[str, Playlist],
    settings: Settings,
    now: datetime,
) -> datetime | None:
    """The next moment after `now` at which `make_plan` could give a different answer for
    reasons of time alone (file changes aside): the player can sleep until then. None when
    nothing dated remains; with the clock not set, a minute from now."""
    if not clock_trusted(now):
        return now + UNTRUSTED_RECHECK
    windows = [p.when for p in playlists.values() if _for_screen(p, settings.screen)]
    display_windows, _ = parse_display_windows(settings.display_windows)
    windows += list(display_windows)
    moments: list[datetime] = []
    for slide in slides.values():
        moments += validity_edges(slide.show_from, slide.show_until)
        if isinstance(slide.body, Meeting):
            moments += validity_edges(*meeting_period(slide.body, settings.meeting_lead_days))
    for playlist in playlists.values():
        for item in playlist.items:
            moments += validity_edges(item.show_from, item.show_until)
    return next_boundary(now, windows, moments)


PageInfo = Callable[[PlannedItem], tuple[int, float]]
"""(pages, total seconds on screen) of one planned item, from layout."""


def plan_json(
    plan: Plan, page_info: PageInfo | None = None, default_seconds: float = 10.0
) -> dict[str, Any]:
    """`signage plan --json`, exactly the shape in DESIGN.md.

    Without `page_info` every item counts as one page of its planned duration (the
    playlist's, else the slide's own, else `default_seconds`)."""

    def info(item: PlannedItem) -> tuple[int, float]:
        if page_info is not None:
            return page_info(item)
        seconds = item.duration or item.slide.duration or default_seconds
        return 1, float(seconds)

    items = []
    for item in plan.items:
        pages, seconds = info(item)
        items.append({"path": item.slide.path, "pages": pages, "duration": round(seconds, 1)})
    return {
        "at": plan.at.isoformat(timespec="seconds"),
        "screen": plan.screen,
        "playlist": plan.playlist,
        "items": items,
        "left_out": [{"path": path, "reason": reason} for path, reason in plan.left_out],
        "problems": [
            {"path": p.path, "message": f"line {p.line}: {p.message}" if p.line else p.message}
            for p in plan.problems
        ],
        "display": plan.display,
    }


def referenced_paths(playlist: Playlist, paths: Iterable[str]) -> list[str]:
    """Every slide path a playlist names, in its order (for `check` and the status page)."""
    ordered = list(paths)
    out: list[str] = []
    for item in playlist.items:
        for path in expand_item(item.slides, ordered):
            if path not in out:
                out.append(path)
    return out
