"""Reading text files: encodings, clean-up, front matter, Markdown, urgency."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from signage.core.config import Settings
from signage.core.model import Block, ContentError, Document
from signage.formats.text import decode_text, read_text_slide

FIXTURES = Path(__file__).parent / "fixtures" / "text"
SETTINGS = Settings(timezone="Asia/Shanghai")


def read(rel: str, data: bytes) -> object:
    return read_text_slide(rel, data, SETTINGS)


def doc_of(rel: str, data: bytes) -> Document:
    slide = read_text_slide(rel, data, SETTINGS)
    assert isinstance(slide.body, Document)
    return slide.body


def visible(text: str) -> str:
    return "".join(c for c in text if not c.isspace())


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("stop-water-gbk.txt", "gb18030"),
        ("annual-report-utf8bom.txt", "utf-8-sig"),
        ("fire-check-utf16.txt", "utf-16"),
        ("fire-check-utf16le-nobom.txt", "utf-16-le"),
        ("notice.md", "utf-8"),
    ],
)
def test_fixture_encodings(name: str, encoding: str) -> None:
    slide = read_text_slide(f"slides/{name}", (FIXTURES / name).read_bytes(), SETTINGS)
    assert slide.encoding == encoding
    assert isinstance(slide.body, Document)
    assert slide.body.blocks
    assert len(slide.digest) == 64


def test_gbk_crlf_notice_reads_as_chinese() -> None:
    data = (FIXTURES / "stop-water-gbk.txt").read_bytes()
    assert b"\r\n" in data
    slide = read_text_slide("slides/stop-water-gbk.txt", data, SETTINGS)
    assert slide.title == "停水通知"
    assert slide.kind == "notice"
    doc = slide.body
    assert isinstance(doc, Document)
    assert all("\r" not in b.text for b in doc.blocks)
    assert [b.role for b in doc.blocks][-2:] == ["signature", "date"]


def test_all_visible_text_of_the_annual_report_reaches_blocks() -> None:
    data = (FIXTURES / "annual-report-utf8bom.txt").read_bytes()
    doc = doc_of("slides/r.txt", data)
    source = data.decode("utf-8-sig")
    assert visible("".join(b.text for b in doc.blocks)) == visible(source)


def test_short_gbk_text_that_is_valid_utf8_by_accident() -> None:
    # "通知" in GBK is cd a8 d6 aa: two valid UTF-8 sequences ("֪ͨ"), Greek and Hebrew
    # letters no office text is made of.
    data = "通知".encode("gbk")
    assert data.decode("utf-8") != "通知"
    assert decode_text(data) == ("通知", "gb18030")
    for text in ("欢迎光临", "谢谢", "停水通知", "会议时间"):
        assert decode_text(text.encode("gbk"))[0] == text


def test_utf8_chinese_stays_utf8() -> None:
    assert decode_text("通知：明天开会。".encode()) == ("通知：明天开会。", "utf-8")
    assert decode_text(b"plain ascii") == ("plain ascii", "utf-8")


def test_chinese_only_utf16_without_bom_or_nul_bytes() -> None:
    text = "关于冬季消防安全检查的通知。各单位：请做好自查。"
    for name in ("utf-16-le", "utf-16-be"):
        data = text.encode(name)
        assert b"\x00" not in data
        assert decode_text(data) == (text, name)
    # And GBK of the same text is still GBK.
    assert decode_text(text.encode("gbk")) == (text, "gb18030")


def test_utf16_big_endian_without_bom() -> None:
    text, enc = decode_text("Notice 通知 2026\n".encode("utf-16-be"))
    assert text == "Notice 通知 2026\n" and enc == "utf-16-be"


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40,
        b"PK\x03\x04\x14\x00\x06\x00" + b"\x01\x02\x03\x04" * 50,
    ],
)
def test_binary_files_are_not_text(data: bytes) -> None:
    with pytest.raises(ContentError) as err:
        read_text_slide("slides/x.txt", data, SETTINGS)
    assert err.value.code == "not-text"


def test_empty_and_blank_files() -> None:
    """0 bytes is an empty file (maybe a copy not yet written); spaces, a BOM or settings
    alone are a file with no text, not "0 字节" (found by a helper)."""
    with pytest.raises(ContentError) as err:
        read_text_slide("slides/x.txt", b"", SETTINGS)
    assert err.value.code == "empty-file"
    for data in (b"\r\n \r\n", "\ufeff".encode() + b"\n", b"---\ntitle: x\n---\n\n"):
        with pytest.raises(ContentError) as err:
            read_text_slide("slides/x.txt", data, SETTINGS)
        assert err.value.code == "no-text"


def test_tabs_controls_and_fullwidth_spaces_are_cleaned() -> None:
    data = "标题\n\n\t正文\x07第一段，\u200b没有怪字符。\n　　第二段。\x1b\n".encode()
    doc = doc_of("slides/x.txt", data)
    texts = [b.text for b in doc.blocks]
    assert texts == ["标题", "正文第一段，没有怪字符。", "第二段。"]


def test_front_matter_values() -> None:
    data = (
        "---\ntitle: 冬季供暖通知\nkind: document\nshow_from: 2026-12-01\n"
        "show_until: 2026-12-07\nduration: 25\nurgent: true\n---\n正文内容。\n"
    ).encode()
    slide = read_text_slide("slides/a.txt", data, SETTINGS)
    assert slide.title == "冬季供暖通知"
    assert slide.kind == "document"
    assert slide.duration == 25.0
    assert slide.urgent is True
    assert slide.show_from is not None and slide.show_until is not None
    assert slide.show_from.replace(tzinfo=None) == datetime(2026, 12, 1)
    assert (slide.show_until.day, slide.show_until.hour, slide.show_until.minute) == (7, 23, 59)
    assert isinstance(slide.body, Document)
    assert [b.text for b in slide.body.blocks] == ["正文内容。"]


@pytest.mark.parametrize(
    ("front", "line", "quoted"),
    [
        ("title: x\nshow_until: next week\n", 3, "next week"),
        ("duration: fast\n", 2, "fast"),
        ("kind: poster\n", 2, "poster"),
        ("urgent: maybe\n", 2, "maybe"),
        ("duration: 0\n", 2, "0"),
        ("show_from: 2026-12-09\nshow_until: 2026-12-01\n", 3, "show_until"),
    ],
)
def test_bad_front_matter_names_line_and_value(front: str, line: int, quoted: str) -> None:
    data = f"---\n{front}---\n正文。\n".encode()
    with pytest.raises(ContentError) as err:
        read_text_slide("slides/a.txt", data, SETTINGS)
    assert err.value.line == line
    assert quoted in err.value.message
    assert err.value.code == "front-matter"


def test_front_matter_yaml_syntax_error_has_a_line() -> None:
    data = "---\ntitle: [unclosed\n---\n正文。\n".encode()
    with pytest.raises(ContentError) as err:
        read_text_slide("slides/a.txt", data, SETTINGS)
    assert err.value.code == "yaml-syntax"
    assert err.value.line is not None and err.value.line >= 2


def test_unknown_front_matter_key_is_a_warning() -> None:
    slide = read_text_slide("slides/a.txt", "---\ncolour: red\n---\n正文。".encode(), SETTINGS)
    assert any("colour" in w for w in slide.warnings)


def test_urgent_folder_and_default_kind() -> None:
    slide = read_text_slide("slides/urgent/a.txt", "紧急通知\n道路封闭。".encode(), SETTINGS)
    assert slide.urgent is True and slide.kind == "notice"
    long = ("这是一个很长的段落。" * 60).encode()
    slide = read_text_slide("slides/policies/b.txt", long, SETTINGS)
    assert slide.urgent is False and slide.kind == "document"


def test_markdown_notice() -> None:
    slide = read_text_slide("slides/notice.md", (FIXTURES / "notice.md").read_bytes(), SETTINGS)
    assert slide.title == "办事大厅服务时间调整"
    assert slide.duration == 20.0
    doc = slide.body
    assert isinstance(doc, Document)
    roles = [(b.role, b.text) for b in doc.blocks]
    assert roles[0] == ("title", "办事大厅服务时间调整")
    bold = doc.blocks[1]
    assert bold.spans[1].bold and bold.spans[1].text == "2026年12月1日"
    assert "**" not in bold.text
    items = [b for b in doc.blocks if b.text.startswith("•")]
    assert len(items) == 3 and all(not b.indent for b in items)
    assert [b.role for b in doc.blocks[-2:]] == ["signature", "date"]


def test_markdown_headings_and_numbered_lists() -> None:
    md = (
        "# 标题\n\n## 一、总则\n\n### （一）范围\n\n"
        "正文第一行\n接着一行。\n\n1. 第一项\n2. 第二项\n"
    )
    doc = doc_of("slides/a.md", md.encode())
    got = [(b.role, b.level, b.text) for b in doc.blocks]
    assert got == [
        ("title", None, "标题"),
        ("heading", 1, "一、总则"),
        ("heading", 2, "（一）范围"),
        ("body", None, "正文第一行接着一行。"),
        ("body", None, "1. 第一项"),
        ("body", None, "2. 第二项"),
    ]


def test_chinese_dates_and_times() -> None:
    from signage.formats.text import iso_when, parse_clock

    assert iso_when("2026年12月3日") == "2026-12-03"
    assert iso_when("2026年12月3日（星期四）下午2:30") == "2026-12-03 14:30"
    assert iso_when("2026年12月3日 上午9点") == "2026-12-03 09:00"
    assert iso_when("2026年12月3日 晚上7点半") == "2026-12-03 19:30"
    assert iso_when("2026-12-03 14:30") == "2026-12-03 14:30"
    assert iso_when("明天") == "明天"
    assert parse_clock("16:00") == (16, 0)
    assert parse_clock("下午4点") == (16, 0)
    assert parse_clock("25:00") is None
    data = "---\nshow_until: 2026年12月7日\n---\n正文。".encode()
    slide = read_text_slide("slides/a.txt", data, SETTINGS)
    assert slide.show_until is not None and (slide.show_until.day, slide.show_until.hour) == (7, 23)


def test_a_text_opening_with_a_rule_of_dashes_has_no_front_matter() -> None:
    data = "---\n通知\n---\n明天停水。".encode()
    doc = doc_of("slides/a.txt", data)
    assert "明天停水。" in [b.text for b in doc.blocks]


def test_markdown_salutation_is_flush_left_and_a_list_intro_is_not() -> None:
    doc = doc_of("slides/a.md", "# 通知\n\n各位居民：\n\n明天停水。\n".encode())
    assert [(b.text, b.indent) for b in doc.blocks[1:]] == [
        ("各位居民：", False),
        ("明天停水。", True),
    ]
    doc = doc_of("slides/a.md", "---\ntitle: 通知\n---\n各位居民：\n\n明天停水。\n".encode())
    assert doc.blocks[0] == Block("body", "各位居民：", indent=False)
    doc = doc_of("slides/a.md", "# 指南\n\n中心办理以下事项：\n\n- 社保\n".encode())
    assert doc.blocks[1].indent is True


@pytest.mark.parametrize(
    "text", ["---\ntitle: 停水通知\n明天停水。\n", "---\n标题：停水\n\n明天停水。\n"]
)
def test_settings_opened_with_dashes_and_never_closed_are_named(text: str) -> None:
    """Shown as they were, '---' and 'title: …' became the notice's headline."""
    with pytest.raises(ContentError) as err:
        read_text_slide("slides/x.txt", text.encode(), SETTINGS)
    assert err.value.code == "front-matter" and err.value.line == 1


def test_a_notice_that_opens_with_a_rule_is_still_a_notice() -> None:
    slide = read_text_slide("slides/x.txt", "---\n时间：明天上午\n地点：三楼\n".encode(), SETTINGS)
    assert slide.kind == "notice"
