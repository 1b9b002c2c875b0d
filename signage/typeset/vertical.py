"""Traditional Mongolian set vertically: columns read top to bottom, from left to right.

Each column is a `Line` with direction "ttb": its runs' x is the distance down the column,
and it breaks only between words (never at U+202F, which joins a suffix to its word).
Sizes follow the Chinese rules (never below the legibility floor; a notice set as large as
fits; a document paginated), and so do page times, counting about six Mongolian letters as
long to read as three Chinese characters.

Pure: (slide, canvas, fonts, settings) in, pages out; the face's widths come from HarfBuzz
through typeset/mongolian.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from signage.core.model import Block, ColorRole, Glyphs, Line, Page, PageStyle, Role
from signage.typeset.canvas import Frame, Rect
from signage.typeset.fonts import EM_TOP, FontBook
from signage.typeset.layout import NOTICE_SCALES, TITLE_SCALE, URGENT_SCALES, page_seconds
from signage.typeset.mongolian import (
    MongolianFace,
    Piece,
    is_mongolian_letter,
    mongolian_digits,
    pieces,
    words,
)

COLUMN_GAP_EM = 0.55
"""White space between two columns' ink, in em (about the gap between Chinese lines)."""
INDENT_EM = 2.0
GUTTER_EM = 1.5
"""Between the Mongolian columns and the Chinese text of a bilingual page."""
LETTERS_PER_CHAR = 2.0
"""Mongolian letters that take as long to read as one Chinese character."""

Align = Literal["top", "center", "bottom"]


@dataclass(frozen=True)
class Column:
    """A set column before it is placed: runs at distances from its start."""

    text: str
    runs: tuple[Glyphs, ...]
    length: float
    role: Role
    size: int
    color: ColorRole
    align: Align = "top"
    space_before: float = 0.0
    """Extra room to the left of this column, beyond the usual gap."""
    keep_with_next: bool = False
    level: int | None = None


def pitch(face: MongolianFace, size: int) -> float:
    """From one column's left edge to the next one's at this size."""
    return (face.band().width + COLUMN_GAP_EM) * size


def band_width(face: MongolianFace, size: int) -> float:
    return face.band().width * size


def piece_advance(piece: Piece, size: int, face: MongolianFace, fonts: FontBook) -> float:
    """How far a piece reaches down the column."""
    if piece.kind == "mongol":
        return float(face.width(piece.text, size))
    if piece.kind == "upright":
        return float(size) * len(piece.text)
    return fonts.advance(piece.text, "sans", size)


def _word_pieces(
    word: str, size: int, face: MongolianFace, fonts: FontBook
) -> list[tuple[str, float]]:
    return [(p.text, piece_advance(p, size, face, fonts)) for p in pieces(word, face)]


def _split_long(
    word: str, size: int, limit: float, face: MongolianFace, fonts: FontBook
) -> list[str]:
    """A word longer than a whole column (a URL, a run-on string) cut where it must be."""
    out: list[str] = []
    start = 0
    for end in range(1, len(word) + 1):
        part = word[start:end]
        if end - start > 1 and sum(a for _, a in _word_pieces(part, size, face, fonts)) > limit:
            out.append(word[start : end - 1])
            start = end - 1
    out.append(word[start:])
    return [w for w in out if w]


def set_columns(
    text: str,
    *,
    role: Role,
    size: int,
    color: ColorRole,
    length: float,
    face: MongolianFace,
    fonts: FontBook,
    indent_em: float = 0.0,
    align: Align = "top",
    level: int | None = None,
) -> list[Column]:
    """A paragraph broken into columns of at most `length`, between words only."""
    space = float(face.width(" ", size))
    measured: list[tuple[str, list[tuple[str, float]], float]] = []
    for word in words(text):
        parts = _word_pieces(word, size, face, fonts)
        total = sum(a for _, a in parts)
        if total > length:
            for cut in _split_long(word, size, length, face, fonts):
                cut_parts = _word_pieces(cut, size, face, fonts)
                measured.append((cut, cut_parts, sum(a for _, a in cut_parts)))
        else:
            measured.append((word, parts, total))
    columns: list[Column] = []
    current: list[tuple[str, list[tuple[str, float]], float]] = []
    start = indent_em * size
    used = start

    def flush() -> None:
        runs: list[Glyphs] = []
        y = start if not columns else 0.0
        for n, (_, parts, _total) in enumerate(current):
            if n:
                y += space
            for piece_text, advance in parts:
                runs.append(Glyphs(piece_text, y))
                y += advance
        columns.append(
            Column(
                text=" ".join(w for w, _, _ in current),
                runs=tuple(runs),
                length=y,
                role=role,
                size=size,
                color=color,
                align=align,
                level=level,
            )
        )

    for item in measured:
        extra = item[2] + (space if current else 0.0)
        if current and used + extra > length + 0.5:
            flush()
            current = []
            start = 0.0
            used = 0.0
            extra = item[2]
        current.append(item)
        used += extra
    if current:
        flush()
    return columns


def _block_columns(
    block: Block, size: int, length: float, face: MongolianFace, fonts: FontBook, urgent: bool
) -> list[Column]:
    text_color: ColorRole = "urgent_text" if urgent else "text"
    if block.role == "title":
        cols = set_columns(
            block.text,
            role="title",
            size=round(size * TITLE_SCALE),
            # In the ink of the text, as the Chinese notice's title: the two scripts are set
            # alike (same size, same brightness), and red is the header band's.
            color=text_color,
            length=length,
            face=face,
            fonts=fonts,
            align="center",
        )
        return [replace(c, keep_with_next=True) for c in cols]
    if block.role == "heading":
        cols = set_columns(
            block.text,
            role="heading",
            size=size,
            color=text_color if urgent else "accent",
            length=length,
            face=face,
            fonts=fonts,
            level=block.level,
        )
        if cols:
            cols[0] = replace(cols[0], space_before=0.3 * size)
        return [replace(c, keep_with_next=True) for c in cols]
    if block.role in ("signature", "date"):
        cols = set_columns(
            block.text,
            role=block.role,
            size=size,
            color=text_color,
            length=length,
            face=face,
            fonts=fonts,
            align="bottom",
        )
        if block.role == "signature":
            cols = [replace(c, keep_with_next=True) for c in cols]
        return cols
    cols = set_columns(
        block.text,
        role="body",
        size=size,
        color=text_color,
        length=length,
        face=face,
        fonts=fonts,
        indent_em=INDENT_EM if block.indent else 0.0,
        align="center" if block.align == "center" else "top",
    )
    if len(cols) >= 2:
        # No lone first column at a page's right edge.
        cols[0] = replace(cols[0], keep_with_next=True)
    return cols


def document_columns(
    blocks: Sequence[Block],
    size: int,
    length: float,
    face: MongolianFace,
    fonts: FontBook,
    *,
    urgent: bool = False,
) -> list[Column]:
    """Columns for every block, with a little more room after the title and before the
    signature."""
    out: list[Column] = []
    prev: Role | None = None
    for block in blocks:
        cols = _block_columns(block, size, length, face, fonts, urgent)
        if cols and out:
            gap = cols[0].space_before
            if prev == "title":
                gap = max(gap, 0.4 * size)
            if block.role in ("signature", "date") and prev not in ("signature", "date"):
                gap = max(gap, 0.6 * size)
            cols[0] = replace(cols[0], space_before=gap)
        out.extend(cols)
        prev = block.role
    return out


@dataclass(frozen=True)
class Beside:
    """Mongolian columns at the left of the body and one Chinese page in what is left."""

    size: int
    columns: Sequence[Column]
    width: float
    """Of the columns, gutter not included: the Chinese starts at body.x + width + gutter."""
    gutter: float
    page: Page


def fit_beside(
    scales: Sequence[float],
    floor: int,
    body: Rect,
    face: MongolianFace,
    columns: Callable[[int], Sequence[Column]],
    chinese: Callable[[Rect, int], Sequence[Page]],
) -> Beside | None:
    """The largest of `scales` (times the floor size) at which the Mongolian columns
    `columns(size)` and, beside them, the Chinese `chinese(area, size)` both fit one page;
    None when no size does (the two then go on pages of their own)."""
    for scale in scales:
        size = max(floor, round(floor * scale))
        cols = columns(size)
        width = columns_width(cols, face)
        gutter = GUTTER_EM * size
        rest = body.w - width - gutter
        if rest < 8 * size:  # under eight characters a line, Chinese reads as a stutter
            continue
        pages = chinese(Rect(round(body.x + width + gutter), body.y, round(rest), body.h), size)
        if len(pages) == 1:
            return Beside(size, cols, width, gutter, pages[0])
    return None


def columns_width(cols: Sequence[Column], face: MongolianFace) -> float:
    """From the first column's left edge to the last one's right edge."""
    if not cols:
        return 0.0
    total = sum(c.space_before + pitch(face, c.size) for c in cols)
    return total - cols[0].space_before - COLUMN_GAP_EM * cols[-1].size


def place_columns(
    cols: Sequence[Column], left: float, top: float, length: float, face: MongolianFace
) -> list[Line]:
    """Columns side by side from `left`, each aligned in the span [top, top + length]."""
    out: list[Line] = []
    x = left
    band = face.band()
    for n, col in enumerate(cols):
        if n:
            x += col.space_before
        if col.align == "center":
            y = top + (length - col.length) / 2
        elif col.align == "bottom":
            y = top + length - col.length
        else:
            y = top
        # The line's box is its ink: from the first run (after an indent) to the end.
        first = col.runs[0].x if col.runs else 0.0
        out.append(
            Line(
                text=col.text,
                role=col.role,
                x=round(x),
                y=round(y + first),
                width=round(band.width * col.size),
                size=col.size,
                level=col.level,
                color=col.color,
                baseline=round(x + band.left * col.size),
                runs=tuple(Glyphs(r.text, y + r.x) for r in col.runs),
                direction="ttb",
                height=round(col.length - first),
            )
        )
        x += pitch(face, col.size)
    return out


def paginate_columns(
    cols: Sequence[Column], width: float, face: MongolianFace
) -> list[list[Column]]:
    """Fill pages left to right; a title or heading never ends a page."""
    pages: list[list[Column]] = [[]]
    for col in cols:
        page = pages[-1]
        if not page or columns_width([*page, col], face) <= width + 0.5:
            page.append(col)
            continue
        carry: list[Column] = []
        if not all(c.keep_with_next for c in page):
            while page[-1].keep_with_next:
                carry.insert(0, page.pop())
        if carry and columns_width([*carry, col], face) > width + 0.5:
            page.extend(carry)
            carry = []
        if carry:
            carry[0] = replace(carry[0], space_before=0.0)
        pages.append([*carry, replace(col, space_before=0.0) if not carry else col])
    return [p for p in pages if p]


def reading_units(lines: Sequence[Line]) -> int:
    """Characters for `page_seconds`: Chinese characters and other visible text count one
    each, Mongolian letters 1/LETTERS_PER_CHAR."""
    units = 0.0
    for line in lines:
        if line.role == "meta":
            continue
        for ch in line.text:
            if ch.isspace():
                continue
            units += 1.0 / LETTERS_PER_CHAR if is_mongolian_letter(ch) else 1.0
    return round(units)


def page_number_line(
    number: int, count: int, frame: Frame, face: MongolianFace, fonts: FontBook, color: ColorRole
) -> Line:
    """`n/N` in Mongolian digits, a short column standing in the footer's right corner."""
    size = max(10, round(frame.footer.h * 0.5))
    text = f"{mongolian_digits(str(number + 1))}/{mongolian_digits(str(count))}"
    col = set_columns(
        text, role="meta", size=size, color=color, length=1e9, face=face, fonts=fonts
    )[0]
    bottom = frame.footer.bottom - 0.2 * size
    left = frame.footer.right - band_width(face, size)
    return place_columns([col], left, bottom - col.length, col.length, face)[0]


def page_number_room(frame: Frame, face: MongolianFace) -> float:
    """Width kept free at the body's right for the page number column."""
    size = max(10, round(frame.footer.h * 0.5))
    return pitch(face, size)


def vertical_pages(
    blocks: Sequence[Block],
    frame: Frame,
    fonts: FontBook,
    face: MongolianFace,
    floor: int,
    *,
    document: bool,
    urgent: bool,
    seconds: float | None,
    room: float = 0.0,
) -> list[Page]:
    """A Mongolian text on its own: a notice as large as fits on one page (centred), else
    paginated at the floor size from the left, `room` kept free at the right for the page
    number. Pages come without numbers (`number_pages`)."""
    body = frame.body
    if not document or urgent:
        for scale in URGENT_SCALES if urgent else NOTICE_SCALES:
            size = max(floor, round(floor * scale))
            cols = document_columns(blocks, size, body.h, face, fonts, urgent=urgent)
            width = columns_width(cols, face)
            if width <= body.w:
                span = max((c.length for c in cols), default=0.0)
                left = body.x + (body.w - width) / 2
                top = body.y + (body.h - span) / 2
                lines = place_columns(cols, left, top, span, face)
                time = seconds if seconds is not None else page_seconds(reading_units(lines))
                one: PageStyle = "urgent" if urgent else "notice"
                return [Page(style=one, duration=float(time), lines=tuple(lines))]
    cols = document_columns(blocks, floor, body.h, face, fonts, urgent=urgent)
    chunks = paginate_columns(cols, body.w - room, face)
    many: PageStyle = "urgent" if urgent else "document"
    out = []
    for chunk in chunks:
        lines = place_columns(chunk, body.x, body.y, body.h, face)
        time = seconds if seconds is not None else page_seconds(reading_units(lines))
        out.append(Page(style=many, duration=float(time), lines=tuple(lines)))
    return out


def is_footer(line: Line, frame: Frame) -> bool:
    return line.role == "meta" and line.y >= frame.footer.y - 2


def chinese_footer(text: str, frame: Frame, fonts: FontBook, color: ColorRole) -> Line:
    """`第 n/N 页` at the footer's right, as the Chinese pages have it."""
    size = max(10, round(frame.footer.h * 0.5))
    top = frame.footer.y + (frame.footer.h - size) / 2 - 0.2 * size
    width = fonts.advance(text, "sans", size)
    x = frame.footer.right - width
    return Line(
        text=text,
        role="meta",
        x=round(x),
        y=round(top),
        width=round(width),
        size=size,
        color=color,
        baseline=round(top + EM_TOP * size),
        runs=(Glyphs(text, x),),
    )


def number_pages(
    pages: Sequence[tuple[Page, str]],
    frame: Frame,
    fonts: FontBook,
    face: MongolianFace,
    color: ColorRole,
    *,
    always: bool,
) -> tuple[Page, ...]:
    """Number pages through; each page's number in its own language ("mn" or "zh")."""
    count = len(pages)
    out = []
    for n, (page, lang) in enumerate(pages):
        lines = [ln for ln in page.lines if not is_footer(ln, frame)]
        if count > 1 or always:
            if lang == "mn":
                lines.append(page_number_line(n, count, frame, face, fonts, color))
            else:
                lines.append(chinese_footer(f"第 {n + 1}/{count} 页", frame, fonts, color))
        out.append(replace(page, lines=tuple(lines), number=n, count=count))
    return tuple(out)
