"""Staff PC -> Samba share -> player -> status page -> staff PC, end to end.

A real smbd serves the generated share (tests/samba_fixtures.py); a headless player plays
its content folder, polling it as it would a network mount, and writes the status page into
the state dir the read-only status share shows. Everything staff do goes through smbclient,
as from a Windows PC: copy a notice with a Chinese name, save over it, copy a large photo,
delete what is on screen, copy a photo that was cut short, save a non-text file over the
notice — and read 状态.txt back.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PIL import Image

from signage.appliance.statuspage import STATUS_TEXT_NAME
from signage.content.catalog import COPY_GRACE_S
from tests.samba_fixtures import RunningShare

REPO = Path(__file__).resolve().parent.parent
DURATION_S = 3.0
"""Seconds per page: long enough that a slide leaving the screen before it is up can only
be the player reacting to the delete, short enough to keep the test well under 40 s."""

T = TypeVar("T")

pytestmark = pytest.mark.samba


@contextlib.contextmanager
def headless_player(share: RunningShare, work: Path) -> Iterator[tuple[Path, Path, Path]]:
    """`signage run` on the share's content folder; yields (status file, play log dir, log)."""
    status_file = work / "status.json"
    play_log = work / "playlog"
    machine = work / "machine.yaml"
    machine.write_text(
        f"state_dir: {json.dumps(str(share.state_dir))}\n"
        f"play_log: {json.dumps(str(play_log))}\n"
        # As on a network client: a content folder that inotify may not see changing.
        "watch: polling\n"
        "poll_interval_s: 0.5\n"
        # settle_s is left at its default: the machine configuration refuses the key.
        f"defaults: {{duration: {DURATION_S:g}}}\n",
        encoding="utf-8",
    )
    log = work / "player.log"
    command = [
        sys.executable,
        *("-m", "signage", "run", "--content", str(share.content)),
        *("--windowed", "--size", "640x360"),
        *("--status-file", str(status_file), "--config", str(machine)),
    ]
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        "PYTHONPATH": str(REPO),
    }
    env.pop("RUNTIME_DIRECTORY", None)  # keep the position file in our state dir
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work)
    try:
        yield status_file, play_log, log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
            raise AssertionError(f"the player ignored SIGTERM:\n{log.read_text()}") from None
    assert code == 0, log.read_text("utf-8", "replace")


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def wait_for(probe: Callable[[], T | None], what: str, log: Path, timeout: float = 10.0) -> T:
    """Poll `probe` until it returns something (not None/False); fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout:g} s waiting for {what}\n"
                f"--- player log ---\n{log.read_text('utf-8', 'replace')[-3000:]}"
            )
        time.sleep(0.05)


def staff(share: RunningShare, commands: str, cwd: Path) -> None:
    """Run smbclient commands on the content share; fail with its output if refused."""
    result = share.client(commands, cwd=cwd)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "NT_STATUS_" not in output, output


def photo_jpeg(width: int, height: int) -> bytes:
    """A camera-sized JPEG: noise does not compress, so a few megapixels make a few MB."""
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_staff_changes_through_the_share_reach_the_screen_and_the_status_page(
    samba_share: RunningShare, tmp_path: Path
) -> None:
    share = samba_share
    welcome = "slides/欢迎.txt"
    notice = "slides/通知/关于元旦放假的通知.txt"
    photo = "slides/2026年会合影.jpg"
    broken = "slides/坏照片.jpg"
    page_file = share.status_dir / STATUS_TEXT_NAME

    files = tmp_path / "pc"
    files.mkdir()
    (files / "welcome.txt").write_bytes("欢迎来访\r\n请在前台登记。\r\n".encode("gb18030"))
    # Notepad on a Chinese Windows: GBK first; WPS saves the new version as UTF-8 with a BOM.
    first = "关于元旦放假的通知\r\n元旦放假一天。\r\n".encode("gb18030")
    second = "\ufeff关于元旦放假的通知\r\n元旦放假三天，1月1日至3日。\r\n".encode()
    (files / "first.txt").write_bytes(first)
    (files / "second.txt").write_bytes(second)
    big = photo_jpeg(2000, 1500)
    assert len(big) > 2_500_000
    (files / "photo.jpg").write_bytes(big)
    good = photo_jpeg(320, 240)
    (files / "broken.jpg").write_bytes(good[: len(good) // 2])

    with headless_player(share, tmp_path) as (status_file, play_log, log):

        def status() -> dict[str, Any]:
            return read_json(status_file) or {}

        def rotation() -> list[str]:
            return [str(p) for p in status().get("rotation") or []]

        def current() -> str | None:
            cur = status().get("current")
            return str(cur.get("path")) if isinstance(cur, dict) else None

        def page() -> str:
            try:
                return page_file.read_bytes().decode("utf-8-sig")
            except OSError:
                return ""

        wait_for(lambda: status_file.exists(), "the player's first status", log, timeout=20)

        # 1. A notice with a Chinese name, in a new folder, and a welcome slide.
        staff(
            share,
            'mkdir slides\\通知; put welcome.txt "slides\\欢迎.txt"; '
            'put first.txt "slides\\通知\\关于元旦放假的通知.txt"',
            files,
        )
        wait_for(lambda: {welcome, notice} <= set(rotation()), "the notice in rotation", log)
        wait_for(
            lambda: "slides\\通知\\关于元旦放假的通知.txt" in page(), "the notice in 状态.txt", log
        )

        # 2. Saved over with new text: still in rotation, and the new version is what plays.
        staff(share, 'put second.txt "slides\\通知\\关于元旦放假的通知.txt"', files)

        def played(path: str, digest: str) -> bool:
            for day in play_log.glob("play-*.jsonl"):
                for line in day.read_text("utf-8").splitlines():
                    with contextlib.suppress(ValueError):
                        record = json.loads(line)
                        if record.get("path") == path and record.get("digest") == digest:
                            return True
            return False

        wait_for(
            lambda: played(notice, sha256(second)),
            "the new version of the notice on screen (play log)",
            log,
            timeout=4 * DURATION_S + 3,
        )
        assert notice in rotation()

        # 3. A large photo joins the rotation.
        staff(share, f'put photo.jpg "{photo.replace("/", chr(92))}"', files)
        wait_for(lambda: photo in rotation(), "the photo in rotation", log)

        # 4. Deleted while on screen: it leaves the screen and the rotation at once, long
        # before its time is up.
        wait_for(lambda: current() != photo, "another slide before the photo", log)
        wait_for(lambda: current() == photo, "the photo on screen", log, timeout=4 * DURATION_S)
        on_screen = time.monotonic()
        staff(share, f'del "{photo.replace("/", chr(92))}"', files)
        wait_for(
            lambda: current() != photo and photo not in rotation(),
            "the deleted photo to leave the screen",
            log,
        )
        gone_after = time.monotonic() - on_screen
        assert gone_after < DURATION_S - 0.3, f"left only after {gone_after:.1f} s"
        assert not (share.content / photo).exists()

        # 5. A photo copied only half way: explained on the status page, the others play on.
        staff(share, f'put broken.jpg "{broken.replace("/", chr(92))}"', files)

        def refused() -> dict[str, Any] | None:
            for problem in status().get("problems") or []:
                if problem.get("path") == broken:
                    return dict(problem)
            return None

        # Freshly written, it is first held as a copy that may still be going on.
        problem = wait_for(
            refused, "the broken photo among the problems", log, timeout=COPY_GRACE_S + 10
        )
        assert problem["code"] == "image-truncated", problem
        wait_for(lambda: "图片只复制了一半" in page(), "the explanation in 状态.txt", log)
        assert set(rotation()) == {welcome, notice}
        before = current()
        wait_for(
            lambda: current() not in (None, before),
            "the rotation to move on after the broken photo",
            log,
            timeout=DURATION_S + 3,
        )
        assert current() in (welcome, notice)

        # 6. The notice saved over with something that is not text (a Word file given a .txt
        # name, say): refused, and the version that was fine keeps playing meanwhile.
        (files / "not-text.txt").write_bytes(b"PK\x03\x04\x00\x00" + bytes(range(256)) * 8)
        staff(share, 'put not-text.txt "slides\\通知\\关于元旦放假的通知.txt"', files)
        wait_for(lambda: "上一次正常的版本" in page(), "the kept-version note in 状态.txt", log)
        assert set(rotation()) == {welcome, notice}
        problems = {p["path"]: p.get("code") for p in status().get("problems") or []}
        # A zip (a Word file) behind a .txt name is told as such (issue 14), not "not text".
        assert problems == {broken: "image-truncated", notice: "hidden-extension"}

        # 7. What a staff PC reads from the read-only status share.
        got = share.client(
            f'get "{STATUS_TEXT_NAME}" got.txt', share=share.settings.status_share_name, cwd=files
        )
        assert got.returncode == 0, got.stdout + got.stderr
        data = (files / "got.txt").read_bytes()

    assert data.startswith(b"\xef\xbb\xbf")  # Notepad on a Chinese Windows reads UTF-8
    assert data.count(b"\n") == data.count(b"\r\n") > 10
    text = data.decode("utf-8-sig")
    assert "二、正在轮流播放的文件（共 2 个）" in text
    assert "slides\\通知\\关于元旦放假的通知.txt" in text
    assert "2026年会合影" not in text  # deleted: gone from every section
    section = text[text.index("三、没有显示的文件和原因（共 2 个）") :]
    assert "slides\\坏照片.jpg\r\n     原因：图片只复制了一半，请重新复制一次。\r\n" in section
    assert "slides\\通知\\关于元旦放假的通知.txt\r\n     原因：文件的全名是" in section
    assert "改好之前，屏幕继续显示这个文件上一次正常的版本。" in section
    # The player only reads the content folder: exactly what staff put there is left.
    left = sorted(p.relative_to(share.content).as_posix() for p in share.content.rglob("*"))
    assert left == sorted(["slides", "slides/通知", welcome, notice, broken])
