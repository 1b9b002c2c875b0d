"""Syncthing from the outside: its home directory, config.xml before the first start, and
its REST API once it runs.

Debian's `syncthing@signage.service` runs Syncthing as the player's user with that user's
home (`/var/lib/signage`), so its configuration is `~/.config/syncthing/config.xml` there.
Options that must hold from the very first start (no discovery servers, relays or usage
reports) are written into config.xml before Syncthing ever runs; everything after that goes
through the REST API (http on 127.0.0.1 with the API key from config.xml), which applies a
change at once and keeps Syncthing the only writer of its file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_NAME = "config.xml"
DEFAULT_GUI = "127.0.0.1:8384"
REST_TIMEOUT_S = 10.0


class SyncthingError(RuntimeError):
    """Syncthing is missing, not running, or refused a request; the message is Chinese with
    the technical detail after it."""


def default_home(environ: Mapping[str, str] = os.environ) -> Path:
    """Where this user's Syncthing keeps its configuration (what syncthing@USER uses)."""
    if environ.get("STHOME"):
        return Path(environ["STHOME"])
    home = Path(environ.get("HOME") or Path.home())
    state = home / ".local/state/syncthing"  # Syncthing 1.27 and later
    if (state / CONFIG_NAME).is_file():
        return state
    config = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    return config / "syncthing"


def syncthing_binary() -> str:
    found = shutil.which("syncthing")
    if found is None:
        raise SyncthingError(
            "这台机器上没有安装 Syncthing。请先运行：sudo apt-get install syncthing"
        )
    return found


def ensure_home(home: Path) -> bool:
    """Create keys and a configuration if there are none; True if it was created now."""
    if (home / CONFIG_NAME).is_file():
        return False
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    result = subprocess.run(
        [syncthing_binary(), "generate", f"--home={home}", "--no-default-folder"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0 or not (home / CONFIG_NAME).is_file():
        raise SyncthingError(
            f"Syncthing 没能生成配置（{home}）。技术说明：{result.stderr.strip()[-500:]}"
        )
    return True


def own_device_id(home: Path) -> str:
    """This machine's device ID, from its certificate (Syncthing need not be running)."""
    result = subprocess.run(
        [syncthing_binary(), "serve", f"--home={home}", "--device-id"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    device = result.stdout.strip()
    if result.returncode != 0 or len(device) != 63:
        raise SyncthingError(
            f"读不出本机的设备号（{home}）。技术说明：{result.stderr.strip()[-500:]}"
        )
    return device


# --- config.xml before the first start ----------------------------------------------------

# JSON option names whose XML form is a repeated element of another name.
_XML_LISTS = {
    "listenAddresses": "listenAddress",
    "globalAnnounceServers": "globalAnnounceServer",
    "stunServers": "stunServer",
}


def _xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_options_offline(
    home: Path, options: Mapping[str, Any], *, gui_address: str | None = None
) -> None:
    """Put `options` (JSON names, as `folders.safe_options` gives them) into config.xml.

    Only while Syncthing is stopped: a running Syncthing would write its own copy back.
    Options config.xml does not list yet are added; nothing else in the file is touched.
    """
    path = home / CONFIG_NAME
    tree = ET.parse(path)
    root = tree.getroot()
    opts = root.find("options")
    if opts is None:
        opts = ET.SubElement(root, "options")
    for key, value in options.items():
        if key in _XML_LISTS:
            tag = _XML_LISTS[key]
            for old in opts.findall(tag):
                opts.remove(old)
            for item in value:
                ET.SubElement(opts, tag).text = _xml_text(item)
        elif isinstance(value, list | dict):
            continue  # nothing else we set is structured
        else:
            element = opts.find(key)
            if element is None:
                element = ET.SubElement(opts, key)
            element.text = _xml_text(value)
    if gui_address is not None:
        gui = root.find("gui")
        if gui is None:
            gui = ET.SubElement(root, "gui", {"enabled": "true", "tls": "false"})
        address = gui.find("address")
        if address is None:
            address = ET.SubElement(gui, "address")
        address.text = gui_address
    tmp = path.with_name(f".{path.name}.signage.tmp")
    tree.write(tmp, encoding="utf-8", xml_declaration=False)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def options_from_xml(home: Path) -> dict[str, Any]:
    """config.xml's options as JSON-named values (strings; lists for repeated ones)."""
    root = ET.parse(home / CONFIG_NAME).getroot()
    out: dict[str, Any] = {}
    opts = root.find("options")
    if opts is None:
        return out
    reverse = {v: k for k, v in _XML_LISTS.items()}
    for element in opts:
        if element.tag in reverse:
            out.setdefault(reverse[element.tag], []).append(element.text or "")
        else:
            out[element.tag] = element.text or ""
    return out


@dataclass(frozen=True)
class Gui:
    url: str
    apikey: str


def gui_of(home: Path) -> Gui:
    """The REST address and key from config.xml (the GUI listens on 127.0.0.1 only)."""
    try:
        root = ET.parse(home / CONFIG_NAME).getroot()
    except (OSError, ET.ParseError) as err:
        raise SyncthingError(
            f"读不了 Syncthing 的配置文件 {home / CONFIG_NAME}。"
            "请先运行 `signage sites office` 或 `signage sites station`。"
            f"技术说明：{err}"
        ) from None
    gui = root.find("gui")
    address = (gui.findtext("address") if gui is not None else None) or DEFAULT_GUI
    apikey = (gui.findtext("apikey") if gui is not None else None) or ""
    tls = gui is not None and gui.get("tls") == "true"
    if "://" not in address:
        address = ("https://" if tls else "http://") + address
    if address.startswith("unix://"):
        raise SyncthingError(f"Syncthing 的界面地址是 {address}，本命令只支持 TCP 地址。")
    return Gui(address.rstrip("/"), apikey)


# --- the REST API -------------------------------------------------------------------------


class Rest:
    """A small client for Syncthing's REST API (JSON in, JSON out)."""

    def __init__(self, gui: Gui, timeout: float = REST_TIMEOUT_S) -> None:
        self.gui = gui
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        url = self.gui.url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("X-API-Key", self.gui.apikey)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            # The GUI address comes from Syncthing's own configuration, not from content.
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            detail = err.read().decode("utf-8", "replace").strip()[:300]
            if err.code == 404:
                raise NotFound(f"{method} {path}: 404 {detail}") from None
            raise SyncthingError(
                f"Syncthing 拒绝了请求。技术说明：{method} {path}: {err.code} {detail}"
            ) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise NotRunning(
                "连不上本机的 Syncthing（可能没有运行）。请运行："
                "sudo systemctl enable --now syncthing@signage，"
                f"然后再试一次。技术说明：{self.gui.url}: {reason}"
            ) from None
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def get(self, path: str, **params: str) -> Any:
        return self.request("GET", path, params=params or None)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body)

    def post(self, path: str, body: Any = None, **params: str) -> Any:
        return self.request("POST", path, body, params=params or None)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    # --- the calls `signage sites` makes --------------------------------------------------

    def my_id(self) -> str:
        return str(self.get("/rest/system/status")["myID"])

    def folder(self, folder_id: str) -> dict[str, Any] | None:
        try:
            found = self.get(f"/rest/config/folders/{urllib.parse.quote(folder_id, safe='')}")
        except NotFound:
            return None
        return dict(found) if isinstance(found, Mapping) else None

    def folders(self) -> list[dict[str, Any]]:
        return [dict(f) for f in self.get("/rest/config/folders") or []]

    def device(self, device_id: str) -> dict[str, Any] | None:
        try:
            found = self.get(f"/rest/config/devices/{device_id}")
        except NotFound:
            return None
        return dict(found) if isinstance(found, Mapping) else None

    def devices(self) -> list[dict[str, Any]]:
        return [dict(d) for d in self.get("/rest/config/devices") or []]

    def put_folder(self, folder: Mapping[str, Any]) -> None:
        self.put(f"/rest/config/folders/{urllib.parse.quote(str(folder['id']), safe='')}", folder)

    def put_device(self, device: Mapping[str, Any]) -> None:
        self.put(f"/rest/config/devices/{device['deviceID']}", device)

    def verify_device_id(self, device_id: str) -> str:
        """Syncthing's own check of a device ID (check digits included), formatted."""
        answer = self.get("/rest/svc/deviceid", id=device_id)
        if not isinstance(answer, Mapping) or "id" not in answer:
            error = answer.get("error") if isinstance(answer, Mapping) else answer
            raise SyncthingError(
                f"设备号 {device_id} 不对（校验不通过，可能抄错了一个字符）。技术说明：{error}"
            )
        return str(answer["id"])

    def set_ignores(self, folder_id: str, lines: list[str]) -> None:
        self.post("/rest/db/ignores", {"ignore": lines}, folder=folder_id)

    def restart_if_required(self) -> bool:
        answer = self.get("/rest/config/restart-required")
        if isinstance(answer, Mapping) and answer.get("requiresRestart"):
            self.post("/rest/system/restart")
            return True
        return False


class NotRunning(SyncthingError):
    pass


class NotFound(SyncthingError):
    pass
