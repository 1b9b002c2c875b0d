"""Traditional Mongolian speed: lay out a long Mongolian document in columns, render a page,
set a bilingual notice, and the header band with a bilingual name; each beside the same
work for Chinese in the same process (the ratio is what counts on a noisy machine).

Run:
    SDL_VIDEODRIVER=dummy python bench/bench_mongolian.py
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pygame

from signage.core.config import Settings
from signage.core.model import Page, PlannedItem
from signage.formats.text import read_text_slide
from signage.render.page import header_lines
from signage.render.text import render_text_page
from signage.typeset.canvas import frame_for
from signage.typeset.fonts import FontBook
from signage.typeset.paginate import pages_for

CANVAS = (1920, 1080)
NB = "\u202f"
SENTENCE = (
    f"ᠡᠨᠡ ᠰᠠᠷ᠎ᠠ{NB}ᠶᠢᠨ ᠲᠠᠪᠤᠨ{NB}ᠡᠴᠡ ᠡᠬᠢᠯᠡᠨ ᠰᠤᠮᠤ{NB}ᠶᠢᠨ ᠠᠷᠠᠳ{NB}ᠤᠨ ᠵᠠᠰᠠᠭ{NB}ᠤᠨ ᠭᠠᠵᠠᠷ{NB}ᠤᠨ "
    f"ᠠᠵᠢᠯ{NB}ᠤᠨ ᠴᠠᠭ{NB}ᠢ ᠥᠭᠡᠷᠡᠴᠢᠯᠡᠨ᠎ᠡ᠃ ᠤᠰᠤ ᠬᠠᠩᠭᠠᠬᠤ ᠬᠣᠭᠣᠯᠠᠢ{NB}ᠶᠢ ᠵᠠᠰᠠᠬᠤ ᠲᠤᠯᠠ ᠡᠨᠡ "
    f"ᠰᠠᠷ᠎ᠠ{NB}ᠶᠢᠨ ᠵᠢᠷᠭᠤᠭᠠᠨ{NB}ᠤ ᠡᠳᠦᠷ ᠤᠰᠤ ᠵᠣᠭᠰᠣᠨ᠎ᠠ᠃"
)
CHINESE = "自本月5日起，镇人民政府调整办公时间；因维修供水管道，本月6日镇区停水，请居民提前储水。"
NAME_MN = f"ᠬᠥᠬᠡ ᠠᠭᠤᠯᠠ ᠪᠠᠯᠭᠠᠰᠤ{NB}ᠶᠢᠨ ᠠᠷᠠᠳ{NB}ᠤᠨ ᠵᠠᠰᠠᠭ{NB}ᠤᠨ ᠭᠠᠵᠠᠷ"


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def document(paragraph: str, title: str, letters: int) -> str:
    parts = [title, ""]
    n = 0
    while n < letters:
        parts += [paragraph, ""]
        n += sum(1 for c in paragraph if not c.isspace())
    return "\n".join(parts)


def compare(label: str, mongolian: Callable[[], object], chinese: Callable[[], object]) -> None:
    mongolian()
    chinese()
    mn = statistics.median(timed(mongolian, 9))
    zh = statistics.median(timed(chinese, 9))
    print(f"{label}: Mongolian median {mn:.1f} ms, Chinese {zh:.1f} ms (ratio {mn / zh:.2f})")


def main() -> int:
    pygame.display.init()
    settings = Settings()
    fonts = FontBook.from_settings()
    if fonts.mongolian is None:
        print("no Mongolian font installed (fonts-noto-core)")
        return 1
    now = datetime(2026, 11, 28, 9, 0).astimezone()
    # About as long to read: 2 Mongolian letters take as long as one Chinese character.
    mn_text = document(SENTENCE, "ᠮᠡᠳᠡᠭᠳᠡᠯ", 20_000)
    zh_text = document(CHINESE, "通知", 10_000)
    mn_slide = read_text_slide("slides/mn.txt", mn_text.encode(), settings)
    zh_slide = read_text_slide("slides/zh.txt", zh_text.encode(), settings)
    pages: dict[str, tuple[Page, ...]] = {}

    def lay(name: str, slide: object) -> Callable[[], object]:
        def run() -> None:
            pages[name] = pages_for(PlannedItem(slide), CANVAS, fonts, settings, now)  # type: ignore[arg-type]

        return run

    start = time.perf_counter()
    lay("mn", mn_slide)()
    cold = (time.perf_counter() - start) * 1000
    print(f"first Mongolian layout (face opened, widths measured): {cold:.0f} ms")
    compare("long document layout", lay("mn", mn_slide), lay("zh", zh_slide))
    letters = sum(1 for c in mn_text if not c.isspace())
    counts = f"{len(pages['mn'])} pages; Chinese {len(pages['zh'])} pages"
    print(f"  {letters} Mongolian letters -> {counts}")
    compare(
        "render one page",
        lambda: render_text_page(pages["mn"][1], CANVAS, fonts, settings.theme),
        lambda: render_text_page(pages["zh"][1], CANVAS, fonts, settings.theme),
    )
    both = read_text_slide(
        "slides/both.txt", f"ᠮᠡᠳᠡᠭᠳᠡᠯ\n\n{SENTENCE}\n\n通知\n\n{CHINESE}\n".encode(), settings
    )
    one = read_text_slide("slides/one.txt", f"通知\n\n{CHINESE}\n".encode(), settings)
    compare("bilingual notice layout (vs the Chinese alone)", lay("both", both), lay("one", one))
    frame = frame_for(CANVAS)
    compare(
        "header band lines (vs the Chinese name alone)",
        lambda: header_lines(frame, "青山镇人民政府", now, fonts, NAME_MN),
        lambda: header_lines(frame, "青山镇人民政府", now, fonts),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
