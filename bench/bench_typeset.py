"""Typesetting speed: lay out a 10,000-character document at 1080p, render one page.

Goals: layout median < 100 ms, page render median < 30 ms. Run:
    SDL_VIDEODRIVER=dummy python bench/bench_typeset.py
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from signage.core.config import Settings
from signage.core.model import Page
from signage.formats.text import read_text_slide
from signage.render.text import render_text_page
from signage.typeset.fonts import FontBook
from signage.typeset.layout import layout_slide

CANVAS = (1920, 1080)
PARAGRAPH = (
    "为切实做好2026年冬季供暖工作，确保群众温暖过冬，各村（社区）要高度重视，"
    "认真排查辖区内供暖设施运行情况，发现问题及时上报。联系电话：0470-8814644，"
    "电子邮箱：office@example.gov.cn。“稳增长、促改革、调结构、惠民生”——这是全年工作的主线……"
)


def document_text(chars: int = 10_000) -> str:
    parts = ["关于做好2026年冬季供暖工作的通知", ""]
    n = 0
    section = 0
    while n < chars:
        section += 1
        parts.append("一二三四五六七八九十"[section % 10] + "、工作要求")
        parts.append("　　" + PARAGRAPH)
        n += len(PARAGRAPH) + 6
    parts += ["", "　　　　　　　　XX镇人民政府", "　　　　　　　　2026年11月20日"]
    return "\n".join(parts)


def timed(fn: object, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> int:
    settings = Settings()
    fonts = FontBook.from_settings()
    text = document_text()
    slide = read_text_slide("slides/bench.txt", text.encode(), settings)
    now = datetime(2026, 11, 28, 9, 0).astimezone()
    pages: tuple[Page, ...] = ()

    def layout() -> None:
        nonlocal pages
        pages = layout_slide(slide, CANVAS, fonts, settings, now)

    cold = timed(layout, 1)[0]
    runs = timed(layout, 9)
    chars = sum(1 for c in text if not c.isspace())
    print(f"layout of {chars} characters at 1920x1080: {len(pages)} pages")
    print(f"  first run {cold:.1f} ms (fonts opened, advances measured)")
    print(f"  median {statistics.median(runs):.1f} ms over {len(runs)} runs (goal < 100 ms)")
    page = pages[1]
    render_text_page(page, CANVAS, fonts, settings.theme)
    renders = timed(lambda: render_text_page(page, CANVAS, fonts, settings.theme), 15)
    print(f"render one page: median {statistics.median(renders):.1f} ms (goal < 30 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
