"""Fonts: the Simplified Chinese face, overrides, fallback, measuring speed."""

from __future__ import annotations

import time

import pytest

from signage.typeset.fonts import FontBook, FontError, discover


@pytest.fixture(scope="module")
def fonts() -> FontBook:
    return FontBook.from_settings()


def test_roles_use_the_sc_face_of_noto_cjk(fonts: FontBook) -> None:
    sans = fonts.faces["sans"]
    assert sans.path.endswith("NotoSansCJK-Regular.ttc") and sans.index == 2
    assert fonts.faces["sans-bold"].path.endswith("NotoSansCJK-Bold.ttc")
    assert fonts.faces["sans-bold"].index == 2
    assert "Serif" in fonts.faces["serif-bold"].path and fonts.faces["serif-bold"].index == 2
    assert fonts.font("sans").name == "Noto Sans CJK SC"
    assert "kai" in fonts.faces


def test_override_with_a_collection_file_picks_its_sc_face() -> None:
    book = FontBook.from_settings({"sans": "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"})
    assert book.faces["sans"].index == 2
    assert "SC" in book.faces["sans"].family


def test_settings_object_is_accepted() -> None:
    from signage.core.config import Settings

    path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
    book = FontBook.from_settings(Settings(fonts={"sans": path}))
    assert book.faces["sans"].path == path


def test_unknown_override_is_noted_and_default_kept() -> None:
    book = FontBook.from_settings({"kai": "No Such Font Family"})
    assert any("No Such Font Family" in n for n in book.notes)


def test_no_cjk_font_fails_clearly() -> None:
    with pytest.raises(FontError, match="fonts-noto-cjk"):
        discover({}, installed=[])


def test_measuring(fonts: FontBook) -> None:
    assert fonts.advance("中文", "sans", 60) == pytest.approx(120)
    assert fonts.char_advance("a", "sans", 60) < 60
    assert fonts.ascender("sans", 60) > 60 * 0.88
    assert fonts.descender("sans", 60) < 0


def test_fallback_and_missing_characters(fonts: FontBook) -> None:
    # U+17000 is a Tangut character: no font on a stock Debian or Raspberry Pi OS has it.
    assert fonts.missing("中文\U00017000") == "\U00017000"
    assert fonts.missing("中文 abc，。") == ""
    segments = fonts.segments("中文\U00017000", "sans")
    assert "".join(s for s, _f in segments) == "中文\U00017000"


def test_measuring_ten_thousand_characters_is_fast(fonts: FontBook) -> None:
    text = "".join(chr(0x4E00 + (i * 7) % 3000) for i in range(10_000))
    fonts.advances(text, "sans", 61)  # warm the cache
    start = time.perf_counter()
    fonts.advances(text, "sans", 61)
    assert time.perf_counter() - start < 0.05
