"""The staff share: smb.conf text for the content folder and the read-only status folder.

Staff in the office map the content root as a network drive from Windows and drop files in
it; a second, read-only share shows them the plain-Chinese status page (statuspage.py) that
explains why a file is not on the screen. `samba_config` is a pure function of a
`ShareSettings`, so tests can run a real smbd on loopback from exactly the text the lobby
machine installs. `share_config_main` is the `signage share-config` command the installer
(scripts/install-share) calls.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signage.core.config import (
    DEFAULT_CONTENT,
    DEFAULT_MACHINE_CONFIG,
    DEFAULT_STATE_DIR,
    Settings,
    load_settings,
)
from signage.core.model import Problem

STATUS_SUBDIR = "status"
"""The status share exposes only this sub-folder of the state dir: the play log and caches
that also live in the state dir are none of the staff's business."""

# What Windows Explorer shows beside each share (its "comment"), for staff who read Chinese.
CONTENT_COMMENT = "大厅信息屏的内容：通知、文件、照片、会议通知放进 slides 文件夹"
STATUS_COMMENT = (
    "大厅信息屏的状态（只读）：打开 状态.txt 查看屏幕在放什么、哪个文件没有显示、为什么"
)

# A Samba share name: Windows shows it under \\host\, so keep it short, ASCII, no spaces.
_SHARE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")
# A unix account or group name as useradd(8) accepts it by default.
_ACCOUNT = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
# One hosts-allow entry: an address, a network with a prefix or mask, or a host name.
_HOST_ENTRY = re.compile(r"[A-Za-z0-9.:/_-]{1,80}")
_INTERFACE = re.compile(r"[A-Za-z0-9.:/_-]{1,80}")


@dataclass(frozen=True)
class ShareSettings:
    """What the generated smb.conf says. Defaults are the lobby machine's; tests override
    the port, interfaces and every runtime directory to run smbd unprivileged in a temp dir."""

    content: Path = DEFAULT_CONTENT
    """The content root staff write into (the [signage] share)."""
    status_dir: Path = DEFAULT_STATE_DIR / STATUS_SUBDIR
    """Where the player writes 状态.txt and status.json (the read-only status share)."""
    share_name: str = "signage"
    status_share_name: str = "signage-status"
    share_content: bool = True
    """False: only the status share, when the content root is a mount of the office's own
    file server (re-sharing a network mount through Samba invites trouble)."""
    staff_user: str = "signage-staff"
    """The Samba account staff log in with; it needs a unix account of the same name."""
    group: str | None = "signage"
    """Every file staff write gets this group, so the player (in it) can read it; None: no
    forced group (tests on machines without the group)."""
    workgroup: str = "WORKGROUP"
    server_string: str = "大厅信息屏"
    """Shown beside the machine in Windows' network view: Chinese, like the staff who see it."""
    hosts_allow: tuple[str, ...] = ()
    """The office's subnets ("192.168.1.0/24"); empty: any host that can reach the machine."""
    netbios: bool = True
    """Answer NetBIOS name queries (nmbd), so older Windows finds \\\\hostname without DNS."""
    port: int | None = None
    """None: Samba's usual ports (445, and 139 with NetBIOS)."""
    interfaces: tuple[str, ...] = ()
    """Listen only on these (bind interfaces only); empty: every interface."""
    private_dir: Path | None = None
    """Holds the password database; None: Samba's built-in location."""
    lock_dir: Path | None = None
    state_dir: Path | None = None
    cache_dir: Path | None = None
    pid_dir: Path | None = None
    ncalrpc_dir: Path | None = None
    log_file: Path | None = None

    def replace(self, **changes: Any) -> ShareSettings:
        return dataclasses.replace(self, **changes)


def check_share(share: ShareSettings) -> list[str]:
    """Everything wrong with the settings, quoting the bad value; empty when usable.

    smb.conf has no quoting: a newline or a stray character in a value would add options,
    so every free-text value is checked here rather than escaped.
    """
    errors: list[str] = []
    for key in ("share_name", "status_share_name"):
        value = getattr(share, key)
        if not _SHARE_NAME.fullmatch(value):
            errors.append(f"{key} {value!r} should be letters, digits, '.', '_' or '-'")
    if share.share_name.lower() == share.status_share_name.lower():
        errors.append(f"share_name and status_share_name are both {share.share_name!r}")
    if share.share_name.lower() in ("global", "homes", "printers", "ipc$"):
        errors.append(f"share_name {share.share_name!r} is reserved by Samba")
    if not _ACCOUNT.fullmatch(share.staff_user):
        errors.append(f"staff_user {share.staff_user!r} is not a valid account name")
    if share.group is not None and not _ACCOUNT.fullmatch(share.group):
        errors.append(f"group {share.group!r} is not a valid group name")
    for key in ("workgroup", "server_string"):
        value = getattr(share, key)
        if not value or any(c in value for c in "\r\n\0;#=[]\\") or len(value) > 60:
            errors.append(f"{key} {value!r} should be one short line of plain text")
    for entry in share.hosts_allow:
        if not _valid_host(entry):
            errors.append(
                f"hosts_allow entry {entry!r} is not an address, a network like "
                "192.168.1.0/24, or a host name"
            )
    for entry in share.interfaces:
        if not _INTERFACE.fullmatch(entry):
            errors.append(f"interfaces entry {entry!r} is not an interface or address")
    if share.port is not None and not 1 <= share.port <= 65535:
        errors.append(f"port {share.port!r} is outside 1..65535")
    for key in ("content", "status_dir", *_RUNTIME_DIRS, "log_file"):
        value = getattr(share, key)
        if value is None:
            continue
        text = str(value)
        if not value.is_absolute():
            errors.append(f"{key} {text!r} should be an absolute path")
        elif any(c in text for c in "\r\n\0") or text != text.strip():
            errors.append(f"{key} {text!r} contains a line break or surrounding spaces")
    if _inside(share.status_dir, share.content) or _inside(share.content, share.status_dir):
        errors.append(
            f"status_dir {str(share.status_dir)!r} and content {str(share.content)!r} overlap; "
            "the status page must never be written into the content folder"
        )
    return errors


def _valid_host(entry: str) -> bool:
    """An IP address or network (checked as one, so 192.168.1.0/33 or 300.1.1.1 is refused),
    a Samba prefix like "192.168.1." or a host name."""
    if not _HOST_ENTRY.fullmatch(entry):
        return False
    if re.fullmatch(r"[0-9.]+\.", entry):  # Samba's "192.168.1." prefix form
        parts = entry.rstrip(".").split(".")
        return len(parts) <= 3 and all(p.isdigit() and int(p) <= 255 for p in parts)
    if re.fullmatch(r"[0-9./]+|[0-9A-Fa-f:./]+", entry) and any(c in entry for c in ".:/"):
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return False
        return True
    return bool(re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)*", entry))


_RUNTIME_DIRS = {
    "private_dir": "private dir",
    "lock_dir": "lock directory",
    "state_dir": "state directory",
    "cache_dir": "cache directory",
    "pid_dir": "pid directory",
    "ncalrpc_dir": "ncalrpc dir",
}


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def samba_config(share: ShareSettings) -> str:
    """The complete smb.conf for the lobby machine. Raises ValueError listing every bad value."""
    errors = check_share(share)
    if errors:
        raise ValueError("; ".join(errors))
    out: list[str] = [
        "# Generated by `signage share-config`; edit /etc/signage/signage.yaml (share:) and",
        "# re-run scripts/install-share rather than editing this file.",
        "[global]",
        f"   workgroup = {share.workgroup}",
        f"   server string = {share.server_string}",
        "   server role = standalone server",
        "   security = user",
        "   passdb backend = tdbsam",
        # Nobody gets in without the staff password: no guest fallback for unknown users or
        # bad passwords, and no anonymous listing of shares or users.
        "   map to guest = Never",
        "   restrict anonymous = 2",
        # SMB1 is insecure and off in current Windows; SMB 2.1 is the oldest dialect Windows 7
        # speaks, the oldest PC one may still meet in a township office.
        "   server min protocol = SMB2_10",
        # Chinese file names: stored on disk as UTF-8; CP936 (GBK) for old clients' DOS names.
        "   unix charset = UTF-8",
        "   dos charset = CP936",
        "   load printers = no",
        "   printing = bsd",
        "   printcap name = /dev/null",
        "   disable spoolss = yes",
        "   usershare max shares = 0",
    ]
    if share.netbios:
        out.append("   disable netbios = no")
    else:
        out.append("   disable netbios = yes")
    if share.port is not None:
        out.append(f"   smb ports = {share.port}")
    if share.interfaces:
        out.append(f"   interfaces = {' '.join(share.interfaces)}")
        out.append("   bind interfaces only = yes")
    if share.hosts_allow:
        # Loopback stays allowed so the administrator can test on the machine itself.
        allowed = [*share.hosts_allow]
        if "127.0.0.1" not in allowed:
            allowed.append("127.0.0.1")
        out.append(f"   hosts allow = {' '.join(allowed)}")
        out.append("   hosts deny = ALL")
    for key, option in _RUNTIME_DIRS.items():
        value = getattr(share, key)
        if value is not None:
            out.append(f"   {option} = {value}")
    if share.log_file is not None:
        out.append(f"   log file = {share.log_file}")
        out.append("   logging = file")
    else:
        out.append("   logging = systemd")
    out.append("   max log size = 1000")
    out.append("   log level = 1")

    if share.share_content:
        out += _content_section(share)
    out += _status_section(share)
    return "\n".join(out)


def _content_section(share: ShareSettings) -> list[str]:
    lines = [
        "",
        f"[{share.share_name}]",
        f"   comment = {CONTENT_COMMENT}",
        f"   path = {share.content}",
        f"   valid users = {share.staff_user}",
        "   read only = no",
        "   browseable = yes",
        # Whoever logs in, files belong to the staff account and the signage group, so the
        # player (a member of that group) can read them and nobody else on the machine can.
        f"   force user = {share.staff_user}",
    ]
    if share.group is not None:
        lines.append(f"   force group = {share.group}")
    return [
        *lines,
        # Owner read-write, group read-only, others nothing; directories setgid so the group
        # sticks below them. The player reads through the group and can never write.
        "   create mask = 0640",
        "   force create mode = 0640",
        "   directory mask = 2750",
        "   force directory mode = 2750",
        # The read-only attribute goes to an extended attribute, not to the mode bits, so a
        # file marked read-only in Windows stays readable by the player.
        "   map readonly = no",
        "   hide dot files = yes",
    ]


def _status_section(share: ShareSettings) -> list[str]:
    return [
        "",
        f"[{share.status_share_name}]",
        f"   comment = {STATUS_COMMENT}",
        f"   path = {share.status_dir}",
        f"   valid users = {share.staff_user}",
        "   read only = yes",
        "   browseable = yes",
        "   hide dot files = yes",
        "",
    ]


_SHARE_KEYS: dict[str, str] = {
    "status_dir": "path",
    "share_name": "name",
    "status_share_name": "name",
    "staff_user": "account",
    "group": "account",
    "workgroup": "text",
    "server_string": "text",
    "hosts_allow": "list",
    "netbios": "bool",
    "share_content": "bool",
    "port": "int",
    "interfaces": "list",
}


DEFAULT_SMB_CONF = Path("/etc/samba/smb.conf")


def staff_share_address(
    settings: Settings, host: str, smb_conf: Path | None = DEFAULT_SMB_CONF
) -> str:
    """Where staff put files, as they type it in Explorer (\\\\lobby-pc\\signage), for the
    card a new, empty lobby shows; "" when not known. In order: `share: {address: …}` in the
    machine configuration (a file server, a DNS name), the share of `smb_conf` whose path is
    the content root (what scripts/install-share set up), the `share:` section's share name."""
    section: Mapping[str, Any] = settings.share if isinstance(settings.share, Mapping) else {}
    explicit = section.get("address")
    if isinstance(explicit, str) and explicit.strip():
        return "".join(ch for ch in explicit.strip() if ch.isprintable())[:80]
    name = _share_for_path(smb_conf, settings.content) if smb_conf is not None else None
    if name is None and section and section.get("share_content", True) is not False:
        candidate = str(section.get("share_name", ShareSettings.share_name))
        name = candidate if _SHARE_NAME.fullmatch(candidate) else None
    return f"\\\\{host}\\{name}" if name else ""


def _share_for_path(smb_conf: Path, content: Path) -> str | None:
    """The name of the share in smb.conf that serves `content`, if any."""
    try:
        text = smb_conf.read_text("utf-8", "replace")
    except OSError:
        return None
    try:
        wanted = content.resolve()
    except OSError:
        return None
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        key, sep, value = line.partition("=")
        if sep and section and key.strip().lower() == "path" and section.lower() != "global":
            try:
                if Path(value.strip()).resolve() == wanted:
                    return section
            except OSError:
                continue
    return None


def share_from_settings(settings: Settings) -> tuple[ShareSettings, list[Problem]]:
    """ShareSettings from the machine configuration: its content root, its state dir, and the
    optional `share:` section (`settings.share`, keys as in ShareSettings). Bad values are
    problems, and then every share setting keeps its default."""
    problems: list[Problem] = []
    content = settings.content if settings.content != Path(".") else DEFAULT_CONTENT
    state = settings.state_dir or DEFAULT_STATE_DIR
    share = ShareSettings(content=content.absolute(), status_dir=state / STATUS_SUBDIR)
    section: Mapping[str, Any] = settings.share
    changes: dict[str, Any] = {}
    for key, value in section.items():
        if key == "address":
            if not isinstance(value, str):
                problems.append(
                    Problem("", f"share.address: {value!r} should be text", code="bad-value")
                )
            continue  # the card on an empty screen shows it; smb.conf does not use it
        kind = _SHARE_KEYS.get(str(key))
        try:
            if kind is None:
                known = ", ".join(sorted([*_SHARE_KEYS, "address"]))
                raise ValueError(f"unknown share setting (known: {known})")
            if kind == "path":
                changes[key] = Path(str(value))
            elif kind == "list":
                # "192.168.1.0/24, 192.168.2.0/24" as typed, or a YAML list.
                items = (
                    re.split(r"[\s,，、;；]+", value.strip()) if isinstance(value, str) else value
                )
                if not isinstance(items, list):
                    raise ValueError(f"{value!r} should be a list")
                changes[key] = tuple(str(v).strip() for v in items if str(v).strip())
            elif kind == "bool":
                if not isinstance(value, bool):
                    raise ValueError(f"{value!r} should be true or false")
                changes[key] = value
            elif kind == "int":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"{value!r} should be a whole number")
                changes[key] = value
            elif key == "group" and value is None:
                changes[key] = None
            else:
                changes[key] = str(value)
        except ValueError as err:
            problems.append(Problem("", f"share.{key}: {err}", code="bad-value"))
    candidate = share.replace(**changes)
    errors = check_share(candidate)
    if errors:
        problems += [Problem("", f"share: {e}", code="bad-value") for e in errors]
        return share, problems
    return candidate, problems


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signage share-config",
        description="Print the smb.conf for the staff share from the machine configuration.",
    )
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_MACHINE_CONFIG, help="machine configuration"
    )
    parser.add_argument("--content", type=Path, help="content root (overrides the configuration)")
    parser.add_argument(
        "--get",
        choices=sorted(f.name for f in dataclasses.fields(ShareSettings)),
        help="print one setting instead of the configuration (for the installer)",
    )
    return parser


def share_config_main(argv: Sequence[str] | None = None) -> int:
    """`signage share-config`: 0 and the config on stdout; 1 when the configuration has
    problems (listed on stderr, nothing on stdout); 2 on a usage error."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    settings, problems = load_settings(args.content, args.config)
    share, more = share_from_settings(settings)
    problems += more
    if problems:
        for problem in problems:
            print(f"signage share-config: {problem.describe()}", file=sys.stderr)
        return 1
    if args.get:
        value = getattr(share, args.get)
        print(" ".join(value) if isinstance(value, tuple) else "" if value is None else value)
        return 0
    sys.stdout.write(samba_config(share))
    return 0


if __name__ == "__main__":
    sys.exit(share_config_main())
