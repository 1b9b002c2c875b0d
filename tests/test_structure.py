"""Plain text to blocks: title, headings, signature and date, attachments, nothing lost."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from signage.core.model import Block
from signage.formats.structure import heading_level, is_date, is_salutation, structure_text


def roles(text: str) -> list[tuple[str, int | None, str]]:
    return [(b.role, b.level, b.text) for b in structure_text(text).blocks]


def visible(text: str) -> str:
    return "".join(c for c in text if not c.isspace())


def test_heading_markers_and_levels() -> None:
    assert heading_level("一、总体要求") == 1
    assert heading_level("十一、附则") == 1
    assert heading_level("（一）加强领导") == 2
    assert heading_level("(二)落实责任") == 2
    assert heading_level("1. 提高认识") == 3
    assert heading_level("10、附则") == 3
    assert heading_level("２、全角数字") == 3
    assert heading_level("（1）具体内容") == 4
    assert heading_level("(12)具体内容") == 4
    assert heading_level("1.5万亩特色种植") is None
    assert heading_level("2026年11月20日") is None
    assert heading_level("今年以来，我镇认真贯彻") is None


def test_dates() -> None:
    assert is_date("2026年11月20日")
    assert is_date("2026 年 11 月 20 日")
    assert is_date("二〇二六年十一月二十日")
    assert is_date("2026-11-20")
    assert not is_date("2026年11月20日召开会议")


def test_title_salutation_body_signature_date() -> None:
    text = (
        "关于做好冬季供暖工作的通知\n\n各村（社区）：\n　　为做好今冬供暖工作，现通知如下。\n"
        "一、提高认识\n　　供暖关系群众切身利益。\n\n"
        "　　　　　　　　　　　　XX镇人民政府\n        2026年11月20日\n"
    )
    assert roles(text) == [
        ("title", None, "关于做好冬季供暖工作的通知"),
        ("body", None, "各村（社区）："),
        ("body", None, "为做好今冬供暖工作，现通知如下。"),
        ("heading", 1, "一、提高认识"),
        ("body", None, "供暖关系群众切身利益。"),
        ("signature", None, "XX镇人民政府"),
        ("date", None, "2026年11月20日"),
    ]
    doc = structure_text(text)
    assert doc.title == "关于做好冬季供暖工作的通知"
    salutation = doc.blocks[1]
    assert salutation.indent is False


def test_body_sentence_is_not_a_title() -> None:
    blocks = structure_text("明天上午停水。\n请做好储水准备。").blocks
    assert [b.role for b in blocks] == ["body", "body"]


def test_short_lines_without_blank_after_are_not_all_title() -> None:
    blocks = structure_text("停水通知\n明天上午停水\n请做好准备").blocks
    assert [b.role for b in blocks] == ["title", "body", "body"]


def test_two_line_title_followed_by_blank_line() -> None:
    doc = structure_text("关于做好2026年\n冬季供暖工作的通知\n\n正文内容在这里。")
    assert doc.title == "关于做好2026年冬季供暖工作的通知"
    assert [b.role for b in doc.blocks] == ["title", "body"]


def test_heading_followed_only_by_blank_lines_and_inconsistent_markers() -> None:
    text = (
        "标题\n\n一、第一部分\n内容。\n二、存在问题"
        + "\n" * 13
        + "九、第九\n10、第十\n十一、十一\n(三)半角括号\n"
    )
    got = roles(text)
    assert ("heading", 1, "二、存在问题") in got
    assert got[got.index(("heading", 1, "二、存在问题")) + 1] == ("heading", 1, "九、第九")
    # Numbering is a sequence: 10、 after 九、 is the tenth level-1 heading.
    assert ("heading", 1, "10、第十") in got
    assert ("heading", 1, "十一、十一") in got
    assert ("heading", 2, "(三)半角括号") in got


def test_long_marker_line_is_a_paragraph_with_bold_lead() -> None:
    text = (
        "标题\n\n（一）加强组织领导。"
        "各单位要高度重视，主要负责同志亲自抓，确保各项措施落到实处，取得实效。"
    )
    block = structure_text(text).blocks[1]
    assert block.role == "body"
    assert block.spans[0].bold and block.spans[0].text == "（一）加强组织领导。"
    assert "".join(s.text for s in block.spans) == block.text


def test_attachments_and_contact_lines() -> None:
    text = (
        "标题\n\n正文。\n联系人：张三，联系电话：0470-8814644，邮箱：a@b.cn\n"
        "附件：1. 清单\n      2. 情况表\n\n　　　　　XX镇人民政府\n　　　　　2026年11月20日"
    )
    blocks = structure_text(text).blocks
    contact = next(b for b in blocks if b.text.startswith("联系人"))
    assert contact.role == "body"
    att = [b for b in blocks if "清单" in b.text or "情况表" in b.text]
    assert [(b.role, b.indent) for b in att] == [("body", False), ("body", False)]
    assert [b.role for b in blocks[-2:]] == ["signature", "date"]


def test_short_name_right_above_the_date_signs() -> None:
    blocks = structure_text("标题\n\n正文内容。\n\n张三\n2026年11月20日").blocks
    assert [b.role for b in blocks[-2:]] == ["signature", "date"]
    blocks = structure_text("标题\n\n正文内容。\n请大家相互转告\n\n2026年11月20日").blocks
    assert [b.role for b in blocks[-2:]] == ["body", "date"]


def test_signature_pushed_right_without_date() -> None:
    blocks = structure_text("标题\n\n正文内容。\n\n                    XX社区居委会").blocks
    assert blocks[-1].role == "signature"


def test_contact_line_at_end_is_not_a_signature() -> None:
    blocks = structure_text("标题\n\n正文内容。\n联系电话：0470-8814644\n2026年11月20日").blocks
    assert [b.role for b in blocks[-2:]] == ["body", "date"]


def test_empty_text() -> None:
    assert structure_text("\n\n　　\n").blocks == ()


LINE = st.one_of(
    st.text(alphabet="中文通知一二三、（）()1234567890。，：年月日 　\t", max_size=30),
    st.sampled_from(
        ["一、总则", "（二）要求", "10、附则", "2026年11月20日", "", "", "附件：1. 表"]
    ),
    st.just("                    XX镇人民政府"),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINE, max_size=25))
def test_every_visible_character_reaches_a_block_in_order(lines: list[str]) -> None:
    text = "\n".join(lines)
    doc = structure_text(text)
    assert visible("".join(b.text for b in doc.blocks)) == visible(text)
    for b in doc.blocks:
        assert isinstance(b, Block) and b.text == b.text.strip() and b.text
        if b.spans:
            assert "".join(s.text for s in b.spans) == b.text


def test_hard_wrapped_paragraphs_are_joined() -> None:
    text = (
        "关于做好冬季供暖工作的通知\n\n"
        "    为切实做好今冬明春供暖工作，确保群众温暖过冬，现就\n"
        "有关事项通知如下。各村要认真排查辖区内供暖设施运行\n"
        "情况，发现问题及时上报。\n"
        "    请各单位高度重视，主要负责同志亲自抓，确保各项措施\n"
        "落到实处。\n"
    )
    blocks = structure_text(text).blocks
    assert [b.text for b in blocks[1:]] == [
        "为切实做好今冬明春供暖工作，确保群众温暖过冬，现就有关事项通知如下。"
        "各村要认真排查辖区内供暖设施运行情况，发现问题及时上报。",
        "请各单位高度重视，主要负责同志亲自抓，确保各项措施落到实处。",
    ]


def test_one_line_paragraphs_of_varied_length_are_not_joined() -> None:
    text = (
        "标题\n\n第一段很短。\n第二段稍微长一点，但是没有换行。\n"
        "第三段。\n第四段也是一行写完的内容，长度不同。\n"
    )
    blocks = structure_text(text).blocks
    assert len(blocks) == 5


def test_salutation_after_a_front_matter_title_is_flush_left() -> None:
    doc = structure_text(
        "各位办事群众：\n自12月1日起调整办公时间。", known_title="关于调整办公时间的通知"
    )
    assert [(b.role, b.indent) for b in doc.blocks] == [("body", False), ("body", True)]


def test_salutations_that_address_people() -> None:
    for line in (
        "各村（社区）、各单位：",
        "各位办事群众：",
        "尊敬的市民朋友：",
        "各有关单位：",
        "镇属各单位、各村（社区）：",
        "全体居民：",
    ):
        doc = structure_text(f"通知\n\n{line}\n正文内容。")
        assert doc.blocks[1] == Block("body", line, indent=False), line


def test_a_sentence_introducing_a_list_keeps_its_indent() -> None:
    for line in (
        "镇便民服务中心（镇政府一楼大厅）集中办理以下事项：",
        "现将有关事项通知如下：",
        "冬季办公时间调整为：",
        "今年以来，我镇开展了以下工作：",
    ):
        doc = structure_text(f"办事指南\n{line}\n1.社会保障。\n2.民政事务。")
        assert doc.blocks[1].indent is True, line
    # Only the first line after the title can be a salutation.
    doc = structure_text("通知\n\n为做好工作，现通知如下。\n各位群众：\n请注意。")
    assert doc.blocks[2].indent is True


def test_a_line_ending_a_sentence_does_not_run_on_into_the_next() -> None:
    text = (
        "青山镇便民服务中心办事指南\n"
        "镇便民服务中心（镇政府一楼大厅）集中办理以下事项：\n"
        "1.社会保障：养老、医疗保险参保登记，待遇资格认证。\n"
        "2.民政事务：低保、特困供养、临时救助申请。\n"
        "3.证明事项：居住证明、户籍类证明；惠农补贴查询。\n"
        "办理前可电话咨询所需材料：0571-86512345。\n"
    )
    texts = [b.text for b in structure_text(text).blocks]
    assert texts[-1] == "办理前可电话咨询所需材料：0571-86512345。"
    assert texts[-2] == "3.证明事项：居住证明、户籍类证明；惠农补贴查询。"


# --- second round (issue 13) ---------------------------------------------------------------


def test_numbered_sentences_are_list_items_not_headings() -> None:
    text = (
        "关于开展安全检查的通知\n\n三、参加人员\n(一)镇机关全体干部;\n"
        "（二）各村（社区）网格员及安全员；\n1.带好身份证。\n（二）工作要求\n1.提高认识\n"
    )
    got = roles(text)
    assert ("heading", 1, "三、参加人员") in got
    assert ("body", None, "(一)镇机关全体干部;") in got
    assert ("body", None, "（二）各村（社区）网格员及安全员；") in got
    assert ("body", None, "1.带好身份证。") in got
    assert ("heading", 2, "（二）工作要求") in got
    assert ("heading", 3, "1.提高认识") in got


def test_heading_numbers_are_read_as_a_sequence() -> None:
    text = "标题\n\n九、其他\n10、附则\n1.第一条\n2.第二条\n（九）九\n（10）十\n11、十一\n"
    got = roles(text)
    assert ("heading", 1, "10、附则") in got
    assert ("heading", 3, "1.第一条") in got
    assert ("heading", 3, "2.第二条") in got  # continues 1., not 一、
    assert ("heading", 2, "（10）十") in got
    assert ("heading", 1, "11、十一") in got


def test_addressees_separated_by_commas_are_flush_left() -> None:
    doc = structure_text("关于停水的通知\n\n各村（社区），镇直各单位：\n因检修停水。\n")
    assert doc.blocks[1] == Block("body", "各村（社区），镇直各单位：", indent=False)
    assert not is_salutation("各位村民，请注意：")


def test_office_and_date_on_one_line_are_signature_and_date() -> None:
    for line in (
        "城关供电所  2027年1月3日",
        "城关供电所2027年1月3日",
        "　　　青山镇人民政府　2027年1月3日",
    ):
        doc = structure_text(f"停电通知\n\n因检修停电。\n{line}\n")
        assert [b.role for b in doc.blocks[-2:]] == ["signature", "date"], line
        assert doc.blocks[-1].text == "2027年1月3日"
    # A sentence ending in a date is not split.
    doc = structure_text("通知\n\n会议定于 2027年1月3日\n")
    assert doc.blocks[-1].role != "date" or doc.blocks[-2].role != "signature"


def test_record_items_become_a_table_and_other_lists_do_not() -> None:
    items = [
        "1.东风村 王秀兰：面积12.50亩，金额1,875.00元；",
        "2.红旗村 张建国：面积8.00亩，金额1,200.00元；",
        "3.前进村 刘桂芬：面积21.35亩，金额3,202.50元。",
    ]
    doc = structure_text("公示\n\n现公示如下：\n" + "\n".join(items) + "\n以上共3户。\n")
    (table,) = [b for b in doc.blocks if b.role == "table"]
    assert [r.text for r in table.rows] == items
    assert table.rows[1].cells == ("2", "红旗村", "张建国", "8.00", "1,200.00")
    assert table.columns == ("", "村", "姓名", "面积（亩）", "金额（元）")
    # Two items, or items that are sentences, stay paragraphs.
    doc = structure_text("公示\n\n" + "\n".join(items[:2]) + "\n")
    assert not any(b.role == "table" for b in doc.blocks)
    doc = structure_text(
        "要求\n\n1.提高认识，加强领导，落实责任，确保各项工作按时完成；\n"
        "2.加强宣传，营造氛围，动员群众，确保政策家喻户晓深入人心；\n"
        "3.严格督查，强化考核，及时通报，确保工作取得实效取得成效。\n"
    )
    assert not any(b.role == "table" for b in doc.blocks)
