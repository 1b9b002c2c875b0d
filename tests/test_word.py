"""Word documents built with python-docx, read back as typeset blocks."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from PIL import Image

from signage.core.config import Settings
from signage.core.model import Block, ContentError, Document
from signage.formats import word
from signage.formats.word import docx_images, read_docx_slide

SETTINGS = Settings()


def _bytes(document: object) -> bytes:
    out = io.BytesIO()
    document.save(out)  # type: ignore[attr-defined]
    return out.getvalue()


def _notice() -> bytes:
    d = docx.Document()
    d.add_paragraph("关于开展冬季安全检查的通知").alignment = WD_ALIGN_PARAGRAPH.CENTER
    d.add_paragraph("各村（社区）、各站所：")
    d.add_paragraph("　　为切实做好冬季安全工作，现将有关事项通知如下。")
    d.add_paragraph("一、检查时间")
    d.add_paragraph("2026年12月1日至12月15日。")
    d.add_paragraph("（一）重点部位")
    p = d.add_paragraph("请各单位")
    p.add_run("务必高度重视").bold = True
    p.add_run("，按时完成。")
    d.add_paragraph("1. 消防通道")
    d.add_paragraph("（1）楼梯间")
    d.add_paragraph("某某镇人民政府").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    d.add_paragraph("2026年11月28日").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return _bytes(d)


def _roles(doc: Document) -> list[tuple[str, str, int | None]]:
    return [(b.role, b.text, b.level) for b in doc.blocks]


def _check_spans(blocks: tuple[Block, ...]) -> None:
    for block in blocks:
        if block.spans:
            assert "".join(s.text for s in block.spans) == block.text


def test_notice_keeps_title_headings_signature_and_date() -> None:
    slide = read_docx_slide("slides/通知.docx", _notice(), SETTINGS)
    assert slide.kind == "notice"
    assert slide.title == "关于开展冬季安全检查的通知"
    assert isinstance(slide.body, Document)
    assert slide.body.title == "关于开展冬季安全检查的通知"
    assert _roles(slide.body) == [
        ("title", "关于开展冬季安全检查的通知", None),
        ("body", "各村（社区）、各站所：", None),
        ("body", "为切实做好冬季安全工作，现将有关事项通知如下。", None),
        ("heading", "一、检查时间", 1),
        ("body", "2026年12月1日至12月15日。", None),
        ("heading", "（一）重点部位", 2),
        ("body", "请各单位务必高度重视，按时完成。", None),
        ("heading", "1. 消防通道", 3),
        ("heading", "（1）楼梯间", 4),
        ("signature", "某某镇人民政府", None),
        ("date", "2026年11月28日", None),
    ]
    blocks = slide.body.blocks
    assert blocks[0].align == "center"
    assert blocks[-1].align == blocks[-2].align == "right"
    assert blocks[1].indent is False  # the addressee line is flush left
    assert blocks[2].indent is True
    bold = blocks[6].spans
    assert [(s.text, s.bold) for s in bold] == [
        ("请各单位", False),
        ("务必高度重视", True),
        ("，按时完成。", False),
    ]
    assert len(slide.digest) == 64
    assert slide.warnings == ()


def test_word_styles_title_headings_and_line_breaks() -> None:
    d = docx.Document()
    d.add_heading("年度工作报告", level=0)  # Word's Title style
    d.add_heading("总体情况", level=1)
    d.add_heading("具体措施", level=3)
    d.add_heading("细则", level=6)
    p = d.add_paragraph("第一行")
    p.add_run().add_break()
    p.add_run("第二行")
    slide = read_docx_slide("slides/r.docx", _bytes(d), SETTINGS)
    assert isinstance(slide.body, Document)
    assert _roles(slide.body) == [
        ("title", "年度工作报告", None),
        ("heading", "总体情况", 1),
        ("heading", "具体措施", 3),
        ("heading", "细则", 4),
        ("body", "第一行", None),
        ("body", "第二行", None),
    ]


def test_long_marked_paragraph_is_a_run_in_heading_kept_as_body() -> None:
    d = docx.Document()
    long = (
        "（一）加强组织领导。各单位要把安全检查摆上重要议事日程，"
        "主要负责同志亲自抓，确保各项措施落实到位。"
    )
    d.add_paragraph(long)
    slide = read_docx_slide("slides/r.docx", _bytes(d), SETTINGS)
    assert isinstance(slide.body, Document)
    assert _roles(slide.body) == [("body", long, None)]


def test_signature_pushed_right_with_spaces_and_a_bare_final_date() -> None:
    d = docx.Document()
    d.add_paragraph("通知正文内容。")
    d.add_paragraph("\u3000" * 12 + "某某社区居委会")
    d.add_paragraph("2026年12月3日")
    slide = read_docx_slide("slides/r.docx", _bytes(d), SETTINGS)
    assert isinstance(slide.body, Document)
    assert _roles(slide.body) == [
        ("body", "通知正文内容。", None),
        ("signature", "某某社区居委会", None),
        ("date", "2026年12月3日", None),
    ]


def test_hidden_text_is_left_out_and_spaces_collapse() -> None:
    d = docx.Document()
    p = d.add_paragraph("看得见")
    p.add_run("看不见").font.hidden = True
    d.add_paragraph("联系电话：\t\t0470-8814644")
    slide = read_docx_slide("slides/r.docx", _bytes(d), SETTINGS)
    assert isinstance(slide.body, Document)
    assert [b.text for b in slide.body.blocks] == ["看得见", "联系电话： 0470-8814644"]


def test_bullet_and_numbered_list_markers_are_generated() -> None:
    d = docx.Document()
    d.add_paragraph("第一项", style="List Number")
    d.add_paragraph("第二项", style="List Number")
    d.add_paragraph("要点", style="List Bullet")
    slide = read_docx_slide("slides/r.docx", _bytes(d), SETTINGS)
    assert isinstance(slide.body, Document)
    texts = [b.text for b in slide.body.blocks]
    assert texts[0].endswith("第一项") and texts[0][0] == "1"
    assert texts[1].startswith("2") and texts[1].endswith("第二项")
    assert texts[2] == "• 要点"
    assert not any(b.indent for b in slide.body.blocks if b.role == "body")


def test_two_column_table_reads_as_key_value_and_wide_table_is_separated() -> None:
    d = docx.Document()
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text = "联系人"
    t.cell(0, 1).text = "张三"
    t.cell(1, 0).text = "电话："
    t.cell(1, 1).text = "0470-8814644"
    w = d.add_table(rows=2, cols=3)
    for col, text in enumerate(["姓名", "科室", "电话"]):
        w.cell(0, col).text = text
    for col, text in enumerate(["李四", "民政办", "8814645"]):
        w.cell(1, col).text = text
    slide = read_docx_slide("slides/t.docx", _bytes(d), SETTINGS)
    assert isinstance(slide.body, Document)
    blocks = slide.body.blocks
    assert [b.text for b in blocks] == [
        "联系人：张三",
        "电话：0470-8814644",
        "姓名　|　科室　|　电话\n李四　|　民政办　|　8814645",
    ]
    assert all(b.role == "body" and not b.indent for b in blocks[:2])
    # Three columns or more: a table, its first row the file's heading row.
    table = blocks[2]
    assert table.role == "table"
    assert [r.cells for r in table.rows] == [
        ("姓名", "科室", "电话"),
        ("李四", "民政办", "8814645"),
    ]
    assert [r.text for r in table.rows] == ["姓名　|　科室　|　电话", "李四　|　民政办　|　8814645"]
    assert [r.header for r in table.rows] == [True, False]


def test_merged_cells_appear_once() -> None:
    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    t.cell(0, 0).merge(t.cell(1, 0)).text = "合并"
    t.cell(0, 1).text = "甲"
    t.cell(0, 2).text = "乙"
    t.cell(1, 1).text = "丙"
    t.cell(1, 2).text = "丁"
    slide = read_docx_slide("slides/t.docx", _bytes(d), SETTINGS)
    assert isinstance(slide.body, Document)
    joined = "".join(b.text for b in slide.body.blocks)
    assert joined.count("合并") == 1
    (table,) = slide.body.blocks
    assert [r.text for r in table.rows] == ["合并　|　甲　|　乙", "丙　|　丁"]
    # The merged cell leaves its column empty below: the cells stay in their columns.
    assert [r.cells for r in table.rows] == [("合并", "甲", "乙"), ("", "丙", "丁")]


def test_big_table_becomes_one_block_per_row_none_dropped() -> None:
    d = docx.Document()
    d.add_paragraph("低保名单公示").alignment = WD_ALIGN_PARAGRAPH.CENTER
    rows = 400
    t = d.add_table(rows=rows, cols=3)
    for r, row in enumerate(t.rows):  # row by row: table.cell() is slow on big tables
        for c, cell in enumerate(row.cells):
            cell.text = f"{r}-{c}"
    slide = read_docx_slide("slides/big.docx", _bytes(d), SETTINGS)
    assert slide.kind == "document"
    assert isinstance(slide.body, Document)
    (table,) = [b for b in slide.body.blocks if b.role == "table"]
    assert len(table.rows) == rows
    assert table.rows[-1].text == f"{rows - 1}-0　|　{rows - 1}-1　|　{rows - 1}-2"
    assert table.rows[-1].cells == (f"{rows - 1}-0", f"{rows - 1}-1", f"{rows - 1}-2")
    _check_spans(slide.body.blocks)


def _png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()


def test_embedded_images_are_extracted_in_order_and_counted() -> None:
    red, blue = _png((255, 0, 0)), _png((0, 0, 255))
    d = docx.Document()
    d.add_paragraph("见下图：")
    d.add_picture(io.BytesIO(red))
    d.add_picture(io.BytesIO(blue))
    data = _bytes(d)
    slide = read_docx_slide("slides/img.docx", data, SETTINGS)
    assert any("2 picture" in w for w in slide.warnings)
    images = docx_images(data)
    assert len(images) == 2
    assert [Image.open(io.BytesIO(b)).getpixel((0, 0)) for b in images] == [
        (255, 0, 0),
        (0, 0, 255),
    ]


def test_picture_only_document_has_no_blocks_but_is_not_refused() -> None:
    d = docx.Document()
    d.add_picture(io.BytesIO(_png((0, 128, 0))))
    data = _bytes(d)
    slide = read_docx_slide("slides/scan.docx", data, SETTINGS)
    assert isinstance(slide.body, Document)
    assert slide.body.blocks == ()
    assert slide.title == "scan"
    assert len(docx_images(data)) == 1


def test_empty_document_is_refused() -> None:
    with pytest.raises(ContentError) as err:
        read_docx_slide("slides/e.docx", _bytes(docx.Document()), SETTINGS)
    assert err.value.code == "empty-document"


@pytest.mark.parametrize(
    "data",
    [
        _notice()[:3000],  # a copy cut short
        b"PK\x03\x04 not really a zip",
        b"plain text saved as .docx",
    ],
)
def test_damaged_files_are_refused_plainly(data: bytes) -> None:
    with pytest.raises(ContentError) as err:
        read_docx_slide("slides/d.docx", data, SETTINGS)
    assert err.value.code == "damaged-document"


def test_zip_that_is_not_word_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ContentError) as err:
        read_docx_slide("slides/x.docx", out.getvalue(), SETTINGS)
    assert err.value.code == "damaged-document"
    assert "not a Word document" in err.value.message


def test_encrypted_and_old_binary_files() -> None:
    ole = word.OLE_MAGIC + b"\x00" * 504
    encrypted = ole + "EncryptedInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(ContentError) as err:
        read_docx_slide("slides/locked.docx", encrypted, SETTINGS)
    assert err.value.code == "encrypted-document"
    assert "password" in err.value.message
    with pytest.raises(ContentError) as err:
        read_docx_slide("slides/old.docx", ole + b"WordDocument", SETTINGS)
    assert err.value.code == "old-word-format"  # not damaged: told to re-save
    assert ".doc" in err.value.message


def test_zip_bomb_is_refused_before_decompression(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(word, "MAX_UNCOMPRESSED_BYTES", 1_000_000)
    data = _notice()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info), compress_type=zipfile.ZIP_DEFLATED)
        dst.writestr("word/media/zeros.bin", b"\0" * 2_000_000, compress_type=zipfile.ZIP_DEFLATED)
    bomb = out.getvalue()
    assert len(bomb) < 100_000
    with pytest.raises(ContentError) as err:
        read_docx_slide("slides/bomb.docx", bomb, SETTINGS)
    assert err.value.code == "document-too-large"
    with pytest.raises(ContentError):
        docx_images(bomb)


def test_oversized_document_xml_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    d = docx.Document()
    for _ in range(2000):
        d.add_paragraph("很长的文件。" * 10)
    monkeypatch.setattr(word, "MAX_XML_PART_BYTES", 150_000)  # styles.xml is smaller
    with pytest.raises(ContentError) as err:
        read_docx_slide("slides/huge.docx", _bytes(d), SETTINGS)
    assert err.value.code == "document-too-large"
    assert "word/document.xml" in err.value.message


@pytest.mark.parametrize(
    ("n", "fmt", "expected"),
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (11, "chineseCountingThousand", "十一"),
        (20, "chineseCounting", "二十"),
        (105, "chineseCounting", "一百零五"),
        (3, "decimal", "3"),
        (4, "upperRoman", "IV"),
        (2, "lowerLetter", "b"),
        (3, "decimalEnclosedCircle", "③"),
    ],
)
def test_number_formats(n: int, fmt: str, expected: str) -> None:
    assert word._format_number(n, fmt) == expected


def test_chinese_numbered_headings_from_word_numbering() -> None:
    """Headings numbered by Word's list feature with a 一、 format get their marker and level."""
    d = docx.Document()
    numbering = d.part.numbering_part.element
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering.append(
        parse_xml(
            f'<w:abstractNum {w} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
            '<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum>'
        )
    )
    numbering.append(parse_xml(f'<w:num {w} w:numId="91"><w:abstractNumId w:val="90"/></w:num>'))
    for text, level in [("总体要求", 0), ("时间安排", 0), ("第一阶段", 1), ("工作要求", 0)]:
        p = d.add_paragraph(text)
        p._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="91"/></w:numPr>')
        )
    slide = read_docx_slide("slides/n.docx", _bytes(d), SETTINGS)
    assert isinstance(slide.body, Document)
    assert _roles(slide.body) == [
        ("heading", "一、总体要求", 1),
        ("heading", "二、时间安排", 1),
        ("heading", "（一）第一阶段", 2),
        ("heading", "三、工作要求", 1),
    ]


def test_date_followed_by_a_note_still_closes_the_document() -> None:
    d = docx.Document()
    d.add_paragraph("正文。")
    d.add_paragraph("某某镇人民政府").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    d.add_paragraph("某某镇综治办").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    d.add_paragraph("二〇二六年十二月一日").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    d.add_paragraph("（此件公开发布）")
    slide = read_docx_slide("slides/r.docx", _bytes(d), SETTINGS)
    assert isinstance(slide.body, Document)
    assert _roles(slide.body) == [
        ("body", "正文。", None),
        ("signature", "某某镇人民政府", None),
        ("signature", "某某镇综治办", None),
        ("date", "二〇二六年十二月一日", None),
        ("body", "（此件公开发布）", None),
    ]


def test_right_aligned_line_in_the_middle_is_body_aligned_right() -> None:
    d = docx.Document()
    d.add_paragraph("正文第一段。")
    d.add_paragraph("（内部资料）").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    d.add_paragraph("正文第二段，内容较长。")
    d.add_paragraph("居中的说明").alignment = WD_ALIGN_PARAGRAPH.CENTER
    d.add_paragraph("结尾段落。")
    slide = read_docx_slide("slides/r.docx", _bytes(d), SETTINGS)
    assert isinstance(slide.body, Document)
    blocks = slide.body.blocks
    assert [b.role for b in blocks] == ["body"] * 5
    assert (blocks[1].align, blocks[3].align) == ("right", "center")
    assert not blocks[3].indent


def test_signature_placed_with_a_large_indent() -> None:
    from docx.shared import Cm

    d = docx.Document()
    d.add_paragraph("正文。")
    d.add_paragraph("某某村村民委员会").paragraph_format.left_indent = Cm(9)
    d.add_paragraph("2026年12月1日").paragraph_format.first_line_indent = Cm(9)
    d.add_paragraph("稍有缩进的正文。").paragraph_format.left_indent = Cm(1)
    slide = read_docx_slide("slides/r.docx", _bytes(d), SETTINGS)
    assert isinstance(slide.body, Document)
    assert [b.role for b in slide.body.blocks] == ["body", "signature", "date", "body"]


def test_text_box_text_follows_its_anchor_once() -> None:
    """Word stores a text box twice (new format and an mc:Fallback copy); it is read once."""
    from docx.oxml import parse_xml

    ns = (
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml"'
    )
    box = "<w:txbxContent><w:p><w:r><w:t>框内文字</w:t></w:r></w:p></w:txbxContent>"
    run = parse_xml(
        f'<w:r {ns}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp>'
        f"<wps:txbx>{box}</wps:txbx></wps:wsp></w:drawing></mc:Choice><mc:Fallback><w:pict>"
        f"<v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>"
    )
    d = docx.Document()
    d.add_paragraph("第一段。")._p.append(run)
    d.add_paragraph("第二段。")
    slide = read_docx_slide("slides/box.docx", _bytes(d), SETTINGS)
    assert isinstance(slide.body, Document)
    assert [b.text for b in slide.body.blocks] == ["第一段。", "框内文字", "第二段。"]
    assert any("1 text box" in w for w in slide.warnings)


# --- hostile .docx: pictures counted one way, work bounded by what the file does -------------


def test_pictures_planned_are_the_pictures_there_are() -> None:
    from tests.hostile_files import case

    for name, count in (
        ("docx-5000-missing-pictures", 0),
        ("docx-same-picture-twice", 1),
        ("docx-external-picture", 0),
        ("docx-path-traversal", 0),
        ("docx-picture-bomb-inside", 0),
    ):
        built = case(name)
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            built.make(Path(tmp))
            data = (Path(tmp) / built.rel).read_bytes()
        slide = read_docx_slide("slides/x.docx", data, SETTINGS)
        assert slide.pictures == count == len(docx_images(data)), name
        assert isinstance(slide.body, Document) and slide.body.blocks, name  # the text shows
        with pytest.raises(ContentError) as err:
            word.docx_picture(data, count)
        assert err.value.code == "damaged-document"


def test_a_picture_in_deleted_or_hidden_text_is_not_a_page() -> None:
    from tests.hostile_files import document_xml, docx, para, picture, small_png

    shown = picture("rId5")
    deleted = f"<w:del>{shown}</w:del>".replace("<w:p>", "").replace("</w:p>", "")
    hidden = shown.replace("<w:r>", "<w:r><w:rPr><w:vanish/></w:rPr>")
    data = docx(
        document_xml(para("图：") + hidden + f"<w:p>{deleted}</w:p>" + picture("rId6")),
        rels=[("rId5", "image", "media/a.png", ""), ("rId6", "image", "media/b.png", "")],
        parts=[
            ("word/media/a.png", small_png((255, 0, 0))),
            ("word/media/b.png", small_png((0, 0, 255))),
        ],
    )
    slide = read_docx_slide("slides/x.docx", data, SETTINGS)
    assert slide.pictures == 1
    assert Image.open(io.BytesIO(word.docx_picture(data, 0))).getpixel((0, 0)) == (0, 0, 255)


def test_the_work_budget_refuses_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.hostile_files import document_xml, docx, para

    monkeypatch.setattr(word, "MAX_PARAGRAPHS", 50)
    with pytest.raises(ContentError) as err:
        read_docx_slide("slides/x.docx", docx(document_xml(para("段") * 51)), SETTINGS)
    assert err.value.code == "document-too-large" and "50 paragraphs" in err.value.message
    monkeypatch.setattr(word, "MAX_TEXT_CHARS", 100)
    with pytest.raises(ContentError) as err:
        read_docx_slide("slides/x.docx", docx(document_xml(para("字" * 101))), SETTINGS)
    assert "100 characters" in err.value.message


def test_a_member_is_inflated_no_further_than_its_limit() -> None:
    from tests.hostile_files import deflate_zeros, raw_zip

    bomb = deflate_zeros(50_000_000, raw=True)
    archive = zipfile.ZipFile(io.BytesIO(raw_zip([("big", bomb, 8, 0, len(bomb), 1000)])))
    with pytest.raises(ContentError) as err:  # stops at the declared 1,000 bytes: bad CRC
        word.inflate_member(archive, archive.getinfo("big"), 10_000_000)
    assert err.value.code == "damaged-document"
    honest = zipfile.ZipFile(io.BytesIO(raw_zip([("big", bomb, 8, 0, len(bomb), 50_000_000)])))
    with pytest.raises(ContentError) as err:  # says 50 MB: refused before inflating
        word.inflate_member(honest, honest.getinfo("big"), 10_000_000)
    assert err.value.code == "document-too-large"


def test_numbers_and_markers_stay_small() -> None:
    assert word._format_number(10**12, "lowerLetter") == str(10**12)
    assert word._format_number(28, "lowerLetter") == "bb"
