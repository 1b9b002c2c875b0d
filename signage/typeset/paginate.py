"""A planned slide becomes the pages a screen shows: typeset text, or fitted pictures."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from signage.core.config import Settings
from signage.core.model import Document, Fit, ImageBody, Page, PdfBody, PlannedItem

if TYPE_CHECKING:
    from signage.typeset.fonts import FontBook

IMAGE_SECONDS = 10.0


def _fit(item: PlannedItem, settings: Settings) -> Fit:
    fit = item.fit or settings.default_fit
    return "cover" if fit == "cover" else "contain"


def text_seconds(text: str) -> float:
    from signage.typeset.layout import page_seconds

    return page_seconds(sum(1 for ch in text if not ch.isspace()))


def pages_for(
    item: PlannedItem,
    canvas: tuple[int, int],
    fonts: FontBook,
    settings: Settings,
    now: datetime,
) -> tuple[Page, ...]:
    slide = item.slide
    duration = item.duration if item.duration is not None else slide.duration
    if duration is None:
        duration = settings.default_duration
    body = slide.body
    if isinstance(body, ImageBody):
        return (
            Page(
                style="image",
                duration=duration if duration is not None else IMAGE_SECONDS,
                image_path=slide.path,
                fit=_fit(item, settings),
            ),
        )
    if isinstance(body, PdfBody):
        count = body.page_count
        texts = body.page_texts
        return tuple(
            Page(
                style="pdf",
                duration=duration
                if duration is not None
                else (text_seconds(texts[i]) if i < len(texts) and texts[i].strip() else 15.0),
                image_path=slide.path,
                pdf_page=i,
                number=i,
                count=count,
                fit="contain",
            )
            for i in range(count)
        )
    from signage.typeset.bilingual import mongolian_pages
    from signage.typeset.layout import layout_slide

    text_pages: tuple[Page, ...] = ()
    if not (isinstance(body, Document) and not body.blocks):
        # Traditional Mongolian (alone or beside the Chinese) is set in columns.
        text_pages = mongolian_pages(slide, canvas, fonts, settings, now, duration) or layout_slide(
            slide, canvas, fonts, settings, now, duration
        )
    pictures = tuple(
        Page(
            style="image",
            duration=duration if duration is not None else IMAGE_SECONDS,
            image_path=slide.path,
            picture=i,
            fit="contain",
        )
        for i in range(slide.pictures)
    )
    return text_pages + pictures
