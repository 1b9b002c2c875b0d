"""Files whose name hides what they are: meetings saved as .yaml.txt, photos named .jpg.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from signage.core.config import Settings
from signage.core.model import ContentError, Meeting
from signage.formats.misnamed import actual_reader
from signage.formats.registry import read_slide

REPO = Path(__file__).resolve().parent.parent
MEETING = (
    "kind: meeting\n标题: 全镇安全生产工作会议\n时间: 2026-12-03 14:30\n地点: 三楼第一会议室\n"
)


def put(root: Path, rel: str, data: bytes) -> str:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return rel


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # Notepad, type left at 文本文档: Explorer shows 安全会议.yaml.
        ("安全会议.yaml.txt", MEETING.encode()),
        # Notepad on a Chinese Windows saves ANSI (GBK) with CRLF, sometimes a BOM.
        ("安全会议.yaml.txt", MEETING.replace("\n", "\r\n").encode("gbk")),
        ("安全会议.yml.txt", ("\ufeff" + MEETING).encode()),
        # Chinese keys with full-width colons and no kind line, in a plain .txt.
        ("会议.txt", "标题：安全会议\r\n时间：2026/12/3 14:30\r\n地点：三楼\r\n".encode("gbk")),
        ("会议.md", MEETING.encode()),
    ],
)
def test_a_meeting_is_a_meeting_whatever_its_extension(
    tmp_path: Path, name: str, data: bytes
) -> None:
    # Seen: 安全会议.yaml.txt went on screen as raw YAML, a red `kind: meeting` over
    # lines `标题 : …`, and `check` called it a good notice.
    rel = put(tmp_path, f"slides/会议/{name}", data)
    slide = read_slide(tmp_path, rel, Settings())
    assert slide.kind == "meeting" and isinstance(slide.body, Meeting)
    assert slide.body.start.hour == 14 and slide.body.start.minute == 30
    assert "kind" not in slide.title and "read as a meeting" in slide.warnings[-1]


def test_the_warning_says_what_windows_showed(tmp_path: Path) -> None:
    rel = put(tmp_path, "slides/安全会议.yaml.txt", MEETING.encode())
    warning = read_slide(tmp_path, rel, Settings()).warnings[-1]
    assert "saved as '安全会议.yaml.txt' (Windows shows '安全会议.yaml')" in warning


def test_a_broken_meeting_in_a_txt_is_refused_as_a_meeting(tmp_path: Path) -> None:
    rel = put(tmp_path, "slides/会.yaml.txt", b"kind: meeting\ntitle: x\nstart: soon\n")
    with pytest.raises(ContentError) as err:
        read_slide(tmp_path, rel, Settings())
    assert err.value.code == "meeting-field" and err.value.line == 3


@pytest.mark.parametrize(
    "text",
    [
        # A notice written as "key：value" lines is still a notice.
        "标题：停水通知\n时间：12月3日全天\n范围：镇区\n",
        "关于会议室使用的通知\n时间：每周一上午\n地点：三楼\n",
        "会议纪要\nkind: meeting 这几个字出现在正文里\n",
    ],
)
def test_text_that_only_looks_like_keys_stays_a_notice(tmp_path: Path, text: str) -> None:
    rel = put(tmp_path, "slides/通知.txt", text.encode())
    assert read_slide(tmp_path, rel, Settings()).kind == "notice"


@pytest.mark.parametrize(
    ("name", "source", "what"),
    [
        ("照片.jpg.txt", "slides/图片/01-青山镇风光.jpg", "a JPEG photo"),
        ("海报.png.txt", "slides/图片/02-垃圾分类宣传海报.png", "a PNG picture"),
    ],
)
def test_a_picture_named_txt_is_refused_with_its_real_type(
    tmp_path: Path, name: str, source: str, what: str
) -> None:
    rel = put(tmp_path, f"slides/{name}", (REPO / source).read_bytes())
    with pytest.raises(ContentError) as err:
        read_slide(tmp_path, rel, Settings())
    assert err.value.code == "hidden-extension"
    assert what in err.value.message and name in err.value.message


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"%PDF-1.7\n", "a PDF document"),
        (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml word/document.xml", "a Word document"),
        (b"PK\x03\x04\x14\x00\x06\x00xl/workbook.xml", "an Excel spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "an old Office or WPS file"),
    ],
)
def test_documents_named_txt_are_refused_with_their_real_type(head: bytes, what: str) -> None:
    with pytest.raises(ContentError) as err:
        actual_reader("slides/通知.docx.txt", head + b"\x00" * 64)
    assert err.value.code == "hidden-extension" and what in err.value.message


def test_text_saved_as_docx_txt_plays_as_text(tmp_path: Path) -> None:
    # WPS "save as text" keeps the old name: 通知.docx.txt holds plain text. That is fine.
    rel = put(tmp_path, "slides/通知.docx.txt", "关于放假的通知\n元旦放假一天。\n".encode("gbk"))
    assert read_slide(tmp_path, rel, Settings()).kind == "notice"
    rel = put(tmp_path, "slides/放假.txt.txt", "关于放假的通知\n元旦放假一天。\n".encode())
    assert read_slide(tmp_path, rel, Settings()).title == "关于放假的通知"


@pytest.mark.parametrize("name", ["工作日.yaml", "工作日.yaml.txt", "工作日.txt"])
def test_a_playlist_dropped_into_slides_is_told_where_it_belongs(tmp_path: Path, name: str) -> None:
    rel = put(tmp_path, f"slides/{name}", "name: 工作日\nitems:\n  - slides: 通知/\n".encode())
    with pytest.raises(ContentError) as err:
        read_slide(tmp_path, rel, Settings())
    assert err.value.code == "playlist-in-slides"


def test_other_files_are_left_to_their_reader() -> None:
    assert actual_reader("slides/a.jpg", b"\xff\xd8\xff") is None
    assert actual_reader("slides/a.yaml", MEETING.encode()) is None
    assert actual_reader("slides/a.txt", "普通的通知\n".encode()) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026/12/2 15:00", "2026-12-02 15:00"),
        ("2026-12-2 9:05", "2026-12-02 09:05"),
        ("2026.12.02 15：00", "2026-12-02 15:00"),
        ("2026/1/5", "2026-01-05 00:00"),
    ],
)
def test_dates_as_windows_writes_them(text: str, expected: str) -> None:
    # Seen: a meeting at `2026/12/2 15:00` was refused with a generic reason.
    from signage.core.clock import parse_when

    assert f"{parse_when(text):%Y-%m-%d %H:%M}" == expected


def test_a_playlist_saved_from_notepad_as_yaml_txt_plays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Notepad turns 工作日.yaml into 工作日.yaml.txt unless the type is set to 所有文件.
    import json

    from signage.commands.cli import main

    put(tmp_path, "slides/通知/a.txt", "关于放假的通知\n元旦放假一天。\n".encode())
    playlist = "name: 工作日\nitems:\n  - slides: 通知/\n"
    put(tmp_path, "playlists/工作日.yaml.txt", playlist.encode("gbk"))
    put(tmp_path, "playlists/说明.txt", "这里放播放列表。\n".encode())
    assert main(["plan", "--content", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["playlist"] == "playlists/工作日.yaml.txt"
    assert [i["path"] for i in data["items"]] == ["slides/通知/a.txt"]
    assert data["problems"] == []


def test_playlist_names_without_their_extensions() -> None:
    from signage.schedule.playlist import is_playlist_name, playlist_stem

    assert playlist_stem("playlists/工作日.yaml.txt") == "工作日"
    assert playlist_stem("playlists/a.YML") == "a"
    assert is_playlist_name("工作日.Yaml.TXT") and not is_playlist_name("说明.txt")


def test_a_notice_in_meeting_keys_that_is_no_meeting_stays_a_notice(tmp_path: Path) -> None:
    # Chinese keys alone, no kind line, and a time no reader can place: it was a notice.
    rel = put(tmp_path, "slides/放假.txt", "标题：元旦放假\n时间：元旦当天\n地点：全镇\n".encode())
    assert read_slide(tmp_path, rel, Settings()).kind == "notice"
    # Saved as .yaml.txt, or with kind: meeting, it is a meeting, and its mistake is told.
    rel = put(tmp_path, "slides/放假.yaml.txt", "标题：元旦放假\n时间：元旦当天\n".encode())
    with pytest.raises(ContentError) as err:
        read_slide(tmp_path, rel, Settings())
    assert err.value.code == "meeting-field"
