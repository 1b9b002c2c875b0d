"""Slides to pages on a canvas: sizes, line breaking, pagination, meeting pages.

A pure function of (slide, canvas, fonts, settings, now): the same input always gives the
same lines at the same pixels. Body text never goes below the legibility floor
(`body_floor_px`); text that does not fit is paginated, never shrunk or dropped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from signage.core.config import Settings
from signage.core.model import (
    Block,
    ColorRole,
    Document,
    FontRole,
    Glyphs,
    Line,
    Meeting,
    Page,
    PageStyle,
    Role,
    Slide,
    Span,
)
from signage.typeset.canvas import Frame, Rect, frame_for
from signage.typeset.fonts import EM_TOP, FontBook
from signage.typeset.linebreak import SetLine, balance_lines, break_lines
from signage.typeset.punctuation import widen_punctuation
from signage.typeset.table import TablePlan, cell_x, head_lines, plan_table

GLYPH_MM_PER_M = 14.0
"""Glyph height per metre of viewing distance for older readers (twice the 7 mm norm)."""
GLYPH_PER_SIZE = 0.92
"""A Han glyph's ink height as a share of the font size."""
BODY_PITCH = 1.6
MIN_PITCH = 1.5
TITLE_SCALE = 1.4
NOTICE_SCALES = (1.5, 1.4, 1.3, 1.2, 1.1, 1.0)
URGENT_SCALES = (1.8, 1.6, 1.45, 1.3, 1.15, 1.0)
MIN_SECONDS, MAX_SECONDS = 8.0, 90.0
WEEKDAYS = "一二三四五六日"


def body_floor_px(settings: Settings, canvas: tuple[int, int]) -> int:
    """Smallest body font size in pixels that older visitors read at the viewing distance.

    14 mm of glyph per metre, on a panel of settings.panel_diagonal_in at this canvas's
    pixel pitch; the glyph is about 0.92 of the font size. 60 px at 1920x1080, 55", 2.5 m.
    """
    w, h = canvas
    diagonal_mm = max(settings.panel_diagonal_in, 5.0) * 25.4
    mm_per_px = diagonal_mm / math.hypot(w, h)
    glyph_px = GLYPH_MM_PER_M * max(settings.viewing_distance_m, 0.3) / mm_per_px
    return max(8, math.ceil(glyph_px / GLYPH_PER_SIZE - 1e-6))


def page_seconds(chars: int) -> float:
    """Time for a page with this many characters: 3 s + one second per 3 characters."""
    return min(MAX_SECONDS, max(MIN_SECONDS, 3.0 + chars / 3.0))


# --- rows: set lines before they are placed on a page ---------------------------------------


@dataclass(frozen=True)
class _Row:
    line: Line
    """With y and baseline relative to the row's top."""
    pitch: float
    space_before: float = 0.0
    keep_with_next: bool = False
    must_keep: bool = False
    """Kept with the next row even in a long chain: it ends inside a split address."""
    loose: bool = False
    """A line inside a justified paragraph that had to be set flush left, short."""
    head: tuple[_Row, ...] = ()
    """For a table row after the first: the table's head rows, repeated above it when it
    starts a page."""


@dataclass(frozen=True)
class _Style:
    role: Role
    font: FontRole
    size: int
    color: ColorRole
    pitch: float = BODY_PITCH
    level: int | None = None
    bold_font: FontRole = "sans-bold"


@dataclass(frozen=True)
class _Measure:
    """The text column: left edge and width, a whole number of em at body size."""

    x: int
    w: int


def _measure_for(body: Rect, size: int) -> _Measure:
    chars = max(4, body.w // size)
    w = chars * size
    return _Measure(body.x + (body.w - w) // 2, w)


def _spans(block: Block) -> tuple[Span, ...]:
    if block.spans and "".join(s.text for s in block.spans) == block.text:
        return block.spans
    return (Span(block.text),)


def _char_fonts(block: Block, style: _Style) -> list[FontRole]:
    out: list[FontRole] = []
    for span in _spans(block):
        role = style.bold_font if span.bold and style.font == "sans" else style.font
        out.extend([role] * len(span.text))
    return out


def _runs(
    text: str,
    set_line: SetLine,
    fonts_of: Sequence[FontRole],
    widths: Sequence[float],
    left: float,
    line_font: FontRole,
) -> tuple[Glyphs, ...]:
    """Glyph runs for one set line, cut again where the face changes (bold spans)."""
    out: list[Glyphs] = []
    for start, end, x in set_line.runs:
        piece_start = start
        cx = x
        for k in range(start + 1, end + 1):
            if k == end or fonts_of[k] != fonts_of[piece_start]:
                face = fonts_of[piece_start]
                out.append(
                    Glyphs(text[piece_start:k], left + cx, None if face == line_font else face)
                )
                cx += sum(widths[piece_start:k])
                piece_start = k
    return tuple(out)


def _make_line(
    text: str,
    style: _Style,
    x: float,
    width: float,
    runs: tuple[Glyphs, ...],
) -> Line:
    return Line(
        text=text,
        role=style.role,
        x=round(x),
        y=0,
        width=max(0, round(width)),
        size=style.size,
        level=style.level,
        font=style.font,
        color=style.color,
        baseline=0,
        runs=runs,
    )


def _set_paragraph(
    block: Block,
    style: _Style,
    fonts: FontBook,
    measure: _Measure,
    *,
    indent_em: float = 0.0,
    inset_em: float = 0.0,
    align: str = "justify",
    right_gap_em: float = 0.0,
    balance: bool = False,
) -> list[_Row]:
    text = widen_punctuation(block.text)
    size = style.size
    fonts_of = _char_fonts(block, style)
    widths = [fonts.char_advance(c, f, size) for c, f in zip(text, fonts_of, strict=True)]
    inset = inset_em * size
    avail = measure.w - inset - right_gap_em * size
    if align in ("center", "balanced"):
        lines = balance_lines(text, widths, avail, size)
    else:
        lines = break_lines(
            text,
            widths,
            avail,
            size,
            first_indent=indent_em * size,
            justify=align == "justify",
            balance=balance,
        )
    rows = []
    for n, set_line in enumerate(lines):
        if not set_line.text:
            continue
        # An opening mark set flush at a line's start draws from half an em further left;
        # its ink, and so the line's box, starts where the line does.
        first_x = set_line.runs[0][2] if set_line.runs else 0.0
        first_x = max(first_x, indent_em * size if n == 0 and align == "justify" else 0.0)
        ink_w = set_line.width - first_x
        if align == "center":
            shift = measure.x + inset + (avail - ink_w) / 2 - first_x
        elif align == "right":
            shift = measure.x + inset + avail - set_line.width
        else:
            shift = measure.x + inset
        runs = _runs(text, set_line, fonts_of, widths, shift, style.font)
        line = _make_line(set_line.text, style, shift + first_x, ink_w, runs)
        # The halves of an address split across lines never land on different pages.
        split = 0 < set_line.end < len(text) and _inside_word(text, set_line.end)
        loose = align == "justify" and n < len(lines) - 1 and not set_line.justified
        rows.append(
            _Row(line, style.pitch * size, keep_with_next=split, must_keep=split, loose=loose)
        )
    return rows


_KEY_LABEL = re.compile(r"^[\u4e00-\u9fff]{2,5}[：:]")


def _is_key_line(text: str) -> bool:
    """A short labelled fact (时间：… 地点：… 联系人：…): its last line is never a stub."""
    return len(text) <= 60 and bool(_KEY_LABEL.match(text))


def _inside_word(text: str, k: int) -> bool:
    """Is text[k-1:k+1] the inside of a Latin run (a long address split at a line end)?"""
    a, b = text[k - 1], text[k]
    return a.isascii() and b.isascii() and a.isprintable() and b.isprintable() and " " not in a + b


# --- documents --------------------------------------------------------------------------------


def _label_em(text: str, fonts: FontBook, size: int) -> float:
    """Width of an "附件：" label in em, so that later attachment lines align after it."""
    colon = max(text.find("："), text.find(":"))
    if colon < 0 or colon > 6:
        return 0.0
    return fonts.advance(text[: colon + 1], "sans", size) / size


def _is_attachment(block: Block) -> bool:
    return not block.indent and block.text.lstrip().startswith("附")


def _document_rows(
    doc: Document,
    fonts: FontBook,
    measure: _Measure,
    size: int,
    *,
    urgent: bool,
    fallback_title: str | None,
    pitch: float = BODY_PITCH,
    tight: bool = False,
) -> list[_Row]:
    """Rows for every block; tight drops the extra space between paragraphs."""
    text_color: ColorRole = "urgent_text" if urgent else "text"
    # The title in the ink of the text (GB/T 9704 keeps red for the issuing office's
    # mark, here the header band, and for urgent notices).
    title = _Style("title", "serif-bold", round(size * TITLE_SCALE), text_color, pitch=1.35)
    blocks = list(doc.blocks)
    if fallback_title and not any(b.role == "title" for b in blocks):
        blocks.insert(0, Block("title", fallback_title, align="center"))
    rows: list[_Row] = []
    prev_role: Role | None = None
    attachment_inset = 0.0
    for n, block in enumerate(blocks):
        nxt = blocks[n + 1] if n + 1 < len(blocks) else None
        if block.role != "body" or block.indent:
            attachment_inset = 0.0
        gap = 0.0 if not rows or tight else 0.25 * size
        if block.role == "title":
            set_rows = _set_paragraph(block, title, fonts, measure, align="center")
            set_rows = [replace(r, keep_with_next=True) for r in set_rows]
            if set_rows:
                last = set_rows[-1]
                set_rows[-1] = replace(last, pitch=last.pitch + (0.2 if tight else 0.45) * size)
        elif block.role == "heading":
            level = block.level or 1
            # GB/T 9704: the levels in one ink, told apart by face: 一、 in 黑体 (bold
            # sans), （一） in 楷体, 1. and （1） in the body face. Without a 楷体 the second
            # level takes the body face: never louder than the first.
            if level == 1:
                face: FontRole = "sans-bold"
            elif level == 2:
                face = "kai" if fonts.has_kai else "sans"
            else:
                face = "sans"
            style = _Style("heading", face, size, text_color, level=level, pitch=pitch)
            set_rows = _set_paragraph(
                block, style, fonts, measure, indent_em=2.0, align="left", balance=True
            )
            # A heading stays with its content; an empty section (the next heading is of
            # the same or a higher level) has nothing to stay with.
            empty = nxt is None or (nxt.role == "heading" and (nxt.level or 1) <= level)
            set_rows = [
                replace(r, keep_with_next=k < len(set_rows) - 1 or not empty)
                for k, r in enumerate(set_rows)
            ]
            if level <= 2 and rows and not tight:
                gap = 0.4 * size
        elif block.role == "table":
            style = _Style("body", "sans", size, text_color, pitch=pitch)
            set_rows = _table_rows(block, style, fonts, measure) or _table_as_list(
                block, style, fonts, measure
            )
        elif block.role in ("signature", "date"):
            style = _Style(block.role, "sans", size, text_color, pitch=pitch)
            set_rows = _set_paragraph(block, style, fonts, measure, align="right", right_gap_em=2.0)
            if block.role == "signature":
                set_rows = [replace(r, keep_with_next=True) for r in set_rows]
            if prev_role not in ("signature", "date"):
                gap = (0.3 if tight else 0.8) * size
                if rows:
                    # The signature never stands alone at the top of a page.
                    rows[-1] = replace(rows[-1], keep_with_next=True)
        else:
            style = _Style(block.role, "sans", size, text_color, pitch=pitch)
            if block.align == "center":
                set_rows = _set_paragraph(block, style, fonts, measure, align="center")
            elif _is_attachment(block):
                set_rows = _set_paragraph(block, style, fonts, measure, inset_em=2.0)
                attachment_inset = 2.0 + _label_em(block.text, fonts, size)
            elif not block.indent and attachment_inset and prev_role == "body":
                # Further attachments line up under the first one, after "附件：".
                set_rows = _set_paragraph(block, style, fonts, measure, inset_em=attachment_inset)
            else:
                set_rows = _set_paragraph(
                    block,
                    style,
                    fonts,
                    measure,
                    indent_em=2.0 if block.indent else 0.0,
                    balance=_is_key_line(block.text),
                )
        if set_rows:
            set_rows[0] = replace(set_rows[0], space_before=gap)
        if block.role == "body" and len(set_rows) >= 2:
            # No single first line at a page foot, no single last line at a page head.
            set_rows[0] = replace(set_rows[0], keep_with_next=True)
            set_rows[-2] = replace(set_rows[-2], keep_with_next=True)
        rows.extend(set_rows)
        prev_role = block.role
    return rows


def _table_plan(
    block: Block, fonts: FontBook, measure: _Measure, size: int
) -> tuple[TablePlan, Callable[[str, bool], float]] | None:
    def advance(text: str, bold: bool) -> float:
        return fonts.advance(text, "sans-bold" if bold else "sans", size)

    cells = [[widen_punctuation(c) for c in row.cells] for row in block.rows]
    plan = plan_table(
        cells, [row.header for row in block.rows], block.columns, measure.w, size, advance
    )
    return None if plan is None else (plan, advance)


def _table_rows(block: Block, style: _Style, fonts: FontBook, measure: _Measure) -> list[_Row]:
    """A table: one line a row, cells in columns, numbers on their decimal point, the
    column heads (if any) above in bold. Empty when the columns do not fit side by side."""
    size = style.size
    planned = _table_plan(block, fonts, measure, size)
    if planned is None or not block.rows:
        return []
    plan, advance = planned

    def line(text: str, cells: Sequence[str], bold: bool, role: Role) -> Line:
        runs = tuple(
            Glyphs(cell, measure.x + cell_x(plan, c, cell, bold, advance))
            for c, cell in enumerate(cells)
            if cell
        )
        left = min((r.x for r in runs), default=float(measure.x) + plan.left)
        right = max(
            (r.x + advance(r.text, bold) for r in runs), default=measure.x + plan.left + plan.width
        )
        face: FontRole = "sans-bold" if bold else "sans"
        return replace(
            _make_line(text, replace(style, role=role, font=face), left, right - left, runs),
            cells=True,
        )

    rows: list[_Row] = []
    heads = [head_lines(h) for h in block.columns]
    first_row = 0
    for k in range(max((len(h) for h in heads), default=0)):
        parts = [h[k] if k < len(h) else "" for h in heads]
        head = line("\u3000".join(p for p in parts if p), parts, True, "meta")
        rows.append(_Row(head, style.pitch * size * (0.8 if k == 0 else 1.0), keep_with_next=True))
    first_row = len(rows)
    for row in block.rows:
        cells = [widen_punctuation(c) for c in row.cells]
        rows.append(
            _Row(line(widen_punctuation(row.text), cells, row.header, "table"), style.pitch * size)
        )
    # A page that a table continues on starts with its heads again (the file's heading
    # row, or the heads worked out from the labels).
    repeat = tuple(rows[:first_row]) + ((rows[first_row],) if block.rows[0].header else ())
    if repeat:
        start = len(repeat)
        again = tuple(_repeated(h) for h in repeat)
        rows[start:] = [replace(r, head=again) for r in rows[start:]]
    # The heads (or the file's heading row) stay with the first row.
    first = len(heads and max(heads, key=len)) if block.columns else 0
    if block.rows[0].header:
        first += 1
    for k in range(min(first, len(rows) - 1)):
        rows[k] = replace(rows[k], keep_with_next=True, must_keep=True)
    return rows


def _repeated(row: _Row) -> _Row:
    """A head row shown again on a later page: a layout addition (meta), not file text."""
    return replace(row, keep_with_next=True, space_before=0.0, line=replace(row.line, role="meta"))


def _table_as_list(block: Block, style: _Style, fonts: FontBook, measure: _Measure) -> list[_Row]:
    """A table too wide for the screen, set as it was written: one paragraph a row."""
    rows: list[_Row] = []
    for row in block.rows:
        item = Block("body", row.text, indent=block.indent)
        set_rows = _set_paragraph(
            item, style, fonts, measure, indent_em=2.0 if block.indent else 0.0
        )
        if len(set_rows) >= 2:
            set_rows = [replace(r, keep_with_next=True) for r in set_rows[:-1]] + set_rows[-1:]
        rows.extend(set_rows)
    return rows


def tables_fit(doc: Document, fonts: FontBook, body_w: int, size: int) -> bool:
    """Do the columns of every table of doc fit side by side at this size?"""
    measure = _measure_for(Rect(0, 0, body_w, 1), size)
    return all(
        _table_plan(b, fonts, measure, size) is not None for b in doc.blocks if b.role == "table"
    )


def _height(rows: Sequence[_Row]) -> float:
    return sum(r.pitch + (r.space_before if k else 0.0) for k, r in enumerate(rows))


PAGE_COST = 300.0
"""Each page costs the visitor a turn: fewer pages, other things equal."""
UNDERFULL_COST = 1e4
"""Times the square of a page's empty share (not the last page's)."""
UNDER_60_COST = 5e4
"""A page but the last less than MIN_FILL full: only to keep a heading with its text."""
MIN_FILL = 0.6
KEEP_COST = 4e3
"""Breaking a paragraph after its first or before its last line, or a signature from the
text above it."""
STRONG_KEEP_COST = 1e6
"""A heading or title at a page's foot; a meeting's agenda (whole_chains) split."""
MUST_KEEP_COST = 1e8
"""The halves of a split address on two pages."""
SHORT_LAST_COST = 3e4
"""Per text line the last page has fewer than MIN_LAST_PAGE_LINES."""
MIN_LAST_PAGE_LINES = 3
"""Text lines (signature and date not counted) that the last page of a slide carries at least
where the pages before can give them: never the signature and date alone, nor one or two
stray lines."""


def _paginate(
    rows: Sequence[_Row], first_h: float, later_h: float, *, whole_chains: bool = False
) -> list[list[_Row]]:
    """Break rows into pages all at once, like lines into a paragraph: the breaks with the
    least cost win, so pages are evenly full and the last one is not a stray line or two.

    Costs: each page; each page but the last by the square of its empty share, and much
    more under MIN_FILL full; a break after a row kept with the next (a heading or title
    dearest, then a split address; a paragraph's first or second-last line, the text above
    a signature, far less); a last page with fewer than MIN_LAST_PAGE_LINES text lines.
    with whole_chains every kept chain (a meeting's agenda) is as dear as a heading. A
    page holds at least one row, so a row taller than a page still gets one. Work is
    linear: a page holds only the rows that fit it.
    """
    n = len(rows)
    if n == 0:
        return []
    pitch = [0.0] * (n + 1)
    space = [0.0] * (n + 1)
    texts = [0] * (n + 1)
    for k, r in enumerate(rows):
        pitch[k + 1] = pitch[k] + r.pitch
        space[k + 1] = space[k] + r.space_before
        texts[k + 1] = texts[k] + (r.line.role not in ("signature", "date", "meta"))

    def height(a: int, b: int) -> float:
        # A page starting inside a table repeats the table's heads.
        return pitch[b] - pitch[a] + space[b] - space[a + 1] + head_h[a]

    head_h = [sum(h.pitch for h in r.head) if k else 0.0 for k, r in enumerate(rows)]

    def break_cost(r: _Row) -> float:
        if r.must_keep:
            return MUST_KEEP_COST
        if r.line.role in ("title", "heading"):
            # An empty section's heading (not kept) at a foot is poor, not forbidden.
            return STRONG_KEEP_COST if r.keep_with_next else KEEP_COST
        if r.keep_with_next:
            return STRONG_KEEP_COST if whole_chains else KEEP_COST
        return 0.0

    total = [math.inf] * (n + 1)
    back = [0] * (n + 1)
    total[0] = 0.0
    for b in range(1, n + 1):
        last = b == n
        brk = 0.0 if last else break_cost(rows[b - 1])
        a = b - 1
        while a >= 0:
            room = first_h if a == 0 else later_h
            h = height(a, b)
            if h > room + 0.5 and a < b - 1:
                # The first page has more room (no running title): it may still fit.
                if a == 0 or height(0, b) > first_h + 0.5:
                    break
                a = 0
                continue
            if total[a] < math.inf:
                cost = total[a] + PAGE_COST + brk
                if last:
                    if a > 0:
                        short = MIN_LAST_PAGE_LINES - (texts[b] - texts[a])
                        cost += SHORT_LAST_COST * max(0, short)
                else:
                    fill = min(1.0, h / room)
                    cost += UNDERFULL_COST * (1.0 - fill) ** 2
                    if fill < MIN_FILL:
                        cost += UNDER_60_COST
                if cost < total[b] - 1e-9:
                    total[b], back[b] = cost, a
            a -= 1
    pages: list[list[_Row]] = []
    b = n
    while b > 0:
        a = back[b]
        pages.append([*(rows[a].head if a else ()), *rows[a:b]])
        b = a
    pages.reverse()
    return pages


def _place(rows: Sequence[_Row], top: float) -> list[Line]:
    out = []
    y = top
    for k, row in enumerate(rows):
        if k:
            y += row.space_before
        size = row.line.size
        em_top = y + (row.pitch - size) / 2 if row.pitch < 2.2 * size else y + 0.3 * size
        baseline = em_top + EM_TOP * size
        out.append(replace(row.line, y=round(em_top), baseline=round(baseline)))
        y += row.pitch
    return out


def _meta_line(
    text: str,
    size: int,
    top: float,
    fonts: FontBook,
    area: Rect,
    *,
    align: str,
    color: ColorRole,
    font: FontRole = "sans",
    pitch: float = 1.4,
) -> Line:
    width = fonts.advance(text, font, size)
    if align == "center":
        x = area.x + (area.w - width) / 2
    elif align == "right":
        x = area.x + area.w - width
    else:
        x = float(area.x)
    em_top = top + (pitch - 1) * size / 2
    return Line(
        text=text,
        role="meta",
        x=round(x),
        y=round(em_top),
        width=round(width),
        size=size,
        font=font,
        color=color,
        baseline=round(em_top + EM_TOP * size),
        runs=(Glyphs(text, x),),
    )


def _footer_line(text: str, frame: Frame, fonts: FontBook, color: ColorRole) -> Line:
    size = max(10, round(frame.footer.h * 0.5))
    top = frame.footer.y + (frame.footer.h - size) / 2 - 0.2 * size
    return _meta_line(text, size, top, fonts, frame.footer, align="right", color=color, pitch=1.0)


def _page_chars(lines: Sequence[Line]) -> int:
    return sum(1 for ln in lines if ln.role != "meta" for c in ln.text if not c.isspace())


def _finish(
    pages_lines: list[list[Line]],
    style: PageStyle,
    frame: Frame,
    fonts: FontBook,
    duration: float | None,
    slide: Slide,
    *,
    color: ColorRole,
) -> tuple[Page, ...]:
    count = len(pages_lines)
    out = []
    for n, lines in enumerate(pages_lines):
        if count > 1 or style == "document":
            lines = [*lines, _footer_line(f"第 {n + 1}/{count} 页", frame, fonts, color)]
        seconds = duration if duration is not None else slide.duration
        if seconds is None:
            seconds = page_seconds(_page_chars(lines))
        out.append(
            Page(style=style, duration=float(seconds), lines=tuple(lines), number=n, count=count)
        )
    return tuple(out)


def _layout_document(
    slide: Slide,
    doc: Document,
    frame: Frame,
    fonts: FontBook,
    floor: int,
    duration: float | None,
) -> tuple[Page, ...]:
    body = frame.body
    urgent = slide.urgent
    meta_color: ColorRole = "urgent_text" if urgent else "muted"
    has_title = any(b.role == "title" for b in doc.blocks)
    fallback_title = None if has_title else (doc.title or None)
    needs_label = (
        urgent
        and "紧急" not in (slide.title or "")
        and not any("紧急" in b.text for b in doc.blocks[:1])
    )

    def label_height(size: int) -> float:
        """An urgent text without 紧急 in its title gets a 紧急通知 label above it."""
        return round(size * 1.15) * 1.6 if needs_label else 0.0

    def label(top: float, size: int) -> list[Line]:
        if not needs_label:
            return []
        return [
            _meta_line(
                "紧急通知",
                round(size * 1.15),
                top,
                fonts,
                body,
                align="center",
                color="urgent_text",
                font="sans-bold",
                pitch=1.6,
            )
        ]

    # A notice (or urgent text) that fits one page is set large and centred vertically.
    if slide.kind != "document" or urgent:
        scales = URGENT_SCALES if urgent else NOTICE_SCALES
        # Last try before paginating: the floor size with the tightest allowed line pitch.
        attempts = [(scale, BODY_PITCH, False) for scale in scales] + [(1.0, MIN_PITCH, True)]
        # A table that fits at the floor is not given up for a larger list.
        want_tables = any(b.role == "table" for b in doc.blocks) and tables_fit(
            doc, fonts, body.w, floor
        )
        fitting: list[tuple[int, int, list[_Row], float]] = []
        for scale, pitch, tight in attempts:
            size = max(floor, round(floor * scale))
            if want_tables and size > floor and not tables_fit(doc, fonts, body.w, size):
                continue
            measure = _measure_for(body, size)
            rows = _document_rows(
                doc,
                fonts,
                measure,
                size,
                urgent=urgent,
                fallback_title=fallback_title,
                pitch=pitch,
                tight=tight,
            )
            height = _height(rows)
            label_h = label_height(size)
            if height + label_h <= body.h:
                loose = sum(1 for r in rows if r.loose)
                fitting.append((loose, size, rows, label_h))
                if loose == 0:
                    break
        if fitting:
            # The largest size whose lines set well: a large notice with lines ending
            # ems short reads worse than one a step smaller set evenly.
            fewest = min(f[0] for f in fitting)
            _, size, rows, label_h = next(f for f in fitting if f[0] == fewest)
            top = body.y + (body.h - _height(rows) - label_h) / 2
            lines = [*label(top, size), *_place(rows, top + label_h)]
            style: PageStyle = "urgent" if urgent else "notice"
            return _finish([lines], style, frame, fonts, duration, slide, color=meta_color)
    size = floor
    measure = _measure_for(body, size)
    rows = _document_rows(doc, fonts, measure, size, urgent=urgent, fallback_title=fallback_title)
    running_size = max(10, round(size * 0.55))
    running_h = running_size * 1.4 + 0.3 * size
    label_h = label_height(size)
    first_h = body.h - label_h
    later_h = body.h - label_h - running_h
    chunks = _paginate(rows, first_h, later_h)
    running = slide.title
    pages_lines: list[list[Line]] = []
    for n, chunk in enumerate(chunks):
        top = float(body.y)
        lines = label(top, size)
        top += label_h
        if n > 0:
            text = running if len(running) <= 40 else running[:39] + "…"
            lines.append(
                _meta_line(text, running_size, top, fonts, body, align="center", color=meta_color)
            )
            top += running_h
        lines.extend(_place(chunk, top))
        pages_lines.append(lines)
    style = "urgent" if urgent else "document"
    return _finish(pages_lines, style, frame, fonts, duration, slide, color=meta_color)


# --- meetings --------------------------------------------------------------------------------


def _period(hour: int) -> str:
    return "上午" if hour < 12 else "下午" if hour < 18 else "晚上"


def format_date(when: datetime) -> str:
    """2026年12月3日 星期四"""
    return f"{when.year}年{when.month}月{when.day}日 星期{WEEKDAYS[when.weekday()]}"


def relative_label(start: datetime, end: datetime | None, now: datetime) -> str | None:
    """今天 14:30, 明天上午 9:00, 即将开始 (last half hour), 正在进行; None further ahead."""
    if start.tzinfo is not None and now.tzinfo is None:
        now = now.replace(tzinfo=start.tzinfo)
    elif start.tzinfo is None and now.tzinfo is not None:
        now = now.replace(tzinfo=None)
    local_now = now.astimezone(start.tzinfo) if start.tzinfo else now
    finish = end if end is not None else start + timedelta(hours=2)
    if start <= local_now < finish:
        return "正在进行"
    if start - timedelta(minutes=30) <= local_now < start:
        return "即将开始"
    days = (start.date() - local_now.date()).days
    if days == 0 and local_now < start:
        return f"今天 {start:%H:%M}"
    if days == 1:
        return f"明天{_period(start.hour)} {start.hour}:{start.minute:02d}"
    return None


def _when_text(m: Meeting, *, short: bool = False) -> str:
    """2026年12月3日 星期四 14:30–16:30; short: 12月3日 星期四 14:30–16:30 (same year)."""
    day = format_date(m.start)
    if short and (m.end is None or m.end.date() == m.start.date()):
        day = day.split("年", 1)[1]
    when = f"{day} {m.start:%H:%M}"
    if m.end is not None:
        when += (
            f"–{m.end:%H:%M}"
            if m.end.date() == m.start.date()
            else f" 至 {format_date(m.end)} {m.end:%H:%M}"
        )
    return when


def _meeting_blocks(m: Meeting) -> tuple[list[tuple[Block, str]], list[tuple[Block, str]]]:
    """(time and place blocks, detail blocks), each with a kind for styling."""

    def labelled(label: str, value: str) -> Block:
        return Block(
            "body", label + value, spans=(Span(label, bold=True), Span(value)), indent=False
        )

    main = [(labelled("时间：", _when_text(m)), "main")]
    if m.place:
        main.append((labelled("地点：", m.place), "main"))
    details: list[tuple[Block, str]] = []
    if m.host:
        details.append((labelled("主持：", m.host), "detail"))
    if m.attendees:
        details.append((labelled("参会人员：", m.attendees), "detail"))
    if m.agenda:
        details.append(
            (Block("body", "议程：", spans=(Span("议程：", bold=True),), indent=False), "head")
        )
        for n, item in enumerate(m.agenda, 1):
            numbered = item if item[:1].isdigit() else f"{n}. {item}"
            details.append((Block("body", numbered, indent=False), "item"))
    if m.notes:
        details.append((labelled("备注：", m.notes), "detail"))
    return main, details


def _layout_meeting(
    slide: Slide,
    m: Meeting,
    frame: Frame,
    fonts: FontBook,
    floor: int,
    now: datetime,
    duration: float | None,
) -> tuple[Page, ...]:
    """One page when the meeting fits, else pages that each show when and where.

    Tries larger sizes first, then the floor size with the tightest allowed pitch (time and
    place stay the largest text after the title). When even that does not fit, later pages
    repeat a compact header (the title, then date, time and place at body size), and the
    agenda moves to a new page whole when it fits there.
    """
    body = frame.body
    urgent = slide.urgent
    text_color: ColorRole = "urgent_text" if urgent else "text"
    meta_color: ColorRole = "urgent_text" if urgent else "accent"
    page_color: ColorRole = "urgent_text" if urgent else "muted"
    title_color: ColorRole = "urgent_text" if urgent else "title"
    main, details = _meeting_blocks(m)
    label = relative_label(m.start, m.end, now)

    def rows_at(size: int, *, compact: bool) -> list[_Row]:
        measure = _measure_for(body, size)
        big = round(size * 1.25)
        title_style = _Style(
            "title", "serif-bold", round(size * 1.5), title_color, pitch=1.25 if compact else 1.35
        )
        rows = _set_paragraph(Block("title", m.title), title_style, fonts, measure, align="center")
        rows = [replace(r, keep_with_next=True) for r in rows]
        if rows:
            rows[-1] = replace(rows[-1], pitch=rows[-1].pitch + (0.15 if compact else 0.3) * size)
        if label:
            lab = _Style("meta", "sans-bold", big, meta_color, pitch=1.4 if compact else 1.5)
            lab_rows = _set_paragraph(Block("body", label), lab, fonts, measure, align="center")
            rows += [replace(r, keep_with_next=True) for r in lab_rows]
        for block, _kind in main:
            style = _Style("body", "sans", big, text_color, pitch=1.4 if compact else 1.5)
            # Short labelled facts read better ragged than spread to the edge, and wrap at
            # a space or a natural point (星期四 stays whole) when they must wrap.
            rows += _set_paragraph(block, style, fonts, measure, align="balanced")
        detail_pitch = MIN_PITCH if compact else BODY_PITCH
        agenda: list[_Row] = []
        for n, (block, kind) in enumerate(details):
            style = _Style("body", "sans", size, text_color, pitch=detail_pitch)
            set_rows = _set_paragraph(
                block, style, fonts, measure, inset_em=2.0 if kind == "item" else 0.0, align="left"
            )
            if set_rows and n == 0:
                set_rows[0] = replace(set_rows[0], space_before=(0.2 if compact else 0.4) * size)
            if kind in ("head", "item"):
                agenda += set_rows
                continue
            if agenda:
                # The agenda is kept together, moving to a new page whole when it fits there.
                rows += [replace(r, keep_with_next=True) for r in agenda[:-1]] + agenda[-1:]
                agenda = []
            if len(set_rows) >= 2:
                set_rows[0] = replace(set_rows[0], keep_with_next=True)
                set_rows[-2] = replace(set_rows[-2], keep_with_next=True)
            rows += set_rows
        if agenda:
            rows += [replace(r, keep_with_next=True) for r in agenda[:-1]] + agenda[-1:]
        return rows

    attempts = [(scale, False) for scale in (1.3, 1.2, 1.1, 1.0)] + [(1.0, True)]
    for scale, compact in attempts:
        size = max(floor, round(floor * scale))
        rows = rows_at(size, compact=compact)
        height = _height(rows)
        # The last line's leading is white below it: a meeting 2 px over by that count
        # otherwise went to a second page holding only its agenda.
        ink = height - max(0.0, rows[-1].pitch - rows[-1].line.size) if rows else height
        if ink <= body.h:
            top = body.y + max(0.0, (body.h - height) / 2)
            style: PageStyle = "urgent" if urgent else "meeting"
            return _finish(
                [_place(rows, top)], style, frame, fonts, duration, slide, color=page_color
            )
    rows = rows_at(floor, compact=True)
    header = _meeting_header(m, fonts, body, floor, title_color, meta_color, label)
    header_h = _height(header) + 0.3 * floor
    chunks = _paginate(rows, body.h, body.h - header_h, whole_chains=True)
    pages_lines = []
    for n, chunk in enumerate(chunks):
        top = float(body.y)
        lines: list[Line] = []
        if n > 0:
            lines.extend(_place(header, top))
            top += header_h
        else:
            top += (body.h - _height(chunk)) / 2  # the big first page sits centred
        lines.extend(_place(chunk, top))
        pages_lines.append(lines)
    style = "urgent" if urgent else "meeting"
    return _finish(pages_lines, style, frame, fonts, duration, slide, color=page_color)


def _meeting_header(
    m: Meeting,
    fonts: FontBook,
    body: Rect,
    floor: int,
    title_color: ColorRole,
    color: ColorRole,
    label: str | None,
) -> list[_Row]:
    """The head of a meeting's later pages: the title small, then when and where at body size.

    即将开始 and 正在进行 lead the line, as on the first page.
    """
    measure = _measure_for(body, floor)
    title_size = max(10, round(floor * 0.75))
    title_measure = _measure_for(body, title_size)
    title = m.title if len(m.title) <= 40 else m.title[:39] + "…"
    title_style = _Style("meta", "serif-bold", title_size, title_color, pitch=1.3)
    rows = _set_paragraph(Block("body", title), title_style, fonts, title_measure, align="center")
    parts = [_when_text(m, short=True)]
    if label in ("即将开始", "正在进行"):
        parts.insert(0, label)
    if m.place:
        parts.append(m.place)
    where = "\u3000".join(parts)
    when_style = _Style("meta", "sans-bold", floor, color, pitch=1.4)
    rows += _set_paragraph(Block("body", where), when_style, fonts, measure, align="center")
    return rows


# --- entry -------------------------------------------------------------------------------------


def layout_slide(
    slide: Slide,
    canvas: tuple[int, int],
    fonts: FontBook,
    settings: Settings,
    now: datetime,
    duration: float | None = None,
    *,
    body: Rect | None = None,
    floor: int | None = None,
) -> tuple[Page, ...]:
    """Pages for a notice, document or meeting slide; ValueError for other kinds.

    body and floor narrow the text to part of the page at a given body size: the Chinese
    half of a bilingual page (typeset/bilingual.py)."""
    frame = frame_for(canvas)
    if body is not None:
        frame = replace(frame, body=body)
    if floor is None:
        floor = body_floor_px(settings, canvas)
    if isinstance(slide.body, Meeting):
        return _layout_meeting(slide, slide.body, frame, fonts, floor, now, duration)
    if isinstance(slide.body, Document) and slide.kind in ("notice", "document"):
        return _layout_document(slide, slide.body, frame, fonts, floor, duration)
    raise ValueError(f"layout_slide sets text slides, not {slide.kind!r} ({slide.path})")
