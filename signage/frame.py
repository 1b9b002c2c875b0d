"""Where things go on a canvas: the header band, the body area and the footer.

Temporary minimal version owned by the typesetting branch; the lead's frame.py replaces it
with the same API.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int


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
    header_h = round(h * 0.09)
    footer_h = round(h * 0.06)
    margin = round(w * 0.05)
    gap = round(h * 0.02)
    body_top = header_h + gap
    return Frame(
        canvas=canvas,
        header=Rect(0, 0, w, header_h),
        body=Rect(margin, body_top, w - 2 * margin, h - footer_h - body_top),
        footer=Rect(margin, h - footer_h, w - 2 * margin, footer_h),
        scale=min(w, h) / 1080,
    )
