"""The office and two village stations, each with a real Syncthing on loopback, a headless
player on each station, set up with `signage sites` exactly as an administrator would.

What the issue asks, end to end: a notice put at the office reaches the screens its playlist
names and no other; a photo replaced at the office is never half on a station's disk or
screen; a deleted file leaves the stations; a station's status reaches the office and the
summary; a station whose Syncthing is stopped keeps playing, says how old its content is,
and catches up when it comes back; a conflict copy made on purpose is never shown and is
reported at the station and at the office.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from signage.sites.main import sites_main
from tests.sites_fixtures import (
    Syncthing,
    have_syncthing,
    headless_player,
    read_json,
    sites,
    syncthings,
    wait_for,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(420),
    pytest.mark.skipif(not have_syncthing(), reason="needs syncthing (scripts/setup test)"),
]

LIMIT_KBPS = 400
"""Station 一's link: a 1.4 MB photo takes seconds to arrive, so a test can look at the
station while Syncthing is still fetching it."""


@dataclass
class Site:
    name: str
    st: Syncthing
    content: Path
    state: Path
    status_file: Path | None = None
    play_log: Path | None = None
    player_log: Path | None = None

    @property
    def status_dir(self) -> Path:
        return self.state / "status"

    def sites(self, *args: str | Path) -> str:
        result = sites(*args, home=self.st.home, state=self.state, content=self.content)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def tick(self) -> None:
        """`signage sites tick` in this process: what the timer does every minute."""
        code = sites_main(
            [
                "tick",
                *("--home", str(self.st.home), "--state-dir", str(self.state)),
                *("--content", str(self.content), "--config", str(self.state / "machine.yaml")),
            ]
        )
        assert code == 0

    def status(self) -> dict[str, Any]:
        assert self.status_file is not None
        return read_json(self.status_file) or {}

    def rotation(self) -> list[str]:
        return [str(p) for p in self.status().get("rotation") or []]

    def logs(self) -> list[Path]:
        return [p for p in (self.player_log, self.st.log) if p is not None]


@dataclass
class Cluster:
    office: Site
    one: Site
    two: Site

    def logs(self) -> list[Path]:
        return [*self.office.logs(), *self.one.logs(), *self.two.logs()]


def put(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def photo(width: int, height: int, seed: int) -> bytes:
    """Noise does not compress: a photo of a few hundred kilopixels is over a megabyte."""
    rng = __import__("random").Random(seed)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def playlist_in_use(site: Site) -> str | None:
    playlist = site.status().get("playlist")
    return str(playlist) if playlist else None


PLAYLISTS = {
    "playlists/各站.yaml": "name: 各站通用\npriority: 0\nitems:\n  - slides: 通知/\n",
    "playlists/嘎查一.yaml": (
        "name: 嘎查一专用\npriority: 10\nscreens: [嘎查一]\n"
        "items:\n  - slides: 通知/\n  - slides: 嘎查一/\n  - slides: 照片/\n"
    ),
}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("sites")
    old = os.environ.get("SIGNAGE_SITES_AS_ROOT")
    os.environ["SIGNAGE_SITES_AS_ROOT"] = "1"  # the tests run as root; the appliance does not
    try:
        with syncthings(root, ["office", "one", "two"]) as st, contextlib.ExitStack() as stack:
            made = {}
            for key, name in (("office", "镇政府"), ("one", "嘎查一"), ("two", "嘎查二")):
                state = root / f"{key}-state"
                state.mkdir()
                (state / "machine.yaml").write_text(f"screen: {name}\n", encoding="utf-8")
                made[key] = Site(name, st[key], root / f"{key}-content", state)
            office, one, two = made["office"], made["one"], made["two"]
            put(office.content / "slides/通知/欢迎.txt", "欢迎来访\n请在前台登记。\n")
            for rel, text in PLAYLISTS.items():
                put(office.content / rel, text)
            office.sites(
                "office",
                *("--name", office.name, "--address", office.st.listen),
                *("--listen", office.st.listen),
            )
            card = office.state / "sites/站点卡-镇政府.txt"
            one.sites(
                "station",
                *("--name", one.name, "--office", card, "--listen", one.st.listen),
                *("--limit-kbps", str(LIMIT_KBPS)),
            )
            two.sites("station", "--office", card, "--listen", two.st.listen)  # name = screen
            for station in (one, two):
                office.sites("add-station", station.state / f"sites/站点卡-{station.name}.txt")
            for station in (one, two):
                station.status_file, station.play_log, station.player_log = stack.enter_context(
                    headless_player(station.content, station.state, station.name)
                )
            for station in (one, two):
                # The stations start from the office's playlists, as a running site does.
                wait_for(
                    functools.partial(playlist_in_use, station),
                    f"{station.name}'s playlist",
                    *station.logs(),
                    timeout=60.0,
                )
            yield Cluster(office, one, two)
    finally:
        if old is None:
            os.environ.pop("SIGNAGE_SITES_AS_ROOT", None)
        else:
            os.environ["SIGNAGE_SITES_AS_ROOT"] = old


def test_the_set_up_is_what_the_issue_asks(cluster: Cluster) -> None:
    office, one = cluster.office, cluster.one
    folders = {f["id"]: f for f in office.st.rest().folders()}
    assert folders["signage-content"]["type"] == "sendonly"
    assert folders["signage-content"]["versioning"]["type"] == ""
    status = [f for f in folders.values() if f["id"].startswith("signage-status-")]
    assert sorted(f["path"] for f in status) == sorted(
        str(office.status_dir / "各站状态" / n) for n in ("嘎查一", "嘎查二")
    )
    assert {f["type"] for f in status} == {"receiveonly"}
    mine = {f["id"]: f for f in one.st.rest().folders()}
    assert mine["signage-content"]["type"] == "receiveonly"
    assert [f["type"] for f in mine.values() if f["id"].startswith("signage-status-")] == [
        "sendonly"
    ]
    options = one.st.rest().get("/rest/config/options")
    assert options["listenAddresses"] == [one.st.listen]
    assert not options["globalAnnounceEnabled"] and not options["localAnnounceEnabled"]
    assert not options["relaysEnabled"] and not options["natEnabled"]
    assert options["urAccepted"] == -1 and not options["crashReportingEnabled"]
    assert options["maxRecvKbps"] == LIMIT_KBPS and options["limitBandwidthInLan"]
    assert "/slides/本站" in (one.content / ".stignore").read_text("utf-8")


def test_a_notice_reaches_the_screens_its_playlist_names_and_no_other(cluster: Cluster) -> None:
    office, one, two = cluster.office, cluster.one, cluster.two
    put(office.content / "slides/通知/停水通知.txt", "停水通知\n明天上午九点到十二点停水。\n")
    put(office.content / "slides/嘎查一/养老金.txt", "养老金认证\n请本月内到服务站认证。\n")
    both = "slides/通知/停水通知.txt"
    only_one = "slides/嘎查一/养老金.txt"
    wait_for(lambda: {both, only_one} <= set(one.rotation()), "嘎查一's rotation", *cluster.logs())
    wait_for(lambda: both in two.rotation(), "嘎查二's rotation", *cluster.logs())
    # The file reached 嘎查二's disk too (the content is the same everywhere); its playlist
    # is what keeps it off that screen.
    assert (two.content / only_one).is_file()
    assert only_one not in two.rotation()
    # On disk before the player has looked at it: its status says so a moment later.
    wait_for(
        lambda: any(e.get("path") == only_one for e in two.status().get("left_out") or []),
        "嘎查二's left_out",
        *cluster.logs(),
    )
    # Station-local content stays local, and never goes back to the office.
    put(one.content / "slides/本站/村务公开.txt", "村务公开\n本月收支已张贴。\n")
    time.sleep(3)
    assert not (office.content / "slides/本站").exists()


def test_a_photo_replaced_at_the_office_is_never_half_at_a_station(cluster: Cluster) -> None:
    office, one = cluster.office, cluster.one
    rel = "slides/照片/合影.jpg"
    old, new = photo(480, 360, 1), photo(1200, 900, 2)
    assert len(new) > 1_000_000
    put(office.content / rel, old)
    digests = {hashlib.sha256(old).hexdigest(), hashlib.sha256(new).hexdigest()}
    wait_for(
        lambda: rel in one.rotation(), "the first photo on 嘎查一", *cluster.logs(), timeout=60
    )

    seen: set[str] = set()
    rotations: list[bool] = []
    stop = threading.Event()

    def watch() -> None:
        # Syncthing 1.19 removes the old file and renames the new one into place at once
        # after (performFinish): a look in between finds no file, never a partial one.
        target = one.content / rel
        while not stop.is_set():
            with contextlib.suppress(OSError):
                seen.add(hashlib.sha256(target.read_bytes()).hexdigest())
            rotations.append(rel in one.rotation())
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        put(office.content / rel, new)  # over the link at LIMIT_KBPS: a few seconds
        wait_for(
            lambda: _read(one.content / rel) == new,
            "the new photo on 嘎查一's disk",
            *cluster.logs(),
            timeout=90,
        )
        wait_for(lambda: _played(one, rel, hashlib.sha256(new).hexdigest()), "new photo shown")
    finally:
        stop.set()
        watcher.join(timeout=5)
    assert seen <= digests, "a station's file was seen neither old nor new"
    # Not asserted: the player's catalog takes Syncthing's remove-then-rename for a delete and
    # drops the photo from the rotation until the new one has settled (about 0.6 s).
    assert rotations
    shown = {r["digest"] for r in _play_records(one) if r.get("path") == rel}
    assert shown <= digests
    assert not [p for p in one.status().get("problems") or [] if p.get("path") == rel]


def test_a_deleted_file_leaves_the_stations(cluster: Cluster) -> None:
    office, one, two = cluster.office, cluster.one, cluster.two
    rel = "slides/通知/临时通知.txt"
    put(office.content / rel, "临时通知\n今天下午会议室维修。\n")
    for station in (one, two):
        wait_for(lambda s=station: rel in s.rotation(), f"{station.name} gets it", *cluster.logs())
    (office.content / rel).unlink()
    for station in (one, two):
        wait_for(
            lambda s=station: rel not in s.rotation() and not (s.content / rel).exists(),
            f"{station.name} drops it",
            *cluster.logs(),
        )


def test_a_stations_status_reaches_the_office_and_the_summary(cluster: Cluster) -> None:
    office, one, two = cluster.office, cluster.one, cluster.two
    for station in (one, two):
        station.tick()
    arrived = office.status_dir / "各站状态/嘎查一"
    wait_for(lambda: (arrived / "状态.txt").is_file(), "嘎查一's 状态.txt at the office")
    wait_for(lambda: (arrived / "sync.json").is_file(), "嘎查一's sync report at the office")
    page = (arrived / "状态.txt").read_bytes().decode("utf-8-sig")
    assert "嘎查一 播放状态" in page
    wait_for(
        lambda: (office.status_dir / "各站状态/嘎查二/同步状态.txt").is_file(),
        "嘎查二's 同步状态.txt at the office",
    )
    office.tick()
    text = (office.status_dir / "全部屏幕.txt").read_bytes().decode("utf-8-sig")
    data = read_json(office.status_dir / "全部屏幕.json")
    assert data is not None
    names = [s["name"] for s in data["screens"]]
    assert names == ["镇政府", "嘎查一", "嘎查二"]
    for entry in data["screens"][1:]:
        assert entry["online"] is True
        assert entry["rotation"] and entry["rotation"] > 0
        assert entry["content"]["in_sync"] is True
    assert "嘎查一：正常" in text or "嘎查一：注意" in text
    assert "连接：在线" in text and "内容：和镇里一致" in text


def test_a_station_cut_off_keeps_playing_and_catches_up(cluster: Cluster) -> None:
    office, one, two = cluster.office, cluster.one, cluster.two
    before = "slides/通知/旧通知.txt"
    put(office.content / before, "旧通知\n这是断网前的通知。\n")
    wait_for(lambda: before in two.rotation(), "嘎查二 before the cut", *cluster.logs())
    two.tick()
    two.st.stop()
    try:
        fresh = "slides/通知/断网期间的通知.txt"
        put(office.content / fresh, "断网期间的通知\n网络断开时镇里发的通知。\n")
        (office.content / before).unlink()
        wait_for(lambda: fresh in one.rotation(), "嘎查一 gets the new notice", *cluster.logs())
        time.sleep(2)
        # 嘎查二 plays on with what it has, and says its content is not the office's.
        assert before in two.rotation() and fresh not in two.rotation()
        updated = two.status().get("updated_at")
        time.sleep(11)
        assert two.status().get("updated_at") != updated, "the cut-off player stopped"
        two.tick()
        report = read_json(two.status_dir / "sync.json")
        assert report is not None
        assert report["content"]["in_sync"] is False
        assert report["content"]["in_sync_at"] is not None
        assert report["content"]["age_s"] >= 10
        assert [p["kind"] for p in report["problems"]] == ["syncthing-down"]
        assert "最后一次和镇里一致" in (two.status_dir / "同步状态.txt").read_bytes().decode(
            "utf-8-sig"
        )
        office.tick()
        data = read_json(office.status_dir / "全部屏幕.json")
        assert data is not None
        entry = next(s for s in data["screens"] if s["name"] == "嘎查二")
        assert entry["online"] is False
        assert entry["content"]["in_sync"] is False and entry["content"]["need_items"] >= 2
    finally:
        two.st.start()
    wait_for(
        lambda: fresh in two.rotation() and before not in two.rotation(),
        "嘎查二 catches up after the cut",
        *cluster.logs(),
        timeout=90,
    )

    def caught_up() -> bool:
        two.tick()
        report = read_json(two.status_dir / "sync.json") or {}
        return bool(report.get("content", {}).get("in_sync"))

    wait_for(caught_up, "嘎查二 reports its content in sync", *cluster.logs(), every=1.0)


def test_a_conflict_copy_is_never_shown_and_is_reported(cluster: Cluster) -> None:
    office, one = cluster.office, cluster.one
    rel = "slides/通知/值班表.txt"
    put(office.content / rel, "值班表\n周一：张三。\n")
    wait_for(lambda: rel in one.rotation(), "嘎查一 gets the duty roster", *cluster.logs())
    # Someone at the station edits the office's file, and Syncthing sees the local change.
    put(one.content / rel, "值班表\n周一：本站改成李四。\n")
    # Only then is it a conflict; before, Syncthing would refuse to pull over an unscanned
    # change and retry a minute later.
    wait_for(
        lambda: rel in _locally_changed(one),
        "嘎查一's Syncthing to notice the local edit",
        *cluster.logs(),
    )
    office_version = "值班表\n周一：王五（镇里改的）。\n"
    put(office.content / rel, office_version)

    def conflicts() -> list[Path]:
        return list((one.content / "slides/通知").glob("值班表.sync-conflict-*.txt"))

    copy = wait_for(lambda: conflicts()[:1] or None, "a conflict copy on 嘎查一", *cluster.logs())[
        0
    ]
    assert "本站改成李四" in copy.read_text("utf-8")
    wait_for(
        lambda: (one.content / rel).read_text("utf-8") == office_version,
        "the office's version wins",
    )
    conflict_rel = str(copy.relative_to(one.content))
    time.sleep(3)  # longer than the player's settle time: it would have read it by now
    assert conflict_rel not in one.rotation()
    assert not [p for p in one.status().get("problems") or [] if "sync-conflict" in p["path"]]
    assert not any("sync-conflict" in r.get("path", "") for r in _play_records(one))

    one.tick()
    report = read_json(one.status_dir / "sync.json")
    assert report is not None and report["conflicts"] == [conflict_rel]
    assert "冲突副本" in (one.status_dir / "同步状态.txt").read_bytes().decode("utf-8-sig")
    arrived = office.status_dir / "各站状态/嘎查一/sync.json"
    wait_for(
        lambda: (read_json(arrived) or {}).get("conflicts") == [conflict_rel],
        "the conflict in 嘎查一's report at the office",
        *cluster.logs(),
    )
    office.tick()
    text = (office.status_dir / "全部屏幕.txt").read_bytes().decode("utf-8-sig")
    assert conflict_rel.replace("/", "\\") in text and "冲突副本" in text


def _locally_changed(site: Site) -> list[str]:
    answer = site.st.rest().get("/rest/db/localchanged", folder="signage-content")
    files = answer.get("files") if isinstance(answer, dict) else answer
    return [str(f.get("name")) for f in files or []]


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _play_records(site: Site) -> list[dict[str, Any]]:
    assert site.play_log is not None
    out = []
    for day in site.play_log.glob("play-*.jsonl"):
        for line in day.read_text("utf-8").splitlines():
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
    return out


def _played(site: Site, rel: str, digest: str) -> bool:
    return any(r.get("path") == rel and r.get("digest") == digest for r in _play_records(site))
