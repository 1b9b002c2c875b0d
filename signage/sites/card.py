"""Site names, device IDs and the site card two administrators exchange.

A site card is a few lines of text that say who a machine is: its role (office or station),
its name (the station's screen name, which playlists' `screens:` use), its Syncthing device
ID and, for the office, the addresses stations dial. One administrator writes it with
`signage sites office|station`, carries it over (USB stick, e-mail, a chat message), and
the other reads it with `signage sites station --office CARD` or `add-station CARD`. A
device ID can also be pasted by hand; either way it is checked here for shape, and by
Syncthing for its check digits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from signage.core.yamlsafe import YamlError, load_yaml_text

Role = Literal["office", "station"]

MAX_NAME = 40
MAX_CARD_BYTES = 8_000
_BASE32 = re.compile(r"[A-Z2-7]+")
# Windows cannot have these in a folder name, and the name becomes 各站状态\<站点> there.
_FORBIDDEN = set('/\\:*?"<>|')
_ADDRESS = re.compile(r"(?:tcp|tcp4|tcp6|quic|quic4|quic6)://[A-Za-z0-9.\-:\[\]_%]{1,200}|dynamic")


class SiteError(ValueError):
    """Bad input from the administrator: the message says what is wrong, in Chinese."""


def check_name(name: str) -> str:
    """A station or office name: becomes a folder name at the office and a screen name."""
    name = unicodedata.normalize("NFC", str(name)).strip()
    if not name:
        raise SiteError("站点名称不能为空。")
    if len(name) > MAX_NAME:
        raise SiteError(f"站点名称太长（{len(name)} 个字，最多 {MAX_NAME} 个）：{name!r}")
    bad = sorted({c for c in name if c in _FORBIDDEN or unicodedata.category(c)[0] == "C"})
    if bad:
        shown = "、".join(repr(c) for c in bad)
        raise SiteError(f"站点名称 {name!r} 里有不能用在文件夹名里的字符：{shown}")
    if name.startswith(".") or name.endswith("."):
        raise SiteError(f"站点名称 {name!r} 不能以“.”开头或结尾。")
    return name


def normalise_device_id(text: str) -> str:
    """A pasted device ID in Syncthing's 8x7 form; SiteError if it cannot be one.

    Accepts lower case, spaces and dashes anywhere, and the 52-character form without check
    digits; the check digits themselves are verified by Syncthing (`/rest/svc/deviceid`).
    """
    raw = re.sub(r"[\s\-]", "", str(text)).upper()
    # The substitutions Syncthing itself accepts for characters base32 does not use.
    raw = raw.translate(str.maketrans("018", "OIB"))
    if not _BASE32.fullmatch(raw or "-"):
        raise SiteError(
            f"设备号 {text!r} 不对：只能有字母 A–Z、数字 2–7 和“-”。"
            "请从另一台机器的站点卡或 `signage sites id` 的输出里整段复制。"
        )
    if len(raw) == 52:
        # Syncthing formats it with check digits once it is known; the grouping needs 56.
        return raw
    if len(raw) != 56:
        raise SiteError(
            f"设备号 {text!r} 长度不对（{len(raw)} 个字符，应为 56 个，不算“-”）。"
            "可能少复制或多复制了一段。"
        )
    return "-".join(raw[i : i + 7] for i in range(0, 56, 7))


def short_id(device_id: str) -> str:
    """The first group of a device ID: names a station's status folder at both ends."""
    return re.sub(r"[\s\-]", "", device_id).upper()[:7]


def check_address(text: str) -> str:
    value = str(text).strip()
    if not _ADDRESS.fullmatch(value):
        raise SiteError(
            f"地址 {text!r} 不对：应写成 tcp://10.1.2.3:22000 这样（IP 或主机名，加端口），"
            "或者 dynamic（自动发现）。"
        )
    return value


@dataclass(frozen=True)
class SiteCard:
    role: Role
    name: str
    device_id: str
    addresses: tuple[str, ...] = ()


_HEADER = {
    "office": "镇政府（发送内容的一端）",
    "station": "站点（接收内容、显示屏幕的一端）",
}


def card_text(card: SiteCard) -> str:
    """The card as a small YAML file with comments for the person who carries it."""
    other = (
        "signage sites station --name 本站名称 --office 这个文件"
        if card.role == "office"
        else "signage sites add-station 这个文件"
    )
    lines = [
        "# 信息屏多站点：站点卡（signage sites）",
        f"# 这是{_HEADER[card.role]}的站点卡。请把这个文件交给另一端的管理员，",
        f"# 在另一端运行：{other}",
        "# 里面没有密码；设备号只用来让两台机器互相认出对方。",
        f"role: {card.role}",
        f'name: "{card.name}"',
        f"device_id: {card.device_id}",
    ]
    if card.addresses:
        lines.append("addresses:")
        lines += [f"  - {a}" for a in card.addresses]
    return "\n".join(lines) + "\n"


def parse_card(data: bytes, *, source: str = "站点卡") -> SiteCard:
    """Read a card written by `card_text` (or typed by hand); SiteError naming the problem."""
    if len(data) > MAX_CARD_BYTES:
        raise SiteError(f"{source} 太大，不像是站点卡（{len(data)} 字节）。")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise SiteError(f"{source} 不是文本文件，不像是站点卡。") from None
    try:
        raw: Any = load_yaml_text(text)
    except YamlError as err:
        where = f"第 {err.line} 行：" if err.line else ""
        raise SiteError(f"{source} {where}格式有误（{err.message}）。") from None
    if not isinstance(raw, dict):
        raise SiteError(f"{source} 不像是站点卡：应有 role、name、device_id 几行。")
    role = raw.get("role")
    if role not in ("office", "station"):
        raise SiteError(f"{source} 里的 role 应为 office 或 station，而不是 {role!r}。")
    if "name" not in raw or "device_id" not in raw:
        raise SiteError(f"{source} 缺少 name 或 device_id。")
    addresses = raw.get("addresses") or ()
    if isinstance(addresses, str):
        addresses = (addresses,)
    if not isinstance(addresses, list | tuple):
        raise SiteError(f"{source} 里的 addresses 应为地址列表。")
    return SiteCard(
        role=role,
        name=check_name(str(raw["name"])),
        device_id=normalise_device_id(str(raw["device_id"])),
        addresses=tuple(check_address(a) for a in addresses),
    )
