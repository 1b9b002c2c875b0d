"""How a canvas is divided: header band (organisation, clock), body, footer (page number)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h


@dataclass(frozen=True)
class Frame:
    canvas: tuple[int, int]
    header: Rect
    """Band with the organisation name and the clock, drawn by the player."""
    body: Rect
    """Where a slide's content goes."""
    footer: Rect
    """Page indicator line."""
    scale: float
    """min(w, h) / 1080: sizes designed for 1080p multiply by this."""


def frame_for(canvas: tuple[int, int]) -> Frame:
    w, h = canvas
    # Sized from the short side so a portrait screen keeps the same physical band heights.
    short = min(w, h)
    header_h = round(short * 0.09)
    footer_h = round(short * 0.06)
    margin = round(w * 0.05)
    body_top = header_h + round(short * 0.02)
    return Frame(
        canvas=canvas,
        header=Rect(0, 0, w, header_h),
        body=Rect(margin, body_top, w - 2 * margin, h - footer_h - body_top),
        footer=Rect(margin, h - footer_h, w - 2 * margin, footer_h),
        scale=short / 1080,
    )
