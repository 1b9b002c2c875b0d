"""What staff tripped over in the field (issue 14), done again the way they did it.

A real smbd serves the demo content (tests/samba_fixtures.py); a headless `signage run`
plays it with its clock set to a Tuesday morning, polling the folder as on a network mount,
and writes 状态.txt into the state dir the read-only status share shows. Every staff action
goes through smbclient as from a Windows PC, with the files Notepad and WPS make; every
check reads what the player says (its status, 状态.txt through the status share, `check`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PIL import Image

from signage.appliance.statuspage import STATUS_TEXT_NAME
from tests.samba_fixtures import RunningShare

REPO = Path(__file__).resolve().parent.parent
GUIDE = (REPO / "signage/data/使用说明.txt").read_bytes().decode("utf-8-sig")
DURATION_S = 2.0
T = TypeVar("T")

pytestmark = [pytest.mark.samba, pytest.mark.slow]


class Lobby:
    """The demo content on the share, a player on it, and what staff and the player see."""

    def __init__(self, share: RunningShare, work: Path) -> None:
        self.share = share
        self.work = work
        self.status_file = work / "status.json"
        self.play_log = work / "playlog"
        self.log = work / "player.log"
        self.pc = work / "pc"
        self.pc.mkdir()

    def status(self) -> dict[str, Any]:
        try:
            data = json.loads(self.status_file.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def rotation(self) -> list[str]:
        return [str(p) for p in self.status().get("rotation") or []]

    def problems(self) -> dict[str, dict[str, Any]]:
        return {str(p.get("path")): p for p in self.status().get("problems") or []}

    def page(self) -> str:
        """状态.txt as a staff PC gets it from the read-only status share."""
        got = self.share.client(
            f'get "{STATUS_TEXT_NAME}" got.txt',
            share=self.share.settings.status_share_name,
            cwd=self.pc,
        )
        if got.returncode != 0:
            return ""
        return (self.pc / "got.txt").read_bytes().decode("utf-8-sig").replace("\r\n", "\n")

    def put(self, name: str, data: bytes, where: str) -> None:
        """Copy a file from the PC into the share (folders made as Explorer would)."""
        (self.pc / "upload").write_bytes(data)
        parts = where.split("\\")
        made = ""
        commands = []
        for part in parts[:-1]:
            made = f"{made}\\{part}" if made else part
            commands.append(f'mkdir "{made}"')
        commands.append(f'put upload "{where}"')
        # mkdir of a folder that exists fails harmlessly; the put must succeed.
        result = self.share.client("; ".join(commands), cwd=self.pc)
        output = result.stdout + result.stderr
        assert "putting file upload" in output, output
        assert (self.share.content / where.replace("\\", "/")).read_bytes() == data

    def delete(self, where: str) -> None:
        result = self.share.client(f'del "{where}"', cwd=self.pc)
        assert result.returncode == 0, result.stdout + result.stderr

    def wait(self, probe: Callable[[], T | None], what: str, timeout: float = 15.0) -> T:
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value is not None and value is not False:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout:g} s waiting for {what}\n"
                    f"status: {json.dumps(self.status(), ensure_ascii=False)[:3000]}\n"
                    f"--- player log ---\n{self.log.read_text('utf-8', 'replace')[-3000:]}"
                )
            time.sleep(0.1)

    def check_json(self) -> dict[str, Any]:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "signage",
                "check",
                "--json",
                "--content",
                str(self.share.content),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        data: dict[str, Any] = json.loads(done.stdout)
        return data


@pytest.fixture(scope="module")
def lobby(samba_share: RunningShare, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lobby]:
    share = samba_share
    for name in ("slides", "playlists"):
        shutil.copytree(REPO / name, share.content / name, dirs_exist_ok=True)
    shutil.copy(REPO / "signage.yaml", share.content / "signage.yaml")
    for path in [share.content, *share.content.rglob("*")]:
        shutil.chown(path, share.user, share.user)
    work = tmp_path_factory.mktemp("lobby")
    here = Lobby(share, work)
    machine = work / "machine.yaml"
    machine.write_text(
        f"state_dir: {json.dumps(str(share.state_dir))}\n"
        f"play_log: {json.dumps(str(here.play_log))}\n"
        "screen: lobby-1\n"
        "watch: polling\n"
        "poll_interval_s: 0.5\n"
        f"defaults: {{duration: {DURATION_S:g}, pages_per_turn: 1}}\n",
        encoding="utf-8",
    )
    command = [
        sys.executable,
        *("-m", "signage", "run", "--config", str(machine)),
        *("--content", str(share.content), "--windowed", "--size", "640x360"),
        *("--status-file", str(here.status_file)),
        # A Tuesday in office hours: the demo's 工作日大厅 playlist is the one in use.
        *("--at", "2026-12-01T10:00"),
    ]
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        "PYTHONPATH": str(REPO),
    }
    env.pop("RUNTIME_DIRECTORY", None)
    env.pop("STATE_DIRECTORY", None)
    with here.log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work)
    try:
        here.wait(lambda: here.rotation(), "the demo in rotation", timeout=30)
        yield here
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _meeting(title: str, when: str) -> bytes:
    """A meeting as staff type it in Notepad on a Chinese Windows: GBK, CRLF."""
    text = (
        f"kind: meeting\n标题: {title}\n时间: {when}\n地点: 三楼第一会议室\n"
        "议程:\n  - 传达上级会议精神\n  - 部署冬季安全生产工作\n"
    )
    return text.replace("\n", "\r\n").encode("gbk")


def _guide_example(first_line: str) -> str:
    lines = GUIDE.replace("\r\n", "\n").split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == first_line)
    block = []
    for line in lines[start:]:
        if not line.strip():
            break
        block.append(line[4:])
    return "\n".join(block) + "\n"


def test_1_a_notice_where_the_guide_says_plays(lobby: Lobby) -> None:
    # Seen: 使用说明 said slides\通知, the demo's playlists listed notices/: "not in the
    # playlist in use".
    notice = "slides/通知/关于元旦放假的通知.txt"
    lobby.put(
        "n", "关于元旦放假的通知\r\n元旦放假一天。\r\n".encode("gbk"), notice.replace("/", "\\")
    )
    lobby.wait(lambda: notice in lobby.rotation(), "the notice in rotation")
    assert lobby.status()["playlist"] == "playlists/工作日大厅.yaml"
    shown = notice.replace("/", "\\")

    def in_part_two() -> str | None:
        page = lobby.page()
        return page if shown in page.split("二、", 1)[-1].split("三、", 1)[0] else None

    page = lobby.wait(in_part_two, "the notice in part 二 of 状态.txt")
    assert shown not in page.split("四、", 1)[1]  # not "left out" anywhere
    lobby.delete(notice.replace("/", "\\"))
    lobby.wait(lambda: notice not in lobby.rotation(), "the notice gone")


def test_2_a_playlist_from_section_five_plays(lobby: Lobby) -> None:
    # Seen: a playlist written from 使用说明 section 五 (no priority) never played beside
    # the demo's (priority 10). Saved from Notepad: 工作日.yaml.txt.
    text = _guide_example("name: 工作日大厅")
    lobby.put("p", text.replace("\n", "\r\n").encode("gbk"), "playlists\\工作日.yaml.txt")
    mine = "playlists/工作日.yaml.txt"
    lobby.wait(lambda: lobby.status().get("playlist") == mine, "the staff playlist in use")
    assert not [p for p in lobby.problems() if p.startswith("playlists/")]
    page = lobby.wait(
        lambda: (p := lobby.page()) and "正在使用：playlists\\工作日.yaml.txt" in p and p, "part 五"
    )
    assert "playlists\\工作日大厅.yaml：现在不用" in page
    assert "playlists\\工作日.yaml.txt 的优先级更高" in page
    lobby.delete("playlists\\工作日.yaml.txt")
    lobby.wait(
        lambda: lobby.status().get("playlist") == "playlists/工作日大厅.yaml", "the demo's again"
    )


def test_3_a_meeting_saved_as_yaml_txt_is_a_meeting(lobby: Lobby) -> None:
    # Seen: 安全会议.yaml.txt went on screen as raw YAML and was called a good notice.
    path = "slides/会议/安全会议.yaml.txt"
    lobby.put("m", _meeting("全镇安全生产工作会议", "2026-12-02 15:00"), path.replace("/", "\\"))
    lobby.wait(lambda: path in lobby.rotation(), "the meeting in rotation")
    slides = {s["path"]: s for s in lobby.check_json()["slides"]}
    assert slides[path]["kind"] == "meeting"
    assert slides[path]["title"] == "全镇安全生产工作会议"
    assert "read as a meeting" in " ".join(slides[path]["warnings"])
    lobby.delete(path.replace("/", "\\"))
    lobby.wait(lambda: path not in lobby.rotation(), "the meeting gone")


def test_4_every_reason_says_what_is_wrong(lobby: Lobby) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "WordDocument".encode("utf-16-le")
    sheet = io.BytesIO()
    with zipfile.ZipFile(sheet, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    files = {
        "slides\\通知\\旧文件.docx": ole,  # a .doc renamed .docx
        "slides\\会议\\时间不对.yaml": _meeting("党委会", "12月2日下午"),
        "slides\\通知\\宣传片.mp4": b"\0\0\0\x18ftypmp42" + b"\0" * 64,
        "slides\\通知\\统计表.xlsx": sheet.getvalue(),
        "playlists\\有Tab.yaml": b"items:\r\n\t- slides: \xcd\xa8\xd6\xaa/\r\n",
        "playlists\\旧名字.yaml": b"priority: 1\nwhen: {hours: '00:00-00:01'}\nitems:\n"
        b"  - slides: notices/\n",
    }
    for where, data in files.items():
        lobby.put("x", data, where)
    expected = {
        "slides\\通知\\旧文件.docx": "旧版的 Word/WPS 文件",
        "slides\\会议\\时间不对.yaml": "开会时间写成了“12月2日下午”",
        "slides\\通知\\宣传片.mp4": "信息屏不播放视频",
        "slides\\通知\\统计表.xlsx": "输出为 PDF",
        "playlists\\有Tab.yaml": "这一行有 Tab",
        "playlists\\旧名字.yaml": (
            "写的“notices/”在 slides 文件夹里找不到。"
            "slides 里现有的文件夹是：会议、图片、政策、通知"
        ),
    }

    def told() -> str | None:
        page = lobby.page()
        return page if all(f"{k}\n     原因：" in page for k in expected) else None

    page = lobby.wait(told, "every file explained in 状态.txt", timeout=30)
    for where, words in expected.items():
        reason = page.split(f"{where}\n     原因：", 1)[1].split("\n", 1)[0]
        assert words in reason, (where, reason)
        assert "有一项没写或者写得不对" not in reason and "已损坏" not in reason
    video = page.split("slides\\通知\\宣传片.mp4\n     原因：", 1)[1].split("\n", 1)[0]
    assert "另存为" not in video
    for where in files:
        lobby.delete(where)
    lobby.wait(
        lambda: not [p for p in lobby.problems() if p.startswith(("slides/", "playlists/"))],
        "the problems cleared",
    )


def test_5_urgent_replaces_everything_and_says_so(lobby: Lobby) -> None:
    # Seen: the guide promised "醒目显示，优先播放"; it replaces everything, while 状态.txt
    # said everything was paused and, in the same breath, that all plays in name order.
    image = io.BytesIO()
    Image.new("RGB", (320, 180), (200, 0, 0)).save(image, "JPEG")
    urgent = "slides/紧急/停电示意图.jpg"
    lobby.put("u", image.getvalue(), urgent.replace("/", "\\"))
    lobby.wait(lambda: lobby.rotation() == [urgent], "the urgent photo alone in rotation")
    status = lobby.status()
    assert status["urgent"] is True and status["playlist"] is None
    assert {"path": "playlists/工作日大厅.yaml", "reason": "paused while urgent notices show"} in (
        status["playlists_unused"]
    )
    page = lobby.wait(lambda: (p := lobby.page()) and "现在正在播放紧急通知" in p and p, "状态.txt")
    assert "暂停的播放列表：playlists\\工作日大厅.yaml" in page
    assert "按文件名顺序" not in page
    # It stays up a page or two, then goes; the demo comes back.
    time.sleep(DURATION_S * 1.5)
    lobby.delete(urgent.replace("/", "\\"))
    lobby.wait(lambda: lobby.status().get("playlist") == "playlists/工作日大厅.yaml", "back")

    def logged() -> str | None:
        for day in lobby.play_log.glob("play-*.jsonl"):
            for line in day.read_text("utf-8").splitlines():
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    if record.get("path") == urgent:
                        return str(record.get("playlist"))
        return None

    assert lobby.wait(logged, "the urgent photo in the play log") == "urgent"
