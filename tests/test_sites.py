"""signage/sites without Syncthing running: names, cards, the folders' settings, the station's
report, the office's summary, config.xml, and the unit files."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from signage.content.catalog import file_kind
from signage.core.paths import IGNORED_PATTERNS, is_ignored
from signage.sites import folders, report, summary, words
from signage.sites.card import (
    SiteCard,
    SiteError,
    card_text,
    check_address,
    check_name,
    normalise_device_id,
    parse_card,
    short_id,
)
from signage.sites.main import sites_main
from signage.sites.syncthing import gui_of, options_from_xml, write_options_offline

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 3, 9, 0, 5, tzinfo=TZ)
DEVICE = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2"
OFFICE_ID = "MFZWI3D-BONSGYC-YLTMRWG-C43ENR5-QXGZDMM-FZWI3DP-BONSGYY-LTMRWAD"


# --- what the player ignores -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        ".syncthing.停水通知.txt.tmp",
        ".syncthing.3f2a9c.tmp",
        "~syncthing~合影.jpg.tmp",
        "停水通知.sync-conflict-20261130-033036-WDG2S4V.txt",
        "合影.SYNC-CONFLICT-20261130-033036-WDG2S4V.JPG",
        ".stignore",
        ".stfolder",
        ".stversions",
    ],
)
def test_syncthing_names_are_never_slides(name: str) -> None:
    assert is_ignored(name)
    assert file_kind(f"slides/通知/{name}") is None
    assert file_kind(f"slides/{name}/a.txt") is None


@pytest.mark.parametrize("name", ["同步冲突说明.txt", "sync-conflict.txt", "syncthing.txt"])
def test_names_that_only_look_like_syncthings_still_play(name: str) -> None:
    assert not is_ignored(name)
    assert file_kind(f"slides/{name}") == "slide"


# --- names, device IDs, cards ---------------------------------------------------------------


def test_site_names() -> None:
    assert check_name("  嘎查一 ") == "嘎查一"
    assert check_name("Lobby-2") == "Lobby-2"
    for bad in ("", "a/b", "嘎查\\一", "x:y", "a\nb", ".hidden", "名" * 41, 'a"b'):
        with pytest.raises(SiteError):
            check_name(bad)


def test_device_ids_as_people_paste_them() -> None:
    assert normalise_device_id(DEVICE.lower()) == DEVICE
    assert normalise_device_id(" ".join(DEVICE.split("-"))) == DEVICE
    assert normalise_device_id(DEVICE.replace("-", "")) == DEVICE
    assert len(normalise_device_id("A" * 52)) == 52  # without check digits: Syncthing adds them
    with pytest.raises(SiteError, match="长度不对"):
        normalise_device_id(DEVICE[:-3])
    with pytest.raises(SiteError, match="只能有字母"):
        normalise_device_id(DEVICE.replace("P", "!"))
    assert short_id(DEVICE) == "P56IOI7"


def test_addresses() -> None:
    assert check_address("tcp://10.1.2.3:22000") == "tcp://10.1.2.3:22000"
    assert check_address("tcp://[fd00::1]:22000") == "tcp://[fd00::1]:22000"
    assert check_address("dynamic") == "dynamic"
    for bad in ("10.1.2.3", "http://x", "tcp://a b", "tcp://x\ny"):
        with pytest.raises(SiteError):
            check_address(bad)


def test_a_card_survives_the_trip() -> None:
    card = SiteCard("office", "镇政府", OFFICE_ID, ("tcp://10.1.2.3:22000",))
    text = card_text(card)
    assert "signage sites station" in text
    assert parse_card(text.encode("utf-8-sig")) == card
    # Saved again by Notepad on a Chinese Windows.
    assert parse_card(text.replace("\n", "\r\n").encode("gb18030")) == card
    station = SiteCard("station", "嘎查一", DEVICE)
    assert parse_card(card_text(station).encode()) == station


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\xff\xfe" * 10, "不是文本"),
        (b"role: office\nname: [unclosed\n", "格式有误"),
        (b"just a line\n", "不像是站点卡"),
        (b"role: boss\nname: x\ndevice_id: " + DEVICE.encode() + b"\n", "office 或 station"),
        (b"role: office\nname: x\n", "缺少"),
        (b"role: office\nname: x\ndevice_id: NOPE\n", "设备号"),
        (b"role: office\nname: a/b\ndevice_id: " + DEVICE.encode() + b"\n", "不能用在文件夹名"),
        (b"#" * 9000, "太大"),
    ],
)
def test_a_bad_card_says_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(SiteError, match=message):
        parse_card(data)


# --- the folders' settings ------------------------------------------------------------------


def test_ignore_lines_follow_the_players_names() -> None:
    lines = folders.ignore_lines()
    assert "/slides/本站" in lines and "/playlists/本站*" in lines
    assert "(?d)(?i)*.sync-conflict-*" in lines
    assert len([x for x in lines if x.startswith("(?d)(?i)")]) == len(IGNORED_PATTERNS)


def test_content_folder_by_role() -> None:
    defaults = {"id": "", "versioning": {"type": "simple", "params": {"keep": "5"}}, "order": "x"}
    office = folders.content_folder(
        defaults, role="office", path=Path("/srv/signage"), devices=["A", "B", "A"]
    )
    assert office["type"] == "sendonly" and office["id"] == folders.CONTENT_FOLDER_ID
    assert [d["deviceID"] for d in office["devices"]] == ["A", "B"]
    assert office["versioning"]["type"] == "" and office["versioning"]["params"] == {}
    assert office["order"] == "alphabetic" and office["fsWatcherEnabled"]
    station = folders.content_folder(
        office, role="station", path=Path("/srv/signage"), devices=["B", "A"]
    )
    assert station["type"] == "receiveonly"
    assert defaults["versioning"]["type"] == "simple"  # inputs are not changed


def test_a_station_keeps_what_syncthing_knows_of_a_device() -> None:
    current = {"devices": [{"deviceID": "A", "introducedBy": "", "encryptionPassword": "x"}]}
    out = folders.status_folder(
        current,
        role="office",
        station="嘎查一",
        station_id=DEVICE,
        path=Path("/var/lib/signage/status/各站状态/嘎查一"),
        devices=["A", DEVICE],
    )
    assert out["id"] == "signage-status-P56IOI7" and out["type"] == "receiveonly"
    assert out["devices"][0]["encryptionPassword"] == "x"
    assert folders.station_name_of(out) == "嘎查一"
    assert not out["ignorePerms"]


def test_options_keep_the_machine_to_itself() -> None:
    out = folders.safe_options({"urAccepted": 0, "keep": 1}, listen=["tcp://0.0.0.0:22000"])
    assert out["keep"] == 1 and out["urAccepted"] == -1 and not out["crashReportingEnabled"]
    assert not (out["globalAnnounceEnabled"] or out["relaysEnabled"] or out["natEnabled"])
    assert out["stunKeepaliveStartS"] == 0 and out["localAnnounceEnabled"]
    assert "maxRecvKbps" not in out
    limited = folders.safe_options({}, limit_kbps=200, internet=True)
    assert limited["maxRecvKbps"] == limited["maxSendKbps"] == 200
    assert limited["limitBandwidthInLan"] and limited["relaysEnabled"]
    assert not folders.safe_options({}, limit_kbps=0)["limitBandwidthInLan"]


def test_options_go_into_config_xml_before_the_first_start(tmp_path: Path) -> None:
    (tmp_path / "config.xml").write_text(
        '<configuration version="36"><gui enabled="true" tls="false">'
        "<address>127.0.0.1:8384</address><apikey>KEY</apikey></gui>"
        "<options><listenAddress>default</listenAddress><urAccepted>0</urAccepted>"
        "<relaysEnabled>true</relaysEnabled></options></configuration>",
        encoding="utf-8",
    )
    write_options_offline(
        tmp_path,
        folders.safe_options({}, listen=["tcp://127.0.0.1:1", "quic://127.0.0.1:1"]),
        gui_address="127.0.0.1:9999",
    )
    options = options_from_xml(tmp_path)
    assert options["listenAddresses"] == ["tcp://127.0.0.1:1", "quic://127.0.0.1:1"]
    assert options["urAccepted"] == "-1" and options["relaysEnabled"] == "false"
    assert options["globalAnnounceEnabled"] == "false"
    gui = gui_of(tmp_path)
    assert gui.url == "http://127.0.0.1:9999" and gui.apikey == "KEY"


@pytest.mark.skipif(shutil.which("syncthing") is None, reason="needs syncthing")
def test_syncthing_loads_what_we_wrote(tmp_path: Path) -> None:
    from signage.sites.syncthing import ensure_home, own_device_id

    assert ensure_home(tmp_path) and not ensure_home(tmp_path)
    write_options_offline(tmp_path, folders.safe_options({}), gui_address="127.0.0.1:1")
    device = own_device_id(tmp_path)
    assert normalise_device_id(device) == device


# --- a station's report ---------------------------------------------------------------------


def _sync(**kw: object) -> report.SyncState:
    base: dict[str, object] = {"running": True, "peer_connected": True, "folder_state": "idle"}
    return report.SyncState(**(base | kw))  # type: ignore[arg-type]


def test_a_station_in_sync_is_as_of_now() -> None:
    r = report.station_report("嘎查一", _sync(), [], None, NOW).as_dict()
    assert r["content"] == {
        "in_sync": True,
        "in_sync_at": NOW.isoformat(timespec="seconds"),
        "age_s": 0,
        "need_items": 0,
        "need_bytes": 0,
    }
    assert r["problems"] == []
    assert "和镇里的内容一致" in report.report_text(r, NOW)


def test_a_station_cut_off_keeps_its_last_sync_and_ages() -> None:
    first = report.station_report("嘎查一", _sync(), [], None, NOW).as_dict()
    later = NOW + timedelta(days=3, hours=1)
    cut = report.station_report(
        "嘎查一", _sync(peer_connected=False), [], json.loads(json.dumps(first)), later
    ).as_dict()
    assert cut["content"]["in_sync"] is False
    assert cut["content"]["in_sync_at"] == first["content"]["in_sync_at"]
    assert cut["content"]["age_s"] == 3 * 86400 + 3600
    assert [p["kind"] for p in cut["problems"]] == ["office-unreachable"]
    text = report.report_text(cut, later)
    assert "最后一次和镇里一致：12月3日 09:00（3 天以前）" in text
    # Syncthing down as well: the age still comes from the last report.
    down = report.station_report("嘎查一", report.SyncState(False, "refused"), [], cut, later)
    assert down.in_sync_at == NOW.replace(microsecond=0)
    assert [p.kind for p in down.problems] == ["syncthing-down"]


def test_a_clock_set_back_does_not_make_content_fresher() -> None:
    future = {"content": {"in_sync_at": (NOW + timedelta(days=1)).isoformat()}}
    r = report.station_report("嘎查一", _sync(peer_connected=False), [], future, NOW)
    assert r.in_sync_at is None
    assert "还没有和镇里完整同步过" in report.report_text(r.as_dict(), NOW)


def test_a_station_behind_with_local_changes_and_conflicts() -> None:
    sync = _sync(folder_state="syncing", need_items=3, need_bytes=10, local_changes=2)
    r = report.station_report("嘎查一", sync, ["slides/a.sync-conflict-1-2-X.txt"], None, NOW)
    assert not r.in_sync
    kinds = [p.kind for p in r.problems]
    assert kinds == ["behind", "local-changes", "conflict-copy"]
    text = report.report_text(r.as_dict(), NOW)
    assert "slides\\a.sync-conflict-1-2-X.txt" in text and "冲突副本" in text


def test_an_unchanged_report_is_sent_every_ten_minutes() -> None:
    first = report.station_report("嘎查一", _sync(), [], None, NOW).as_dict()
    assert report.worth_sending(first, None, NOW)
    later = report.station_report("嘎查一", _sync(), [], first, NOW + timedelta(minutes=3))
    assert not report.worth_sending(later.as_dict(), first, later.written_at)
    much_later = NOW + timedelta(minutes=10)
    assert report.worth_sending(
        report.station_report("嘎查一", _sync(), [], first, much_later).as_dict(), first, much_later
    )
    cut = report.station_report(
        "嘎查一", _sync(peer_connected=False), [], first, NOW + timedelta(minutes=1)
    )
    assert report.worth_sending(cut.as_dict(), first, cut.written_at)
    # A clock set back: sent, rather than silent for as long as the clock is behind.
    assert report.worth_sending(first, later.as_dict(), NOW)


def test_conflict_copies_are_found(tmp_path: Path) -> None:
    for rel in (
        "slides/通知/a.txt",
        "slides/通知/a.sync-conflict-20261203-090000-ABCDEFG.txt",
        "slides/本站/b.sync-conflict-20261203-090000-ABCDEFG.jpg",
        ".stversions/c.sync-conflict-20261203-090000-ABCDEFG.txt",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert report.find_conflicts(tmp_path) == [
        "slides/本站/b.sync-conflict-20261203-090000-ABCDEFG.jpg",
        "slides/通知/a.sync-conflict-20261203-090000-ABCDEFG.txt",
    ]


# --- the office's summary -------------------------------------------------------------------


def _status(screen: str, **kw: object) -> dict[str, object]:
    return {
        "updated_at": (NOW - timedelta(seconds=30)).isoformat(),
        "screen": screen,
        "playlist": "playlists/各站.yaml",
        "current": {"path": "slides/通知/停水.txt", "page": 0, "since": NOW.isoformat()},
        "rotation": ["slides/通知/停水.txt", "slides/通知/欢迎.txt"],
        "problems": [],
        "display": "on",
    } | kw


def test_the_summary_of_every_screen() -> None:
    behind = report.station_report(
        "嘎查二", _sync(peer_connected=False), [], None, NOW - timedelta(days=2)
    ).as_dict()
    behind["written_at"] = (NOW - timedelta(days=2)).isoformat()
    stations = [
        summary.Station(
            "嘎查一",
            DEVICE,
            status=_status(
                "嘎查一",
                problems=[
                    {"path": "slides/坏.jpg", "message": "truncated", "code": "image-truncated"}
                ],
            ),
            report=report.station_report("嘎查一", _sync(), [], None, NOW).as_dict(),
            peer=summary.PeerView(True, NOW, 0),
        ),
        summary.Station(
            "嘎查二",
            OFFICE_ID,
            status=_status("lobby", updated_at=(NOW - timedelta(days=2)).isoformat()),
            report=behind,
            peer=summary.PeerView(False, NOW - timedelta(days=2), 4),
        ),
        summary.Station("嘎查三"),
    ]
    office = summary.Station("镇政府", status=_status("镇政府"))
    data = summary.summary(office, stations, NOW)
    names = [s["name"] for s in data["screens"]]
    assert names == ["镇政府", "嘎查一", "嘎查三", "嘎查二"]
    one, three, two = data["screens"][1:]
    assert one["online"] and one["content"]["in_sync"] and one["problems"][0]["code"]
    assert "图片只复制了一半" in one["problems"][0]["text"]
    assert two["online"] is False and two["content"] == {
        "in_sync": False,
        "need_items": 4,
        "in_sync_at": None,
        "age_s": None,
    }
    assert [p["kind"] for p in two["sync_problems"]] == ["station-unreachable", "name-mismatch"]
    assert [p["kind"] for p in three["sync_problems"]] == ["no-report"]
    text = summary.summary_text(data, NOW)
    assert "1. 镇政府（本机）：正常" in text
    assert "2. 嘎查一：注意，1 项要注意" in text
    assert "4. 嘎查二：离线" in text
    assert "连接：离线，最后联系 12月1日 09:00（2 天以前）" in text
    assert "断线前在播放：slides\\通知\\停水.txt" in text
    assert "内容：差 4 个文件（还没有完整同步过）" in text
    assert "详见 各站状态\\嘎查一\\状态.txt" in text


def test_a_station_cannot_forge_lines_in_the_summary() -> None:
    evil = _status("嘎查一", current={"path": "slides/a.txt\n五、假的站点\n", "page": 0})
    station = summary.Station("嘎查一", status=evil, peer=summary.PeerView(True))
    text = summary.summary_text(summary.summary(summary.Station("镇政府"), [station], NOW), NOW)
    assert "\n五、假的站点" not in text


def test_the_office_without_syncthing_still_sums_up_what_arrived() -> None:
    station = summary.Station(
        "嘎查一",
        status=_status("嘎查一"),
        report=report.station_report("嘎查一", _sync(), [], None, NOW).as_dict(),
    )
    data = summary.summary(summary.Station("镇政府"), [station], NOW, syncthing_error="refused")
    assert data["screens"][0]["sync_problems"][0]["kind"] == "syncthing-down"
    assert data["screens"][1]["online"] is None and data["screens"][1]["content"]["in_sync"]


# --- every problem kind has words -----------------------------------------------------------


def _kinds_written() -> set[str]:
    found = set()
    for path in (ROOT / "signage/sites").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "SiteProblem"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(str(node.args[0].value))
    return found


def test_every_kind_has_plain_chinese_and_none_is_unused() -> None:
    assert _kinds_written() == set(words.SITE_REASONS)
    for text in words.SITE_REASONS.values():
        assert text.endswith("。") and sum("\u4e00" <= c <= "\u9fff" for c in text) > 15


def test_durations_as_people_say_them() -> None:
    assert words.duration(timedelta(seconds=30)) == "不到 2 分钟"
    assert words.duration(timedelta(minutes=45)) == "45 分钟"
    assert words.duration(timedelta(hours=5)) == "5 小时"
    assert words.duration(timedelta(days=9)) == "9 天"


# --- the command ----------------------------------------------------------------------------


def test_tick_on_a_machine_not_set_up_is_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNAGE_SITES_AS_ROOT", "1")
    args = ["--state-dir", str(tmp_path / "state"), "--content", str(tmp_path / "c")]
    args += ["--home", str(tmp_path / "st"), "--config", str(tmp_path / "none.yaml")]
    assert sites_main(["tick", *args]) == 0
    assert sites_main(["show", *args]) == 1


def test_bad_input_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIGNAGE_SITES_AS_ROOT", "1")
    args = ["--state-dir", str(tmp_path / "state"), "--content", str(tmp_path / "c")]
    args += ["--home", str(tmp_path / "st"), "--config", str(tmp_path / "none.yaml")]
    assert sites_main(["add-station", "--name", "嘎查一", *args]) == 2
    assert "--name 和 --id" in capsys.readouterr().err
    assert sites_main(["station", "--name", "a/b", *args]) == 2
    inside = ["--state-dir", str(tmp_path / "c/state"), "--content", str(tmp_path / "c")]
    assert sites_main(["tick", *inside, "--config", str(tmp_path / "none.yaml")]) == 2


def test_root_is_sent_to_the_players_user(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SIGNAGE_SITES_AS_ROOT", raising=False)
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert sites_main(["tick"]) == 2
    assert "sudo -u signage" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_timer_and_its_service_verify(tmp_path: Path) -> None:
    for unit in ("signage-sites.service", "signage-sites.timer"):
        text = (ROOT / "systemd" / unit).read_text("utf-8")
        (tmp_path / unit).write_text(text.replace("/opt/signage/venv/bin/signage", "/bin/true"))
    result = subprocess.run(
        ["systemd-analyze", "verify", "signage-sites.service", "signage-sites.timer"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
