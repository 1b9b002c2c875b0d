"""The system test's own pure parts (tests/system), checked in the unit run: finding the apt
mirror, comparing screen pictures, and the guest agent's framing."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from tests.system.screen import MATCH_FRACTION, difference, is_black
from tests.system.vm import apt_mirror


def test_mirror_from_deb822_sources(tmp_path: Path) -> None:
    sources = tmp_path / "debian.sources"
    sources.write_text(
        "Types: deb\n# a comment\nURIs: http://mirror.example/debian\n"
        "Suites: bookworm bookworm-updates\nComponents: main\n\n"
        "Types: deb\nURIs: http://mirror.example/debian-security\n"
        "Suites: bookworm-security\nComponents: main\n"
    )
    other = tmp_path / "nodesource.sources"
    other.write_text("Types: deb\nURIs: https://deb.example/node\nSuites: nodistro\n")
    assert apt_mirror([other, sources]) == "http://mirror.example/debian"


def test_mirror_from_one_line_sources(tmp_path: Path) -> None:
    listing = tmp_path / "sources.list"
    listing.write_text(
        "deb http://security.example/debian-security bookworm-security main\n"
        "deb [arch=amd64] http://mirror.example/debian bookworm main contrib\n"
    )
    assert apt_mirror([listing]) == "http://mirror.example/debian"
    assert apt_mirror([tmp_path / "missing"]) == "http://deb.debian.org/debian"


def _page(text_at: int, clock: str = "09:00") -> Image.Image:
    img = Image.new("RGB", (640, 360), (248, 244, 236))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 640, 32), fill=(168, 24, 24))
    draw.text((560, 10), clock, fill=(255, 255, 255))
    draw.text((40, text_at), "notice text " * 4, fill=(20, 20, 20))
    return img


def test_the_same_page_matches_despite_anti_aliasing() -> None:
    page = _page(100)
    # A GPU's rounding: every channel a little off, and a half-pixel blur at edges.
    noisy = Image.eval(page, lambda v: min(255, v + 6)).resize((641, 361)).resize((640, 360))
    assert difference(page, noisy) <= MATCH_FRACTION


def test_another_page_or_minute_does_not_match() -> None:
    assert difference(_page(100), _page(160)) > MATCH_FRACTION
    assert difference(_page(100, "09:00"), _page(100, "09:01")) > 0
    assert difference(_page(100), Image.new("RGB", (320, 180))) == 1.0


def test_black_screen_is_recognised() -> None:
    black = Image.new("RGB", (640, 360))
    ImageDraw.Draw(black).text((5, 5), "cursor", fill=(200, 200, 200))
    assert is_black(black)
    assert not is_black(_page(100))
