"""The staff status page: plain Chinese from the status file, bytes Notepad reads right."""

from __future__ import annotations

import ast
import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from signage.appliance.statuspage import (
    LEFT_OUT_REASONS,
    PLAYLIST_STILL_USED,
    REASONS,
    STATUS_JSON_NAME,
    STATUS_TEXT_NAME,
    encode_for_notepad,
    explain,
    status_text,
    why_left_out,
    write_status_page,
)
from signage.core.config import Settings
from signage.core.model import Block, Document, Meeting, Playlist, PlaylistItem, Slide, TimeWindow
from signage.schedule.calendar import WorkCalendar
from signage.schedule.planner import make_plan

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 3, 9, 0, 5, tzinfo=CST)  # a Thursday
CALENDAR = WorkCalendar()


def _status(**changes: Any) -> dict[str, Any]:
    status: dict[str, Any] = {
        "updated_at": "2026-12-03T09:00:05+08:00",
        "pid": 1234,
        "screen": "lobby-1",
        "playlist": "playlists/lobby.yaml",
        "current": {
            "path": "slides/notices/春节放假通知.txt",
            "page": 1,
            "since": "2026-12-03T08:59:50+08:00",
        },
        "rotation": ["slides/notices/春节放假通知.txt", "slides/images/合影.jpg"],
        "problems": [
            {
                "path": "slides/images/半张.jpg",
                "message": "image file is truncated (1234 of 50000 bytes)",
                "since": "2026-12-02T17:00:00+08:00",
                "code": "image-truncated",
            },
            {
                "path": "playlists/lobby.yaml",
                "message": "mapping values are not allowed here",
                "line": 7,
                "since": "2026-12-03T08:30:00+08:00",
                "code": "yaml-syntax",
            },
        ],
        "display": "on",
        "left_out": [],
    }
    status.update(changes)
    return status


def test_full_page() -> None:
    text = status_text(_status(), NOW)
    lines = text.splitlines()
    assert lines[0] == "lobby-1 播放状态"
    assert lines[1] == "更新时间：2026年12月3日 星期四 09:00:05"
    assert "注意" not in text  # fresh: no warning that the player stopped
    # What is on screen: Windows-style path, pages counted from 1.
    assert "  slides\\notices\\春节放假通知.txt（第 2 页）" in lines
    assert "  从今天 08:59 开始显示" in lines
    assert "  使用的播放列表：playlists\\lobby.yaml" in lines
    assert "二、正在轮流播放的文件（共 2 个）" in lines
    assert (
        lines[lines.index("二、正在轮流播放的文件（共 2 个）") + 2]
        == "  2. slides\\images\\合影.jpg"
    )
    assert "三、没有显示的文件和原因（共 2 个）" in lines
    i = lines.index("  1. slides\\images\\半张.jpg")
    assert lines[i + 1] == "     原因：图片只复制了一半，请重新复制一次。"
    assert lines[i + 2] == "     发现时间：昨天 17:00"
    assert (
        lines[i + 3] == "     技术说明（给管理员）：image file is truncated (1234 of 50000 bytes)"
    )
    j = lines.index("  2. playlists\\lobby.yaml")
    assert lines[j + 1].startswith("     原因：第 7 行：格式有误")
    assert lines[j + 1].endswith("如果它以前是好的，屏幕继续按以前的版本播放。")
    assert lines[j + 3] == "     技术说明（给管理员）：line 7: mapping values are not allowed here"


@pytest.mark.parametrize(
    ("code", "line", "path", "expected"),
    [
        ("image-truncated", None, "slides/a.jpg", "图片只复制了一半，请重新复制"),
        ("empty-file", None, "slides/a.txt", "文件是空的（0 字节），请重新保存后再复制"),
        ("not-text", None, "slides/a.txt", "这不是文本文件"),
        ("yaml-syntax", 12, "slides/会议.yaml", "第 12 行：格式有误"),
        ("yaml-syntax", None, "slides/会议.yaml", "格式有误（常见原因：用了中文冒号"),
        ("outside-root", 3, "playlists/a.yaml", "共享文件夹以外"),
        ("encrypted-document", None, "slides/a.docx", "设置了打开密码"),
        ("damaged-document", None, "slides/a.docx", "文档已损坏"),
        ("needs-libreoffice", None, "slides/a.doc", "另存为” .docx 或 PDF"),
        ("unsupported-type", None, "slides/a.exe", "播放器不支持这种文件格式"),
        ("too-large", None, "slides/a.jpg", "文件太大"),
        ("decompression-bomb", None, "slides/a.png", "像素尺寸大得不正常"),
        ("permission-denied", None, "slides/a.jpg", "没有权限读取"),
        ("root-missing", None, "", "找不到共享文件夹"),
        ("not-a-slide", None, "slides/a.yaml", "kind: meeting"),
        ("bad-value", 4, "slides/会议.yaml", "第 4 行：有一项填写的内容不对"),
        ("damaged-image", None, "slides/a.jpg", "图片文件已损坏"),
        ("not-an-image", None, "slides/a.jpg", "里面却不是图片"),
        ("meeting-field", 3, "slides/会议.yaml", "第 3 行：会议通知里有一项"),
        ("front-matter", 2, "slides/a.txt", "第 2 行：文件开头两行“---”之间"),
        (
            "bad-hours",
            5,
            "playlists/a.yaml",
            '第 5 行：时间段（hours:）写得不对，请写成 "08:00-18:00"',
        ),
        (
            "missing-slide",
            9,
            "playlists/a.yaml",
            "第 9 行：播放列表里写的文件或文件夹在 slides 里找不到",
        ),
        ("clock-not-set", None, "", "播放机的时钟不准"),
    ],
)
def test_each_code_in_plain_words(code: str, line: int | None, path: str, expected: str) -> None:
    assert code in REASONS
    reason = explain(code, line, path)
    assert expected in reason
    assert "{line}" not in reason
    assert not reason.startswith("第 None")
    # The note about the last good playlist belongs to refused playlists only.
    assert ("以前的版本" in reason) == (path.startswith("playlists/") and code != "missing-slide")


def test_unknown_code_falls_back_to_the_technical_message() -> None:
    problem = {"path": "slides/x.abc", "message": "something new went wrong", "code": "new-code"}
    text = status_text(_status(problems=[problem]), NOW)
    assert "原因：无法显示（原因见下面的技术说明）" in text
    assert "技术说明（给管理员）：something new went wrong" in text
    no_code = {"path": "slides/y.txt", "message": "odd"}
    assert "技术说明（给管理员）：odd" in status_text(_status(problems=[no_code]), NOW)


def test_nothing_wrong_nothing_playing() -> None:
    text = status_text(_status(problems=[], rotation=[], current=None, playlist=None), NOW)
    assert "三、没有显示的文件和原因\n  没有出错的文件。\n" in text
    assert "所有文件都能正常显示" not in text
    assert "四、暂时不播放的文件（共 0 个）\n  （没有）" in text
    assert "二、正在轮流播放的文件（共 0 个）\n  （没有）" in text
    assert "现在没有在播放文件（屏幕显示单位名称和时间）。" in text
    assert "没有正在使用的播放列表：按文件名顺序播放 slides 文件夹里的全部文件。" in text


def test_screen_off() -> None:
    text = status_text(_status(display="off", current=None), NOW)
    assert "现在是关屏时段" in text
    assert "现在没有在播放文件" not in text
    off = status_text(_status(display="off", current=None, rotation=[]), NOW)
    assert "（共 0 个）\n  （没有：关屏时段所有文件都暂停播放，到了开屏时间自动继续。）" in off


MEETING = "slides/会议/12月10日党委会.yaml"
WAITING = [
    {"path": MEETING, "reason": "meeting on 2026-12-10 09:00: shown from 2026-12-03"},
    {"path": "slides/旧通知.txt", "reason": "show_until 2026-11-30 passed"},
    {"path": "slides/新东西.txt", "reason": "a reason this page does not know yet"},
]


def test_files_that_are_fine_but_not_playing_now_are_listed() -> None:
    # The reviewer's case: no file is broken, the meeting is a week ahead. The page must
    # not say that every file shows, and must say when the meeting notice comes on.
    lines = status_text(_status(problems=[], left_out=WAITING), NOW).splitlines()
    assert "所有文件都能正常显示" not in "\n".join(lines)
    i = lines.index("三、没有显示的文件和原因")
    assert lines[i + 1 : i + 3] == [
        "  没有出错的文件。",
        "  另有 3 个文件没有出错，只是现在不播放，见第四部分。",
    ]
    j = lines.index("四、暂时不播放的文件（共 3 个）")
    assert lines[j + 1].startswith("  这些文件本身没有问题，只是按设置现在不播放")
    assert lines[j + 2 :] == [
        "  1. slides\\会议\\12月10日党委会.yaml",
        "     原因：会议在 2026年12月10日 09:00 召开，会议通知从 2026年12月3日 开始显示。",
        "  2. slides\\旧通知.txt",
        "     原因：设定只显示到 2026年11月30日，已经过期，不再显示。"
        "如果还要显示，请修改或删掉结束时间。",
        "  3. slides\\新东西.txt",
        "     原因：按设置现在不播放（技术说明：a reason this page does not know yet）。",
    ]


def test_left_out_and_problems_together() -> None:
    text = status_text(_status(left_out=WAITING[:1]), NOW)
    assert "三、没有显示的文件和原因（共 2 个）" in text
    assert "另有" not in text  # section 四 follows the list of problems directly
    assert text.index("三、") < text.index("四、暂时不播放的文件（共 1 个）")


def test_an_old_status_without_left_out_says_nothing_about_it() -> None:
    status = _status(problems=[])
    del status["left_out"]
    text = status_text(status, NOW)
    assert "四、" not in text
    assert "没有出错的文件。" in text and "所有文件都能正常显示" not in text


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("show_from 2026-12-03 not reached", "设定从 2026年12月3日 开始显示，还没有到时间。"),
        (
            "show_from 2026-12-03 14:30 not reached (playlist item, line 7)",
            "播放列表第 7 行：设定从 2026年12月3日 14:30 开始显示，还没有到时间。",
        ),
        (
            "show_until 2026-11-20 17:05:09 passed (playlist item, line 12)",
            "播放列表第 12 行：设定只显示到 2026年11月20日 17:05，已经过期",
        ),
        ("meeting of 2026-11-20 14:30 is over", "会议（2026年11月20日 14:30）已经结束"),
        ("the clock is not set and this slide has dates", "播放机的时钟不准"),
        ("the clock is not set and this is a dated meeting", "会议通知暂时不播放"),
        ("an urgent notice is showing", "现在正在播放紧急通知"),
        ("urgent notice", "这是紧急通知"),
        ("no playlist is active now", "现在不在任何一个播放列表设定的播放时间内。"),
        ("for screen lobby-2, 二楼", "这个文件是给别的屏幕（lobby-2、二楼）播放的。"),
        # A file name that looks like a date stays as it is.
        ("not in playlist 2026-12-01.yaml", "现在使用的播放列表 2026-12-01.yaml 里没有列出"),
        ("", "按设置现在不播放（技术说明：未知）。"),
        (
            "show_from soon not reached",
            "按设置现在不播放（技术说明：show_from soon not reached）。",
        ),
        ("odd {0} {where}", "按设置现在不播放（技术说明：odd {0} {where}）。"),
    ],
)
def test_why_left_out_in_plain_words(reason: str, expected: str) -> None:
    assert expected in why_left_out(reason)


def _slide(path: str, body: object = None, **kw: Any) -> Slide:
    if body is None:
        body = Document(path, (Block("body", "各位群众：现将有关事项通知如下。"),))
    kind = "meeting" if isinstance(body, Meeting) else "notice"
    return Slide(path=path, kind=kind, title=path, body=body, digest=path, **kw)  # type: ignore[arg-type]


def _planned_reasons() -> set[str]:
    """Every kind of reason the real planner gives for a file it leaves out."""
    at = NOW.replace(hour=9, minute=0, second=0)  # Thursday 3 December, 09:00
    day = timedelta(days=1)
    slides = {
        s.path: s
        for s in (
            _slide("slides/a.txt"),
            _slide("slides/b.txt"),
            _slide("slides/later.txt", show_from=at + day),
            _slide("slides/old.txt", show_until=at - day),
            _slide("slides/m-ahead.yaml", Meeting("党委会", at + 10 * day, None, "三楼")),
            _slide("slides/m-over.yaml", Meeting("党委会", at - 3 * day, None, "三楼")),
            _slide("slides/upstairs.txt"),
        )
    }
    lobby = Playlist(
        "playlists/lobby.yaml",
        "lobby",
        (
            PlaylistItem("a.txt", line=2),
            PlaylistItem("later.txt", line=3),
            PlaylistItem("old.txt", line=4),
            PlaylistItem("m-*.yaml", line=5),
            PlaylistItem("b.txt", line=6, show_from=at + day),
        ),
    )
    upstairs = Playlist(
        "playlists/upstairs.yaml", "up", (PlaylistItem("upstairs.txt", line=2),), screens=("l2",)
    )
    evening = Playlist(
        "playlists/evening.yaml",
        "evening",
        (PlaylistItem("a.txt", line=2),),
        when=TimeWindow(hours=((20 * 60, 22 * 60),)),
    )
    settings = Settings(screen="lobby-1")
    urgent = _slide("slides/urgent.txt", urgent=True, show_until=at + day)
    runs = [
        make_plan(slides, (), {"lobby": lobby, "up": upstairs}, settings, at, CALENDAR),
        make_plan(slides, (), {"lobby": lobby}, settings, at, CALENDAR),
        make_plan(slides, (), {"evening": evening}, settings, at, CALENDAR),
        make_plan({**slides, urgent.path: urgent}, (), {}, settings, at, CALENDAR),
        make_plan(slides, (), {}, settings, datetime(1970, 1, 1, 8, tzinfo=CST), CALENDAR),
    ]
    return {reason for run in runs for _, reason in run.left_out}


def test_every_reason_the_planner_gives_is_in_plain_words() -> None:
    reasons = _planned_reasons()
    fallback = why_left_out("")[: why_left_out("").index("（")]
    untranslated = {r for r in reasons if why_left_out(r).startswith(fallback)}
    assert not untranslated, f"add these to statuspage.LEFT_OUT_REASONS: {untranslated}"
    # Each entry of the table is one of the planner's reasons, as it gives them now.
    used = {p.pattern for p, _ in LEFT_OUT_REASONS for r in reasons if p.fullmatch(r)}
    unused = {p.pattern for p, _ in LEFT_OUT_REASONS} - used
    # "urgent notice" is the planner's last resort for an urgent notice outside its period
    # when no playlist is for this screen; every such notice has a dated reason first.
    assert unused == {"urgent notice"}, unused
    assert any("(playlist item, line 6)" in r for r in reasons)
    for reason in reasons:
        text = why_left_out(reason)
        assert text.endswith("。") and "{" not in text and "-" not in text.split("（")[0], text


def test_stale_status_warns_that_the_player_stopped() -> None:
    text = status_text(_status(updated_at="2026-12-03T08:50:00+08:00"), NOW)
    assert "注意：播放器已经很久没有更新这一页，可能没有在运行" in text


def test_times_shown_in_the_local_zone() -> None:
    # Written in UTC, read in China: 01:00Z is 09:00 in Beijing.
    status = _status(updated_at="2026-12-03T01:00:00+00:00")
    assert "更新时间：2026年12月3日 星期四 09:00:00" in status_text(status, NOW)
    older = {"path": "slides/a.jpg", "message": "m", "since": "2025-11-30T10:00:00+08:00"}
    earlier = {"path": "slides/b.jpg", "message": "m", "since": "2026-11-30T10:00:00+08:00"}
    text = status_text(_status(problems=[older, earlier]), NOW)
    assert "发现时间：2025年11月30日 10:00" in text
    assert "发现时间：11月30日 10:00" in text


def test_malformed_status_never_fails() -> None:
    text = status_text({"problems": [None, "x", {"line": "seven"}], "rotation": "x"}, NOW)
    assert "更新时间：未知" in text
    assert "（共享文件夹本身）" in text
    assert status_text({"updated_at": "yesterday", "current": {"page": "two"}}, NOW)
    naive = status_text({"updated_at": "2026-12-03T09:00:00"}, NOW)
    assert "更新时间：2026年12月3日 星期四 09:00:00" in naive


def test_a_line_break_in_a_name_cannot_forge_lines() -> None:
    evil = {"path": "slides/a\n三、没有显示的文件\n  没有。.txt", "message": "m"}
    text = status_text(_status(problems=[evil]), NOW)
    assert [line for line in text.splitlines() if line.startswith("三、")] == [
        "三、没有显示的文件和原因（共 1 个）"
    ]


def test_encoded_for_old_notepad() -> None:
    data = encode_for_notepad("第一行\n第二行\r\n第三行\n")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\n") == data.count(b"\r\n") == 3
    assert data.decode("utf-8-sig") == "第一行\r\n第二行\r\n第三行\r\n"


def test_write_status_page(tmp_path: Path) -> None:
    state = tmp_path / "state" / "status"
    status = _status()
    write_status_page(state, status, NOW)
    assert json.loads((state / STATUS_JSON_NAME).read_text("utf-8")) == status
    page = (state / STATUS_TEXT_NAME).read_bytes()
    assert page == encode_for_notepad(status_text(status, NOW))
    for name in (STATUS_JSON_NAME, STATUS_TEXT_NAME):
        assert (state / name).stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in state.iterdir()) == sorted([STATUS_JSON_NAME, STATUS_TEXT_NAME])

    write_status_page(state, _status(problems=[]), NOW)
    assert "没有出错的文件。" in (state / STATUS_TEXT_NAME).read_bytes().decode("utf-8-sig")


def test_failed_write_keeps_the_old_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_status_page(tmp_path, _status(), NOW)
    before = (tmp_path / STATUS_TEXT_NAME).read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        write_status_page(tmp_path, _status(problems=[]), NOW)
    assert (tmp_path / STATUS_TEXT_NAME).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [STATUS_JSON_NAME, STATUS_TEXT_NAME]
    )


def test_never_into_the_content_folder(tmp_path: Path) -> None:
    content = tmp_path / "srv" / "signage"
    content.mkdir(parents=True)
    with pytest.raises(ValueError, match="inside the content folder"):
        write_status_page(content / "status", _status(), NOW, content_root=content)
    assert list(content.iterdir()) == []
    write_status_page(tmp_path / "state", _status(), NOW, content_root=content)
    assert (tmp_path / "state" / STATUS_TEXT_NAME).exists()


def test_file_names_keep_their_spacing() -> None:
    problem = {"path": "slides/通知  (2).txt", "message": "m", "code": "empty-file"}
    assert "  1. slides\\通知  (2).txt" in status_text(_status(problems=[problem]), NOW)


def test_a_refused_version_of_a_playing_file_says_the_old_one_plays_on() -> None:
    problem = {"path": "slides/images/合影.jpg", "message": "x", "code": "image-truncated"}
    text = status_text(_status(problems=[problem]), NOW)
    assert "原因：图片只复制了一半，请重新复制一次。改好之前，屏幕继续显示这个文件上一次" in text
    gone = {"path": "slides/new.jpg", "message": "x", "code": "image-truncated"}
    assert "上一次正常的版本" not in status_text(_status(problems=[gone]), NOW)


def test_settings_problems_say_whose_file_it_is() -> None:
    content = {"path": "signage.yaml", "message": "theme: unknown setting", "line": 4}
    machine = {"path": "/etc/signage/signage.yaml", "message": "size: bad", "line": 2}
    display = {"path": "/etc/signage/signage.yaml", "message": "x", "code": "bad-display"}
    text = status_text(_status(problems=[content, machine, display]), NOW)
    assert "原因：第 4 行：屏幕设置文件 signage.yaml 写得不对" in text
    # The machine's own file: its real path, not a Windows path staff would look for.
    assert "  2. /etc/signage/signage.yaml" in text
    assert "原因：播放机本身的设置有误" in text
    assert "屏幕开关时间（display）有一条写得不对" in text
    assert text.count("请联系管理员") >= 1 and "由管理员修改" in text


# --- every code the package emits has an explanation ------------------------------------------

PACKAGE = Path(__file__).resolve().parent.parent / "signage"
# The classes whose positional arguments include the code: Problem(path, message, line, code)
# and ContentError(message, line, code). Helpers with a `code` parameter are found per module.
_CODE_POSITION = {"Problem": 3, "ContentError": 2}
_KEBAB = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


def _strings(node: ast.expr, constants: dict[str, str]) -> set[str]:
    """The string values an expression can take: literals, module constants, both arms of
    `a if c else b` and every operand of `a or b` (not the condition of an if)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Name) and node.id in constants:
        return {constants[node.id]}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, constants) | _strings(node.orelse, constants)
    if isinstance(node, ast.BoolOp):
        return set().union(*(_strings(v, constants) for v in node.values))
    return set()


def emitted_codes() -> dict[str, list[str]]:
    """Every Problem/ContentError code written in the package's source -> where.

    A plain regex for `code="…"` misses codes passed positionally (`check.add(msg, node,
    "bad-days")`, `refuse(msg, "broken-link")`), through constants (`code=ROOT_MISSING`) and
    in conditionals (`err.code or "unreadable"`), so the source is parsed instead.
    """
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        constants = {
            node.targets[0].id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        }
        positions = dict(_CODE_POSITION)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
                if names[:1] in (["self"], ["cls"]):
                    names = names[1:]
                if "code" in names:
                    positions[node.name] = names.index("code")
        for node in ast.walk(tree):
            values: set[str] = set()
            if isinstance(node, ast.Call):
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", "")
                keyword = next((k.value for k in node.keywords if k.arg == "code"), None)
                if keyword is not None:
                    values = _strings(keyword, constants)
                elif name in positions and len(node.args) > positions[name]:
                    values = _strings(node.args[positions[name]], constants)
            elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(
                    isinstance(t, ast.Name) and (t.id.lower() == "code" or t.id.endswith("_CODE"))
                    for t in targets
                ):
                    values = _strings(node.value, constants)
            for value in values - {""}:
                found.setdefault(value, []).append(f"{path.name}:{getattr(node, 'lineno', 0)}")
    return found


def test_the_code_collector_sees_what_a_regex_sees() -> None:
    codes = emitted_codes()
    by_regex = set()
    for path in PACKAGE.rglob("*.py"):
        by_regex |= set(re.findall(r"\bcode\s*=\s*[\"']([a-z0-9-]+)[\"']", path.read_text("utf-8")))
    assert by_regex and by_regex <= codes.keys()
    # Codes reached only through the collector's extra cases, as the package has them now.
    assert {
        "bad-days",
        "broken-link",
        "root-missing",
        "unreadable",
        "missing-slide",
    } <= codes.keys()
    assert all(_KEBAB.fullmatch(code) for code in codes), sorted(codes)


def test_every_emitted_code_has_a_plain_chinese_explanation() -> None:
    codes = emitted_codes()
    missing = {code: where for code, where in codes.items() if code not in REASONS}
    assert not missing, f"add these codes to statuspage.REASONS: {missing}"


def test_no_explanation_for_a_code_nothing_emits() -> None:
    # Catches a misspelt key (an explanation that can never be shown) and stale entries.
    assert not REASONS.keys() - emitted_codes().keys()
    assert not PLAYLIST_STILL_USED - emitted_codes().keys()


def test_explanations_are_plain_sentences() -> None:
    for code, reason in REASONS.items():
        text = explain(code, 3, "slides/a.txt")
        assert text.endswith("。") or text.endswith("）"), code
        assert "{" not in text and "None" not in text, code
        assert reason.count("{line}") <= 1 and not reason.replace("{line}", "").count("{"), code
        # Chinese for staff; Latin only for names they type (kind: meeting, .docx, UTF-8 …).
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) > len(text) // 4, code


def test_the_example_in_the_admin_guide_is_what_the_page_says() -> None:
    doc = (PACKAGE.parent / "docs/share.md").read_text("utf-8")
    section = doc[doc.index("## What staff see in") :]
    start = section.index("```text\n") + len("```text\n")
    example = section[start : section.index("\n```", start)]
    status = {
        "updated_at": "2026-12-03T09:00:05+08:00",
        "screen": "lobby-1",
        "playlist": "playlists/工作日.yaml",
        "current": {
            "path": "slides/通知/关于元旦放假的通知.txt",
            "page": 0,
            "since": "2026-12-03T08:59:58+08:00",
        },
        "rotation": [
            "slides/欢迎.txt",
            "slides/通知/关于元旦放假的通知.txt",
            "slides/照片/年会合影.jpg",
        ],
        "problems": [
            {
                "path": "slides/照片/坏照片.jpg",
                "message": "the image is incomplete (truncated: copied only part way?)",
                "code": "image-truncated",
                "since": "2026-12-03T08:41:00+08:00",
            },
            {
                "path": "slides/会议/安全生产会议.yaml",
                "message": "mapping values are not allowed here",
                "line": 3,
                "code": "yaml-syntax",
                "since": "2026-12-02T16:20:00+08:00",
            },
        ],
        "display": "on",
        "left_out": [
            {
                "path": "slides/会议/12月10日党委会.yaml",
                "reason": "meeting on 2026-12-10 09:00: shown from 2026-12-03",
            },
            {"path": "slides/通知/国庆值班表.txt", "reason": "show_until 2026-10-08 passed"},
        ],
        "urgent": False,
        "playlists_unused": [
            {
                "path": "playlists/全部内容.yaml",
                "reason": "priority 0 is lower than playlists/工作日.yaml (10)",
            },
            {"path": "playlists/周末.yaml", "reason": "not active now"},
        ],
    }
    assert status_text(status, NOW).rstrip("\n") == example


# --- issue 14: reasons that say what is wrong, urgent, playlists ----------------------------

from signage.appliance.statuspage import (  # noqa: E402
    DETAILED,
    PLAYLIST_REASONS,
    URGENT_PAUSES,
    mark_stopped,
    why_playlist_unused,
)
from signage.core.model import ContentError, Problem  # noqa: E402


def _meeting_error(text: str) -> ContentError:
    from signage.formats.meeting import read_meeting_slide

    with pytest.raises(ContentError) as err:
        read_meeting_slide("slides/会议/m.yaml", text.encode(), Settings())
    return err.value


def _real_messages() -> list[tuple[str, str]]:
    """(code, message) as the readers and the planner produce them now."""
    from signage.formats.misnamed import actual_reader
    from signage.formats.word import OLE_MAGIC, read_docx_slide
    from signage.schedule.planner import missing_items
    from signage.schedule.playlist import load_playlists

    out = []
    for text in (
        "kind: meeting\n时间: 2026-12-03 14:30\n",
        "kind: meeting\n标题: 会\n",
        "kind: meeting\n标题: 会\n时间: 2026年12月 下午\n",
        "kind: meeting\n标题: 会\n时间: 2026年12月3日\n",
        "kind: meeting\n标题: 会\n时间: 2026-12-03 14:30\n结束时间: 傍晚\n",
        "kind: meeting\n标题: 会\n时间: 2026-12-03 14:30\n结束时间: 2026-12-03 13:00\n",
        "kind: meeting\n标题: 会\n时间: 2026-12-03 14:30\nduration: 9999\n",
        "kind: meeting\n标题: 会\n时间: 2026-12-03 14:30\nduration: 很久\n",
    ):
        err = _meeting_error(text)
        out.append((err.code, err.message))
    _, problems = load_playlists({"playlists/a.yaml": b"items:\n\t- slides: a/\n"}, None)
    _, more = load_playlists({"playlists/b.yaml": b"items: [a/, b/\n"}, None)
    missing = missing_items(
        [Playlist("playlists/c.yaml", "c", (PlaylistItem("notices/", line=3),))],
        ["slides/通知/a.txt"],
    )
    missing += missing_items(
        [Playlist("playlists/c.yaml", "c", (PlaylistItem("通知/b.txt", line=4),))],
        ["slides/通知/a.txt"],
    )
    out += [(p.code, p.message) for p in problems + more + missing]
    for data in (b"\xff\xd8\xff\xe0JFIF", b"PK\x03\x04....word/document.xml"):
        with pytest.raises(ContentError) as err:
            actual_reader("slides/x.jpg.txt", data)
        out.append((err.value.code, err.value.message))
    with pytest.raises(ContentError) as err:
        read_docx_slide("slides/old.docx", OLE_MAGIC + b"\0" * 504 + b"WordDocument", Settings())
    out.append((err.value.code, err.value.message))
    return out


def test_every_detailed_reason_matches_a_message_the_package_gives() -> None:
    messages = _real_messages()
    for code, pattern, _ in DETAILED:
        assert any(c == code and pattern.search(m) for c, m in messages), pattern.pattern
    for code, message in messages:
        reason = explain(code, 3, "slides/x.jpg.txt", message=message)
        if code != "old-word-format":  # its own code says it all
            assert reason != explain(code, 3, "slides/x.jpg.txt"), (code, message)
        assert "{" not in reason and reason.endswith("。"), reason


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("the meeting has no start time (start: …)", "第 3 行：会议通知没有写开会时间"),
        (
            "start: '2026年12月 下午' is not a date like 2026-12-01 or 2026-12-01 09:00",
            "第 3 行：开会时间写成了“2026年12月 下午”，播放器认不出来。请写成“2026-12-03 14:30”",
        ),
        ("end '傍晚' is not a time like 16:00 or 2026-12-03 16:00", "结束时间写成了“傍晚”"),
        (
            "start '2026/12/3' is a day without a time: write when it begins, like …",
            "第 3 行：开会时间只写了日期“2026/12/3”，没有写几点开始",
        ),
    ],
)
def test_a_meeting_reason_names_the_field_and_the_forms(message: str, expected: str) -> None:
    # Seen: "有一项没写或者写得不对", naming neither the field nor what is accepted.
    assert expected in explain("meeting-field", 3, "slides/会议/a.yaml", message=message)


def test_a_tab_and_a_wrong_folder_are_named() -> None:
    tab = explain(
        "yaml-syntax",
        2,
        "playlists/a.yaml",
        message="YAML syntax error: found character '\\t' that cannot start any token",
    )
    assert tab.startswith("第 2 行：这一行有 Tab") and "改成空格" in tab
    assert "Tab 键" in REASONS["yaml-syntax"]  # among the causes listed in any case
    folder = explain(
        "missing-slide",
        5,
        "playlists/工作日.yaml",
        message="slides 'notices/' matches no file under slides/ "
        "(folders in slides/: 图片/, 通知/)",
    )
    assert "写的“notices/”在 slides 文件夹里找不到" in folder
    assert "现有的文件夹是：图片、通知" in folder


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("宣传片.mp4", "信息屏不播放视频"),
        ("统计表.xlsx", "输出为 PDF"),
        ("统计表.ET", "表格"),
        ("资料.rar", "压缩包"),
        ("通知.lnk", "快捷方式"),
        ("IMG_0001.HEIC", "HEIC"),
        ("公文.ofd", "OFD"),
        ("没有扩展名", "没有扩展名"),
        ("程序.exe", "播放器不支持这种文件格式"),
    ],
)
def test_unsupported_files_are_told_what_to_do_for_their_kind(name: str, expected: str) -> None:
    # Seen: a video and a spreadsheet were told to "save as" a supported type.
    reason = explain("unsupported-type", None, f"slides/{name}", message="cannot be shown")
    assert expected in reason
    if name.endswith((".mp4", ".rar")):
        assert "另存为" not in reason


def test_a_renamed_old_word_file_is_not_called_damaged() -> None:
    reason = explain("old-word-format", None, "slides/通知.docx")
    assert "旧版的 Word/WPS 文件" in reason and "已损坏" not in reason and "没有坏" in reason


def test_a_hidden_extension_says_the_real_name_and_the_fix() -> None:
    message = (
        "named '照片.jpg.txt' but the file is a JPEG photo "
        "(Windows hides the last extension: rename it to end in .jpg)"
    )
    reason = explain("hidden-extension", None, "slides/照片.jpg.txt", message=message)
    assert "全名是“照片.jpg.txt”，里面其实是一张 JPG 照片" in reason
    assert "看起来叫“照片.jpg”" in reason and "改成“照片.jpg”" in reason


def test_urgent_takes_over_and_the_page_does_not_contradict_itself() -> None:
    # Seen: every file "paused", and in the same breath "no playlist: all play in name order".
    status = _status(
        playlist=None,
        current={"path": "slides/紧急/停水.txt", "page": 0, "since": "2026-12-03T08:59:50+08:00"},
        rotation=["slides/紧急/停水.txt"],
        problems=[],
        left_out=[{"path": "slides/通知/a.txt", "reason": "an urgent notice is showing"}],
        urgent=True,
        playlists_unused=[{"path": "playlists/工作日.yaml", "reason": URGENT_PAUSES}],
    )
    text = status_text(status, NOW)
    assert "现在正在播放紧急通知" in text and "代替所有播放列表" in text
    assert "暂停的播放列表：playlists\\工作日.yaml" in text
    assert "按文件名顺序" not in text
    assert "紧急通知结束后自动恢复" in text


def test_playlists_present_but_none_active_is_not_called_name_order() -> None:
    status = _status(
        playlist=None,
        current=None,
        rotation=[],
        playlists_unused=[{"path": "playlists/工作日.yaml", "reason": "not active now"}],
    )
    text = status_text(status, NOW)
    assert "现在没有在播放时间内的播放列表" in text and "按文件名顺序" not in text
    assert "五、播放列表" in text and "现在不在它设定的播放时间（when）内。" in text


def test_every_reason_a_playlist_is_unused_is_in_plain_words() -> None:
    from signage.schedule import planner

    assert planner.URGENT_PAUSES == URGENT_PAUSES
    day = timedelta(days=1)
    slides = {"slides/a.txt": _slide("slides/a.txt")}
    urgent = _slide("slides/紧急/b.txt", urgent=True, show_until=NOW + day)

    def pl(name: str, **kw: Any) -> Playlist:
        return Playlist(f"playlists/{name}.yaml", name, (PlaylistItem("a.txt", line=2),), **kw)

    timed = TimeWindow(hours=((8 * 60, 18 * 60),))
    night = TimeWindow(hours=((0, 60),))
    sets = [
        [pl("a", priority=5), pl("b"), pl("c", when=night), pl("d", screens=("lobby-9",))],
        [pl("a", when=timed), pl("b")],
        [pl("a", when=timed), pl("b", when=timed)],
    ]
    settings = Settings(screen="lobby-1")
    reasons = set()
    for playlists in sets:
        mapping = {p.path: p for p in playlists}
        for slide_set in (slides, {**slides, urgent.path: urgent}):
            plan = make_plan(slide_set, (), mapping, settings, NOW, CALENDAR)
            reasons |= {reason for _, reason in plan.playlists}
    used = {p.pattern for p, _ in PLAYLIST_REASONS for r in reasons if p.fullmatch(r)}
    assert used == {p.pattern for p, _ in PLAYLIST_REASONS}, reasons
    for reason in reasons:
        text = why_playlist_unused(reason)
        assert text.endswith("。") and "{" not in text and "技术说明" not in text, text


def test_a_configuration_on_its_last_good_copy_is_said_at_the_top() -> None:
    problem = {
        "path": "/etc/signage/signage.yaml",
        "message": "using the last good configuration instead",
        "code": "config-last-good",
    }
    text = status_text(_status(problems=[problem]), NOW)
    assert text.splitlines()[2].startswith(
        "注意：播放机的设置文件有错，播放器正在用上一次正确的设置"
    )


def test_a_stopped_player_is_said_even_on_a_fresh_page(tmp_path: Path) -> None:
    write_status_page(tmp_path, _status(), NOW)
    assert mark_stopped(tmp_path, NOW + timedelta(minutes=1), "success")
    text = (tmp_path / STATUS_TEXT_NAME).read_bytes().decode("utf-8-sig")
    assert "注意：播放器在今天 09:01 停止了运行：正常停止" in text
    assert "下面是播放器停止前的情况" in text
    assert not mark_stopped(tmp_path / "nothing", NOW)


def test_problems_keep_their_reason_through_status_page(tmp_path: Path) -> None:
    problem = Problem(
        "slides/a.mp4", "files of type .mp4 cannot be shown", None, "unsupported-type"
    )
    status = _status(
        problems=[{"path": problem.path, "message": problem.message, "code": problem.code}]
    )
    assert "信息屏不播放视频" in status_text(status, NOW)


def test_characters_no_font_has_are_named_under_the_file_that_plays(tmp_path: Path) -> None:
    """They showed as boxes on the screen, and only `signage inspect` said so."""
    from signage.core.config import Settings
    from signage.workers.jobs import ReadSlide, State

    root = tmp_path
    (root / "slides").mkdir()
    (root / "slides" / "庆祝.txt").write_text(
        "庆祝\n\n今天是好日子🎉，欢迎\U00020000先生。私用\ue000字。\n", encoding="utf-8"
    )
    slide = ReadSlide(str(root), "slides/庆祝.txt", Settings(content=root)).run(State())
    assert not isinstance(slide, Problem)
    (warning,) = slide.warnings
    assert "U+1F389" in warning and "U+20000" in warning and "U+E000" in warning
    text = status_text(
        _status(
            rotation=["slides/庆祝.txt"],
            warnings=[{"path": "slides/庆祝.txt", "message": warning}],
        ),
        NOW,
    )
    part = text[text.index("二、") : text.index("三、")]
    expected = "1. slides\\庆祝.txt\n     提示：屏幕上有些字显示不出来，会是空方框：🎉、𠀀、U+E000"
    assert expected in part.replace("\r\n", "\n")
