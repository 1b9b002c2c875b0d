"""Line breaking: kinsoku, unbreakable runs, compression, justification, no rivers."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signage.typeset.linebreak import (
    LATIN_STRETCH,
    MAX_STRETCH,
    NO_END,
    NO_START,
    PLAIN_BREAK,
    SetLine,
    balance_lines,
    break_lines,
    title_break_penalty,
)


def widths(text: str) -> list[float]:
    """Han and full-width marks one em, Latin 0.55 em, dashes one em each."""
    return [1.0 if ord(c) >= 0x2000 else 0.55 for c in text]


def lines_of(text: str, measure: float, indent: float = 0.0) -> list[SetLine]:
    return break_lines(text, widths(text), measure, 1.0, first_indent=indent)


def visible(text: str) -> str:
    return "".join(c for c in text if not c.isspace())


def test_plain_han_fills_lines_exactly() -> None:
    text = "一二三四五六七八九十" * 3
    lines = lines_of(text, 10)
    assert [ln.text for ln in lines] == ["一二三四五六七八九十"] * 3
    assert all(ln.runs == ((ln.start, ln.end, 0.0),) for ln in lines)


def test_no_start_mark_is_squeezed_by_compressing_punctuation() -> None:
    # The full stop would start line 2: the pair 。” in line 1 takes 1.5 em and the stop at
    # its end half an em, so the stop fits on line 1.
    text = "一二三。”六七八九十。后面"
    lines = lines_of(text, 10)
    assert lines[0].text == "一二三。”六七八九十。"
    assert lines[0].width <= 10 + 1e-6
    assert lines[1].text == "后面"
    # A lone comma mid-line is not squeezed: the last character goes down instead.
    lines = lines_of("一二三四，六七八九十。后面", 10)
    assert lines[0].text == "一二三四，六七八九"


def test_a_paragraph_does_not_end_with_one_character_alone() -> None:
    lines = lines_of("字" * 25, 12)
    assert [len(ln.text) for ln in lines] == [12, 11, 2]
    assert lines[1].justified
    lines = lines_of("字" * 24 + "户。", 12)
    assert lines[-1].text == "字户。"


def test_no_start_mark_pushes_previous_character_down_when_nothing_compresses() -> None:
    text = "一二三四五六七八九十。后面"
    lines = lines_of(text, 10)
    assert lines[0].text == "一二三四五六七八九"
    assert lines[1].text.startswith("十。")


def test_no_end_mark_moves_to_next_line() -> None:
    text = "一二三四五六七八九《十一》"
    lines = lines_of(text, 10)
    assert lines[0].text == "一二三四五六七八九"
    assert lines[1].text == "《十一》"


def test_two_em_dash_and_ellipsis_are_never_split() -> None:
    for mark in ("——", "……"):
        for pre in range(6, 12):
            text = "字" * pre + mark + "后文字后文字"
            for ln in lines_of(text, 8):
                assert not ln.text.endswith(mark[0]) or ln.text.endswith(mark)
                assert not ln.text.startswith(mark[0]) or ln.text.startswith(mark) or True
            joined = [ln.text for ln in lines_of(text, 8)]
            assert any(mark in t for t in joined), joined


def test_phone_number_and_units_stay_whole() -> None:
    text = "请拨打电话0470-8814644咨询，温度25℃，增长50%，价格¥100元整。"
    for measure in range(8, 20):  # the phone number is 6.6 em wide
        for ln in lines_of(text, measure):
            assert not ln.text.startswith(("8814644", "-", "℃", "%", "100"))
            assert not ln.text.endswith(("0470", "0470-", "¥", "25", "50"))


def test_long_email_breaks_after_at_or_dot_only_when_needed() -> None:
    text = "联系邮箱：someone.long.name@example.gov.cn，欢迎来信。"
    lines = lines_of(text, 12)
    pieces = [ln.text for ln in lines]
    assert "".join(pieces) == text
    for a, b in itertools.pairwise(pieces):
        if a[-1].isascii() and b[0].isascii():
            assert a[-1] in "@./-", pieces
    # With room enough, it stays whole.
    wide = lines_of(text, 40)
    assert len(wide) == 1


def test_quarter_em_between_han_and_latin_but_not_at_line_start() -> None:
    text = "共计2026元"
    (line,) = lines_of(text, 20)
    xs = [x for _s, _e, x in line.runs]
    assert xs[1] == pytest.approx(2 + 0.25)  # 共计 then the gap
    assert xs[2] == pytest.approx(2 + 0.25 + 4 * 0.55 + 0.25)
    lines = lines_of("一二三四五六七八2026年", 8)
    assert lines[1].runs[0][2] == 0.0


def test_first_line_indent_and_flush_wrapped_lines() -> None:
    lines = lines_of("字" * 20, 10, indent=2)
    assert lines[0].runs[0][2] == 2.0 and len(lines[0].text) == 8
    assert lines[1].runs[0][2] == 0.0


def test_loose_line_is_set_flush_left_not_spread() -> None:
    # An unbreakable run too long to join the line above leaves it short: no rivers.
    text = "联系电话：" + "1" * 30
    lines = lines_of(text, 20)
    first = lines[0]
    assert not first.justified
    assert len(first.runs) == 1


def test_last_line_is_flush_left() -> None:
    lines = lines_of("字字字字字字字字字字，字字，字", 10)
    assert lines[-1].justified is False


def test_widths_must_match_text() -> None:
    with pytest.raises(ValueError):
        break_lines("abc", [1.0], 10, 1.0)


# --- properties ----------------------------------------------------------------------------

HAN = st.sampled_from(list("中文字体排版通知关于各村社区工作"))
LATIN = st.text(alphabet="abcdefghxyz0123456789", min_size=1, max_size=12)
OPEN = st.sampled_from([*"（《“「【", ""])
CLOSE = st.sampled_from(["", "", "，", "。", "、", "；", "）", "》", "”", "。”", "）。", "%", "……"])
EMAIL = st.from_regex(r"[a-z]{2,10}@[a-z]{2,10}\.(gov\.cn|com)", fullmatch=True)
WORD = st.tuples(OPEN, st.one_of(st.text(HAN, min_size=1, max_size=3), LATIN, EMAIL), CLOSE).map(
    "".join
)
PARAGRAPH = st.lists(st.one_of(WORD, WORD, WORD, st.just(" "), st.just("——")), min_size=1).map(
    "".join
)


# Measures from 8 em: the narrowest real column (portrait, urgent size) holds 9; the first
# line of an indented paragraph then has 6 em, as wide as the longest unbreakable word here.


def only_marks(text: str) -> bool:
    return all(c in NO_START or c in NO_END or c in "—…" or c.isspace() for c in text)


@settings(max_examples=300, deadline=None)
@given(PARAGRAPH, st.integers(min_value=8, max_value=30), st.sampled_from([0.0, 2.0]))
def test_properties_of_any_paragraph(text: str, measure: int, indent: float) -> None:
    lines = lines_of(text, measure, indent)
    # Nothing lost, nothing reordered (only spaces at breaks go).
    assert visible("".join(ln.text for ln in lines)) == visible(text)
    for n, ln in enumerate(lines):
        assert ln.text == text[ln.start : ln.end]
        if not only_marks(ln.text):
            # Never wider than the measure (a run of dashes wider than a line aside).
            assert ln.width <= measure + 1e-6, (ln.text, ln.width)
            if n > 0:
                assert ln.text[0] not in NO_START, [x.text for x in lines]
            if n < len(lines) - 1:
                assert ln.text[-1] not in NO_END, [x.text for x in lines]
        # Runs cover the line's characters in order, left to right.
        covered = "".join(text[a:b] for a, b, _x in ln.runs)
        assert visible(covered) == visible(ln.text)
        xs = [x for _a, _b, x in ln.runs]
        assert xs == sorted(xs)
    assert not lines or lines[-1].justified is False or len(lines) == 1


@settings(max_examples=200, deadline=None)
@given(PARAGRAPH, st.integers(min_value=6, max_value=30))
def test_justified_lines_never_stretch_more_than_a_quarter_em(text: str, measure: int) -> None:
    w = widths(text)
    for ln in break_lines(text, w, measure, 1.0):
        if not ln.justified or len(ln.runs) < 2:
            continue
        # Between consecutive runs the extra space over the natural advance is bounded.
        for (a, b, x), (_c, _d, x2) in zip(ln.runs, ln.runs[1:], strict=False):
            natural_end = x + sum(w[a:b])
            extra = x2 - natural_end
            assert extra <= 0.25 + LATIN_STRETCH + MAX_STRETCH + 1e-6, (ln.text, extra)


def _run_starts(text: str) -> list[str]:
    """The text of each drawn run: a new run starts wherever a gap was put."""
    (line,) = lines_of(text, 60)
    return [text[a:b] for a, b, _x in line.runs]


def test_dates_and_times_are_set_tight() -> None:
    # A number against the date parts around it: one run, no quarter-em gap.
    assert _run_starts("自2026年12月1日起") == ["自", "2026年12月1日起"]
    assert _run_starts("8时30分") == ["8时30分"]
    assert _run_starts("文号30号文件") == ["文号", "30号文件"]
    (line,) = lines_of("2026年12月1日", 60)
    assert line.width == pytest.approx(4 * 0.55 + 2 * 0.55 + 0.55 + 3)


def test_other_han_digit_boundaries_keep_the_quarter_em() -> None:
    assert _run_starts("共412条") == ["共", "412", "条"]
    assert _run_starts("上午8:30至12:00") == ["上午", "8:30", "至", "12:00"]
    # 年 after a word, not a number, does not join the number after it.
    assert _run_starts("今年12个") == ["今年", "12", "个"]
    (line,) = lines_of("共412条", 60)
    assert line.runs[1][2] == pytest.approx(1.25)


def _balanced(text: str, measure: float) -> list[str]:
    return [ln.text for ln in balance_lines(text, widths(text), measure, 1.0)]


def test_titles_break_at_natural_points() -> None:
    report = "青山镇人民政府2025年政府信息公开工作年度报告"
    assert _balanced(report, 21.4) == ["青山镇人民政府2025年", "政府信息公开工作年度报告"]
    assert _balanced("关于冬季调整便民服务中心办公时间的通知", 12) == [
        "关于冬季调整便民服务中心",
        "办公时间的通知",
    ]
    office = "青山镇人民政府办公室关于做好2026年元旦春节期间安全生产工作的通知"
    assert _balanced(office, 12)[0] == "青山镇人民政府办公室"
    assert _balanced("关于做好冬季供暖工作的通知", 10) == ["关于做好冬季供暖", "工作的通知"]


def test_balanced_titles_leave_no_stub_and_lose_nothing() -> None:
    for text, measure in [
        ("关于做好冬季供暖工作的通知", 12),
        ("停水通知停水通知停水通知", 11),
        ("一二三四五六七八九十一二", 11),
    ]:
        lines = _balanced(text, measure)
        assert "".join(lines) == text
        assert len(lines) == 2
        assert min(len(s) for s in lines) >= 3, lines


def test_title_break_penalties() -> None:
    assert title_break_penalty("关于做好工作的通知", 2) == 0  # after 关于
    assert title_break_penalty("2025年度报告", 6) == 0  # after 2025年度
    assert title_break_penalty("2025年度报告", 5) > 0  # not between 年 and 度
    assert title_break_penalty("做好工作的报告", 4) == 0  # before 的报告
    assert title_break_penalty("镇人民政府办公室", 5) >= PLAIN_BREAK  # 政府|办公室
    assert title_break_penalty("镇政府信息", 3) == 1.0
    assert title_break_penalty("便民服务", 2) == PLAIN_BREAK
    assert title_break_penalty("便民服务", 1) == PLAIN_BREAK + 1 + 2  # inside 便民
    assert title_break_penalty("青山湖畔", 1) == PLAIN_BREAK + 1


def test_plain_title_breaks_prefer_even_positions() -> None:
    assert _balanced("办事大厅服务时间调整", 8) == ["办事大厅", "服务时间调整"]


def test_minutes_of_duration_are_a_count_not_a_time() -> None:
    assert _run_starts("提前10分钟到场") == ["提前", "10", "分钟到场"]
    assert _run_starts("14时30分开始") == ["14时30分开始"]


def test_a_date_is_not_broken_across_lines() -> None:
    text = "缴费将于2026年12月31日截止"
    for measure in range(8, 14):
        lines = lines_of(text, measure)
        for ln in lines:
            assert not ln.text[-1].isdigit() and ln.text[0] not in "年月日", (measure, ln.text)
    # Where the line before stays well set, the date is not broken at all.
    text = "请在规定时间内缴费将于2026年12月31日截止"
    assert [ln.text for ln in lines_of(text, 12)] == [
        "请在规定时间内缴费将于",
        "2026年12月31日截止",
    ]


def test_a_date_breaks_after_its_year_rather_than_open_a_river() -> None:
    text = "一二三四五六七八九十一二三四于2026年12月31日截止"
    lines = lines_of(text, 20)
    assert lines[0].text.endswith("2026年")
    assert lines[0].justified


def test_no_justification_space_before_a_closing_mark() -> None:
    text = "电子邮箱xxgk，办公地址在镇政府二楼东侧办公室内"
    line = lines_of(text, 16)[0]
    assert line.justified
    comma = text.index("，")
    # The comma is drawn in one run with the word before it: no space was put between them.
    assert any(a < comma < b for a, b, _x in line.runs), line.runs


def test_a_title_with_a_quarter_breaks_after_it() -> None:
    assert _balanced("2026年第四季度安全生产工作会议", 9) == ["2026年第四季度", "安全生产工作会议"]


def test_justification_does_not_open_a_date() -> None:
    text = "各位居民自2026年12月1日起办理业务请携带身份证件"
    for measure in (15, 16, 17):
        line = lines_of(text, measure)[0]
        date = (text.index("2026"), text.index("日") + 1)
        assert line.justified and line.end >= date[1]
        assert any(a <= date[0] and date[1] <= b for a, b, _x in line.runs), line.runs


def test_a_gappy_line_before_a_date_carries_its_year() -> None:
    text = "自2026年12月1日起至2027年2月28日，镇便民服务中心冬季办公时间调整"
    first = lines_of(text, 16, indent=2)[0]
    assert first.text == "自2026年12月1日起至2027年"
    assert first.justified


def test_justification_does_not_open_a_range_of_times() -> None:
    text = "周六上午9:00—12:00（仅办理社保业务）"
    line = lines_of(text, 10.6)[0]
    assert line.text == "周六上午9:00—12:00"
    assert line.justified
    start = text.index("9")
    assert any(a <= start and start + 10 <= b for a, b, _x in line.runs), line.runs


def test_an_en_dash_range_does_not_start_a_line() -> None:
    text = "12月3日 星期四 14:30–16:30 镇政府三楼第一会议室"
    for measure in range(8, 20):
        for ln in lines_of(text, measure):
            assert not ln.text.startswith("–"), (measure, ln.text)
    lines = balance_lines(text, widths(text), 16, 1.0)
    assert [ln.text for ln in lines] == ["12月3日 星期四 14:30–16:30", "镇政府三楼第一会议室"]


def test_an_address_that_fits_a_line_is_never_split() -> None:
    address = "xxgk@qingshan.gov.example"  # 13.75 em in the test widths
    text = f"联系电话：0571-86512345，传真：0571-86512300，电子邮箱：{address}，办公地址：二楼。"
    # From 15 em on, the address and the comma glued to it (compressed) fit a line.
    for measure in range(15, 40):
        for indent in (0.0, 2.0):
            lines = lines_of(text, measure, indent)
            assert any(address in ln.text for ln in lines), (measure, [ln.text for ln in lines])


def test_an_address_wider_than_a_line_is_split_after_a_mark() -> None:
    address = "someone.with.a.very.long.name@department.example.gov.cn"
    lines = lines_of(f"邮箱：{address}。", 16)
    assert "".join(ln.text for ln in lines) == f"邮箱：{address}。"
    assert len([ln for ln in lines if address[:8] in ln.text or address[-6:] in ln.text]) == 2


def test_looking_ahead_spares_the_next_line_a_river() -> None:
    # Greedy filling leaves line 2 with a run of digits that just misses it; breaking line 1
    # a character earlier lets both lines justify within the limit.
    # Greedy: line 1 holds 20 characters, line 2 17 and a 3 em gap (0.19 em a gap).
    text = "字" * 37 + "12345678" + "丙丁戊己庚辛壬癸子丑"
    lines = lines_of(text, 20)
    assert len(lines) == 3
    assert "".join(ln.text for ln in lines) == text
    for ln in lines[:-1]:
        assert ln.justified, [x.text for x in lines]


# --- bounded work (issue 15, hole 3) -------------------------------------------------------


def _ratio(small: Callable[[], object], large: Callable[[], object], runs: int = 5) -> float:
    """Best time of large over best time of small, the runs interleaved so that load from
    other processes falls on both alike."""
    best_s = best_l = math.inf
    for _ in range(runs):
        start = time.perf_counter()
        small()
        best_s = min(best_s, time.perf_counter() - start)
        start = time.perf_counter()
        large()
        best_l = min(best_l, time.perf_counter() - start)
    return best_l / best_s


HOSTILE: dict[str, Callable[[int], tuple[str, list[float]]]] = {
    "one Latin word": lambda n: ("a" * n, [0.55] * n),
    "a URL of dots": lambda n: ("a." * (n // 2), [0.55] * (n // 2 * 2)),
    "one Han paragraph": lambda n: ("字" * n, [1.0] * n),
    "zero-width characters": lambda n: ("\u200b" * n, [0.0] * n),
    "opening marks glued together": lambda n: ("（" * n, [1.0] * n),
    "digits glued to marks": lambda n: ("（" + "0" * n + "。”", [1.0] + [0.55] * n + [1.0, 1.0]),
    "Han and words": lambda n: (
        ("字ab " * n)[:n],
        [1.0 if c == "字" else 0.3 for c in ("字ab " * n)[:n]],
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_line_breaking_work_grows_linearly(name: str) -> None:
    """Four times the text costs about four times the time, never sixteen: no input, however
    long its unbreakable runs or paragraphs, makes breaking quadratic."""
    make = HOSTILE[name]

    def run(n: int) -> Callable[[], object]:
        text, w = make(n)
        return lambda: break_lines(text, w, 28.0, 1.0, first_indent=2.0)

    ratio = _ratio(run(8_000), run(32_000))
    # Linear work gives about 4; quadratic 16.
    assert ratio < 9.0, f"{name}: 4x the text took {ratio:.1f}x the time"


@pytest.mark.parametrize("name", ["one Latin word", "one Han paragraph", "a URL of dots"])
def test_balancing_work_grows_linearly(name: str) -> None:
    text_s, w_s = HOSTILE[name](12_000)
    text_l, w_l = HOSTILE[name](48_000)
    ratio = _ratio(
        lambda: balance_lines(text_s, w_s, 28.0, 1.0),
        lambda: balance_lines(text_l, w_l, 28.0, 1.0),
        runs=3,
    )
    assert ratio < 9.0, f"{name}: 4x the title took {ratio:.1f}x the time"


def test_a_two_megabyte_word_is_broken_whole_and_in_order() -> None:
    text = "x" * 2_000_000
    start = time.perf_counter()
    lines = break_lines(text, [0.55] * len(text), 28.0, 1.0)
    assert time.perf_counter() - start < 60  # a sanity bound only; the ratio tests decide
    assert "".join(ln.text for ln in lines) == text
    assert all(ln.width <= 28.0 + 1e-6 for ln in lines)


def test_han_latin_gaps_give_up_half_to_keep_a_line_whole() -> None:
    # 10 Han characters, a number and two quarter-em gaps: 12.15 em on a 12 em line. The
    # gaps shrink to an eighth of an em each rather than push a character down.
    text = "一二三四五123六七八九十后面还有字"
    (first, second) = lines_of(text, 12)
    assert first.text == "一二三四五123六七八九十"
    assert first.width <= 12 + 1e-6
    starts = [x for _a, _b, x in first.runs]
    # Each gap gives up half the 0.15 em: 0.175 em instead of a quarter.
    assert starts[1] - 5.0 == pytest.approx(0.175)
    assert second.text == "后面还有字"
