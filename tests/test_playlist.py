"""Playlist files: the documented keys, and every problem reported with its line."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from signage.core.model import ContentError
from signage.schedule.playlist import (
    check_playlist,
    check_playlist_bytes,
    check_slides_path,
    load_playlists,
    parse_days,
    parse_hours,
    parse_playlist,
    read_playlist,
)

TZ = ZoneInfo("Asia/Shanghai")
REL = "playlists/lobby.yaml"

DESIGN_EXAMPLE = """\
# playlists/lobby.yaml
name: 工作日大厅
priority: 0
screens: [lobby-1]
when:
  days: workdays
  hours: "08:00-18:00"
  dates: "2026-12-01..2026-12-31"
items:
  - slides: notices/
    duration: 20
    fit: contain
    show_from: 2026-12-01
    show_until: 2026-12-07T18:00
"""


def test_design_example() -> None:
    playlist, problems = check_playlist(REL, DESIGN_EXAMPLE, TZ)
    assert problems == []
    assert playlist is not None
    assert playlist.path == REL
    assert playlist.name == "工作日大厅"
    assert playlist.priority == 0
    assert playlist.screens == ("lobby-1",)
    assert playlist.when is not None
    assert playlist.when.days == "workdays"
    assert playlist.when.hours == ((8 * 60, 18 * 60),)
    assert playlist.when.dates == (
        (datetime(2026, 12, 1, tzinfo=TZ), datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=TZ)),
    )
    (item,) = playlist.items
    assert item.slides == "notices/"
    assert item.duration == 20.0
    assert item.fit == "contain"
    assert item.show_from == datetime(2026, 12, 1, tzinfo=TZ)
    assert item.show_until == datetime(2026, 12, 7, 18, 0, tzinfo=TZ)
    assert item.line == 10
    assert len(playlist.digest) == 64


def test_minimal_playlist_with_plain_string_items() -> None:
    text = "items:\n  - notices/\n  - images/*.jpg\n  - slides: 欢迎.png\n    duration: auto\n"
    playlist = parse_playlist("playlists/默认.yaml", text, TZ)
    assert playlist.name == "默认"
    assert playlist.when is None
    assert playlist.screens == ()
    assert [i.slides for i in playlist.items] == ["notices/", "images/*.jpg", "欢迎.png"]
    assert [i.line for i in playlist.items] == [2, 3, 4]
    assert playlist.items[2].duration is None


def test_unquoted_times_stay_times() -> None:
    # PyYAML reads a bare 18:00 as the sexagesimal number 1080; the text is used instead.
    text = "when:\n  hours: [18:00-22:00, 22:00-06:00, 00:00-24:00]\nitems: [a.txt]\n"
    playlist = parse_playlist(REL, text, TZ)
    assert playlist.when is not None
    assert playlist.when.hours == ((1080, 1320), (1320, 360), (0, 1440))


def test_bare_time_is_a_problem_not_a_crash() -> None:
    _, problems = check_playlist(REL, "when:\n  hours: 18:00\nitems: [a.txt]\n", TZ)
    assert [(p.line, p.code) for p in problems] == [(2, "bad-hours")]
    assert "'18:00'" in problems[0].message


SEVERAL_ERRORS = """\
name: [x]
priority: high
colour: red
when:
  days: [mon, funday]
  hours: ["25:00-18:00", 8-9]
  dates: 2026-12-31..2026-12-01
  weather: sunny
items:
  - slides: ../etc/passwd
  - /etc/shadow
  - slides: a.txt
    duration: -5
    fit: stretch
    show_from: tomorrow
  - slides: b.txt
    show_from: 2026-12-08
    show_until: 2026-12-01
  - duration: 3
  - slides: good.txt
screens: []
"""


def test_several_errors_all_reported_with_lines() -> None:
    playlist, problems = check_playlist(REL, SEVERAL_ERRORS, TZ)
    assert playlist is None
    found = [(p.line, p.code) for p in problems]
    assert found == [
        (1, "bad-name"),
        (2, "bad-priority"),
        (3, "unknown-key"),
        (5, "bad-days"),
        (6, "bad-hours"),
        (6, "bad-hours"),
        (7, "bad-dates"),
        (8, "unknown-key"),
        (10, "outside-root"),
        (11, "outside-root"),
        (13, "bad-duration"),
        (14, "bad-fit"),
        (15, "bad-date"),
        (18, "date-order"),
        (19, "missing-slides"),
        (21, "bad-screens"),
    ]
    assert all(p.path == REL for p in problems)
    messages = "\n".join(p.message for p in problems)
    for quoted in ("'high'", "'colour'", "'funday'", "'25:00-18:00'", "'8-9'", "'weather'"):
        assert quoted in messages
    for quoted in ("'../etc/passwd'", "'/etc/shadow'", "'-5'", "'stretch'", "'tomorrow'"):
        assert quoted in messages


def test_parse_playlist_raises_first_problem_with_count() -> None:
    with pytest.raises(ContentError) as info:
        parse_playlist(REL, SEVERAL_ERRORS, TZ)
    assert info.value.line == 1
    assert info.value.code == "bad-name"
    assert "15 more problems" in info.value.message


def test_yaml_syntax_error_has_its_line() -> None:
    text = "name: 大厅\nitems:\n  - a.txt\n  - [b.txt\n  - c.txt\nscreens: x\n"
    playlist, problems = check_playlist(REL, text, TZ)
    assert playlist is None
    (problem,) = problems
    assert problem.code == "yaml-syntax"
    assert problem.line is not None and 4 <= problem.line <= 6
    with pytest.raises(ContentError) as info:
        parse_playlist(REL, text, TZ)
    assert info.value.code == "yaml-syntax"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty-file"),
        ("# only a comment\n", "empty-file"),
        ("- a.txt\n- b.txt\n", "not-a-mapping"),
        ("name: x\n", "no-items"),
        ("items: []\n", "no-items"),
        ("items: a.txt\n", "bad-items"),
        ("items: [a.txt]\nitems: [b.txt]\n", "duplicate-key"),
        ("items: [a.txt]\nwhen: always\n", "bad-when"),
        ("items: [a.txt]\npriority: true\n", "bad-priority"),
        ("items: [[a.txt]]\n", "bad-item"),
        ("items:\n  - slides: a.txt\n    file: b.txt\n", "unknown-key"),
    ],
)
def test_single_problem_codes(text: str, code: str) -> None:
    playlist, problems = check_playlist(REL, text, TZ)
    assert playlist is None
    assert [p.code for p in problems] == [code]


def test_unknown_key_names_the_key_and_its_line() -> None:
    _, problems = check_playlist(REL, "items: [a.txt]\n\npriorty: 3\n", TZ)
    (problem,) = problems
    assert problem.line == 3
    assert "'priorty'" in problem.message


@pytest.mark.parametrize(
    "path", ["../secret.txt", "notices/../../x", "/etc/passwd", "C:\\Users\\x.txt", "\\\\server\\x"]
)
def test_paths_outside_the_root_are_refused(path: str) -> None:
    text = f"items:\n  - slides: {path!r}\n"
    _, problems = check_playlist(REL, text, TZ)
    assert [(p.line, p.code) for p in problems] == [(2, "outside-root")]


def test_slides_path_normalisation() -> None:
    assert check_slides_path("notices\\a.txt") == "notices/a.txt"
    assert check_slides_path("./notices//") == "notices/"
    assert check_slides_path("notices") == "notices"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("workdays", "workdays"),
        ("工作日", "workdays"),
        ("Holidays", "holidays"),
        ("everyday", "everyday"),
        ("mon, tue", ("mon", "tue")),
        (["sun", "周一", "星期三", "Friday"], ("mon", "wed", "fri", "sun")),
        ("sat", ("sat",)),
    ],
)
def test_parse_days(value: object, expected: object) -> None:
    assert parse_days(value) == expected


@pytest.mark.parametrize("value", ["weekends", [], ["mon", 3], 5, "mon, someday"])
def test_parse_days_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_days(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00-18:00", (480, 1080)),
        ("8:30 - 12:00", (510, 720)),
        ("22:00～06:00", (1320, 360)),
        ("08：00至18：00", (480, 1080)),
        ("22:00-24:00", (1320, 1440)),
    ],
)
def test_parse_hours(text: str, expected: tuple[int, int]) -> None:
    assert parse_hours(text) == expected


@pytest.mark.parametrize(
    "text", ["08:00-08:00", "00:00-24:00x", "24:00-06:00", "08:60-09:00", "8-9"]
)
def test_parse_hours_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hours(text)


def test_dates_list_and_single_day() -> None:
    text = 'when:\n  dates: ["2026-10-01..2026-10-07", 2026-12-25, "2027/1/1"]\nitems: [a.txt]\n'
    playlist = parse_playlist(REL, text, TZ)
    assert playlist.when is not None
    starts = [d[0].date().isoformat() for d in playlist.when.dates]
    ends = [d[1].date().isoformat() for d in playlist.when.dates]
    assert starts == ["2026-10-01", "2026-12-25", "2027-01-01"]
    assert ends == ["2026-10-07", "2026-12-25", "2027-01-01"]


def test_read_playlist_from_file_in_gbk(tmp_path: Path) -> None:
    (tmp_path / "playlists").mkdir()
    (tmp_path / "playlists" / "大厅.yaml").write_bytes("name: 大厅\nitems: [通知/]\n".encode("gbk"))
    playlist, problems = read_playlist(tmp_path, "playlists/大厅.yaml", TZ)
    assert problems == []
    assert playlist is not None
    assert playlist.name == "大厅"
    assert playlist.items[0].slides == "通知/"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gbk"])
def test_read_playlist_as_notepad_saves_it(tmp_path: Path, encoding: str) -> None:
    """Notepad's 另存为 offers ANSI (GBK), UTF-8 (with a BOM) and Unicode (UTF-16 with one)."""
    (tmp_path / "playlists").mkdir()
    text = "name: 大厅\r\nitems: [通知/]\r\n"
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # the BOM written the way Notepad does
        data = "\ufeff".encode(encoding) + data
    (tmp_path / "playlists" / "大厅.yaml").write_bytes(data)
    playlist, problems = read_playlist(tmp_path, "playlists/大厅.yaml", TZ)
    assert problems == []
    assert playlist is not None
    assert (playlist.name, playlist.items[0].slides) == ("大厅", "通知/")


def test_read_playlist_refuses_a_path_outside(tmp_path: Path) -> None:
    playlist, problems = read_playlist(tmp_path, "../outside.yaml", TZ)
    assert playlist is None
    assert [p.code for p in problems] == ["outside-root"]


def test_read_playlist_missing_file(tmp_path: Path) -> None:
    playlist, problems = read_playlist(tmp_path, "playlists/gone.yaml", TZ)
    assert playlist is None
    assert len(problems) == 1


def test_load_playlists_keeps_the_last_good_version() -> None:
    good = "name: 大厅\nitems: [notices/]\n".encode()
    first, problems = load_playlists({REL: good, "playlists/b.yaml": b"items: [b.txt]\n"}, TZ)
    assert problems == []
    assert set(first) == {REL, "playlists/b.yaml"}
    assert first[REL].digest == hashlib.sha256(good).hexdigest()

    broken = "name: 大厅\nitems: [notices/\n".encode()
    second, problems = load_playlists({REL: broken}, TZ, first)
    assert second == {REL: first[REL]}  # b.yaml is gone; lobby keeps its last good version
    assert [(p.path, p.code) for p in problems] == [(REL, "yaml-syntax")]

    fresh, problems = load_playlists({REL: broken}, TZ)
    assert fresh == {}
    assert len(problems) == 1

    same, problems = load_playlists({REL: good}, TZ, first)
    assert same[REL] is first[REL]  # unchanged bytes are not parsed again


def test_playlist_bytes_not_text() -> None:
    playlist, problems = check_playlist_bytes(REL, b"\xff\xfe\x00\xd8\x00", TZ)
    assert playlist is None
    assert [p.code for p in problems] == ["not-text"]


def test_pages_per_turn_on_an_item() -> None:
    text = (
        "items:\n  - slides: policies/\n    pages_per_turn: 3\n"
        "  - slides: x\n    pages_per_turn: -1\n"
    )
    playlist, problems = check_playlist(REL, text, TZ)
    assert playlist is None
    assert [(p.line, p.code) for p in problems] == [(5, "bad-value")]
    playlist, problems = check_playlist(
        REL, "items:\n  - slides: policies/\n    pages_per_turn: 3\n", TZ
    )
    assert problems == [] and playlist is not None
    assert playlist.items[0].pages_per_turn == 3


def test_full_width_colons_after_keys_are_forgiven() -> None:
    """`name：大厅` as a Chinese input method types it was "应该是‘名称: 内容’这样一行一项"."""
    text = "name：大厅\npriority ： 5\nitems：\n  - slides：通知/\n    duration：12\n"
    playlist = parse_playlist(REL, text, TZ)
    assert (playlist.name, playlist.priority) == ("大厅", 5)
    assert (playlist.items[0].slides, playlist.items[0].duration) == ("通知/", 12)


def test_a_time_range_is_never_read_as_a_utc_offset() -> None:
    text = "items:\n  - slides: a.txt\n    show_until: 2026-12-03 09:00-11:30\n"
    with pytest.raises(ContentError) as err:
        parse_playlist(REL, text, TZ)
    assert "time range" in err.value.message
