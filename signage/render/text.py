"""Drawing laid-out lines onto a pygame surface, exactly where layout put each run."""

from __future__ import annotations

from collections.abc import Sequence

import pygame

from signage.core.config import Theme
from signage.core.model import ColorRole, Line, Page
from signage.typeset.fonts import FontBook


def color_of(role: ColorRole, theme: Theme) -> tuple[int, int, int]:
    return {
        "text": theme.text,
        "title": theme.title,
        "accent": theme.accent,
        "muted": theme.muted,
        "urgent_text": theme.urgent_text,
    }[role]


def draw_lines(
    surface: pygame.Surface, lines: Sequence[Line], fonts: FontBook, theme: Theme
) -> None:
    """Draw each line's runs at their x on the line's baseline, antialiased.

    Characters the run's face lacks are drawn with the first fallback face that has them.
    """
    from signage.render.vertical import draw_mongolian, wants_mongolian, without_missing

    for line in lines:
        color = color_of(line.color, theme)
        if wants_mongolian(line):
            if draw_mongolian(surface, line, fonts, color):
                continue
            line = without_missing(line, fonts)
        runs = line.runs or ()
        if not runs:
            _draw_run(surface, line.text, float(line.x), line, line.font, fonts, color)
            continue
        for run in runs:
            _draw_run(surface, run.text, run.x, line, run.font or line.font, fonts, color)


def _draw_run(
    surface: pygame.Surface,
    text: str,
    x: float,
    line: Line,
    role: str,
    fonts: FontBook,
    color: tuple[int, int, int],
) -> None:
    from signage.core.model import FontRole

    face: FontRole = role  # type: ignore[assignment]
    for segment, font in fonts.segments(text, face):
        if segment.strip():
            font.render_to(surface, (round(x), line.baseline), segment, color, size=line.size)
        x += fonts.advance(segment, face, line.size)


def render_text_page(
    page: Page, canvas: tuple[int, int], fonts: FontBook, theme: Theme
) -> pygame.Surface:
    """A canvas-sized surface with the page's background and lines (no header band)."""
    surface = pygame.Surface(canvas)
    surface.fill(theme.urgent_background if page.style == "urgent" else theme.background)
    draw_lines(surface, page.lines, fonts, theme)
    return surface
