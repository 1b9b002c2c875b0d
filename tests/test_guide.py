"""使用说明.txt (the staff's only manual) agrees with the demo and with what the player does.

Seen: the guide said slides\\通知 while the demo's playlists named notices/; a playlist
written from its section 五 never played (no priority beside the demo's 10); it said urgent
notices are "醒目显示，优先播放" when they replace everything.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from signage.commands.cli import main
from signage.core.config import Settings
from signage.formats.meeting import read_meeting_slide
from signage.schedule.planner import in_urgent_folder

REPO = Path(__file__).resolve().parent.parent
GUIDE = (REPO / "signage/data/使用说明.txt").read_bytes().decode("utf-8-sig").replace("\r\n", "\n")


def example(first_line: str) -> str:
    """The indented example in the guide that starts with `first_line`, as staff copy it."""
    lines = GUIDE.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == first_line)
    block = []
    for line in lines[start:]:
        if not line.strip():
            break
        block.append(line)
    return textwrap.dedent("\n".join(block)) + "\n"


def test_the_folders_the_guide_names_are_the_demos() -> None:
    named = {"通知", "政策", "会议", "图片", "紧急"}
    for folder in named:
        assert f"slides\\{folder}" in GUIDE
    demo = {p.name for p in (REPO / "slides").iterdir() if p.is_dir()}
    assert demo == named - {"紧急"}  # no demo file takes over the screen
    assert in_urgent_folder("slides/紧急/停水.jpg")
    for playlist in (REPO / "playlists").glob("*.yaml"):
        text = playlist.read_text("utf-8")
        for item in ("notices/", "policies/", "meetings/", "images/"):
            assert f"slides: {item}" not in text, playlist.name


def test_the_meeting_example_is_a_meeting() -> None:
    text = example("kind: meeting")
    slide = read_meeting_slide("slides/会议/会议名称.yaml", text.encode(), Settings())
    assert slide.kind == "meeting" and slide.title == "全镇安全生产工作会议"


def test_a_playlist_written_from_section_five_plays_beside_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = tmp_path / "content"
    for name in ("slides", "playlists"):
        shutil.copytree(REPO / name, content / name)
    (content / "slides" / "紧急").mkdir()
    # Saved from Notepad with the type left at 文本文档: 工作日.yaml.txt.
    (content / "playlists" / "工作日.yaml.txt").write_bytes(
        example("name: 工作日大厅").replace("\n", "\r\n").encode("gbk")
    )
    argv = ["plan", "--content", str(content), "--at", "2026-12-01T10:00", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    # The empty 紧急/ it names is no problem (nor anything else in it).
    assert not [p for p in data["problems"] if p["path"].startswith("playlists/")]
    assert data["playlist"] == "playlists/工作日.yaml.txt"
    paths = [i["path"] for i in data["items"]]
    assert paths[0].startswith("slides/会议/") and any("/图片/" in p for p in paths)


def test_the_guide_says_what_urgent_and_priority_really_do() -> None:
    assert "醒目显示，优先播放" not in GUIDE
    assert "其他内容和播放列表全部暂停" in GUIDE and "自动回到原来的播放" in GUIDE
    assert "priority（优先级）" in GUIDE and "不写 priority 就是 0" in GUIDE
    assert "保存类型" in GUIDE and ".yaml.txt" in GUIDE  # Notepad's hidden extension
