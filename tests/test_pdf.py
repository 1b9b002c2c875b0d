"""PDF reading and rendering on hand-written and Pillow-made PDFs."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from signage.core.config import Settings
from signage.core.model import ContentError, PdfBody
from signage.formats import pdf as pdf_module
from signage.formats.pdf import (
    PdfPageCache,
    pdf_page_duration,
    read_pdf_slide,
    read_pdf_text,
    render_pdf_page,
)
from tests.office_fixtures import encrypted_pdf, text_pdf

SETTINGS = Settings()
GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("SIGNAGE_UPDATE_GOLDEN") == "1"


def _pillow_pdf(colors: list[tuple[int, int, int]], size: tuple[int, int] = (400, 300)) -> bytes:
    pages = [Image.new("RGB", size, c) for c in colors]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=72)
    return out.getvalue()


def _assert_matches_golden(image: Image.Image, name: str, tmp_path: Path) -> None:
    """Pixels within a small tolerance of tests/golden/<name>; a diff image on failure.

    SIGNAGE_UPDATE_GOLDEN=1 rewrites the golden instead (look at it before committing)."""
    path = GOLDEN / name
    if UPDATE_GOLDEN or not path.exists():
        if not UPDATE_GOLDEN:
            pytest.fail(f"missing golden {path}; run with SIGNAGE_UPDATE_GOLDEN=1 to create it")
        GOLDEN.mkdir(exist_ok=True)
        image.save(path)
        return
    golden = Image.open(path).convert("RGB")
    assert image.size == golden.size
    diff = ImageChops.difference(image.convert("RGB"), golden)
    mean = sum(ImageStat.Stat(diff).mean) / 3
    changed = sum(diff.convert("L").point(lambda v: 255 if v > 64 else 0).histogram()[255:])
    if mean > 1.0 or changed > image.width * image.height // 100:
        diff.save(tmp_path / f"diff-{name}")
        image.save(tmp_path / f"actual-{name}")
        pytest.fail(f"{name}: mean difference {mean:.2f}, {changed} pixels differ; see {tmp_path}")


def test_text_pdf_pages_and_their_text() -> None:
    data = text_pdf(["Hello lobby", "", "Third page text"])
    slide = read_pdf_slide("slides/policies/a.pdf", data, SETTINGS)
    assert slide.kind == "pdf"
    assert slide.title == "a"
    assert slide.path == "slides/policies/a.pdf"
    assert isinstance(slide.body, PdfBody)
    assert slide.body.page_count == 3
    assert slide.body.page_texts == ("Hello lobby", "", "Third page text")
    assert slide.warnings == ()
    assert len(slide.digest) == 64


def test_pillow_multipage_pdf_has_no_text() -> None:
    data = _pillow_pdf([(255, 0, 0), (0, 255, 0), (0, 0, 255), (9, 9, 9)])
    slide = read_pdf_slide("slides/scan.pdf", data, SETTINGS)
    assert isinstance(slide.body, PdfBody)
    assert slide.body.page_count == 4
    assert [pdf_page_duration(t) for t in slide.body.page_texts] == [15.0] * 4


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("", 15.0), ("  \n ", 15.0), ("一二三", 8.0), ("字" * 60, 23.0), ("字" * 600, 90.0)],
)
def test_page_duration(text: str, seconds: float) -> None:
    assert pdf_page_duration(text) == seconds


def test_page_count_is_capped_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "MAX_PAGES", 2)
    slide = read_pdf_slide("slides/long.pdf", text_pdf(["a", "b", "c"]), SETTINGS)
    assert isinstance(slide.body, PdfBody)
    assert slide.body.page_count == 2
    assert len(slide.body.page_texts) == 2
    assert any("3 pages" in w for w in slide.warnings)
    with pytest.raises(ContentError):
        render_pdf_page(text_pdf(["a", "b", "c"]), 2, (100, 100))


def test_text_extraction_stops_at_its_deadline() -> None:
    ticks = iter(range(0, 10_000, 15))  # every call is 15 s later

    count, texts, warnings = read_pdf_text(
        text_pdf(["one", "two", "three", "four"]), clock=lambda: float(next(ticks))
    )
    assert count == 4
    assert texts[0] == "one"
    assert texts[-1] == ""
    assert len(texts) == 4
    assert any("took too long" in w for w in warnings)


def test_encrypted_pdf_is_refused_plainly() -> None:
    with pytest.raises(ContentError) as err:
        read_pdf_slide("slides/locked.pdf", encrypted_pdf(), SETTINGS)
    assert err.value.code == "encrypted-document"
    assert "password" in err.value.message
    with pytest.raises(ContentError) as err:
        render_pdf_page(encrypted_pdf(), 0, (100, 100))
    assert err.value.code == "encrypted-document"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n%%EOF\n", b"not a pdf at all", text_pdf(["cut short"])[:60]],
)
def test_damaged_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(ContentError) as err:
        read_pdf_slide("slides/bad.pdf", data, SETTINGS)
    assert err.value.code == "damaged-document"


def test_render_fits_inside_the_box_keeping_proportions() -> None:
    portrait = render_pdf_page(text_pdf(["A4"]), 0, (320, 180))
    assert portrait.mode == "RGB"
    assert portrait.size == (127, 180)  # 595 x 842 pt scaled by 180/842
    landscape = render_pdf_page(_pillow_pdf([(0, 0, 255)], (400, 300)), 0, (320, 180))
    assert landscape.size == (240, 180)
    r, g, b = landscape.getpixel((120, 90))  # type: ignore[misc]
    assert r < 4 and g < 4 and b > 250  # Pillow stores the page as JPEG
    wide = render_pdf_page(text_pdf(["wide"], size=(800, 100)), 0, (320, 180))
    assert wide.size == (320, 40)


def test_rotated_page_is_drawn_upright() -> None:
    image = render_pdf_page(text_pdf(["turned"], rotate=90), 0, (320, 180))
    assert image.size == (255, 180)  # width and height swap
    # The black bar drawn at the page's top left ends up on the right after turning.
    assert image.getpixel((image.width - 3, 5)) == (0, 0, 0)
    assert image.getpixel((3, 5)) == (255, 255, 255)


def test_absurd_page_size_is_clamped_to_the_box() -> None:
    huge = text_pdf(["x"], size=(14_400_000, 3))
    image = render_pdf_page(huge, 0, (640, 360))
    assert image.width <= 640 and image.height <= 360
    tiny = text_pdf(["x"], size=(0.001, 0.001))
    image = render_pdf_page(tiny, 0, (64, 64))
    assert image.width <= 64 and image.height <= 64


def test_bad_box_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="box"):
        render_pdf_page(text_pdf(["x"]), 0, (0, 100))


def test_slow_render_is_given_up() -> None:
    calls = iter(range(1_000_000))  # the clock jumps a minute on every call

    with pytest.raises(ContentError) as err:
        render_pdf_page(
            text_pdf(["slow"] * 1), 0, (320, 180), clock=lambda: 60.0 * next(calls), time_limit_s=5
        )
    assert err.value.code == "pdf-too-slow"


def test_render_matches_golden(tmp_path: Path) -> None:
    image = render_pdf_page(text_pdf(["Golden PDF page"], size=(400, 225)), 0, (160, 90))
    _assert_matches_golden(image, "pdf_text_page_160x90.png", tmp_path)


def test_concurrent_renders_are_serialised_and_identical() -> None:
    data = text_pdf(["threads"])
    results: list[bytes] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                results.append(render_pdf_page(data, 0, (200, 200)).tobytes())
        except BaseException as err:  # collected for the assertion below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert len(results) == 12 and len(set(results)) == 1


def test_page_cache_is_bounded_in_bytes_and_reuses_pages() -> None:
    data = _pillow_pdf([(255, 0, 0), (0, 255, 0), (0, 0, 255)], (100, 100))
    cache = PdfPageCache(max_bytes=2 * 100 * 100 * 3)
    first = cache.render(data, "d1", 0, (100, 100))
    assert cache.render(data, "d1", 0, (100, 100)) is first
    cache.render(data, "d1", 1, (100, 100))
    cache.render(data, "d1", 2, (100, 100))  # pushes page 0 out
    assert len(cache) == 2
    assert cache.size_bytes <= cache.max_bytes
    assert cache.get(("d1", 0, (100, 100))) is None
    assert cache.get(("d1", 2, (100, 100))) is not None
    cache.put(("big", 0, (1, 1)), Image.new("RGB", (200, 200)))  # larger than the whole cache
    assert cache.get(("big", 0, (1, 1))) is None


def test_dispatch_reads_pdf_and_docx_from_the_content_folder(tmp_path: Path) -> None:
    import docx

    from signage.formats.registry import read_slide

    (tmp_path / "slides").mkdir()
    (tmp_path / "slides" / "a.pdf").write_bytes(text_pdf(["one", "two"]))
    d = docx.Document()
    d.add_paragraph("内容")
    d.save(str(tmp_path / "slides" / "b.docx"))
    settings = Settings(content=tmp_path)
    assert read_slide(tmp_path, "slides/a.pdf", settings).kind == "pdf"
    assert read_slide(tmp_path, "slides/b.docx", settings).kind == "notice"


# --- hostile PDFs: the scan before PDFium, the object count after loading ---------------------


def test_the_stream_scan_measures_what_streams_inflate_to() -> None:
    from tests.hostile_files import deflate_zeros, repeated_flate

    pdf_module.scan_streams(text_pdf(["an ordinary page"] * 3))  # nothing to refuse
    # A compressed ordinary page is measured and let through.
    page = repeated_flate(b"0 0 m 1 1 l S\n", 1000)
    pdf_module.scan_streams(
        b"1 0 obj << /Length %d /Filter /FlateDecode >>\nstream\n" % len(page)
        + page
        + b"\nendstream endobj"
    )
    bomb = deflate_zeros(100_000_000)
    with pytest.raises(ContentError) as err:
        pdf_module.scan_streams(
            b"5 0 obj << /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb
        )
    assert err.value.code == "pdf-too-complex"


def test_a_declared_giant_picture_is_refused_but_a_reference_is_not_read_as_a_size() -> None:
    giant = b"6 0 obj << /Subtype /Image /Width 60000 /Height 60000 /Length 1 >>\nstream\n"
    with pytest.raises(ContentError, match="3600 megapixels"):
        pdf_module.scan_streams(giant)
    pdf_module.scan_streams(b"6 0 obj << /Subtype /Image /Width 60000 0 R /Height 9 >>\nstream\n")


def test_a_page_over_the_object_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "MAX_PAGE_OBJECTS", 1)  # a bar and a line of text
    with pytest.raises(ContentError) as err:
        read_pdf_slide("slides/x.pdf", text_pdf(["one"]), Settings())
    assert err.value.code == "pdf-too-complex" and "page 1" in err.value.message
