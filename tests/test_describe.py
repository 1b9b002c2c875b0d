"""The inspect --json shape, and that its non-meta lines spell the file."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from signage.core.config import Settings
from signage.formats.text import read_text_slide
from signage.typeset.describe import inspect_json, missing_glyph_warnings, spelled_text
from signage.typeset.fonts import FontBook
from signage.typeset.layout import layout_slide

FIXTURES = Path(__file__).parent / "fixtures" / "text"
SETTINGS = Settings(timezone="Asia/Shanghai")
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def fonts() -> FontBook:
    return FontBook.from_settings()


def test_inspect_json_shape_and_text(fonts: FontBook) -> None:
    data = (FIXTURES / "annual-report-utf8bom.txt").read_bytes()
    slide = read_text_slide("slides/notices/report.txt", data, SETTINGS)
    pages = layout_slide(slide, (1920, 1080), fonts, SETTINGS, NOW)
    out = inspect_json(slide, pages, ["a warning"])
    assert set(out) == {"path", "kind", "title", "encoding", "pages", "warnings"}
    assert out["path"] == "slides/notices/report.txt"
    assert out["kind"] == "document"
    assert out["encoding"] == "utf-8-sig"
    assert out["warnings"] == ["a warning"]
    json.dumps(out, ensure_ascii=False)  # serialisable as is
    lines = [ln for page in out["pages"] for ln in page["lines"]]
    for page in out["pages"]:
        assert isinstance(page["duration"], float)
    for ln in lines:
        assert {"text", "role", "x", "y", "width", "size"} <= set(ln)
        assert set(ln) - {"text", "role", "x", "y", "width", "size"} <= {"level", "direction"}
        assert ln["direction"] == "ltr"  # Chinese: horizontal (Mongolian columns are "ttb")
        assert ("level" in ln) == (ln["role"] == "heading")
        assert all(isinstance(ln[k], int) for k in ("x", "y", "width", "size"))
    spelled = "".join(ln["text"] for ln in lines if ln["role"] != "meta")
    source = data.decode("utf-8-sig")
    assert "".join(spelled.split()) == "".join(source.split())
    assert spelled == spelled_text(pages)


def test_missing_glyph_warning(fonts: FontBook) -> None:
    slide = read_text_slide("slides/a.txt", "通知\n请\U00017000同志到场。".encode(), SETTINGS)
    warnings = missing_glyph_warnings(slide, fonts)
    assert len(warnings) == 1 and "U+17000" in warnings[0]
    plain = read_text_slide("slides/b.txt", "通知\n请张同志到场。".encode(), SETTINGS)
    assert missing_glyph_warnings(plain, fonts) == []
