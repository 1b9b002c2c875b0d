"""`signage sites`: set up Syncthing for the office and its stations, and keep them reported.

    signage sites office --name 镇政府 [--address tcp://10.1.2.3:22000]
    signage sites add-station 站点卡-嘎查一.txt            (or --name 嘎查一 --id DEVICE-ID)
    signage sites station --name 嘎查一 --office 站点卡-镇政府.txt [--limit-kbps 200]
    signage sites tick          (systemd timer: a station's report, or the office's summary)
    signage sites show | id | remove-station NAME | revert

Run as the player's user (`sudo -u signage signage sites …`): Syncthing runs as that user
(`syncthing@signage`), and the files this writes must belong to it. Every step can be run
again: it changes what it owns and keeps the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from signage.appliance.statuspage import STATUS_JSON_NAME, encode_for_notepad
from signage.core.clock import SystemClock, local_zone
from signage.core.config import DEFAULT_MACHINE_CONFIG, Settings, load_settings
from signage.sites import folders, report, summary
from signage.sites.card import (
    SiteCard,
    SiteError,
    check_address,
    check_name,
    normalise_device_id,
    parse_card,
)
from signage.sites.syncthing import (
    NotRunning,
    Rest,
    SyncthingError,
    default_home,
    ensure_home,
    gui_of,
    own_device_id,
    write_options_offline,
)

SITE_FILE = "sites.json"
"""In the state dir (not the status folder): this machine's role and name."""
CARDS_DIR = "sites"
STATUS_SUBDIR = "status"
DEFAULT_STATE_DIR = Path("/var/lib/signage")


@dataclass(frozen=True)
class Context:
    settings: Settings
    home: Path
    content: Path
    state_dir: Path
    status_dir: Path
    tuning: folders.Tuning
    lan_only: bool
    """No local discovery either (tests on loopback)."""
    fast: bool = False
    """Scan and reconnect within seconds (tests, bench)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signage sites",
        description="Several sites: the office's content to every station through Syncthing, "
        "each station's status back to the office (docs/多站点.md).",
    )

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--config", type=Path, help=f"machine configuration ({DEFAULT_MACHINE_CONFIG})"
        )
        p.add_argument(
            "--content", type=Path, help="content root (default: from the configuration)"
        )
        p.add_argument("--state-dir", type=Path, help="state dir (default: from the configuration)")
        p.add_argument("--home", type=Path, help="Syncthing's home (default: this user's)")
        p.add_argument("--lan-only", action="store_true", help=argparse.SUPPRESS)
        p.add_argument("--fast", action="store_true", help=argparse.SUPPRESS)  # tests, bench

    def network(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--listen",
            action="append",
            metavar="ADDR",
            help="where Syncthing listens (default tcp://0.0.0.0:22000)",
        )
        p.add_argument(
            "--internet",
            action="store_true",
            help="also use Syncthing's global discovery, relays and NAT traversal",
        )
        p.add_argument(
            "--limit-kbps",
            type=int,
            metavar="KBPS",
            help="cap sending and receiving at this many KiB/s (0: no cap)",
        )

    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = sub.add_parser("office", help="make this machine the office that sends the content")
    common(p)
    network(p)
    p.add_argument("--name", required=True, help="the office's name, e.g. 镇政府")
    p.add_argument(
        "--address",
        action="append",
        metavar="ADDR",
        help="where stations reach this machine, e.g. tcp://10.1.2.3:22000 (repeatable)",
    )
    p.add_argument("--card", type=Path, help="write the office's site card here")

    p = sub.add_parser("add-station", help="at the office: send the content to a station")
    common(p)
    p.add_argument("card", nargs="?", type=Path, help="the station's site card")
    p.add_argument("--name", help="the station's name (without a card)")
    p.add_argument("--id", dest="device_id", help="the station's device ID (without a card)")
    p.add_argument("--address", action="append", metavar="ADDR", help="the station's address")
    p.add_argument("--limit-kbps", type=int, metavar="KBPS", help="cap sending to this station")

    p = sub.add_parser("remove-station", help="at the office: stop sending to a station")
    common(p)
    p.add_argument("name")

    p = sub.add_parser(
        "station", help="make this machine a station that shows the office's content"
    )
    common(p)
    network(p)
    p.add_argument("--name", help="the station's name = its screen name (default: screen)")
    p.add_argument("--office", type=Path, help="the office's site card")
    p.add_argument("--office-id", help="the office's device ID (without a card)")
    p.add_argument("--office-address", action="append", metavar="ADDR")
    p.add_argument("--card", type=Path, help="write the station's site card here")

    for name, text in (
        ("tick", "write the station's sync report or the office's summary (timer)"),
        ("show", "print what tick would write"),
        ("id", "print this machine's device ID"),
        ("revert", "at a station: undo local changes to the office's content"),
    ):
        p = sub.add_parser(name, help=text)
        common(p)
    return parser


def sites_main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if (
        os.geteuid() == 0
        and args.action not in ("show", "id")
        and not os.environ.get("SIGNAGE_SITES_AS_ROOT")
    ):
        print(
            "signage sites: 请用播放器的用户运行（Syncthing 以这个用户运行，文件要归它所有）：\n"
            f"  sudo -u signage signage sites {args.action} …",
            file=sys.stderr,
        )
        return 2
    try:
        ctx = _context(args)
        handler = {
            "office": cmd_office,
            "add-station": cmd_add_station,
            "remove-station": cmd_remove_station,
            "station": cmd_station,
            "tick": cmd_tick,
            "show": cmd_show,
            "id": cmd_id,
            "revert": cmd_revert,
        }[args.action]
        return handler(ctx, args)
    except SiteError as err:
        print(f"signage sites {args.action}: {err}", file=sys.stderr)
        return 2
    except SyncthingError as err:
        print(f"signage sites {args.action}: {err}", file=sys.stderr)
        return 1


def _context(args: argparse.Namespace) -> Context:
    config = args.config if args.config is not None else DEFAULT_MACHINE_CONFIG
    settings, _problems = load_settings(args.content, config)
    content = (args.content or settings.content).absolute()
    state_dir = (args.state_dir or settings.state_dir or DEFAULT_STATE_DIR).absolute()
    status_dir = state_dir / STATUS_SUBDIR
    if _inside(status_dir, content) or _inside(content, status_dir):
        raise SiteError(
            f"状态文件夹 {status_dir} 和内容文件夹 {content} 不能互相包含"
            "（状态不能混进发给各站的内容里）。"
        )
    tuning = (
        folders.Tuning(
            content_watch_delay_s=1, content_rescan_s=60, status_watch_delay_s=1, status_rescan_s=60
        )
        if args.fast
        else folders.Tuning()
    )
    home = args.home.absolute() if args.home else default_home()
    return Context(settings, home, content, state_dir, status_dir, tuning, args.lan_only, args.fast)


def _inside(path: Path, root: Path) -> bool:
    path, root = path.resolve(), root.resolve()
    return path == root or root in path.parents


# --- set-up ---------------------------------------------------------------------------------


def _start(ctx: Context, args: argparse.Namespace) -> Rest | None:
    """Keys and safe options before Syncthing's first start; the REST client if it runs."""
    listen = tuple(check_address(a) for a in (args.listen or folders.DEFAULT_LISTEN))
    limit = getattr(args, "limit_kbps", None)
    created = ensure_home(ctx.home)
    if created:
        wanted = _options({}, ctx, listen, args.internet, limit)
        write_options_offline(ctx.home, wanted)
    rest = Rest(gui_of(ctx.home))
    try:
        rest.my_id()
    except NotRunning:
        return None
    current = rest.get("/rest/config/options")
    rest.put("/rest/config/options", _options(current, ctx, listen, args.internet, limit))
    return rest


def _options(
    current: dict[str, Any],
    ctx: Context,
    listen: Sequence[str],
    internet: bool,
    limit: int | None,
) -> dict[str, Any]:
    return folders.safe_options(
        current,
        listen=listen,
        internet=internet,
        limit_kbps=limit,
        # Tests stop and start a station: it should dial the office again within seconds.
        reconnect_s=5 if ctx.fast else None,
        local_discovery=not ctx.lan_only,
    )


def _not_running_message(ctx: Context, action: str) -> str:
    return (
        "Syncthing 还没有运行，所以这一步只做了一半（本机的设备号已经生成）。请运行：\n"
        "  sudo systemctl enable --now syncthing@signage\n"
        f"然后再运行一次同一条命令（signage sites {action} …），把其余的设置做完。"
    )


def _write_card(ctx: Context, card: SiteCard, where: Path | None) -> Path:
    from signage.sites.card import card_text

    path = where or ctx.state_dir / CARDS_DIR / f"站点卡-{card.name}.txt"
    report.write_bytes_atomic(path, encode_for_notepad(card_text(card)))
    return path


def _save_site(ctx: Context, data: dict[str, Any]) -> None:
    report.write_bytes_atomic(
        ctx.state_dir / SITE_FILE, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()
    )


def _load_site(ctx: Context) -> dict[str, Any]:
    return report.read_json(ctx.state_dir / SITE_FILE) or {}


def _write_ignores(folder_path: Path, lines: list[str]) -> None:
    """.stignore before Syncthing first scans the folder: local-only files never leave."""
    folder_path.mkdir(parents=True, exist_ok=True)
    report.write_bytes_atomic(folder_path / ".stignore", ("\n".join(lines) + "\n").encode())


def cmd_office(ctx: Context, args: argparse.Namespace) -> int:
    name = check_name(args.name)
    addresses = tuple(check_address(a) for a in (args.address or ()))
    if not ctx.content.is_dir():
        raise SiteError(f"内容文件夹 {ctx.content} 不存在。请先安装播放器（scripts/install）。")
    rest = _start(ctx, args)
    me = own_device_id(ctx.home)
    card_path = _write_card(ctx, SiteCard("office", name, me, addresses), args.card)
    _save_site(ctx, {"role": "office", "name": name, "device_id": me, "home": str(ctx.home)})
    print(f"本机（{name}）的设备号：{me}")
    print(f"站点卡已写到：{card_path}（把它交给各站点的管理员）")
    if rest is None:
        print(_not_running_message(ctx, "office"), file=sys.stderr)
        return 1
    rest.put_device(folders.device_entry(rest.device(me) or {}, device_id=me, name=name))
    existing = rest.folder(folders.CONTENT_FOLDER_ID)
    devices = [me] + [
        d["deviceID"] for d in (existing or {}).get("devices", []) if d.get("deviceID") != me
    ]
    _write_ignores(ctx.content, folders.ignore_lines())
    base = existing or rest.get("/rest/config/defaults/folder")
    rest.put_folder(
        folders.content_folder(
            base, role="office", path=ctx.content, devices=devices, tuning=ctx.tuning
        )
    )
    rest.set_ignores(folders.CONTENT_FOLDER_ID, folders.ignore_lines())
    (ctx.status_dir / folders.STATIONS_DIR).mkdir(parents=True, exist_ok=True)
    os.chmod(ctx.status_dir / folders.STATIONS_DIR, 0o755)
    rest.restart_if_required()
    print(f"内容文件夹 {ctx.content} 已设为“只发送”（{folders.CONTENT_FOLDER_ID}）。")
    print("下一步：每个站点运行 signage sites station，")
    print("再在这里运行 signage sites add-station 站点传回的站点卡。")
    return 0


def cmd_add_station(ctx: Context, args: argparse.Namespace) -> int:
    if args.card is not None:
        try:
            data = args.card.read_bytes()
        except OSError as err:
            raise SiteError(f"读不了站点卡 {args.card}：{err.strerror or err}") from None
        card = parse_card(data, source=str(args.card))
        if card.role != "station":
            raise SiteError(f"{args.card} 是镇里的站点卡，不是站点的。请用站点那边生成的站点卡。")
    elif args.name and args.device_id:
        card = SiteCard(
            "station",
            check_name(args.name),
            normalise_device_id(args.device_id),
            tuple(check_address(a) for a in (args.address or ())),
        )
    else:
        raise SiteError("请给出站点卡文件，或者同时给出 --name 和 --id。")
    rest = Rest(gui_of(ctx.home))
    me = rest.my_id()
    station_id = rest.verify_device_id(card.device_id)
    if station_id == me:
        raise SiteError("这是本机自己的设备号，不是站点的。")
    for folder in rest.folders():
        if (
            str(folder.get("id", "")).startswith(folders.STATUS_FOLDER_PREFIX)
            and folders.station_name_of(folder) == card.name
            and folder["id"] != folders.status_folder_id(station_id)
        ):
            raise SiteError(
                f"已经有一个叫“{card.name}”的站点（另一台机器）。站点名称要各不相同；"
                f"如果那台机器换掉了，请先运行 signage sites remove-station {card.name}。"
            )
    addresses = card.addresses or tuple(check_address(a) for a in (args.address or ()))
    rest.put_device(
        folders.device_entry(
            rest.device(station_id) or rest.get("/rest/config/defaults/device"),
            device_id=station_id,
            name=card.name,
            addresses=addresses,
            limit_kbps=getattr(args, "limit_kbps", None),
        )
    )
    if args.limit_kbps:
        # A private address counts as LAN, which Syncthing leaves unlimited unless told.
        rest.patch("/rest/config/options", {"limitBandwidthInLan": True})
    content = rest.folder(folders.CONTENT_FOLDER_ID)
    if content is None:
        raise SiteError("本机还不是镇里的发送端。请先运行 signage sites office --name 名称。")
    devices = [d["deviceID"] for d in content.get("devices", [])] + [station_id]
    rest.put_folder(
        folders.content_folder(
            content, role="office", path=Path(content["path"]), devices=devices, tuning=ctx.tuning
        )
    )
    path = folders.station_status_path(ctx.status_dir, card.name)
    _write_ignores(path, folders.status_ignore_lines())
    os.chmod(path, 0o755)
    folder_id = folders.status_folder_id(station_id)
    base = rest.folder(folder_id) or rest.get("/rest/config/defaults/folder")
    rest.put_folder(
        folders.status_folder(
            base,
            role="office",
            station=card.name,
            station_id=station_id,
            path=path,
            devices=[me, station_id],
            tuning=ctx.tuning,
        )
    )
    print(f"已加上站点“{card.name}”（{station_id}）。")
    print(f"它的状态会出现在 {path}，汇总在 {ctx.status_dir / summary.SUMMARY_TEXT}。")
    return 0


def cmd_remove_station(ctx: Context, args: argparse.Namespace) -> int:
    name = check_name(args.name)
    rest = Rest(gui_of(ctx.home))
    found = [
        f
        for f in rest.folders()
        if str(f.get("id", "")).startswith(folders.STATUS_FOLDER_PREFIX)
        and folders.station_name_of(f) == name
    ]
    if not found:
        raise SiteError(f"没有叫“{name}”的站点。")
    me = rest.my_id()
    for folder in found:
        station_ids = [d["deviceID"] for d in folder.get("devices", []) if d["deviceID"] != me]
        rest.delete(f"/rest/config/folders/{folder['id']}")
        content = rest.folder(folders.CONTENT_FOLDER_ID)
        if content is not None:
            kept = [d["deviceID"] for d in content["devices"] if d["deviceID"] not in station_ids]
            rest.put_folder(
                folders.content_folder(
                    content,
                    role="office",
                    path=Path(content["path"]),
                    devices=kept,
                    tuning=ctx.tuning,
                )
            )
        for device in station_ids:
            rest.delete(f"/rest/config/devices/{device}")
    left = ctx.status_dir / folders.STATIONS_DIR / name
    print(f"已不再给“{name}”发送内容。它以前的状态文件留在 {left}，不需要的话可以删掉。")
    return 0


def cmd_station(ctx: Context, args: argparse.Namespace) -> int:
    name = check_name(args.name or ctx.settings.screen)
    if args.office is not None:
        try:
            data = args.office.read_bytes()
        except OSError as err:
            raise SiteError(f"读不了站点卡 {args.office}：{err.strerror or err}") from None
        office = parse_card(data, source=str(args.office))
        if office.role != "office":
            raise SiteError(f"{args.office} 是站点的站点卡，不是镇里的。请用镇里生成的站点卡。")
    elif args.office_id:
        office = SiteCard(
            "office",
            "镇里",
            normalise_device_id(args.office_id),
            tuple(check_address(a) for a in (args.office_address or ())),
        )
    else:
        raise SiteError("请用 --office 给出镇里的站点卡，或者用 --office-id 给出镇里的设备号。")
    addresses = office.addresses + tuple(check_address(a) for a in (args.office_address or ()))
    rest = _start(ctx, args)
    me = own_device_id(ctx.home)
    card_path = _write_card(ctx, SiteCard("station", name, me), args.card)
    _save_site(
        ctx,
        {
            "role": "station",
            "name": name,
            "device_id": me,
            "office": {"name": office.name, "device_id": office.device_id},
            "home": str(ctx.home),
        },
    )
    print(f"本站（{name}）的设备号：{me}")
    print(f"站点卡已写到：{card_path}")
    print("（把它交给镇里的管理员，在镇里运行 signage sites add-station 这个文件）")
    if name != ctx.settings.screen:
        print(
            f"注意：这台播放机的屏幕名称是“{ctx.settings.screen}”。"
            "播放列表的 screens: 按屏幕名称选屏幕，"
            f"请在 /etc/signage/signage.yaml 里写上 screen: {name}，再重启播放器。"
        )
    if rest is None:
        print(_not_running_message(ctx, "station"), file=sys.stderr)
        return 1
    office_id = rest.verify_device_id(office.device_id)
    if office_id == me:
        raise SiteError("这是本机自己的设备号，不是镇里的。")
    rest.put_device(folders.device_entry(rest.device(me) or {}, device_id=me, name=name))
    rest.put_device(
        folders.device_entry(
            rest.device(office_id) or rest.get("/rest/config/defaults/device"),
            device_id=office_id,
            name=office.name,
            addresses=addresses,
        )
    )
    ctx.content.mkdir(parents=True, exist_ok=True)
    (ctx.content / "slides" / folders.LOCAL_DIR).mkdir(parents=True, exist_ok=True)
    _write_ignores(ctx.content, folders.ignore_lines())
    base = rest.folder(folders.CONTENT_FOLDER_ID) or rest.get("/rest/config/defaults/folder")
    rest.put_folder(
        folders.content_folder(
            base, role="station", path=ctx.content, devices=[me, office_id], tuning=ctx.tuning
        )
    )
    rest.set_ignores(folders.CONTENT_FOLDER_ID, folders.ignore_lines())
    _write_ignores(ctx.status_dir, folders.status_ignore_lines())
    folder_id = folders.status_folder_id(me)
    base = rest.folder(folder_id) or rest.get("/rest/config/defaults/folder")
    rest.put_folder(
        folders.status_folder(
            base,
            role="station",
            station=name,
            station_id=me,
            path=ctx.status_dir,
            devices=[me, office_id],
            tuning=ctx.tuning,
        )
    )
    rest.restart_if_required()
    print(f"内容文件夹 {ctx.content} 已设为“只接收”：镇里的内容会自动同步过来。")
    print(f"本站自己的内容请放在 {ctx.content / 'slides' / folders.LOCAL_DIR}（不会和镇里交换）。")
    return 0


def cmd_id(ctx: Context, args: argparse.Namespace) -> int:
    # Only reads: run by root by mistake, it must not make a second Syncthing in root's home.
    if not (ctx.home / "config.xml").is_file():
        raise SiteError(
            f"{ctx.home} 里还没有 Syncthing 的配置。先运行 signage sites office 或 station。"
        )
    print(own_device_id(ctx.home))
    return 0


def cmd_revert(ctx: Context, args: argparse.Namespace) -> int:
    rest = Rest(gui_of(ctx.home))
    folder = rest.folder(folders.CONTENT_FOLDER_ID)
    if folder is None or folder.get("type") != "receiveonly":
        raise SiteError("本机不是站点（没有“只接收”的内容文件夹），没有可以恢复的。")
    rest.post("/rest/db/revert", folder=folders.CONTENT_FOLDER_ID)
    print("已恢复成和镇里一样：本站加的文件会删掉，改过、删过的会重新从镇里取回。")
    print("（本站 文件夹里的内容不受影响。）")
    return 0


# --- the timer ------------------------------------------------------------------------------


def _now(ctx: Context) -> datetime:
    return SystemClock(local_zone(ctx.settings.timezone)).now()


def cmd_tick(ctx: Context, args: argparse.Namespace) -> int:
    return tick(ctx, _now(ctx), write=True)


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    return tick(ctx, _now(ctx), write=False)


def tick(ctx: Context, now: datetime, *, write: bool) -> int:
    site = _load_site(ctx)
    role = site.get("role")
    if role == "station":
        previous = report.read_json(ctx.status_dir / report.REPORT_JSON)
        data = station_tick(ctx, str(site.get("name") or ctx.settings.screen), site, now)
        text = report.report_text(data, now)
        if write and report.worth_sending(data, previous, now):
            report.write_bytes_atomic(
                ctx.status_dir / report.REPORT_JSON,
                (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode(),
            )
            report.write_bytes_atomic(ctx.status_dir / report.REPORT_TEXT, encode_for_notepad(text))
        else:
            print(text)
        return 0
    if role == "office":
        data = office_tick(ctx, str(site.get("name") or "镇政府"), now)
        text = summary.summary_text(data, now)
        if write:
            report.write_bytes_atomic(
                ctx.status_dir / summary.SUMMARY_JSON,
                (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode(),
            )
            report.write_bytes_atomic(
                ctx.status_dir / summary.SUMMARY_TEXT, encode_for_notepad(text)
            )
        else:
            print(text)
        return 0
    print(
        "signage sites: 这台机器还没有设成镇里或站点（先运行 signage sites office 或 station）。",
        file=sys.stderr,
    )
    # A timer on a machine not (yet) set up has nothing to do: not a failure worth a log line
    # every minute.
    return 0 if write else 1


def _last_seen(stats: Any, device: str) -> datetime | None:
    from signage.sites.words import parse_time

    entry = stats.get(device) if isinstance(stats, dict) else None
    seen = parse_time(entry.get("lastSeen")) if isinstance(entry, dict) else None
    # Syncthing says 1970 for "never".
    return seen if seen is not None and seen.year >= 2000 else None


def _connected(connections: Any, device: str) -> bool:
    entry = (connections or {}).get("connections", {}).get(device)
    return bool(isinstance(entry, dict) and entry.get("connected"))


def station_tick(ctx: Context, name: str, site: dict[str, Any], now: datetime) -> dict[str, Any]:
    office_id = str((site.get("office") or {}).get("device_id") or "")
    try:
        rest = Rest(gui_of(ctx.home), timeout=5)
        status = rest.get("/rest/db/status", folder=folders.CONTENT_FOLDER_ID)
        connections = rest.get("/rest/system/connections")
        stats = rest.get("/rest/stats/device")
        sync = report.SyncState(
            running=True,
            peer_connected=_connected(connections, office_id),
            peer_last_seen=_last_seen(stats, office_id),
            folder_state=str(status.get("state", "")),
            need_items=int(status.get("needTotalItems", 0)),
            need_bytes=int(status.get("needBytes", 0)),
            pull_errors=int(status.get("pullErrors", 0)),
            local_changes=int(status.get("receiveOnlyTotalItems", 0)),
        )
    except SyncthingError as err:
        sync = report.SyncState(running=False, error=str(err).split("技术说明：")[-1])
    conflicts = report.find_conflicts(ctx.content) if ctx.content.is_dir() else []
    previous = report.read_json(ctx.status_dir / report.REPORT_JSON)
    return report.station_report(name, sync, conflicts, previous, now).as_dict()


def office_tick(ctx: Context, name: str, now: datetime) -> dict[str, Any]:
    stations_dir = ctx.status_dir / folders.STATIONS_DIR
    known: dict[str, tuple[str, summary.PeerView | None]] = {}
    error = ""
    try:
        rest = Rest(gui_of(ctx.home), timeout=5)
        me = rest.my_id()
        connections = rest.get("/rest/system/connections")
        stats = rest.get("/rest/stats/device")
        for folder in rest.folders():
            if not str(folder.get("id", "")).startswith(folders.STATUS_FOLDER_PREFIX):
                continue
            ids = [d["deviceID"] for d in folder.get("devices", []) if d["deviceID"] != me]
            device = ids[0] if ids else ""
            need: int | None = None
            if device:
                try:
                    completion = rest.get(
                        "/rest/db/completion", folder=folders.CONTENT_FOLDER_ID, device=device
                    )
                    need = int(completion.get("needItems", 0)) + int(
                        completion.get("needDeletes", 0)
                    )
                except SyncthingError:
                    need = None
            view = summary.PeerView(
                connected=_connected(connections, device),
                last_seen=_last_seen(stats, device),
                need_items=need,
            )
            known[folders.station_name_of(folder)] = (device, view)
    except SyncthingError as err:
        error = str(err).split("技术说明：")[-1]
    names = set(known)
    if stations_dir.is_dir():
        # A station removed from Syncthing but whose folder is still there, or a summary
        # written while Syncthing is down: its last status is still worth showing.
        names |= {e.name for e in stations_dir.iterdir() if e.is_dir() and e.name[:1] != "."}
    stations = []
    for station in sorted(names):
        device, peer = known.get(station, ("", None))
        where = stations_dir / station
        stations.append(
            summary.Station(
                station,
                device,
                status=report.read_json(where / STATUS_JSON_NAME),
                report=report.read_json(where / report.REPORT_JSON),
                peer=peer,
            )
        )
    office_conflicts = report.find_conflicts(ctx.content) if ctx.content.is_dir() else []
    office = summary.Station(
        name,
        status=report.read_json(ctx.status_dir / STATUS_JSON_NAME),
        report={
            "problems": [
                report.SiteProblem("conflict-copy", path=p).as_dict() for p in office_conflicts
            ]
        },
    )
    return summary.summary(office, stations, now, syncthing_error=error)
