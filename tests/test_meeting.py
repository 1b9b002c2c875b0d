"""Meeting announcements from YAML, English and Chinese keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from signage.core.config import Settings
from signage.core.model import ContentError, Meeting
from signage.formats.meeting import read_meeting_slide

FIXTURES = Path(__file__).parent / "fixtures" / "text"
SETTINGS = Settings(timezone="Asia/Shanghai")
TZ = ZoneInfo("Asia/Shanghai")


def test_chinese_keys_fixture() -> None:
    data = (FIXTURES / "meeting-zh.yaml").read_bytes()
    slide = read_meeting_slide("slides/meetings/m.yaml", data, SETTINGS)
    m = slide.body
    assert isinstance(m, Meeting)
    assert slide.kind == "meeting"
    assert m.title == "2026年第四季度安全生产工作会议"
    assert m.start == datetime(2026, 11, 28, 14, 30, tzinfo=TZ)
    assert m.end == datetime(2026, 11, 28, 16, 0, tzinfo=TZ)
    assert m.place == "镇政府三楼第一会议室"
    assert m.host == "王镇长"
    assert m.attendees == "各村（社区）党支部书记、镇安监站全体人员、各企业安全负责人"
    assert len(m.agenda) == 3
    assert m.notes.startswith("请参会人员")
    assert slide.show_until == m.end


def test_english_keys_without_end_leave_two_hours_after_start() -> None:
    data = b"kind: meeting\ntitle: Budget review\nstart: 2026-12-03 09:00\nplace: Room 2\n"
    slide = read_meeting_slide("slides/m.yaml", data, SETTINGS)
    assert isinstance(slide.body, Meeting)
    assert slide.body.end is None
    assert slide.show_until == datetime(2026, 12, 3, 11, 0, tzinfo=TZ)
    assert slide.show_until - slide.body.start == timedelta(hours=2)


def test_full_width_colon_after_key_is_accepted() -> None:
    data = "kind: meeting\n标题：周例会\n时间：2026-12-03 09:00\n地点：二楼\n".encode()
    slide = read_meeting_slide("slides/m.yaml", data, SETTINGS)
    assert isinstance(slide.body, Meeting)
    assert slide.body.place == "二楼"


def test_yaml_without_kind_meeting_is_not_a_slide() -> None:
    with pytest.raises(ContentError) as err:
        read_meeting_slide("slides/x.yaml", b"name: lobby\nitems: []\n", SETTINGS)
    assert err.value.code == "not-a-slide"
    assert "kind: meeting" in err.value.message
    with pytest.raises(ContentError) as err:
        read_meeting_slide("slides/x.yaml", b"- a\n- b\n", SETTINGS)
    assert err.value.code == "not-a-slide"


@pytest.mark.parametrize(
    ("body", "line", "quoted"),
    [
        ("title: x\nstart: someday\n", 3, "someday"),
        ("title: x\nstart: 2026-12-03 09:00\nend: lunch\n", 4, "lunch"),
        ("title: x\nstart: 2026-12-03 09:00\nend: '08:00'\n", 4, "08:00"),
        ("start: 2026-12-03 09:00\n", None, "title"),
    ],
)
def test_bad_fields(body: str, line: int | None, quoted: str) -> None:
    with pytest.raises(ContentError) as err:
        read_meeting_slide("slides/m.yaml", f"kind: meeting\n{body}".encode(), SETTINGS)
    assert quoted in err.value.message
    assert err.value.line == line


def test_yaml_syntax_error() -> None:
    with pytest.raises(ContentError) as err:
        read_meeting_slide("slides/m.yaml", b"kind: meeting\ntitle: [x\n", SETTINGS)
    assert err.value.code == "yaml-syntax"


def test_chinese_written_times() -> None:
    data = (
        "kind: meeting\n标题: 周例会\n时间: 2026年12月3日（星期四）下午2:30\n结束时间: 下午4点\n"
    ).encode()
    slide = read_meeting_slide("slides/m.yaml", data, SETTINGS)
    assert isinstance(slide.body, Meeting)
    assert slide.body.start == datetime(2026, 12, 3, 14, 30, tzinfo=TZ)
    assert slide.body.end == datetime(2026, 12, 3, 16, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    "when", ["2026-12-03", '"2026-12-03"', "2026年12月3日（星期四）", "2026/12/3"]
)
def test_a_start_without_a_time_is_refused_naming_the_field(when: str) -> None:
    """Read as midnight it said "明天上午 0:00" and was gone on the meeting's own morning."""
    data = f"kind: meeting\n标题: 周例会\n时间: {when}\n地点: 二楼\n".encode()
    with pytest.raises(ContentError) as err:
        read_meeting_slide("slides/m.yaml", data, SETTINGS)
    assert err.value.code == "meeting-field" and err.value.line == 3
    assert "without a time" in err.value.message


def test_a_start_at_midnight_written_out_is_kept() -> None:
    data = b"kind: meeting\ntitle: Night shift\nstart: 2026-12-03 00:00\n"
    slide = read_meeting_slide("slides/m.yaml", data, SETTINGS)
    assert isinstance(slide.body, Meeting)
    assert slide.body.start == datetime(2026, 12, 3, 0, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("when", "start", "end"),
    [
        ("2026-12-03 15:00-17:00", (15, 0), (17, 0)),
        ("2026-12-03 09:00-11:30", (9, 0), (11, 30)),
        ("2026-12-03 14:30 - 16:30", (14, 30), (16, 30)),
        ("2026年12月3日 下午3:00～5:00", (15, 0), (17, 0)),
        ("2026年12月3日 14:30-16:30", (14, 30), (16, 30)),
    ],
)
def test_a_start_written_with_its_end_is_both(
    when: str, start: tuple[int, int], end: tuple[int, int]
) -> None:
    """ISO 8601 read '15:00-17:00' as 15:00 at UTC-17: the meeting showed as the next day's
    and played after it was over (found by a helper)."""
    data = f"kind: meeting\n标题: 周例会\n时间: {when}\n".encode()
    slide = read_meeting_slide("slides/m.yaml", data, SETTINGS)
    assert isinstance(slide.body, Meeting)
    assert slide.body.start == datetime(2026, 12, 3, *start, tzinfo=TZ)
    assert slide.body.end == datetime(2026, 12, 3, *end, tzinfo=TZ)


def test_an_afternoon_meetings_end_written_without_pm_is_in_the_afternoon() -> None:
    data = "kind: meeting\n标题: 会\n时间: 2026年12月3日 下午3:00\n结束时间: 5:00\n".encode()
    slide = read_meeting_slide("slides/m.yaml", data, SETTINGS)
    assert isinstance(slide.body, Meeting)
    assert slide.body.end == datetime(2026, 12, 3, 17, 0, tzinfo=TZ)
