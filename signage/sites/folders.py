"""What the office's and a station's Syncthing should hold: pure functions of their inputs.

Each function takes Syncthing's own JSON objects (from `/rest/config/...`, defaults or the
current entry) and returns the object to PUT, so a re-run of `signage sites` changes what
it owns and keeps what the administrator or Syncthing set besides.

Two kinds of folder:

- the content folder (`CONTENT_FOLDER_ID`): the office's content root, send-only there and
  receive-only on every station, so a station can neither change nor delete the office's
  files. Versioning is off (old notices are not worth keeping on a station's SD card), the
  smallest files come first (on a slow link a notice arrives before a photo album), and
  `.stignore` keeps what the player ignores anyway and each machine's local-only content
  (`slides/本站/`, `playlists/本站*.yaml`) out of the exchange.
- a station's status folder (`signage-status-<first group of its device ID>`): the
  station's `<state_dir>/status` (状态.txt, status.json, the sync report), send-only there and
  receive-only at the office under `各站状态/<站点>/` in the office's status share.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signage.core.paths import IGNORED_PATTERNS, PLAYLISTS_DIR, SLIDES_DIR

CONTENT_FOLDER_ID = "signage-content"
CONTENT_LABEL = "信息屏内容"
STATUS_FOLDER_PREFIX = "signage-status-"
STATIONS_DIR = "各站状态"
"""Under the office's status folder: one folder per station, named after it."""
LOCAL_DIR = "本站"
"""slides/本站/ and playlists/本站*.yaml stay on the machine that has them (ignored by
Syncthing on every machine), for a station's own notices."""

DEFAULT_LISTEN = ("tcp://0.0.0.0:22000",)


@dataclass(frozen=True)
class Tuning:
    """Scan settings. Staff expect a notice on the village screens within a minute; the
    watcher sees the office's own writes (Samba writes locally) and the periodic rescan
    catches anything inotify missed."""

    content_watch_delay_s: int = 2
    """Syncthing gathers file events this long before it scans: a copy in progress is
    mostly done by then, and a notice leaves the office within seconds."""
    content_rescan_s: int = 600
    status_watch_delay_s: int = 5
    status_rescan_s: int = 600


def status_folder_id(station_device_id: str) -> str:
    from signage.sites.card import short_id

    return STATUS_FOLDER_PREFIX + short_id(station_device_id)


def station_status_path(office_status_dir: Path, station: str) -> Path:
    return office_status_dir / STATIONS_DIR / station


def ignore_lines() -> list[str]:
    """`.stignore` for the content folder, on the office and every station alike.

    The player's own ignored names (core.paths) in Syncthing's glob syntax, case-insensitive,
    each deletable (`(?d)`) so an office deletion of a folder is not blocked by a leftover
    temporary file; then the local-only names, anchored at the root.
    """
    lines = [
        "// Written by `signage sites`; rewritten when it runs again.",
        "// Each machine's own content, never sent or received:",
        f"/{SLIDES_DIR}/{LOCAL_DIR}",
        f"/{PLAYLISTS_DIR}/{LOCAL_DIR}*",
        "// Names the player ignores (temporary, hidden, conflict copies):",
    ]
    for pattern in IGNORED_PATTERNS:
        escaped = "".join("\\" + c if c in "[]{}\\" else c for c in pattern)
        lines.append(f"(?d)(?i){escaped}")
    return lines


def status_ignore_lines() -> list[str]:
    """The player writes its status files through hidden temporary names: not worth sending."""
    return [
        "// Written by `signage sites`.",
        "(?d).*",
        "(?d)*.tmp",
    ]


def safe_options(
    current: Mapping[str, Any],
    *,
    listen: Sequence[str] = DEFAULT_LISTEN,
    internet: bool = False,
    limit_kbps: int | None = None,
    reconnect_s: int | None = None,
    local_discovery: bool = True,
) -> dict[str, Any]:
    """Syncthing's options for a signage machine.

    Never: usage reports, crash reports, its own upgrades (Debian upgrades it), a browser.
    Without `internet`, Syncthing talks only to the addresses written in its configuration
    and to machines on the same LAN: no global discovery servers, relays, NAT port mapping
    or STUN (all abroad, and a government network may forbid them); stations dial the
    office's address from its site card. `limit_kbps` caps sending and receiving (a slow
    village link that the office's other work also needs); None keeps what is set.
    Without `local_discovery` it dials only the addresses it is given (tests on loopback).
    """
    out = copy.deepcopy(dict(current))
    out.update(
        {
            "listenAddresses": list(listen),
            "globalAnnounceEnabled": internet,
            "relaysEnabled": internet,
            "natEnabled": internet,
            "localAnnounceEnabled": local_discovery,
            "urAccepted": -1,
            "urSeen": 3,
            "crashReportingEnabled": False,
            "autoUpgradeIntervalH": 0,
            "startBrowser": False,
            # 0 turns STUN off; Syncthing's default start delay when it may be used.
            "stunKeepaliveStartS": 180 if internet else 0,
        }
    )
    if limit_kbps is not None:
        out["maxSendKbps"] = max(0, int(limit_kbps))
        out["maxRecvKbps"] = max(0, int(limit_kbps))
        # Syncthing counts private addresses (10.x, 192.168.x: a government network) as LAN
        # and leaves them unlimited unless told otherwise.
        out["limitBandwidthInLan"] = int(limit_kbps) > 0
    if reconnect_s is not None:
        out["reconnectionIntervalS"] = int(reconnect_s)
    return out


def device_entry(
    current: Mapping[str, Any],
    *,
    device_id: str,
    name: str,
    addresses: Iterable[str] = (),
    limit_kbps: int | None = None,
) -> dict[str, Any]:
    out = copy.deepcopy(dict(current))
    out.update(
        {
            "deviceID": device_id,
            "name": name,
            "addresses": list(addresses) or ["dynamic"],
            "compression": "metadata",
            "introducer": False,
            # Nothing arrives that we did not configure: a folder offered by any machine is
            # not taken on by itself.
            "autoAcceptFolders": False,
            "paused": False,
        }
    )
    if limit_kbps is not None:
        out["maxSendKbps"] = max(0, int(limit_kbps))
    return out


def _folder(
    current: Mapping[str, Any],
    *,
    folder_id: str,
    label: str,
    path: Path,
    kind: str,
    devices: Iterable[str],
    watch_delay_s: int,
    rescan_s: int,
    ignore_perms: bool,
) -> dict[str, Any]:
    out = copy.deepcopy(dict(current))
    known = {d.get("deviceID"): d for d in out.get("devices") or [] if isinstance(d, Mapping)}
    wanted = []
    for device in dict.fromkeys(devices):
        entry = dict(known.get(device) or {"deviceID": device})
        entry.setdefault("introducedBy", "")
        entry.setdefault("encryptionPassword", "")
        wanted.append(entry)
    out.update(
        {
            "id": folder_id,
            "label": label,
            "path": str(path),
            "type": kind,
            "devices": wanted,
            "fsWatcherEnabled": True,
            "fsWatcherDelayS": watch_delay_s,
            "rescanIntervalS": rescan_s,
            "ignorePerms": ignore_perms,
            "paused": False,
        }
    )
    versioning = dict(out.get("versioning") or {})
    versioning.update({"type": "", "params": {}})
    out["versioning"] = versioning
    return out


def content_folder(
    current: Mapping[str, Any],
    *,
    role: str,
    path: Path,
    devices: Iterable[str],
    tuning: Tuning = Tuning(),
) -> dict[str, Any]:
    """The content root: send-only at the office, receive-only at a station."""
    out = _folder(
        current,
        folder_id=CONTENT_FOLDER_ID,
        label=CONTENT_LABEL,
        path=path,
        kind="sendonly" if role == "office" else "receiveonly",
        devices=devices,
        watch_delay_s=tuning.content_watch_delay_s,
        rescan_s=tuning.content_rescan_s,
        # Staff's file modes mean nothing on a station: the player reads what Syncthing
        # writes as its own user.
        ignore_perms=True,
    )
    # Name order puts playlists/ and signage.yaml before slides/: a station knows which
    # files are its own before they arrive. By size, a 50-byte notice for another village
    # came before the playlist that keeps it off this screen, and played meanwhile.
    out["order"] = "alphabetic"
    return out


def status_folder(
    current: Mapping[str, Any],
    *,
    role: str,
    station: str,
    station_id: str,
    path: Path,
    devices: Iterable[str],
    tuning: Tuning = Tuning(),
) -> dict[str, Any]:
    """A station's status folder: send-only at the station, receive-only at the office."""
    return _folder(
        current,
        folder_id=status_folder_id(station_id),
        label=f"{station} 的状态",
        path=path,
        kind="sendonly" if role == "station" else "receiveonly",
        devices=devices,
        watch_delay_s=tuning.status_watch_delay_s,
        rescan_s=tuning.status_rescan_s,
        # 0644 at the station stays 0644 at the office: the staff share reads it.
        ignore_perms=False,
    )


def station_name_of(folder: Mapping[str, Any]) -> str:
    """The station a status folder belongs to, from its label (`<站点> 的状态`)."""
    label = str(folder.get("label") or "")
    suffix = " 的状态"
    return label[: -len(suffix)] if label.endswith(suffix) else label
