"""The commands, called as main(argv) the way the shell would, on the demo content."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from signage.commands.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    root.mkdir()
    for name in ("slides", "playlists"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "signage.yaml", root / "signage.yaml")
    return root


def test_check_passes_on_the_demo_content(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--content", str(demo)]) == 0
    out = capsys.readouterr().out
    assert "0 problems" in out and "slides/政策/" in out


def test_check_names_each_bad_file_and_line(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jpeg = (demo / "slides/图片/01-青山镇风光.jpg").read_bytes()
    (demo / "slides/图片/half.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (demo / "playlists/broken.yaml").write_text("items:\n  - slides: [通知/\n", "utf-8")
    (demo / "slides/通知/gbk.txt").write_bytes("停电通知\r\n明天停电。\r\n".encode("gbk"))
    assert main(["check", "--content", str(demo), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    problems = {p["path"]: p for p in data["problems"]}
    assert problems["slides/图片/half.jpg"]["code"] == "image-truncated"
    assert problems["playlists/broken.yaml"]["line"] == 2  # where the [ opens, not the end
    assert "slides/通知/gbk.txt" in {s["path"] for s in data["slides"]}


def test_plan_json_has_the_design_shape(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--content", str(demo), "--at", "2026-12-01T10:00", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"at", "screen", "playlist", "items", "left_out", "problems", "display"}
    assert data["playlist"] == "playlists/工作日大厅.yaml"  # a Tuesday in office hours
    report = next(i for i in data["items"] if "政策/" in i["path"])
    assert report["pages"] > 5 and report["duration"] > 100
    assert main(["plan", "--content", str(demo), "--at", "2026-12-05T10:00", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["playlist"] == "playlists/全部内容.yaml"


def test_plan_timeline(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "plan",
        "--content",
        str(demo),
        "--from",
        "2026-12-04T17:00",
        "--to",
        "2026-12-05T09:00",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "18:00" in out and "playlists/全部内容.yaml" in out


def test_inspect_spells_the_file_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    path = REPO / "slides/通知/02-停水通知.txt"
    assert main(["inspect", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["encoding"] == "gb18030" and data["kind"] == "notice"
    spelled = "".join(
        line["text"] for page in data["pages"] for line in page["lines"] if line["role"] != "meta"
    )
    source = path.read_bytes().decode("gbk").split("---", 2)[2]  # after the front matter
    assert spelled.replace(" ", "") == "".join(source.split())
    roles = {line["role"] for line in data["pages"][0]["lines"]}
    assert {"title", "body", "signature", "date"} <= roles


def test_preview_writes_every_page_and_an_overview(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "preview"
    argv = [
        "preview",
        "--content",
        str(demo),
        "--at",
        "2026-12-01T10:00",
        "--size",
        "640x360",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert "overview.png" in pngs and len(pngs) > 10
    assert any("政策" in p for p in pngs) and any("图片" in p for p in pngs)


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--content", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["plan", "--at", "yesterday"]) == 2
    assert main(["frobnicate"]) == 2


def test_report_needs_a_log_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "machine.yaml"
    config.write_text("screen: lobby-1\n", encoding="utf-8")
    assert main(["report", "--config", str(config)]) == 2
    assert "no play log directory" in capsys.readouterr().err


# --- issue 14: a broken machine configuration, a stopped player -----------------------------


def test_run_refuses_a_broken_machine_configuration_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Seen: with `contnet:` the player silently played its working directory.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    (tmp_path / "slides").mkdir()  # a working directory that looks like content
    state = tmp_path / "state"
    machine = tmp_path / "signage.yaml"
    machine.write_text(f"contnet: /srv/signage\nstate_dir: {state}\n", "utf-8")
    assert main(["run", "--config", str(machine), "--windowed", "--size", "320x180"]) == 78
    err = capsys.readouterr().err
    assert "播放器不启动" in err and "not starting" in err
    assert f"{machine}:1: contnet: unknown setting (did you mean 'content'?)" in err
    page = (state / "status" / "状态.txt").read_bytes().decode("utf-8-sig")
    assert "没有启动：播放机的设置文件有错" in page
    assert "contnet" in page
    # The stop that follows keeps the more useful reason.
    monkeypatch.setenv("SERVICE_RESULT", "exit-code")
    assert main(["stopped", "--state-dir", str(state)]) == 0
    data = json.loads((state / "status" / "status.json").read_text("utf-8"))
    assert data["stopped"]["result"] == "config"


def test_check_and_plan_refuse_a_broken_machine_configuration(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    machine = tmp_path / "signage.yaml"
    machine.write_text("screen: lobby-1\nrotation: 45\n", "utf-8")
    for command in ("check", "plan"):
        assert main([command, "--content", str(demo), "--config", str(machine)]) == 1
        assert ":2: rotation: 45 is not 0, 90, 180 or 270" in capsys.readouterr().err


def test_stopped_marks_the_status_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime

    from signage.appliance.statuspage import write_status_page

    state = tmp_path / "state"
    status = {
        "updated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "screen": "lobby-1",
        "playlist": None,
        "current": {
            "path": "slides/通知/停水.txt",
            "page": 0,
            "since": "2026-12-03T08:00:00+08:00",
        },
        "rotation": ["slides/通知/停水.txt"],
        "problems": [],
        "display": "on",
    }
    write_status_page(state / "status", status, datetime.now().astimezone())
    assert "停止" not in (state / "status" / "状态.txt").read_bytes().decode("utf-8-sig")
    monkeypatch.setenv("STATE_DIRECTORY", str(state))
    monkeypatch.setenv("SERVICE_RESULT", "watchdog")
    monkeypatch.setenv("EXIT_STATUS", "ABRT")
    assert main(["stopped"]) == 0
    page = (state / "status" / "状态.txt").read_bytes().decode("utf-8-sig")
    assert "停止了运行：播放器卡住了，被系统结束（技术说明：watchdog）" in page
    assert "停止前最后显示的是" not in page and "下面是播放器停止前的情况" in page
    data = json.loads((state / "status" / "status.json").read_text("utf-8"))
    assert data["stopped"]["exit_status"] == "ABRT"
    assert data["rotation"] == ["slides/通知/停水.txt"]  # the last status, kept


def test_plan_speaks_chinese_with_durations_people_read(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Seen: "1333 s", and every missing playlist item printed twice.
    (demo / "playlists/工作日大厅.yaml").write_text(
        "priority: 10\nwhen: {days: workdays}\nitems:\n  - slides: notices/\n  - slides: 政策/\n",
        "utf-8",
    )
    assert main(["plan", "--content", str(demo), "--at", "2026-12-01T10:00"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2026年12月1日 星期二 10:00")
    assert "播放列表：playlists/工作日大厅.yaml" in out
    assert "23 页，每轮 4 页约 3分52秒（全部 22分13秒）" in out
    assert " s\n" not in out and "1333" not in out
    problem = "playlists/工作日大厅.yaml：第 4 行：播放列表里写的“notices/”在 slides 文件夹里找不到"
    assert out.count(problem) == 1
    assert "现有的文件夹是：会议、图片、政策、通知" in out
    assert out.count("技术说明：line 4: slides 'notices/' matches no file") == 1
    assert "playlists/全部内容.yaml：playlists/工作日大厅.yaml 的优先级更高" in out


def test_check_speaks_chinese_and_keeps_the_technical_line(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (demo / "slides/通知/宣传片.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    assert main(["check", "--content", str(demo)]) == 1
    out = capsys.readouterr().out
    assert "可以播放  slides/通知/02-停水通知.txt  〔通知〕停水通知" in out
    assert "有问题    slides/通知/宣传片.mp4：这是视频。信息屏不播放视频" in out
    assert "          技术说明：files of type .mp4 cannot be shown" in out
    assert "检查结果：12 个文件可以播放，2 个播放列表，1 个问题" in out


@pytest.mark.slow
def test_a_development_run_writes_the_status_page_into_its_state_dir(
    demo: Path, tmp_path: Path
) -> None:
    # Seen: `signage run` had no --state-dir, so a development run never wrote 状态.txt.
    import os
    import signal
    import subprocess
    import sys
    import time

    state = tmp_path / "state"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    env.pop("RUNTIME_DIRECTORY", None)
    env.pop("STATE_DIRECTORY", None)
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "signage", "run", "--content", str(demo)]
    command += ["--windowed", "--size", "320x180", "--state-dir", str(state)]
    command += ["--at", "2026-12-01T10:00"]
    proc = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.PIPE)
    page = state / "status" / "状态.txt"
    try:
        deadline = time.monotonic() + 30
        while not page.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert page.exists(), proc.stderr.read().decode() if proc.poll() is not None else ""
        text = page.read_bytes().decode("utf-8-sig")
        assert "使用的播放列表：playlists\\工作日大厅.yaml" in text
        assert (state / "position.json").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert proc.stderr is not None
        proc.stderr.close()
