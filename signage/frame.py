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
    body: Rect
    footer: Rect
    scale: float
    """min(w, h) / 1080: sizes are designed for a 1080-pixel short side."""


def frame_for(canvas: tuple[int, int]) -> Frame:
    w, h = canvas
    # Sized from the short side so a portrait screen keeps the same physical band heights.
    header_h = round(min(w, h) * 0.09)
    footer_h = round(min(w, h) * 0.06)
    margin = round(w * 0.05)
    return Frame(
        canvas=canvas,
        header=Rect(0, 0, w, header_h),
        body=Rect(margin, header_h, w - 2 * margin, h - header_h - footer_h),
        footer=Rect(margin, h - footer_h, w - 2 * margin, footer_h),
        scale=min(w, h) / 1080,
    )
