"""Traditional Mongolian: shaping, vertical columns, bilingual pages, legacy codes, fonts.

The text is real Mongolian: common words in every positional form, case suffixes joined by
U+202F, words with a free variation selector and with the vowel separator, and a notice of
the township government. Shaping is checked against HarfBuzz itself (uharfbuzz) on the
same font file: what the columns draw must be, word by word, what HarfBuzz gives for that
word on its own.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pygame
import pytest

from signage.core.config import Settings, load_settings, with_content
from signage.core.model import ContentError, Line, Page, PlannedItem, Problem, Slide
from signage.formats.mongolian import legacy_words, split_versions
from signage.formats.registry import read_slide
from signage.formats.text import decode_text
from signage.render.page import header_lines, idle_lines, render_idle, render_page
from signage.render.text import draw_lines
from signage.typeset.canvas import frame_for
from signage.typeset.describe import inspect_json, missing_glyph_warnings, spelled_text
from signage.typeset.fonts import FontBook
from signage.typeset.mongolian import MongolianFace, pieces, words
from signage.typeset.paginate import pages_for
from signage.workers.jobs import ReadSettings, State
from tests.golden import check_golden

hb = pytest.importorskip("uharfbuzz")

NB = "\u202f"
NOW = datetime(2026, 12, 1, 10, 0).astimezone()
LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)

# Common words; (word, letter index, letter) for the positional-form checks.
MONGOL = "ᠮᠣᠩᠭᠣᠯ"  # mongγol
BICIG = "ᠪᠢᠴᠢᠭ"  # bicig, script
KELE = "ᠬᠡᠯᠡ"  # kele, language
# The letter N in all four positions: isolated, initial, medial, final.
N_FORMS = ("ᠨ", "ᠨᠠ", "ᠠᠨᠠ", "ᠠᠨ")
GENITIVE = f"{MONGOL}{NB}ᠤᠨ"  # mongγol-un: the genitive suffix after U+202F
DATIVE = f"ᠭᠠᠵᠠᠷ{NB}ᠲᠤ"  # γajar-tu
ACCUSATIVE = f"ᠨᠣᠮ{NB}ᠢ"  # nom-i
QARA = "ᠬᠠᠷ᠎ᠠ"  # qar-a, black: a final a written apart after the vowel separator
SARA = "ᠰᠠᠷ᠎ᠠ"  # sar-a, month
GA_FVS1 = "ᠭ᠋ᠠ"  # the first variant of initial g

SENTENCES = (
    f"ᠡᠨᠡ {SARA}{NB}ᠶᠢᠨ ᠲᠠᠪᠤᠨ{NB}ᠡᠴᠡ ᠡᠬᠢᠯᠡᠨ ᠰᠤᠮᠤ{NB}ᠶᠢᠨ ᠠᠷᠠᠳ{NB}ᠤᠨ ᠵᠠᠰᠠᠭ{NB}ᠤᠨ "
    f"ᠭᠠᠵᠠᠷ{NB}ᠤᠨ ᠠᠵᠢᠯ{NB}ᠤᠨ ᠴᠠᠭ{NB}ᠢ ᠥᠭᠡᠷᠡᠴᠢᠯᠡᠨ᠎ᠡ᠃",
    f"ᠤᠰᠤ ᠬᠠᠩᠭᠠᠬᠤ ᠬᠣᠭᠣᠯᠠᠢ{NB}ᠶᠢ ᠵᠠᠰᠠᠬᠤ ᠲᠤᠯᠠ ᠡᠨᠡ {SARA}{NB}ᠶᠢᠨ ᠵᠢᠷᠭᠤᠭᠠᠨ{NB}ᠤ ᠡᠳᠦᠷ ᠤᠰᠤ ᠵᠣᠭᠰᠣᠨ᠎ᠠ᠃",
)
TITLE_MN = "ᠤᠰᠤ ᠵᠣᠭᠰᠣᠭᠠᠬᠤ ᠮᠡᠳᠡᠭᠳᠡᠯ"  # usu jogsoγaqu medegdel: notice of a water stop
TITLE_ZH = "停水通知"
BODY_ZH = "因维修供水管道，本月6日停水，请居民提前储水。"
NAME_MN = f"ᠬᠥᠬᠡ ᠠᠭᠤᠯᠠ ᠪᠠᠯᠭᠠᠰᠤ{NB}ᠶᠢᠨ ᠠᠷᠠᠳ{NB}ᠤᠨ ᠵᠠᠰᠠᠭ{NB}ᠤᠨ ᠭᠠᠵᠠᠷ"
NAME_ZH = "青山镇人民政府"


@pytest.fixture(scope="module")
def fonts() -> Iterator[FontBook]:
    pygame.display.init()
    book = FontBook.from_settings({})
    if book.mongolian is None:
        pytest.skip("no Mongolian font installed (fonts-noto-core)")
    yield book
    gc.collect()  # textures go before the renderer that made them
    pygame.quit()


@pytest.fixture(scope="module")
def face(fonts: FontBook) -> MongolianFace:
    assert fonts.mongolian is not None
    return fonts.mongolian


def shaped(face: MongolianFace, text: str) -> list[tuple[int, int]]:
    """HarfBuzz's (glyph id, cluster) for text in the face, script and direction guessed."""
    font = hb.Font(hb.Face(hb.Blob.from_file_path(face.path)))
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf, {})
    return [(g.codepoint, g.cluster) for g in buf.glyph_infos]


def advance(face: MongolianFace, text: str, size: int) -> float:
    hb_face = hb.Face(hb.Blob.from_file_path(face.path))
    font = hb.Font(hb_face)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf, {})
    return sum(p.x_advance for p in buf.glyph_positions) * size / hb_face.upem


def glyphs(face: MongolianFace, text: str) -> list[int]:
    return [g for g, _ in shaped(face, text)]


def write(root: Path, rel: str, text: str) -> str:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return rel


def layout(
    root: Path, rel: str, fonts: FontBook, canvas: tuple[int, int]
) -> tuple[Slide, tuple[Page, ...]]:
    settings = Settings(content=root)
    slide = read_slide(root, rel, settings)
    return slide, pages_for(PlannedItem(slide), canvas, fonts, settings, NOW)


def columns(page: Page) -> list[Line]:
    return [ln for ln in page.lines if ln.direction == "ttb" and ln.role != "meta"]


# --- shaping -------------------------------------------------------------------------------------


def test_each_position_has_its_own_form(face: MongolianFace) -> None:
    # The glyph HarfBuzz picks for N alone, at the start, inside and at the end of a word.
    n = "\u1828"
    forms = []
    for word in N_FORMS:
        index = word.index(n)
        forms.append(next(g for g, c in shaped(face, word) if c == index))
    assert len(set(forms)) == 4, forms


def test_the_shaper_is_on_in_the_players_face(face: MongolianFace) -> None:
    # SDL_ttf with the script set shapes: joined forms are narrower than isolated letters,
    # and the width is HarfBuzz's (to the pixel) for words, suffixes, FVS and MVS alike.
    isolated = sum(face.width(ch, 100) for ch in MONGOL)
    assert face.width(MONGOL, 100) < 0.8 * isolated
    for word in (MONGOL, BICIG, KELE, GENITIVE, DATIVE, ACCUSATIVE, QARA, SARA, GA_FVS1):
        # SDL_ttf rounds each glyph's advance to a whole pixel.
        slack = 0.5 * len(glyphs(face, word)) + 0.5
        assert abs(face.width(word, 100) - advance(face, word, 100)) <= slack, word


def test_suffix_after_nnbsp_takes_its_suffix_form(face: MongolianFace) -> None:
    # -un after U+202F is not the word "un" standing alone: its u is not an initial u.
    alone = glyphs(face, "ᠤᠨ")
    suffix = [g for g, c in shaped(face, GENITIVE) if c > len(MONGOL)]
    assert suffix != alone
    # And the word before the suffix keeps the forms it has on its own.
    assert glyphs(face, GENITIVE)[: len(glyphs(face, MONGOL))] == glyphs(face, MONGOL)


def test_variation_selector_and_vowel_separator_change_the_shapes(face: MongolianFace) -> None:
    assert glyphs(face, GA_FVS1)[0] != glyphs(face, "ᠭᠠ")[0]
    # qar-a: the final a after the MVS is not the final a of qara.
    assert glyphs(face, QARA)[-1] != glyphs(face, "ᠬᠠᠷᠠ")[-1]


def test_words_never_split_at_nnbsp_or_inside() -> None:
    text = f"{GENITIVE} {QARA} {GA_FVS1}  ᠪᠠ"
    assert words(text) == [GENITIVE, QARA, GA_FVS1, "ᠪᠠ"]


def test_mixed_text_is_cut_where_the_drawing_changes(face: MongolianFace) -> None:
    kinds = [(p.text, p.kind) for p in pieces(f"{MONGOL} 2026 青山 {KELE}", face)]
    assert kinds == [
        (f"{MONGOL} ", "mongol"),
        ("2026", "sideways"),
        (" ", "mongol"),
        ("青山", "upright"),
        (f" {KELE}", "mongol"),
    ]


# --- columns -----------------------------------------------------------------------------------


def long_text() -> str:
    paragraphs = [" ".join(SENTENCES[k % 2] for k in range(n, n + 4)) for n in range(12)]
    return f"{TITLE_MN}\n\n" + "\n\n".join(paragraphs) + "\n"


def test_columns_shape_each_word_as_harfbuzz_does_alone(
    tmp_path: Path, fonts: FontBook, face: MongolianFace
) -> None:
    rel = write(tmp_path, "slides/mn.txt", long_text())
    _, pages = layout(tmp_path, rel, fonts, LANDSCAPE)
    assert len(pages) > 1
    seen = 0
    for page in pages:
        for line in columns(page):
            # The column as one run, cut at its spaces: each word's glyphs are the word's own.
            run = shaped(face, line.text)
            starts = [0]
            for k, ch in enumerate(line.text):
                if ch == " ":
                    starts.append(k + 1)
            for start, word in zip(starts, line.text.split(" "), strict=True):
                mine = [g for g, c in run if start <= c < start + len(word)]
                assert mine == glyphs(face, word), word
                seen += 1
    assert seen > 200


def test_a_long_text_runs_over_columns_and_pages(tmp_path: Path, fonts: FontBook) -> None:
    text = long_text()
    rel = write(tmp_path, "slides/mn.txt", text)
    slide, pages = layout(tmp_path, rel, fonts, LANDSCAPE)
    body = frame_for(LANDSCAPE).body
    assert slide.kind == "document" and len(pages) >= 3
    for n, page in enumerate(pages):
        cols = columns(page)
        assert len(cols) >= 5
        # Left to right, inside the body, top to bottom within it, at the legibility floor
        # (60 px at 1080p, as for Chinese).
        xs = [c.x for c in cols]
        assert xs == sorted(xs) and xs[0] >= body.x and cols[-1].x + cols[-1].width <= body.right
        assert all(body.y <= c.y and c.y + c.height <= body.bottom + 1 for c in cols)
        assert {c.size for c in cols if c.role == "body"} == {60}
        # The page number in Mongolian digits, standing in the bottom right corner.
        number = page.lines[-1]
        assert number.role == "meta" and number.direction == "ttb"
        assert number.text == f"{chr(0x1811 + n)}/{chr(0x1810 + len(pages))}"
        assert page.duration >= 8
    # Nothing lost, nothing reordered, and no column starts with a suffix.
    assert spelled_text(pages).replace(" ", "") == "".join(words(text))
    for page in pages:
        for col in columns(page):
            assert not col.text.startswith(NB) and not col.text.endswith(NB)


def test_a_short_notice_is_set_large_and_centred(tmp_path: Path, fonts: FontBook) -> None:
    rel = write(tmp_path, "slides/mn.txt", f"{TITLE_MN}\n\n{SENTENCES[0]}\n")
    _, pages = layout(tmp_path, rel, fonts, LANDSCAPE)
    assert len(pages) == 1 and pages[0].style == "notice"
    cols = columns(pages[0])
    assert cols[0].role == "title" and cols[0].size > cols[-1].size > 60
    body = frame_for(LANDSCAPE).body
    left, right = cols[0].x, cols[-1].x + cols[-1].width
    assert abs((left - body.x) - (body.right - right)) <= 2


def test_inspect_describes_columns(tmp_path: Path, fonts: FontBook) -> None:
    rel = write(tmp_path, "slides/mn.txt", f"{TITLE_MN}\n\n{SENTENCES[0]}\n")
    slide, pages = layout(tmp_path, rel, fonts, LANDSCAPE)
    data = inspect_json(slide, pages, [])
    lines = data["pages"][0]["lines"]
    assert {ln["direction"] for ln in lines} == {"ttb"}
    for ln in lines:
        assert ln["height"] > ln["width"] > 0 and ln["size"] > 0


def test_a_variant_the_font_lacks_is_left_out_and_named(
    tmp_path: Path, fonts: FontBook, face: MongolianFace
) -> None:
    fvs4 = "\u180f"
    if face.has(fvs4):
        pytest.skip("this Mongolian font has the fourth variation selector")
    rel = write(tmp_path, "slides/mn.txt", f"ᠭ{fvs4}ᠠ {MONGOL}\n")
    slide, pages = layout(tmp_path, rel, fonts, LANDSCAPE)
    warnings = missing_glyph_warnings(slide, fonts)
    assert any("U+180F" in w and "default form" in w for w in warnings)
    assert not any("boxes" in w for w in warnings)
    drawn = "".join(r.text for ln in columns(pages[0]) for r in ln.runs)
    assert fvs4 not in drawn


def test_columns_are_drawn_turned(tmp_path: Path, fonts: FontBook, face: MongolianFace) -> None:
    rel = write(tmp_path, "slides/mn.txt", f"{MONGOL}\n")
    _, pages = layout(tmp_path, rel, fonts, LANDSCAPE)
    surface = pygame.Surface(LANDSCAPE)
    surface.fill((255, 255, 255))
    col = columns(pages[0])[0]
    draw_lines(surface, [col], fonts, Settings().theme)
    ink = _ink(surface)
    # Taller than wide, where the layout says, the width of the ink band.
    assert ink.height > 2 * ink.width
    assert (
        abs(ink.top - col.y) <= 0.15 * col.size and abs(ink.height - col.height) <= 0.2 * col.size
    )
    assert col.x - 2 <= ink.left and ink.right <= col.x + col.width + 2
    # What is drawn is the shaped word turned: the same ink as the word rendered and rotated.
    flat = face.font(col.size).render(MONGOL, True, (0, 0, 0))
    ground = pygame.Surface(flat.get_size())
    ground.fill((255, 255, 255))
    ground.blit(flat, (0, 0))
    turned = pygame.transform.rotate(ground, -90)
    assert abs(_ink(turned).height - ink.height) <= 2 and abs(_ink(turned).width - ink.width) <= 2


def _ink(surface: pygame.Surface) -> pygame.Rect:
    mask = pygame.mask.from_threshold(surface, (255, 255, 255), (60, 60, 60, 255))
    mask.invert()
    rects = mask.get_bounding_rects()
    assert rects
    return rects[0].unionall(rects[1:])


# --- bilingual ---------------------------------------------------------------------------------


def bilingual_notice() -> str:
    return f"{TITLE_MN}\n\n{SENTENCES[1]}\n\n{TITLE_ZH}\n\n{BODY_ZH}\n"


def test_one_file_two_versions_are_found() -> None:
    parts = split_versions(bilingual_notice())
    assert parts is not None
    assert parts[0].startswith(TITLE_MN) and TITLE_ZH not in parts[0]
    assert parts[1].startswith(TITLE_ZH) and BODY_ZH in parts[1]
    assert split_versions(f"{TITLE_ZH}\n\n{BODY_ZH}\n") is None


@pytest.mark.parametrize("canvas", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_bilingual_notice_mongolian_left_chinese_right_same_size(
    tmp_path: Path, fonts: FontBook, canvas: tuple[int, int]
) -> None:
    rel = write(tmp_path, "slides/停水.txt", bilingual_notice())
    _, pages = layout(tmp_path, rel, fonts, canvas)
    assert len(pages) == 1
    mn = columns(pages[0])
    zh = [ln for ln in pages[0].lines if ln.direction == "ltr" and ln.role != "meta"]
    assert mn and zh
    assert max(c.x + c.width for c in mn) < min(ln.x for ln in zh)
    assert {c.size for c in mn if c.role == "body"} == {ln.size for ln in zh if ln.role == "body"}
    assert {c.size for c in mn if c.role == "title"} == {ln.size for ln in zh if ln.role == "title"}
    # Both titles: each version kept its own structure.
    assert [ln.text for ln in zh if ln.role == "title"] == [TITLE_ZH]
    body = frame_for(canvas).body
    assert all(body.x <= ln.x and ln.x + ln.width <= body.right for ln in pages[0].lines)


def test_a_banner_is_mongolian_above_chinese(tmp_path: Path, fonts: FontBook) -> None:
    rel = write(tmp_path, "slides/会标.txt", f"{NAME_MN}\n\n{NAME_ZH}\n")
    _, pages = layout(tmp_path, rel, fonts, LANDSCAPE)
    lines = pages[0].lines
    assert [ln.direction for ln in lines] == ["ltr", "ltr"]
    assert lines[0].text == " ".join(words(NAME_MN)) and lines[1].text == NAME_ZH
    assert lines[0].y < lines[1].y and lines[0].size == lines[1].size > 60


def test_too_long_for_one_page_mongolian_pages_come_first(tmp_path: Path, fonts: FontBook) -> None:
    zh = "\n\n".join([BODY_ZH * 6] * 4)
    rel = write(tmp_path, "slides/长.txt", long_text() + f"\n{TITLE_ZH}\n\n{zh}\n")
    _, pages = layout(tmp_path, rel, fonts, LANDSCAPE)
    kinds = ["mn" if columns(p) else "zh" for p in pages]
    assert kinds == sorted(kinds) and kinds[0] == "mn" and kinds[-1] == "zh"
    assert [p.number for p in pages] == list(range(len(pages)))
    first_zh = kinds.index("zh")
    assert pages[first_zh].lines[-1].text == f"第 {first_zh + 1}/{len(pages)} 页"


def test_bilingual_meeting(tmp_path: Path, fonts: FontBook) -> None:
    rel = write(
        tmp_path,
        "slides/会议.yaml",
        "kind: meeting\n标题: 全镇安全生产工作会议\n时间: 2026-12-03 14:30\n"
        "地点: 镇政府三楼会议室\n"
        f'蒙古文:\n  标题: "ᠠᠶᠤᠯᠭᠦᠢ ᠦᠢᠯᠡᠳᠪᠦᠷᠢ{NB}ᠶᠢᠨ ᠬᠤᠷᠠᠯ"\n',
    )
    _, pages = layout(tmp_path, rel, fonts, LANDSCAPE)
    assert len(pages) == 1 and pages[0].style == "meeting"
    mn = columns(pages[0])
    zh = [ln for ln in pages[0].lines if ln.direction == "ltr"]
    assert mn[0].role == "title" and any(ln.text == "᠒᠐᠒᠖.᠑᠒.᠐᠓ ᠑᠔:᠓᠐" for ln in mn)
    assert max(c.x + c.width for c in mn) < min(ln.x for ln in zh)
    assert mn[0].size == next(ln.size for ln in zh if ln.role == "title")


def test_meeting_mongolian_section_must_be_keys(tmp_path: Path) -> None:
    rel = write(
        tmp_path,
        "slides/会议.yaml",
        "kind: meeting\n标题: 会\n时间: 2026-12-03 14:30\n蒙古文: ᠬᠤᠷᠠᠯ\n",
    )
    with pytest.raises(ContentError) as err:
        read_slide(tmp_path, rel, Settings(content=tmp_path))
    assert err.value.code == "meeting-field" and err.value.line == 4


# --- organisation, header band, idle screen ---------------------------------------------------


def test_organisation_in_both_scripts(tmp_path: Path) -> None:
    def layered() -> tuple[Settings, tuple[Problem, ...]]:
        # The content's signage.yaml as the player reads it: by a worker's job.
        result = ReadSettings(str(tmp_path), "signage.yaml", 2_000_000).run(State())
        base, _ = load_settings(tmp_path, None, {})
        return with_content(base, result.values), result.problems

    (tmp_path / "signage.yaml").write_text(f"organisation:\n  mn: {NAME_MN}\n  zh: {NAME_ZH}\n")
    settings, problems = layered()
    assert not problems
    assert (settings.organisation, settings.organisation_mn) == (NAME_ZH, NAME_MN)
    (tmp_path / "signage.yaml").write_text(f"organisation: {NAME_ZH}\n")
    settings, _ = layered()
    assert (settings.organisation, settings.organisation_mn) == (NAME_ZH, "")
    (tmp_path / "signage.yaml").write_text("organisation: {fr: x}\n")
    settings, problems = layered()
    assert problems and settings.organisation == Settings().organisation


@pytest.mark.parametrize("canvas", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_header_mongolian_first_same_size(fonts: FontBook, canvas: tuple[int, int]) -> None:
    lines = header_lines(frame_for(canvas), NAME_ZH, NOW, fonts, NAME_MN)
    mn, zh = lines[0], lines[1]
    assert mn.text == NAME_MN and zh.text == NAME_ZH and mn.size == zh.size
    band = frame_for(canvas).header
    assert mn.x + mn.width <= zh.x or mn.y + mn.size <= zh.y  # before, or above
    clock = lines[2]
    assert max(mn.x + mn.width, zh.x + zh.width) < clock.x
    assert "10:00" in "".join(ln.text for ln in lines[2:])
    for ln in lines:
        assert band.y <= ln.y and ln.baseline < band.bottom
    # Still legible from the lobby: never below a third of the band.
    assert mn.size >= band.h // 3


def test_idle_screen_mongolian_above_chinese(fonts: FontBook) -> None:
    lines = idle_lines(frame_for(LANDSCAPE), NAME_ZH, NOW, fonts, NAME_MN)
    assert lines[0].text == NAME_MN and lines[1].text == NAME_ZH
    assert lines[0].y < lines[1].y and lines[0].size == lines[1].size


# --- legacy private codes and encodings -------------------------------------------------------


MENKSOFT = "\ue2f1\ue27e\ue2bc\ue2ee\ue27e\ue2f9 \ue2c1\ue285\ue317\ue285\ue2e7"


def test_legacy_private_code_is_refused_by_name(tmp_path: Path) -> None:
    rel = write(tmp_path, "slides/旧.txt", f"{MENKSOFT}\n")
    with pytest.raises(ContentError) as err:
        read_slide(tmp_path, rel, Settings(content=tmp_path))
    assert err.value.code == "mongolian-legacy-code"
    assert "U+E2F1" in err.value.message
    from signage.appliance.statuspage import REASONS

    assert "新版输入法" in REASONS["mongolian-legacy-code"]
    assert any(0x1820 <= ord(c) <= 0x18AA for c in REASONS["mongolian-legacy-code"])


def test_a_user_defined_han_character_is_not_legacy_mongolian() -> None:
    # A rare name character made in GBK's user-defined area sits in the same PUA range.
    assert legacy_words("请\ue2f1某某同志到三楼办理。联系人：李\ue300") == 0
    assert legacy_words(MENKSOFT) == 2
    assert legacy_words("\ue000", expect_mongolian=True) == 1


def test_legacy_code_in_a_word_file(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph(MENKSOFT)
    document.save(tmp_path / "旧.docx")
    with pytest.raises(ContentError) as err:
        read_slide(tmp_path, "旧.docx", Settings(content=tmp_path))
    assert err.value.code == "mongolian-legacy-code"


@pytest.mark.parametrize("text", [SENTENCES[0], SENTENCES[1], long_text(), MONGOL])
def test_mongolian_utf8_is_not_taken_for_gbk(text: str) -> None:
    assert decode_text(text.encode("utf-8")) == (text, "utf-8")


def test_front_matter_lang(tmp_path: Path, fonts: FontBook) -> None:
    rel = write(tmp_path, "slides/x.txt", f"---\nlang: zh\n---\n{MONGOL}\n")
    slide, pages = layout(tmp_path, rel, fonts, LANDSCAPE)
    assert slide.lang == "zh" and not columns(pages[0])
    rel = write(tmp_path, "slides/y.txt", f"---\nlang: 蒙古文\n---\n{MONGOL} 2026\n")
    slide, pages = layout(tmp_path, rel, fonts, LANDSCAPE)
    assert slide.lang == "mn" and columns(pages[0])


# --- goldens -------------------------------------------------------------------------------------


def _render(
    page: Page, canvas: tuple[int, int], fonts: FontBook, mn: bool = True
) -> pygame.Surface:
    from signage.render.page import draw_header

    settings = Settings()
    surface = render_page(page, canvas, fonts, settings.theme, lambda r: b"")
    frame = frame_for(canvas)
    header = header_lines(frame, NAME_ZH, NOW, fonts, NAME_MN if mn else "")
    draw_header(surface, frame, header, fonts, settings.theme)
    return surface


def test_golden_mongolian_page(tmp_path: Path, fonts: FontBook) -> None:
    rel = write(tmp_path, "slides/mn.txt", long_text())
    _, pages = layout(tmp_path, rel, fonts, LANDSCAPE)
    check_golden(
        "mongolian-p1-landscape", pages[0], LANDSCAPE, _render(pages[0], LANDSCAPE, fonts), fonts
    )


@pytest.mark.parametrize("canvas", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_golden_bilingual_notice(tmp_path: Path, fonts: FontBook, canvas: tuple[int, int]) -> None:
    rel = write(tmp_path, "slides/停水.txt", bilingual_notice())
    _, pages = layout(tmp_path, rel, fonts, canvas)
    name = "bilingual-landscape" if canvas == LANDSCAPE else "bilingual-portrait"
    check_golden(name, pages[0], canvas, _render(pages[0], canvas, fonts), fonts)


@pytest.mark.parametrize("canvas", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_golden_bilingual_header_and_idle(fonts: FontBook, canvas: tuple[int, int]) -> None:
    frame = frame_for(canvas)
    surface = render_idle(canvas, NAME_ZH, NOW, fonts, Settings().theme, NAME_MN)
    from signage.render.page import draw_header

    header = header_lines(frame, NAME_ZH, NOW, fonts, NAME_MN)
    draw_header(surface, frame, header, fonts, Settings().theme)
    lines = header + idle_lines(frame, NAME_ZH, NOW, fonts, NAME_MN)
    name = "bilingual-idle-landscape" if canvas == LANDSCAPE else "bilingual-idle-portrait"
    check_golden(name, Page(style="idle", duration=0.0, lines=tuple(lines)), canvas, surface, fonts)


def test_without_a_mongolian_font_no_boxes(tmp_path: Path, fonts: FontBook) -> None:
    # No Mongolian face and none among the fallbacks: the Chinese layout shows the file,
    # the warning says why, and the letters leave a gap instead of boxes.
    bare = FontBook(
        fonts.faces, [f for f in fonts.fallbacks if "Mongolian" not in f.family], fonts.notes
    )
    bare._mongolian = None
    rel = write(tmp_path, "slides/mn.txt", f"{MONGOL} {KELE}\n")
    settings = Settings(content=tmp_path)
    slide = read_slide(tmp_path, rel, settings)
    pages = pages_for(PlannedItem(slide), LANDSCAPE, bare, settings, NOW)
    assert not columns(pages[0])
    assert any("no Mongolian font" in w for w in missing_glyph_warnings(slide, bare))
    surface = render_page(pages[0], LANDSCAPE, bare, settings.theme, lambda r: b"")
    ground = surface.get_at((5, 500))
    body = frame_for(LANDSCAPE).body
    area = surface.subsurface(pygame.Rect(body.x, body.y, body.w, body.h))
    assert pygame.transform.average_color(area)[:3] == tuple(ground)[:3]
