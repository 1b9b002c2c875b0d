"""Golden pages: the layout compared exactly, the pixels with a tolerance.

Each golden is two files in tests/golden/: NAME.json (the fonts used, every line with its
position and runs) and NAME.png (the rendered page at half size). Fonts differ between
Debian and Raspberry Pi OS releases, so when this machine's font files differ from the
recorded ones the comparison is skipped, not failed. On a mismatch the actual picture and
a difference picture are written to tests/golden/_failed/. Refresh with
SIGNAGE_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pygame
import pytest
from PIL import Image, ImageChops, ImageStat

from signage.core.model import Page
from signage.typeset.fonts import FontBook

GOLDEN_DIR = Path(__file__).parent / "golden"
FAILED_DIR = GOLDEN_DIR / "_failed"
SCALE = 2
"""Goldens are stored at 1/SCALE of the canvas size to keep the repository small."""
MEAN_TOLERANCE = 1.5
"""Mean absolute difference per channel (0-255) allowed between renderings."""
STRONG_PIXELS = 0.004
"""Share of pixels allowed to differ by more than 96 in some channel."""


def layout_record(page: Page, canvas: tuple[int, int], fonts: FontBook) -> dict[str, Any]:
    return {
        "canvas": list(canvas),
        "fonts": fonts.font_files(),
        "fallbacks": [f"{Path(f.path).name}#{f.index}" for f in fonts.fallbacks],
        "style": page.style,
        "number": page.number,
        "count": page.count,
        "duration": page.duration,
        "lines": [
            {
                "text": ln.text,
                "role": ln.role,
                "level": ln.level,
                "x": ln.x,
                "y": ln.y,
                "width": ln.width,
                "size": ln.size,
                "font": ln.font,
                "color": ln.color,
                "baseline": ln.baseline,
                "runs": [[r.text, round(r.x, 2), r.font] for r in ln.runs],
                # Only columns of traditional Mongolian carry these, so older goldens hold.
                **(
                    {"direction": ln.direction, "height": ln.height}
                    if ln.direction != "ltr"
                    else {}
                ),
            }
            for ln in page.lines
        ],
    }


def _to_image(surface: pygame.Surface) -> Image.Image:
    w, h = surface.get_size()
    small = pygame.transform.smoothscale(surface, (w // SCALE, h // SCALE))
    return Image.frombytes("RGB", small.get_size(), pygame.image.tobytes(small, "RGB"))


def check_golden(
    name: str, page: Page, canvas: tuple[int, int], surface: pygame.Surface, fonts: FontBook
) -> None:
    record = layout_record(page, canvas, fonts)
    image = _to_image(surface)
    json_path = GOLDEN_DIR / f"{name}.json"
    png_path = GOLDEN_DIR / f"{name}.png"
    if os.environ.get("SIGNAGE_UPDATE_GOLDEN") == "1":
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", "utf-8")
        image.save(png_path, optimize=True)
        return
    if not json_path.exists() or not png_path.exists():
        pytest.fail(f"golden {name} is missing: run with SIGNAGE_UPDATE_GOLDEN=1 and look at it")
    expected = json.loads(json_path.read_text("utf-8"))
    if expected["fonts"] != record["fonts"] or expected["fallbacks"] != record["fallbacks"]:
        pytest.skip(
            f"golden {name} was made with fonts {expected['fonts']}; here {record['fonts']}"
        )
    with Image.open(png_path) as stored:
        want = stored.convert("RGB")
    diff = ImageChops.difference(image, want) if want.size == image.size else None
    mean = sum(ImageStat.Stat(diff).mean) / 3 if diff is not None else 255.0
    strong = 0.0
    if diff is not None:
        hist = diff.convert("L").point(lambda v: 255 if v > 96 else 0).histogram()
        strong = hist[255] / (image.size[0] * image.size[1])
    layout_ok = expected["lines"] == record["lines"] and expected["style"] == record["style"]
    pixels_ok = mean <= MEAN_TOLERANCE and strong <= STRONG_PIXELS
    if layout_ok and pixels_ok:
        return
    FAILED_DIR.mkdir(parents=True, exist_ok=True)
    image.save(FAILED_DIR / f"{name}.actual.png")
    (FAILED_DIR / f"{name}.actual.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=1), "utf-8"
    )
    if diff is not None:
        diff.point(lambda v: min(255, v * 4)).save(FAILED_DIR / f"{name}.diff.png")
    problems = []
    if not layout_ok:
        for k, (a, b) in enumerate(zip(expected["lines"], record["lines"], strict=False)):
            if a != b:
                problems.append(
                    f"line {k} differs: expected {a['text']!r} at {a['x']},{a['y']}; "
                    f"got {b['text']!r} at {b['x']},{b['y']}"
                )
                break
        if len(expected["lines"]) != len(record["lines"]):
            problems.append(f"{len(expected['lines'])} lines expected, {len(record['lines'])} got")
    if not pixels_ok:
        problems.append(f"pixels differ: mean {mean:.2f}, strongly differing {strong:.3%}")
    pytest.fail(f"golden {name}: {'; '.join(problems)} (see {FAILED_DIR})")
