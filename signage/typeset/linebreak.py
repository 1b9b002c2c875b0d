"""Line breaking for Chinese text (GB/T 15834-2011 §5.1, W3C clreq), free of any font code.

The caller measures each character (`widths[i]` is the advance of `text[i]`) and gets back
lines with the position of every run, so a justified line draws exactly as computed. Rules:

- a break is allowed between Han characters; Latin words, numbers with their units, phone
  numbers, e-mail addresses and URLs stay whole: one that fits a line moves to the next
  line whole (the line before is justified or, if that would open a river, set flush
  left); only one wider than a line is split, after @ . / - where possible;
- kinsoku: no line starts with a NO_START mark or ends with a NO_END mark; when a
  forbidden mark would start a line, punctuation in the line above is compressed (a
  full-width mark gives up its blank half) before a character is pushed down;
- `——`, `……` and `⸺` are never split;
- a quarter em between Han and Latin/digits, none at line start or end, and none inside a
  date or time: a number is set tight against a following 年 月 日 时 分 秒 号 点, and such a
  date part is tight against the number after it (`2026年12月1日`, `8时30分`), as the
  header clock and GB/T 9704 write dates, and no line breaks inside such a date; other
  boundaries keep the gap (`共 412 条`, `8:30 至 12:00`, `9.9%`, `10 分钟`);
- lines are justified by spreading spare space between units: Han/Latin gaps take up to
  LATIN_STRETCH more first, then every gap at most MAX_STRETCH; a line that would need
  more is set flush left rather than open a river;
- filling is greedy with a one-line look-ahead: when the next line would come out loose,
  a break up to four points earlier is tried, and the pair with the smaller largest
  stretch is kept.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

NO_START = frozenset("。，、；：？！…‥·・）］｝〕〉》」』】〗〙’”％‰℃°′″～／–)]},.:;?!%")
NO_END = frozenset("（［｛〔〈《「『【〖〘‘“／¥￥$＄£([{")
# Full-width marks whose ink sits in the left half: the right half may be squeezed out.
CLOSING_MARKS = frozenset("。，、；：？！）］｝〕〉》」』】〗〙’”")
# Full-width marks whose ink sits in the right half.
OPENING_MARKS = frozenset("（［｛〔〈《「『【〖〘‘“")
# Runs of these are one unit: never split.
DASHES = frozenset("—…⸺⸻")
# Inside a long Latin run (URL, e-mail), a break may follow these when it must.
SPLIT_AFTER = frozenset("@./-_?&=")

DATE_PARTS = frozenset("年月日时分秒号点")
"""Han characters set tight after a number: the parts of a date or time."""
DATE_JOINS = frozenset("年月日时点")
"""Date parts set tight before a number too, when a number precedes them (年12月, 8时30分)."""

HAN_GAP = 0.25
"""Space between Han and Latin/digits, in em."""
MAX_STRETCH = 0.12
"""Most extra space per gap between Han characters a justified line may get, in em; more
reads as a river of white on a sign seen from a few metres."""
LATIN_STRETCH = 0.08
"""Extra space a Han/Latin gap (already a quarter em) takes first, before any other gap
is widened: a wider gap next to a number is hardly seen."""
LOOSE = 0.06
"""Per-gap stretch (em) above which the next line is worth an earlier break in this one."""
COMPRESS = 0.5
"""How much of its em a full-width mark may give up, in em."""


@dataclass(frozen=True)
class SetLine:
    """One line of a paragraph: which characters, and where each run of them goes."""

    start: int
    end: int
    """text[start:end] is the line, without the spaces dropped at the break."""
    text: str
    runs: tuple[tuple[int, int, float], ...]
    """(start, end, x): text[start:end] drawn from x, x relative to the paragraph's left edge."""
    width: float
    """From the paragraph's left edge to the end of the ink advance of the last run."""
    justified: bool


def _is_han(ch: str) -> bool:
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x3FFFF
        or 0x3040 <= o <= 0x30FF
    )


def _is_latin(ch: str) -> bool:
    if ch.isspace():
        return False
    o = ord(ch)
    if o < 0x80:
        return ch.isprintable()
    # Accented letters, Greek, Cyrillic, signs like ± × °; not general punctuation (— “ …).
    return 0xA0 < o < 0x2000 and ch not in "·"


class _Unit:
    """A piece that is never broken inside: a Han character, a mark, a Latin word, a space."""

    __slots__ = (
        "draw_shift",
        "end",
        "kind",
        "splittable",
        "start",
        "tight",
        "width",
        "width0",
    )

    def __init__(self, start: int, end: int, kind: str, width: float) -> None:
        self.start = start
        self.end = end
        self.kind = kind  # han | latin | space | mark | dash | other
        self.width = width  # may be compressed
        self.width0 = width  # natural advance
        self.draw_shift = 0.0  # compressed opening marks draw left of their slot
        self.splittable = False  # a forced break may follow this unit (split Latin run)
        self.tight = False  # no Han-Latin gap before this unit (inside a date)


def _units(text: str, widths: Sequence[float]) -> list[_Unit]:
    out: list[_Unit] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        j = i + 1
        if _is_latin(ch):
            while j < n and _is_latin(text[j]):
                j += 1
            kind = "latin"
        elif ch in DASHES:
            # ―― and …… are one unit; a longer run is cut into such pairs.
            if j < n and text[j] == ch:
                j += 1
            kind = "dash"
        elif ch.isspace():
            kind = "space"
        elif _is_han(ch):
            kind = "han"
        elif ch in CLOSING_MARKS or ch in OPENING_MARKS:
            kind = "mark"
        else:
            kind = "other"
        out.append(_Unit(i, j, kind, float(sum(widths[i:j]))))
        i = j
    _mark_dates(text, out)
    return out


def _is_number(text: str, u: _Unit) -> bool:
    return u.kind == "latin" and text[u.start : u.end].isascii() and text[u.start : u.end].isdigit()


def _mark_dates(text: str, units: Sequence[_Unit]) -> None:
    """Set numbers tight against the date and time parts around them: 2026年12月1日."""
    for k in range(1, len(units)):
        a, b = units[k - 1], units[k]
        # 10分钟 and 3点钟 are durations, not times of day: they keep the gap like any
        # other count.
        number_then_part = (
            _is_number(text, a)
            and b.kind == "han"
            and text[b.start] in DATE_PARTS
            and text[b.end : b.end + 1] != "钟"
        )
        part_then_number = (
            k >= 2
            and a.kind == "han"
            and text[a.start] in DATE_JOINS
            and _is_number(text, units[k - 2])
            and _is_number(text, b)
        )
        b.tight = number_then_part or part_then_number


def _can_break(text: str, a: _Unit, b: _Unit, *, in_date: bool = False) -> bool:
    """May a line end after unit a and the next start with unit b?

    A date or time set tight is not broken (2026年12 / 月31日 reads badly); with in_date,
    a break after its 年 or 月 is allowed, for when keeping it whole would open a river.
    """
    if b.kind == "space":
        return False  # break after the space instead
    if b.tight:
        return in_date and a.kind == "han"
    first = text[b.start]
    if first in NO_START and not (b.kind == "dash" and b.end - b.start > 1 and first == "—"):
        return False
    if a.kind == "space":
        return True
    if text[a.end - 1] in NO_END:
        return False
    return not (a.kind == "latin" and b.kind == "latin" and not a.splittable)


def _gap(a: _Unit, b: _Unit, em: float) -> float:
    if b.tight:
        return 0.0
    if (a.kind == "han" and b.kind == "latin") or (a.kind == "latin" and b.kind == "han"):
        return HAN_GAP * em
    return 0.0


def _natural(units: Sequence[_Unit], em: float) -> float:
    total = 0.0
    prev: _Unit | None = None
    for u in units:
        if prev is not None:
            total += _gap(prev, u, em)
        total += u.width
        prev = u
    return total


def _compress_to_fit(text: str, units: Sequence[_Unit], avail: float, em: float) -> bool:
    """Squeeze full-width marks until the units fit in avail; False (and unchanged) if not.

    As GB/T 15834 allows: the mark at the line end gives up its blank half, then each
    pair of adjacent marks (。” ，“ ）。 ……) takes 1.5 em instead of 2.
    """
    need = _natural(units, em) - avail
    if need <= 1e-6:
        return True
    candidates: list[int] = []
    last = len(units) - 1
    if units[last].kind == "mark" and text[units[last].start] in CLOSING_MARKS:
        candidates.append(last)
    for k in range(last - 1, -1, -1):
        u, nxt = units[k], units[k + 1]
        if u.kind != "mark" or nxt.kind != "mark":
            continue
        if text[u.start] in CLOSING_MARKS:
            candidates.append(k)
        elif text[nxt.start] in OPENING_MARKS:
            candidates.append(k + 1)
    chosen: list[int] = []
    saved = 0.0
    for k in dict.fromkeys(candidates):
        if units[k].width0 < 0.9 * em:
            continue  # already narrow (a half-width face): nothing to give
        chosen.append(k)
        saved += COMPRESS * em
        if saved >= need - 1e-6:
            break
    if saved < need - 1e-6:
        return False
    for k in chosen:
        units[k].width = units[k].width0 - COMPRESS * em
        if text[units[k].start] in OPENING_MARKS:
            units[k].draw_shift = -COMPRESS * em
    return True


def _split_latin(
    text: str, unit: _Unit, widths: Sequence[float], room: float, *, anywhere: bool
) -> tuple[_Unit, _Unit] | None:
    """Cut a Latin run after @ . / - so that the first part fits in room.

    With anywhere=True (the run is wider than a whole line) a cut between any two
    characters is allowed when no such mark helps.
    """
    best: int | None = None
    x = 0.0
    for i in range(unit.start, unit.end - 1):
        x += widths[i]
        if x > room + 1e-6:
            break
        if text[i] in SPLIT_AFTER and text[i + 1] not in NO_START:
            best = i + 1
    if best is None and anywhere:
        x = 0.0
        for i in range(unit.start, unit.end - 1):
            if x + widths[i] > room + 1e-6:
                break
            x += widths[i]
            if text[i + 1] not in NO_START and text[i] not in NO_END:
                best = i + 1
        if best is None or best == unit.start:
            best = unit.start + 1
    if best is None or best <= unit.start or best >= unit.end:
        return None
    head = _Unit(unit.start, best, "latin", float(sum(widths[unit.start : best])))
    head.splittable = True
    head.tight = unit.tight
    tail = _Unit(best, unit.end, "latin", float(sum(widths[best : unit.end])))
    return head, tail


def break_lines(
    text: str,
    widths: Sequence[float],
    measure: float,
    em: float,
    *,
    first_indent: float = 0.0,
    justify: bool = True,
) -> list[SetLine]:
    """Break one paragraph into lines of at most `measure` (the first `first_indent` less).

    Every character except the spaces at a break ends up in exactly one line, in order.
    """
    if len(widths) != len(text):
        raise ValueError(f"{len(widths)} widths for {len(text)} characters")
    units = _units(text, widths)
    lines: list[tuple[int, int, float, bool]] = []  # unit range, offset, last-of-paragraph
    i = 0
    first = True
    while i < len(units):
        while i < len(units) and units[i].kind == "space":
            i += 1
        if i >= len(units):
            break
        offset = first_indent if first else 0.0
        avail = max(measure - offset, em)
        window = _Window(units, i)
        end = _fill(text, units, widths, i, avail, em)
        if justify and end < len(units) and window.unchanged(units):
            end = _look_ahead(text, units, widths, window, end, avail, max(measure, em), em)
        lines.append((i, end, offset, end >= len(units)))
        i = end
        first = False
    if len(lines) >= 2:
        _avoid_runt(text, units, lines, measure, em)
    out = []
    for n, (a, b, offset, last) in enumerate(lines):
        avail = max(measure - (offset if n == 0 else 0.0), em)
        out.append(_place(text, widths, units, a, b, offset, avail, em, justify and not last))
    return out


class _Window:
    """The state of the units a line and the next may touch, to try a break and undo it."""

    def __init__(self, units: list[_Unit], i: int) -> None:
        self.i = i
        self.count = len(units)
        self.units = units[i : i + 160]
        self.state = [(u.width, u.draw_shift) for u in self.units]

    def unchanged(self, units: list[_Unit]) -> bool:
        return len(units) == self.count

    def restore(self, units: list[_Unit]) -> None:
        grown = len(units) - self.count
        units[self.i : self.i + len(self.units) + grown] = self.units
        for u, (w, shift) in zip(self.units, self.state, strict=True):
            u.width, u.draw_shift = w, shift


def _next_start(units: Sequence[_Unit], k: int) -> int:
    while k < len(units) and units[k].kind == "space":
        k += 1
    return k


def _look_ahead(
    text: str,
    units: list[_Unit],
    widths: Sequence[float],
    window: _Window,
    end: int,
    avail: float,
    next_avail: float,
    em: float,
) -> int:
    """end, or an earlier break of the line from window.i when that sets this line and
    the next with less stretch: greedy filling can leave the next line gappy (a number
    or an address that just misses it) where breaking a character or two earlier evens
    the pair out. Lines after a trial are undone, so this never changes the text.
    """
    i = window.i
    limit = i + len(window.units) - 1

    def next_badness(k: int) -> float | None:
        start = _next_start(units, k)
        if start >= len(units):
            return 0.0
        if start >= limit:
            return None
        n = _fill(text, units, widths, start, next_avail, em)
        if n > limit or not window.unchanged(units):
            window.restore(units)
            return None
        b = 0.0 if n >= len(units) else _badness(text, units, start, n, next_avail, em)
        window.restore(units)
        return b

    this = _badness(text, units, i, end, avail, em)
    state = [(u.width, u.draw_shift) for u in units[i:end]]
    after = next_badness(end)
    for u, (w, shift) in zip(units[i:end], state, strict=True):
        u.width, u.draw_shift = w, shift  # the greedy line keeps its compressed marks
    if after is None or after <= LOOSE:
        return end
    best = (max(this, after), this + after)
    choice = end
    tried = 0
    for k in range(end - 1, i + 1, -1):
        if tried >= 4:
            break
        if units[k].kind == "space" or not _can_break(text, units[k - 1], units[k]):
            continue
        tried += 1
        window.restore(units)
        if _natural(_strip_spaces(units[i:k]), em) > avail + 1e-6:
            continue
        b1 = _badness(text, units, i, k, avail, em)
        if b1 >= best[0]:
            continue
        b2 = next_badness(k)
        if b2 is None:
            continue
        cand = (max(b1, b2), b1 + b2)
        if cand < best:
            best, choice = cand, k
    if choice == end:
        for u, (w, shift) in zip(units[i:end], state, strict=True):
            u.width, u.draw_shift = w, shift
    else:
        window.restore(units)
    return choice


def _avoid_runt(
    text: str,
    units: list[_Unit],
    lines: list[tuple[int, int, float, bool]],
    measure: float,
    em: float,
) -> None:
    """A paragraph should not end with one character alone on its line ("户。", "室"):
    bring one more unit down from the line above when that line stays well justified."""
    a1, b1, off1, _ = lines[-2]
    a2, b2, _off2, last = lines[-1]
    tail = _strip_spaces(units[a2:b2])
    words = [u for u in tail if u.kind not in ("mark", "space")]
    if len(words) != 1 or sum(u.end - u.start for u in tail) > 2 or words[0].kind == "latin":
        return
    for k in range(b1 - 1, a1 + 1, -1):
        if not _can_break(text, units[k - 1], units[k]):
            continue
        head = _strip_spaces(units[a1:k])
        moved = _strip_spaces(units[k:b2])
        if len(head) < 2:
            return
        saved = [(u.width, u.draw_shift) for u in units[a1:b2]]
        for u in units[a1:b2]:
            u.width, u.draw_shift = u.width0, 0.0
        spare = (measure - off1) - _natural(head, em)
        fits = spare >= -1e-6 and _natural(moved, em) <= measure
        if fits and _stretch_plan(text, head, spare, em) is not None:
            lines[-2] = (a1, k, off1, False)
            lines[-1] = (k, b2, 0.0, last)
            return
        for u, (w, shift) in zip(units[a1:b2], saved, strict=True):
            u.width, u.draw_shift = w, shift
        return


def _fill(
    text: str, units: list[_Unit], widths: Sequence[float], i: int, avail: float, em: float
) -> int:
    """The unit index where the line starting at unit i ends (exclusive). May split units."""
    x = 0.0
    j = i
    while j < len(units):
        u = units[j]
        add = (_gap(units[j - 1], u, em) if j > i else 0.0) + u.width
        if u.kind == "space" or x + add <= avail + 1e-6:
            x += add
            j += 1
            continue
        # units[j] does not fit.
        if j == i:
            # A single unit wider than the line: split a Latin run, else it stands alone.
            if u.kind == "latin":
                parts = _split_latin(text, u, widths, avail, anywhere=True)
                if parts:
                    units[j : j + 1] = list(parts)
                    return j + 1
            return j + 1
        if _can_break(text, units[j - 1], u):
            # Break here; but if the next unit is a long Latin run whose move would leave
            # this line gappy, carry the part that fits.
            # (An address that fits a line moves whole: a split one is hard to copy.)
            if (
                _splittable(text, u, avail)
                and u.width > avail + 1e-6
                and _too_loose(text, units, i, j, avail, em)
            ):
                room = avail - x - _gap(units[j - 1], u, em)
                parts = _split_latin(text, u, widths, room, anywhere=False)
                if parts:
                    units[j : j + 1] = list(parts)
                    return j + 1
            # Or if the next units are a date, carry its year (or year and month).
            if _too_loose(text, units, i, j, avail, em):
                k2 = _date_break(text, units, i, j, avail, em)
                if k2 is not None:
                    return k2
            return j
        # A forbidden mark would start the next line: squeeze it (and any marks glued to
        # it) into this one, if they are all marks.
        e = j + 1
        while e < len(units) and e - j < 8 and not _can_break(text, units[e - 1], units[e]):
            e += 1
        glued = e - j < 8 and all(
            units[k].kind in ("mark", "other", "dash", "space") for k in range(j, e)
        )
        if glued and _compress_to_fit(text, _strip_spaces(units[i:e]), avail, em):
            return e
        # Push the last breakable unit down; but rather than leave a gappy line before a
        # date, break the date after its 年 or 月.
        for k in range(j - 1, i, -1):
            if _can_break(text, units[k - 1], units[k]):
                if _too_loose(text, units, i, k, avail, em):
                    k2 = _date_break(text, units, i, k, avail, em)
                    if k2 is not None:
                        return k2
                return k
        # Nothing breakable: the overflowing Latin run may be cut so that its head fits,
        if u.kind == "latin":
            room = avail - x - _gap(units[j - 1], u, em)
            parts = _split_latin(text, u, widths, room, anywhere=True)
            if parts and parts[0].width <= room + 1e-6:
                units[j : j + 1] = list(parts)
                return j + 1
        # or a Latin run glued to the marks may give up its tail.
        tail_owner = units[j - 1]
        if tail_owner.kind == "latin" and j - 1 >= i:
            parts = _split_latin(text, tail_owner, widths, tail_owner.width * 0.999, anywhere=True)
            if parts:
                units[j - 1 : j] = list(parts)
                return j
        # A run of marks wider than a line: break anyway.
        return j
    return j


def _date_break(
    text: str, units: list[_Unit], i: int, j: int, avail: float, em: float
) -> int | None:
    """The latest break after a 年 or 月 beyond unit j whose line still fits, if any."""
    best = None
    for k in range(j + 1, min(len(units), j + 8)):
        if not (units[k].tight or units[k - 1].tight):
            break  # past the date that follows unit j
        if _natural(_strip_spaces(units[i:k]), em) > avail + 1e-6:
            break
        if _can_break(text, units[k - 1], units[k], in_date=True):
            best = k
    return best


def _strip_spaces(line: list[_Unit]) -> list[_Unit]:
    a, b = 0, len(line)
    while a < b and line[a].kind == "space":
        a += 1
    while b > a and line[b - 1].kind == "space":
        b -= 1
    return line[a:b]


def _splittable(text: str, u: _Unit, avail: float) -> bool:
    """A Latin run long enough to be worth splitting, and not a number or phone number."""
    if u.kind != "latin" or u.width < avail / 4:
        return False
    return not all(c.isdigit() or c in "-+() " for c in text[u.start : u.end])


def _too_loose(text: str, units: list[_Unit], i: int, j: int, avail: float, em: float) -> bool:
    line = _strip_spaces(units[i:j])
    return _stretch_plan(text, line, avail - _natural(line, em), em) is None


def _stretch_plan(text: str, line: Sequence[_Unit], spare: float, em: float) -> list[float] | None:
    """Extra space after each unit of line but the last that spreads spare, or None.

    Han/Latin gaps take up to LATIN_STRETCH first; the rest is shared evenly by every
    stretchable gap, at most MAX_STRETCH each. None when that is not enough (a river).
    """
    n = len(line) - 1
    plan = [0.0] * max(n, 0)
    if spare <= 1e-9:
        return plan if spare >= -1e-6 else None
    ok = [_stretchable(text, a, b) for a, b in itertools.pairwise(line)]
    gaps = sum(ok)
    if not gaps or spare > (MAX_STRETCH * gaps + LATIN_STRETCH * n) * em + 1e-9:
        return None  # more than any plan can take
    latin = [
        k
        for k in range(n)
        if ok[k] and not line[k + 1].tight and {line[k].kind, line[k + 1].kind} == {"han", "latin"}
    ]
    if latin:
        each = min(LATIN_STRETCH * em, spare / len(latin))
        for k in latin:
            plan[k] = each
        spare -= each * len(latin)
    per = spare / gaps
    if per > MAX_STRETCH * em + 1e-9:
        return None
    for k in range(n):
        if ok[k]:
            plan[k] += per
    return plan


def _badness(text: str, units: list[_Unit], i: int, j: int, avail: float, em: float) -> float:
    """Largest stretch per gap (em) of a justified line; 1 for one set flush left (however
    short: a shorter ragged line is no better, and must not cost its neighbour spacing)."""
    line = _strip_spaces(units[i:j])
    plan = _stretch_plan(text, line, avail - _natural(line, em), em)
    if plan is None:
        return 1.0
    return max(plan, default=0.0) / em


def _stretchable(text: str, a: _Unit, b: _Unit) -> bool:
    """May justification widen the gap between units a and b?

    Not inside a date set tight, not before a closing mark nor after an opening one
    ("example ，" would read as a stray comma), not inside a range of numbers (9:00—12:00).
    """
    if {a.kind, b.kind} == {"latin", "dash"}:
        return False
    return not b.tight and text[b.start] not in NO_START and text[a.end - 1] not in NO_END


def _place(
    text: str,
    widths: Sequence[float],
    units: list[_Unit],
    a: int,
    b: int,
    offset: float,
    avail: float,
    em: float,
    justify: bool,
) -> SetLine:
    line = _strip_spaces(units[a:b])
    if not line:
        return SetLine(units[a].start, units[a].start, "", (), offset, False)
    natural = _natural(line, em)
    justified = False
    # Spare space goes between units, but not everywhere (see _stretch_plan).
    extra = [0.0] * (len(line) - 1)
    if justify and len(line) > 1:
        plan = _stretch_plan(text, line, avail - natural, em)
        if plan is not None and any(_stretchable(text, p, u) for p, u in itertools.pairwise(line)):
            extra = plan
            justified = True
    runs: list[list[float]] = []  # [start, end, x, natural end x]
    x = offset
    prev: _Unit | None = None
    for k, u in enumerate(line):
        if prev is not None:
            x += _gap(prev, u, em) + extra[k - 1]
        draw_x = x + u.draw_shift
        if runs and int(runs[-1][1]) == u.start and abs(runs[-1][3] - draw_x) < 0.01:
            runs[-1][1] = u.end
            runs[-1][3] = draw_x + u.width0
        else:
            runs.append([u.start, u.end, draw_x, draw_x + u.width0])
        x += u.width
        prev = u
    start, end = line[0].start, line[-1].end
    return SetLine(
        start,
        end,
        text[start:end],
        tuple((int(r[0]), int(r[1]), r[2]) for r in runs),
        x,
        justified,
    )


# --- balanced lines for titles ------------------------------------------------------------

# Where a title reads well broken, as penalties (0 best). A small table of the shapes
# official titles take ([机关][关于][事由][的通知]), not a dictionary: any other break
# between Han characters costs PLAIN_BREAK, enough that a good point a few characters
# off balance wins over a balanced break in the middle of a word.
_TITLE_AFTER = re.compile(r"(关于|[0-9]年度?|[0-9]月|[0-9]日|季度)$")
_TITLE_BEFORE = re.compile(
    r"(的(通知|通告|公告|报告|决定|意见|方案|办法|规定|细则|函|批复|请示|说明|公示|决议|"
    r"纪要|安排|实施方案|工作方案)|关于)"
)
_ORG_SUFFIXES = (
    "政府",
    "委员会",
    "办公室",
    "办事处",
    "中心",
    "管委会",
    "党委",
    "指挥部",
    "领导小组",
)
_TITLE_BEFORE_SOFT = re.compile(r"(工作|[和及与暨并])")
PLAIN_BREAK = 4.0
"""Penalty of a break between two Han characters at no natural point."""
IMBALANCE = 0.5
"""Penalty per em of difference between the longest and the shortest line."""
MIN_TITLE_LINE = 3
"""No line of a balanced title has fewer characters (no one- or two-character stub)."""


def title_break_penalty(text: str, p: int) -> float:
    """How well a title reads broken before text[p]: 0 at a natural point, PLAIN_BREAK mid-word.

    Natural points: at a space or after punctuation (0); after 关于 and before 关于 (0);
    after a year, month or day following digits, 2025年 / 2025年度, and after 季度 (0);
    before 的通知, 的报告 and the other document kinds (0); next to brackets and quotes
    (0.5); after an organisation name ending in 政府, 委员会, 办公室, 中心 … when no further
    suffix follows (1); before 工作 and before 和 及 与 (1.5); between Han and Latin or
    digits (3); elsewhere between Han characters PLAIN_BREAK, one more at an odd count from
    the start of the Han run or the last natural point (most words have two characters, so
    even counts fall between words more often).
    """
    before, after = text[:p], text[p:]
    if not before or not after:
        return 0.0
    a, b = before[-1], after[0]
    if a.isspace() or a in "，、：；,;:！？!?":
        return 0.0
    if _TITLE_AFTER.search(before) and not (a == "年" and b == "度"):
        return 0.0
    if _TITLE_BEFORE.match(after):
        return 0.0
    if a in CLOSING_MARKS or b in OPENING_MARKS:
        return 0.5
    if before.endswith(_ORG_SUFFIXES) and not after.startswith(_ORG_SUFFIXES):
        return 1.0
    if _TITLE_BEFORE_SOFT.match(after):
        return 1.5
    if _is_han(a) and _is_han(b):
        # Most words are two characters long: inside a run of Han text, a break an even
        # number of characters from the run's start more often falls between words.
        # The run starts after a non-Han character or a natural point (2026年|第四季度).
        run = 0
        while run < len(before) and _is_han(before[-1 - run]):
            if run and _TITLE_AFTER.search(before[: len(before) - run]):
                break
            run += 1
        return PLAIN_BREAK + (run % 2)
    return 3.0


def balance_lines(
    text: str, widths: Sequence[float], measure: float, em: float, *, max_combos: int = 6000
) -> list[SetLine]:
    """A title in as few lines as break_lines needs, broken at natural points, evenly.

    Among the allowed breaks (kinsoku holds, Latin words stay whole) choose the ones with
    the least title_break_penalty plus IMBALANCE per em between the longest and shortest
    line, with no line wider than the measure and none shorter than MIN_TITLE_LINE
    characters. Without such a choice, the narrowest measure that needs no more lines.
    """
    full = break_lines(text, widths, measure, em, justify=False)
    n = len(full)
    if n <= 1:
        return full
    units = _units(text, widths)
    cuts = [
        k
        for k in range(1, len(units))
        if units[k].kind != "space" and _can_break(text, units[k - 1], units[k])
    ]
    penalty = {k: title_break_penalty(text, units[k].start) for k in cuts}
    best: tuple[float, tuple[int, ...]] | None = None
    if math.comb(len(cuts), n - 1) <= max_combos:
        for combo in itertools.combinations(cuts, n - 1):
            bounds = (0, *combo, len(units))
            ok = True
            line_widths = []
            for a, b in itertools.pairwise(bounds):
                line = _strip_spaces(units[a:b])
                chars = sum(u.end - u.start for u in line)
                w = _natural(line, em)
                if chars < MIN_TITLE_LINE or w > measure + 1e-6:
                    ok = False
                    break
                line_widths.append(w)
            if not ok:
                continue
            cost = sum(penalty[k] for k in combo)
            cost += IMBALANCE * (max(line_widths) - min(line_widths)) / em
            if best is None or cost < best[0] - 1e-9:
                best = (cost, combo)
    if best is None:
        return _narrowest(text, widths, measure, em, n)
    bounds = (0, *best[1], len(units))
    return [
        _place(text, widths, units, a, b, 0.0, measure, em, False)
        for a, b in itertools.pairwise(bounds)
    ]


def _narrowest(
    text: str, widths: Sequence[float], measure: float, em: float, n: int
) -> list[SetLine]:
    """The narrowest measure that still needs only n lines."""
    lo, hi = sum(widths) / n, measure
    best = break_lines(text, widths, measure, em, justify=False)
    for _ in range(10):
        mid = (lo + hi) / 2
        trial = break_lines(text, widths, mid, em, justify=False)
        if len(trial) <= n:
            best, hi = trial, mid
        else:
            lo = mid
    return best
