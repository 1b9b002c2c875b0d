"""Chinese typesetting, second round (issue 13), on notices the project had not seen: a 公示
with a record list, a 政策解读 with nested headings and Latin, a three-line 停电通知, a
meeting notice with numbered sentences; each in landscape and portrait."""

from __future__ import annotations

import itertools
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signage.core.config import Settings
from signage.core.model import Document, Line, Page, Slide
from signage.formats.text import read_text_slide
from signage.formats.word import read_docx_slide
from signage.typeset.canvas import frame_for
from signage.typeset.describe import inspect_json, spelled_text
from signage.typeset.fonts import FontBook
from signage.typeset.layout import MIN_FILL, MIN_LAST_PAGE_LINES, body_floor_px, layout_slide
from signage.typeset.linebreak import NO_END, NO_START, break_lines
from signage.typeset.punctuation import widen_punctuation

ROUND2 = Path(__file__).parent / "fixtures" / "text" / "round2"
TZ = ZoneInfo("Asia/Shanghai")
SETTINGS = Settings(timezone="Asia/Shanghai")
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=TZ)
CANVASES = [(1920, 1080), (1080, 1920)]
DOCUMENTS = ["补贴公示.txt", "政策解读.txt", "停电通知.txt", "安全会议通知.txt"]


@pytest.fixture(scope="module")
def fonts() -> FontBook:
    return FontBook.from_settings()


def slide_of(name: str) -> Slide:
    return read_text_slide(f"slides/{name}", (ROUND2 / name).read_bytes(), SETTINGS)


def content(page: Page) -> list[Line]:
    return [ln for ln in page.lines if ln.role != "meta"]


def folded(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def is_chinese(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff01" <= ch <= "\uff60"


# --- 1. headings in one ink; numbered sentences are body text -------------------------------


@pytest.mark.parametrize("canvas", CANVASES)
def test_numbered_sentences_are_body_text_under_a_louder_heading(
    fonts: FontBook, canvas: tuple[int, int]
) -> None:
    pages = layout_slide(slide_of("安全会议通知.txt"), canvas, fonts, SETTINGS, NOW)
    lines = [ln for p in pages for ln in content(p)]
    items = [ln for ln in lines if re.match(r"[（(][一二三][）)]|[12]\.", ln.text)]
    assert items and all(ln.role == "body" and ln.font == "sans" for ln in items)
    heading = next(ln for ln in lines if ln.text == "三、参加人员")
    assert heading.role == "heading" and heading.level == 1 and heading.font == "sans-bold"
    # One ink: nothing in a red (accent/title) colour on a plain notice, title included.
    assert {ln.color for ln in lines} == {"text"}
    # A sentence that wraps is justified like any paragraph.
    wrapped = [ln for ln in lines if ln.text.startswith("2.各单位务必")]
    assert wrapped and wrapped[0].runs and len(wrapped[0].runs) > 3


@pytest.mark.parametrize("canvas", CANVASES)
def test_heading_levels_by_face_never_louder_below(
    fonts: FontBook, canvas: tuple[int, int]
) -> None:
    pages = layout_slide(slide_of("政策解读.txt"), canvas, fonts, SETTINGS, NOW)
    headings = [ln for p in pages for ln in content(p) if ln.role == "heading"]
    level1 = [ln for ln in headings if ln.level == 1]
    level2 = [ln for ln in headings if ln.level == 2]
    assert level1 and level2
    assert {ln.font for ln in level1} == {"sans-bold"}
    assert {ln.font for ln in level2} == ({"kai"} if fonts.has_kai else {"sans"})
    assert {ln.color for ln in headings} == {"text"}
    assert {ln.size for ln in level2} == {ln.size for ln in level1}


# --- 2. half-width punctuation in Chinese context ------------------------------------------


@pytest.mark.parametrize("name", DOCUMENTS)
@pytest.mark.parametrize("canvas", CANVASES)
def test_text_is_spelled_nfkc_equal_and_ascii_marks_widened(
    fonts: FontBook, name: str, canvas: tuple[int, int]
) -> None:
    slide = slide_of(name)
    pages = layout_slide(slide, canvas, fonts, SETTINGS, NOW)
    spelled = spelled_text(pages)
    source = (ROUND2 / name).read_text("utf-8")
    assert folded(spelled) == folded(source)
    for ln in (ln for p in pages for ln in content(p)):
        for k, ch in enumerate(ln.text):
            if ch in "():;,!?" and ln.role != "table":
                before = ln.text[k - 1 : k]
                assert not (before and is_chinese(before)), (ln.text, ch)


@pytest.mark.parametrize("canvas", CANVASES)
def test_no_gap_is_put_next_to_ascii_punctuation(fonts: FontBook, canvas: tuple[int, int]) -> None:
    # 元/月 and 人(: a slash or bracket against Han gets no quarter em.
    text = "标准为650元/月(含取暖费)，共巴特尔(2人)、其其格(3人)"
    w = [1.0 if ord(c) > 0x2000 else 0.5 for c in text]
    (line,) = break_lines(text, w, 60.0, 1.0)
    slash = text.index("/")
    run = next(r for r in line.runs if r[0] <= slash < r[1])
    assert run[0] <= slash - 1 and slash + 1 < run[1]  # 元/月 drawn as one run


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["单位", "巴特尔", "2人", "650", "元", "月", "星期二", " ", "a", "8"]),
        min_size=1,
        max_size=12,
    ),
    st.lists(st.sampled_from(list("():;,!?")), min_size=1, max_size=12),
)
def test_widening_never_pads_or_changes_meaning(words: list[str], marks: list[str]) -> None:
    text = "".join(w + m for w, m in zip(words, itertools.cycle(marks), strict=False))
    wide = widen_punctuation(text)
    assert len(wide) == len(text)
    assert unicodedata.normalize("NFKC", wide) == unicodedata.normalize("NFKC", text)
    for k, ch in enumerate(wide):
        if ch in "():;,!?" and k and is_chinese(wide[k - 1]):
            raise AssertionError((text, wide))
    # Latin context untouched.
    for latin in ("8:30", "1,875.00", "Type (A) plug", "e-mail: x@y.cn", "http://a.cn/b?c=1"):
        assert widen_punctuation(latin) == latin


# --- 3. adjacent punctuation compressed -----------------------------------------------------


def test_adjacent_marks_take_one_and_a_half_em_anywhere_in_the_line() -> None:
    for text, marks in (("依据《办法》（试行）执行", "》（"), ("见附件）。再议", "）。")):
        w = [1.0] * len(text)
        (line,) = break_lines(text, w, 40.0, 1.0, justify=False)
        assert line.width == pytest.approx(len(text) - 0.5), text
        assert marks in text
    # 》）。: three marks take two ems.
    text = "按《规定（试行》）。执行"
    (line,) = break_lines(text, [1.0] * len(text), 40.0, 1.0, justify=False)
    assert line.width == pytest.approx(len(text) - 1.0)


def test_an_opening_mark_at_a_line_start_sits_flush() -> None:
    text = "一二三四五六七八九（十一二）三四"
    lines = break_lines(text, [1.0] * len(text), 9.0, 1.0)
    second = lines[1]
    assert second.text.startswith("（")
    assert second.runs[0][2] == pytest.approx(-0.5)  # drawn half an em left: ink at the edge


# --- 4. key facts kept whole ----------------------------------------------------------------


KEY_FACTS = ["（星期二）", "乌日娜・其其格", "第三", "（2人）", "星期五"]


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=0, max_value=20),
    st.sampled_from(KEY_FACTS),
    st.integers(min_value=9, max_value=30),
    st.sampled_from([0.0, 2.0]),
)
def test_key_facts_are_never_split(lead: int, fact: str, measure: int, indent: float) -> None:
    text = "通" * lead + "定于1月5日" + fact + "在镇政府二楼召开会议请准时参加"
    w = [1.0 if ord(c) > 0x2000 else 0.55 for c in text]
    lines = break_lines(text, w, float(measure), 1.0, first_indent=indent)
    assert any(fact in ln.text for ln in lines), ([ln.text for ln in lines], fact)


def test_a_short_heading_is_balanced_not_left_with_a_stub() -> None:
    text = "（三）深入推进政务服务“最多跑一次”"
    w = [1.0] * len(text)
    lines = break_lines(text, w, 16.0, 1.0, first_indent=2.0, justify=False, balance=True)
    assert len(lines) == 2
    assert min(len(ln.text) for ln in lines) >= 4, [ln.text for ln in lines]


# --- 5. lines and pages ---------------------------------------------------------------------


@pytest.mark.parametrize("name", DOCUMENTS)
@pytest.mark.parametrize("canvas", CANVASES)
def test_pages_are_full_but_the_last_and_the_last_is_no_stray_line(
    fonts: FontBook, name: str, canvas: tuple[int, int]
) -> None:
    pages = layout_slide(slide_of(name), canvas, fonts, SETTINGS, NOW)
    frame = frame_for(canvas)
    for page in pages[:-1]:
        lines = content(page)
        used = lines[-1].y + lines[-1].size * 1.3 - frame.body.y
        assert used / frame.body.h >= MIN_FILL - 0.1, (name, canvas, [ln.text for ln in lines])
    if len(pages) > 1:
        text_lines = [ln for ln in content(pages[-1]) if ln.role not in ("signature", "date")]
        assert len(text_lines) >= MIN_LAST_PAGE_LINES, [ln.text for ln in text_lines]


@pytest.mark.parametrize("canvas", CANVASES)
def test_lines_keep_the_rules_and_the_measure(fonts: FontBook, canvas: tuple[int, int]) -> None:
    frame = frame_for(canvas)
    for name in DOCUMENTS:
        pages = layout_slide(slide_of(name), canvas, fonts, SETTINGS, NOW)
        for page in pages:
            for ln in content(page):
                assert frame.body.x <= ln.x and ln.x + ln.width <= frame.body.right + 1
                if ln.role != "table":
                    assert ln.text[0] not in NO_START or ln.text[0] in "（", ln.text
                    assert ln.text[-1] not in NO_END, ln.text


def test_the_total_line_is_justified_not_left_short(fonts: FontBook) -> None:
    pages = layout_slide(slide_of("补贴公示.txt"), (1920, 1080), fonts, SETTINGS, NOW)
    lines = [ln for p in pages for ln in content(p)]
    total = next(ln for ln in lines if ln.text.startswith("以上合计"))
    assert total.x + total.width >= frame_for((1920, 1080)).body.right - 60 - 2


# --- 6. structure ---------------------------------------------------------------------------


def test_addressee_flush_left_and_signature_with_its_date(fonts: FontBook) -> None:
    slide = slide_of("停电通知.txt")
    assert isinstance(slide.body, Document)
    roles = [(b.role, b.text) for b in slide.body.blocks]
    assert roles[-2:] == [("signature", "城关供电所"), ("date", "2027年1月3日")]
    for canvas in CANVASES:
        pages = layout_slide(slide, canvas, fonts, SETTINGS, NOW)
        lines = content(pages[0])
        sig, date = lines[-2], lines[-1]
        assert (sig.role, date.role) == ("signature", "date")
        assert abs((sig.x + sig.width) - (date.x + date.width)) <= 2  # both right-aligned
        addressee = next(ln for ln in lines if ln.text == "各位居民：")
        first = next(ln for ln in lines if ln.text.startswith("因电网"))
        assert addressee.x < first.x  # flush left; the paragraph is indented


# --- 7. record lists as tables --------------------------------------------------------------


def test_records_become_a_table_with_numbers_on_the_decimal_point(fonts: FontBook) -> None:
    slide = slide_of("补贴公示.txt")
    pages = layout_slide(slide, (1920, 1080), fonts, SETTINGS, NOW)
    doc = inspect_json(slide, pages, [])
    rows = [ln for p in doc["pages"] for ln in p["lines"] if ln["role"] == "table"]
    assert len(rows) == 5
    assert [c["text"] for c in rows[0]["cells"]] == [
        "1",
        "东风村",
        "王秀兰",
        "1507**********2341",
        "12.50",
        "1,875.00",
    ]
    # The row's text is the record as the file has it.
    assert rows[3]["text"].startswith("4.前进村 巴特尔（身份证号")
    # Numbers right-aligned on the decimal point: the point is at one x in each column.
    size = rows[0]["size"]
    for col in (4, 5):
        points = {
            round(c["x"] + fonts.advance(c["text"].split(".")[0], "sans", size))
            for c in (r["cells"][col] for r in rows)
        }
        assert max(points) - min(points) <= 1, points
    heads = [
        ln for p in doc["pages"] for ln in p["lines"] if ln["role"] == "meta" and ln.get("cells")
    ]
    assert any("种植面积" in ln["text"] for ln in heads)
    # No row is split across pages, and the heads are on the page of the first row.
    first_page = next(p for p in pages if any(ln.role == "table" for ln in p.lines))
    assert any(ln.role == "meta" and "村" in ln.text for ln in first_page.lines)


def test_a_table_too_wide_for_portrait_is_set_as_the_list(fonts: FontBook) -> None:
    slide = slide_of("补贴公示.txt")
    floor = body_floor_px(SETTINGS, (1080, 1920))
    pages = layout_slide(slide, (1080, 1920), fonts, SETTINGS, NOW)
    lines = [ln for p in pages for ln in content(p)]
    assert not any(ln.role == "table" for ln in lines)
    assert all(ln.size >= floor for ln in lines)
    assert folded(spelled_text(pages)) == folded((ROUND2 / "补贴公示.txt").read_text("utf-8"))


def test_a_table_over_several_pages_repeats_its_heads(fonts: FontBook) -> None:
    items = [
        f"{k}.前进村 王{chr(0x4E50 + k)}（身份证号1507**********{k:04d}）："
        f"种植面积{k * 1.25:.2f}亩，补贴金额{k * 187.5:,.2f}元；"
        for k in range(1, 31)
    ]
    text = "耕地补贴发放名单\n\n现公示如下：\n" + "\n".join(items) + "\n"
    slide = read_text_slide("slides/名单.txt", text.encode(), SETTINGS)
    pages = layout_slide(slide, (1920, 1080), fonts, SETTINGS, NOW)
    with_rows = [p for p in pages if any(ln.role == "table" for ln in p.lines)]
    assert len(with_rows) >= 3
    for page in with_rows:
        lines = [ln for ln in page.lines if ln.role != "meta" or ln.cells]
        first = next(k for k, ln in enumerate(lines) if ln.role == "table")
        assert lines[first - 2].role == "meta" and "种植面积" in lines[first - 2].text
        assert lines[first - 1].text == "（亩）\u3000（元）"

    rows = [ln for p in pages for ln in p.lines if ln.role == "table"]
    assert [ln.text for ln in rows] == items  # every row once, in order, none split
    frame = frame_for((1920, 1080))
    body_lines = [ln for p in pages for ln in p.lines if not ln.text.startswith("第 ")]
    assert all(ln.y + ln.size <= frame.body.bottom for ln in body_lines)


def test_word_tables_are_set_in_columns(tmp_path: Path, fonts: FontBook) -> None:
    d = docx.Document()
    d.add_paragraph("2026年第四季度低保金发放名单")
    t = d.add_table(rows=4, cols=4)
    data = [
        ["村", "户主", "人数", "金额（元）"],
        ["东风村", "王秀兰", "3", "1,560.00"],
        ["红旗村", "张建国", "1", "520.00"],
        ["前进村", "巴特尔", "2", "1,040.50"],
    ]
    for r, row in enumerate(t.rows):
        for c, cell in enumerate(row.cells):
            cell.text = data[r][c]
    path = tmp_path / "名单.docx"
    d.save(str(path))
    slide = read_docx_slide("slides/名单.docx", path.read_bytes(), SETTINGS)
    for canvas in CANVASES:
        pages = layout_slide(slide, canvas, fonts, SETTINGS, NOW)
        rows = [ln for p in pages for ln in p.lines if ln.role == "table"]
        assert len(rows) == 4
        assert rows[0].font == "sans-bold"  # the file's heading row
        assert [r.text for r in rows[1].runs] == ["东风村", "王秀兰", "3", "1,560.00"]
        # Columns: each cell starts at the same x in every row (text columns).
        assert len({r.runs[0].x for r in rows}) == 1


# --- hole 3 of issue 15: a file of one long word, end to end ----------------------------------


@pytest.mark.slow
def test_a_file_of_one_long_word_is_read_and_laid_out_in_linear_time(fonts: FontBook) -> None:
    import math
    import time

    def run(n: int) -> float:
        data = ("x" * n).encode()
        start = time.perf_counter()
        slide = read_text_slide("slides/word.txt", data, SETTINGS)
        pages = layout_slide(slide, (1920, 1080), fonts, SETTINGS, NOW)
        took = time.perf_counter() - start
        assert folded(spelled_text(pages)) == "x" * n
        return took

    run(20_000)
    small = large = math.inf
    for _ in range(3):
        small = min(small, run(40_000))
        large = min(large, run(160_000))
    assert large / small < 9.0, f"4x the word took {large / small:.1f}x the time"


def test_numbered_sentences_in_word_are_body_text(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("关于开展安全检查的通知")
    for text in (
        "三、参加人员",
        "（一）镇机关全体干部；",
        "（二）各村网格员及安全员。",
        "（三）工作要求",
    ):
        d.add_paragraph(text)
    path = tmp_path / "通知.docx"
    d.save(str(path))
    slide = read_docx_slide("slides/通知.docx", path.read_bytes(), SETTINGS)
    assert isinstance(slide.body, Document)
    roles = {b.text: (b.role, b.level) for b in slide.body.blocks}
    assert roles["三、参加人员"] == ("heading", 1)
    assert roles["（一）镇机关全体干部；"] == ("body", None)
    assert roles["（二）各村网格员及安全员。"] == ("body", None)
    assert roles["（三）工作要求"] == ("heading", 2)


@pytest.mark.parametrize("canvas", CANVASES)
def test_key_lines_end_on_no_stub(fonts: FontBook, canvas: tuple[int, int]) -> None:
    for place in (
        "镇政府二楼第三会议室（大院东侧便民服务中心楼上）",
        "青山镇人民政府三楼第一会议室",
    ):
        text = (
            "会议通知\n\n各位村民：\n　　定于1月12日召开村民代表会议。\n"
            f"地点：{place}\n联系人：巴特尔\n"
        )
        slide = read_text_slide("slides/n.txt", text.encode(), SETTINGS)
        lines = [ln for p in layout_slide(slide, canvas, fonts, SETTINGS, NOW) for ln in content(p)]
        k = next(k for k, ln in enumerate(lines) if ln.text.startswith("地点"))
        if not lines[k].text.endswith(place[-3:]):
            tail = lines[k + 1].text
            assert len(tail) >= 4, [ln.text for ln in lines[k : k + 2]]
