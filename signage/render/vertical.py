"""Drawing traditional Mongolian: columns (a shaped horizontal run turned 90 degrees
clockwise) and Mongolian written horizontally on banners and in the header band.

In a column, Mongolian and other text that turns with it (Latin, digits) are drawn turned,
their baseline on the line's `baseline` x; Chinese characters stand upright, centred on the
column. Characters no installed font has are left out rather than drawn as boxes (the
layout's warnings name them).
"""

from __future__ import annotations

from dataclasses import replace

import pygame

from signage.core.model import Line
from signage.typeset.fonts import EM_TOP, FontBook
from signage.typeset.mongolian import MongolianFace, Piece, has_mongolian, pieces
from signage.typeset.vertical import piece_advance


def wants_mongolian(line: Line) -> bool:
    """Lines that must be shaped as Mongolian rather than drawn glyph by glyph."""
    return line.direction == "ttb" or has_mongolian(line.text)


def draw_mongolian(
    surface: pygame.Surface, line: Line, fonts: FontBook, color: tuple[int, int, int]
) -> bool:
    """Draw a Mongolian line; False when no Mongolian face is installed (nothing drawn)."""
    face = fonts.mongolian
    if face is None:
        return False
    runs = line.runs or ()
    starts = [(r.text, r.x) for r in runs] or [
        (line.text, float(line.y if line.direction == "ttb" else line.x))
    ]
    for text, start in starts:
        at = start
        for piece in pieces(text, face, across=line.direction != "ttb"):
            if line.direction == "ttb":
                _draw_down(surface, piece, line, at, face, fonts, color)
            else:
                _draw_across(surface, piece, line, at, face, fonts, color)
            at += piece_advance(piece, line.size, face, fonts)
    return True


def without_missing(line: Line, fonts: FontBook) -> Line:
    """The line with the characters no installed font has blanked out: with no Mongolian
    font at all, Mongolian letters leave a gap rather than a row of boxes."""
    missing = set(fonts.missing(line.text))
    if not missing:
        return line

    def blank(text: str) -> str:
        return "".join(" " if c in missing else c for c in text)

    return replace(
        line, text=blank(line.text), runs=tuple(replace(r, text=blank(r.text)) for r in line.runs)
    )


def _turned(surface: pygame.Surface) -> pygame.Surface:
    return pygame.transform.rotate(surface, -90)


def _freetype_run(
    piece: Piece, size: int, fonts: FontBook, color: tuple[int, int, int]
) -> tuple[pygame.Surface, int]:
    """A non-Mongolian run drawn horizontally on a transparent surface; (surface, ascent)."""
    ascent = round(fonts.ascender("sans", size))
    descent = round(-fonts.descender("sans", size))
    width = max(1, round(fonts.advance(piece.text, "sans", size)))
    out = pygame.Surface((width, max(1, ascent + descent)), pygame.SRCALPHA)
    x = 0.0
    for segment, font in fonts.segments(piece.text, "sans"):
        if segment.strip():
            font.render_to(out, (round(x), ascent), segment, color, size=size)
        x += fonts.advance(segment, "sans", size)
    return out, ascent


def _draw_down(
    surface: pygame.Surface,
    piece: Piece,
    line: Line,
    y: float,
    face: MongolianFace,
    fonts: FontBook,
    color: tuple[int, int, int],
) -> None:
    size = line.size
    if piece.kind == "upright":
        middle = line.x + line.width / 2
        for k, ch in enumerate(piece.text):
            for segment, font in fonts.segments(ch, "sans"):
                top = y + k * size
                font.render_to(
                    surface,
                    (
                        round(middle - fonts.advance(segment, "sans", size) / 2),
                        round(top + EM_TOP * size),
                    ),
                    segment,
                    color,
                    size=size,
                )
        return
    if piece.kind == "mongol":
        if not piece.text.strip():
            return
        shaper = face.font(size)
        flat = shaper.render(piece.text, True, color)
        ascent = shaper.get_ascent()
    else:
        flat, ascent = _freetype_run(piece, size, fonts, color)
    # Turned clockwise, the row at `ascent` (the baseline) lands this far from the left.
    from_left = flat.get_height() - ascent
    surface.blit(_turned(flat), (round(line.baseline - from_left), round(y)))


def _draw_across(
    surface: pygame.Surface,
    piece: Piece,
    line: Line,
    x: float,
    face: MongolianFace,
    fonts: FontBook,
    color: tuple[int, int, int],
) -> None:
    size = line.size
    if piece.kind == "mongol":
        if piece.text.strip():
            font = face.font(size)
            surface.blit(
                font.render(piece.text, True, color), (round(x), line.baseline - font.get_ascent())
            )
        return
    for segment, font_ in fonts.segments(piece.text, "sans"):
        if segment.strip():
            font_.render_to(surface, (round(x), line.baseline), segment, color, size=size)
        x += fonts.advance(segment, "sans", size)
