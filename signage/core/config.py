"""Settings: built-in defaults < content signage.yaml < machine config < command line.

The content folder is untrusted: only `CONTENT_KEYS` are taken from it, so a file staff can
write never names a program, a path outside the content root, or a device setting.

The machine configuration is the administrator's, and a typo there must never take the
screen off the air or make the player guess: every unknown key, bad value or syntax error is
a problem with its line (code "machine-config"). A configuration with no problem is copied
into the state directory (`LAST_GOOD_NAME`); when the file has problems, that copy is used
instead and a "config-last-good" problem says so. With no good configuration at all the
problems stand alone and `config_usable` is False: `signage run` then refuses to start.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import socket
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from signage.core.model import Problem
from signage.core.yamlsafe import (
    MAX_YAML_BYTES,
    YamlError,
    compose_yaml_text,
    forgive_full_width_colons,
    node_line,
    node_value,
    yaml_text,
)

DEFAULT_MACHINE_CONFIG = Path("/etc/signage/signage.yaml")
DEFAULT_STATE_DIR = Path("/var/lib/signage")
DEFAULT_CONTENT = Path("/srv/signage")
LAST_GOOD_NAME = "last-good-config.yaml"
"""The copy of the last machine configuration that had no problem, in the state directory."""
MACHINE_PROBLEM = "machine-config"
LAST_GOOD_PROBLEM = "config-last-good"


@dataclass(frozen=True)
class Theme:
    """Colours as (r, g, b). Dark text on a warm light ground reads well in a bright lobby."""

    background: tuple[int, int, int] = (250, 247, 240)
    text: tuple[int, int, int] = (28, 28, 30)
    title: tuple[int, int, int] = (150, 20, 20)
    accent: tuple[int, int, int] = (176, 26, 26)
    muted: tuple[int, int, int] = (110, 106, 100)
    header_background: tuple[int, int, int] = (168, 24, 24)
    header_text: tuple[int, int, int] = (255, 248, 235)
    urgent_background: tuple[int, int, int] = (190, 0, 0)
    urgent_text: tuple[int, int, int] = (255, 255, 255)
    image_background: tuple[int, int, int] = (16, 16, 18)


@dataclass(frozen=True)
class DisplayWindow:
    days: str | tuple[str, ...] = "everyday"
    hours: str | tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    """Everything the player needs to know that is not the content itself."""

    content: Path = Path(".")
    organisation: str = "人民政府"
    organisation_mn: str = ""
    """The organisation's name in traditional Mongolian (`organisation: {mn: …, zh: …}`):
    shown before, or above, the Chinese name at the same size."""
    screen: str = field(default_factory=socket.gethostname)
    size: tuple[int, int] | None = None
    """Canvas size before rotation; None: the display's native size (full screen)."""
    windowed: bool = False
    rotation: int = 0
    """Software rotation in degrees clockwise: 0, 90, 180 or 270."""
    driver: str | None = None
    """SDL video driver; None: chosen from the environment."""
    renderer: str | None = None
    """SDL renderer (opengles2, opengl, software); None: the one that suits the driver."""
    transition: str = "fade"
    transition_ms: int = 600
    default_duration: float | None = None
    """Seconds per page; None: from the amount of text."""
    default_fit: str = "contain"
    pages_per_turn: int = 0
    """A long document shows at most this many pages each time round (0: all of them)."""
    theme: Theme = Theme()
    viewing_distance_m: float = 2.5
    panel_diagonal_in: float = 55.0
    status_file: Path | None = None
    play_log: Path | None = None
    play_log_days: int = 400
    state_dir: Path | None = None
    quit_keys: str = "ctrl+alt+q"
    timezone: str | None = None
    watch: str = "auto"
    """auto | native | polling."""
    poll_interval_s: float = 2.0
    rescan_interval_s: float = 60.0
    settle_s: float = 0.6
    display_windows: tuple[DisplayWindow, ...] = ()
    """When the screen is on; empty: always."""
    display_off_command: tuple[str, ...] = ()
    display_on_command: tuple[str, ...] = ()
    display_command_interval_s: float = 600.0
    meeting_lead_days: int = 7
    fonts: Mapping[str, str] = field(default_factory=dict)
    """Font role -> font file or fontconfig pattern, overriding the defaults."""
    calendar_workdays: tuple[str, ...] = ()
    """Extra official working days (make-up days) for years the calendar package lacks."""
    calendar_holidays: tuple[str, ...] = ()
    worker_memory_mb: int = 768
    """Address space for each worker process that reads, lays out and renders content."""
    cache_mb: int = 32
    """Prepared page surfaces kept (a 1080p page is 8 MB): the current, the next, a few more."""
    fixed: frozenset[str] = frozenset()
    """Fields the machine configuration or the command line set: the content's signage.yaml
    cannot change them (`with_content`)."""
    share: Mapping[str, Any] = field(default_factory=dict)
    """The machine configuration's `share:` section, read by appliance.samba (staff share)."""

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


CONTENT_KEYS = frozenset({"organisation", "display", "defaults", "theme"})
MACHINE_KEYS = frozenset(
    {
        "content",
        "organisation",
        "screen",
        "size",
        "windowed",
        "rotation",
        "driver",
        "renderer",
        "transition",
        "transition_ms",
        "defaults",
        "theme",
        "viewing_distance_m",
        "panel_diagonal_in",
        "status_file",
        "play_log",
        "play_log_days",
        "state_dir",
        "quit_keys",
        "timezone",
        "watch",
        "poll_interval_s",
        "settle_s",
        "rescan_interval_s",
        "display",
        "meeting_lead_days",
        "fonts",
        "calendar",
        "cache_mb",
        "worker_memory_mb",
        "share",
    }
)


def parse_size(text: str) -> tuple[int, int]:
    """'1920x1080' -> (1920, 1080); raises ValueError with the bad value quoted."""
    parts = str(text).lower().replace("×", "x").split("x")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"{text!r} is not a size like 1920x1080") from None
    if not (64 <= w <= 16384 and 64 <= h <= 16384):
        raise ValueError(f"{text!r} is outside 64x64..16384x16384")
    return w, h


def _color(value: Any) -> tuple[int, int, int]:
    if isinstance(value, str) and value.startswith("#") and len(value) == 7:
        return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
    if (
        isinstance(value, list | tuple)
        and len(value) == 3
        and all(isinstance(c, int) and 0 <= c <= 255 for c in value)
    ):
        return (value[0], value[1], value[2])
    raise ValueError(f"{value!r} is not a colour like '#a81818' or [168, 24, 24]")


_ORGANISATION_KEYS = {"mn": "mn", "蒙": "mn", "蒙古文": "mn", "蒙文": "mn", "zh": "zh", "汉": "zh"}
_ORGANISATION_KEYS |= {"汉文": "zh", "中文": "zh"}


def _organisation(value: Any) -> dict[str, str]:
    """A plain name, or {mn: Mongolian name, zh: Chinese name}."""
    if not isinstance(value, Mapping):
        return {"organisation": str(value).strip()[:80], "organisation_mn": ""}
    names: dict[str, str] = {}
    for k, v in value.items():
        lang = _ORGANISATION_KEYS.get(str(k).strip().lower())
        if lang is None:
            raise ValueError(f"unknown language {k!r}: give the name as {{mn: …, zh: …}}")
        names[lang] = "" if v is None else str(v).strip()[:120]
    if not names.get("zh") and not names.get("mn"):
        raise ValueError("give the name as {mn: …, zh: …}")
    return {"organisation": names.get("zh", ""), "organisation_mn": names.get("mn", "")}


def _as_str_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    raise ValueError(f"{value!r} is not a string or a list of strings")


def _command(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        import shlex

        return tuple(shlex.split(value))
    return _as_str_tuple(value)


def apply_mapping(
    settings: Settings,
    data: Mapping[str, Any],
    *,
    source: str,
    trusted: bool,
    lines: Mapping[str, int] | None = None,
) -> tuple[Settings, list[Problem]]:
    """Overlay one YAML mapping onto settings; bad values become problems and are skipped.

    `lines` gives each top-level key's line, so that a problem can name it."""
    problems: list[Problem] = []
    allowed = MACHINE_KEYS if trusted else CONTENT_KEYS
    changes: dict[str, Any] = {}
    code = MACHINE_PROBLEM if trusted else "bad-setting"

    def bad(key: str, err: Exception | str) -> None:
        top = key.split(".", 1)[0]
        line = (lines or {}).get(top)
        problems.append(Problem(source, f"{key}: {err}", line, code))

    for key, value in data.items():
        if key not in allowed:
            if not trusted and key in MACHINE_KEYS:
                hint = " (only the machine configuration may set it)"
            else:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
            bad(str(key), f"unknown setting{hint}")
            continue
        try:
            if key == "organisation":
                changes.update(_organisation(value))
            elif key == "defaults":
                if not isinstance(value, Mapping):
                    raise ValueError("should be a mapping")
                for k, v in value.items():
                    if k == "duration":
                        changes["default_duration"] = None if v in (None, "auto") else _seconds(v)
                    elif k == "fit":
                        if v not in ("contain", "cover"):
                            raise ValueError(f"fit {v!r} is not contain or cover")
                        changes["default_fit"] = v
                    elif k == "pages_per_turn":
                        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 1000:
                            raise ValueError(f"pages_per_turn {v!r} is not a number of pages")
                        changes["pages_per_turn"] = v
                    elif k == "transition":
                        if v in (None, False, "none"):
                            changes["transition"] = "none"
                        elif v == "fade":
                            changes["transition"] = "fade"
                        else:
                            raise ValueError(f"transition {v!r} is not fade or none")
                    else:
                        raise ValueError(f"unknown default {k!r}")
            elif key == "theme":
                if not isinstance(value, Mapping):
                    raise ValueError("should be a mapping of colours")
                names = {f.name for f in dataclasses.fields(Theme)}
                theme_changes = {}
                for k, v in value.items():
                    if k not in names:
                        raise ValueError(
                            f"unknown colour {k!r} (known: {', '.join(sorted(names))})"
                        )
                    theme_changes[k] = _color(v)
                changes["theme"] = dataclasses.replace(
                    changes.get("theme", settings.theme), **theme_changes
                )
            elif key == "display":
                if not isinstance(value, Mapping):
                    raise ValueError("should be a mapping")
                for k, v in value.items():
                    if k == "on":
                        windows = []
                        for w in v if isinstance(v, list) else [v]:
                            if not isinstance(w, Mapping):
                                raise ValueError(f"display.on entry {w!r} should be a mapping")
                            days = w.get("days", "everyday")
                            windows.append(
                                DisplayWindow(
                                    days=days if isinstance(days, str) else _as_str_tuple(days),
                                    hours=_as_str_tuple(w.get("hours")),
                                )
                            )
                        changes["display_windows"] = tuple(windows)
                    elif trusted and k == "off_command":
                        changes["display_off_command"] = _command(v)
                    elif trusted and k == "on_command":
                        changes["display_on_command"] = _command(v)
                    elif trusted and k == "command_interval_s":
                        changes["display_command_interval_s"] = max(30.0, float(v))
                    elif k in ("off_command", "on_command"):
                        # Refuse this one key; the display hours beside it still count.
                        bad(f"display.{k}", "may only be set in the machine configuration")
                    else:
                        bad(f"display.{k}", "unknown display setting")
            elif key in ("content", "status_file", "play_log", "state_dir"):
                changes[key] = None if value is None else Path(str(value))
            elif key == "size":
                changes["size"] = (
                    None if value in (None, "native", "auto") else parse_size(str(value))
                )
            elif key == "rotation":
                if int(value) not in (0, 90, 180, 270):
                    raise ValueError(f"{value!r} is not 0, 90, 180 or 270")
                changes["rotation"] = int(value)
            elif key == "transition":
                changes["transition"] = "none" if value in (None, False, "none") else "fade"
            elif key == "watch":
                if value not in ("auto", "native", "polling"):
                    raise ValueError(f"{value!r} is not auto, native or polling")
                changes["watch"] = value
            elif key == "fonts":
                if not isinstance(value, Mapping):
                    raise ValueError("should be a mapping of role to font")
                changes["fonts"] = {str(k): str(v) for k, v in value.items()}
            elif key == "share":
                if not isinstance(value, Mapping):
                    raise ValueError("should be a mapping of share settings")
                changes["share"] = dict(value)
            elif key == "calendar":
                if not isinstance(value, Mapping):
                    raise ValueError("should be a mapping with workdays and holidays lists")
                changes["calendar_workdays"] = _as_str_tuple(value.get("workdays"))
                changes["calendar_holidays"] = _as_str_tuple(value.get("holidays"))
            else:
                field_type = {f.name: f.type for f in dataclasses.fields(Settings)}[key]
                if field_type in ("int",):
                    changes[key] = int(value)
                elif field_type in ("float",):
                    changes[key] = float(value)
                elif field_type in ("bool",):
                    changes[key] = bool(value)
                else:
                    changes[key] = None if value is None else str(value)
        except (TypeError, ValueError) as err:
            bad(str(key), err)
    if trusted:
        changes["fixed"] = settings.fixed | frozenset(changes)
    return settings.replace(**changes), problems


CONTENT_FIELDS: Mapping[str, type | tuple[type, ...]] = {
    "organisation": str,
    "organisation_mn": str,
    "display_windows": tuple,
    "default_duration": (float, int, type(None)),
    "default_fit": str,
    "pages_per_turn": int,
    "transition": str,
    "theme": Theme,
}
"""The Settings fields a content folder's signage.yaml sets (CONTENT_KEYS), and their types."""


def with_content(settings: Settings, values: Mapping[str, Any]) -> Settings:
    """`settings` with the content folder's values under it: a field the machine
    configuration or the command line set keeps their value. Values of a field or type a
    content folder may not set are dropped (they come from a worker that read a hostile
    file, so they are checked once more here)."""
    taken = {
        name: value
        for name, value in values.items()
        if name in CONTENT_FIELDS
        and name not in settings.fixed
        and isinstance(value, CONTENT_FIELDS[name])
        and not isinstance(value, bool)
    }
    for name in ("organisation", "organisation_mn"):
        text = taken.get(name)
        if isinstance(text, str):
            taken[name] = text[:80]
    windows = taken.get("display_windows")
    if isinstance(windows, tuple) and not all(isinstance(w, DisplayWindow) for w in windows):
        del taken["display_windows"]
    return settings.replace(**taken) if taken else settings


def _seconds(value: Any) -> float:
    seconds = float(value)
    if not 1 <= seconds <= 3600:
        raise ValueError(f"duration {value!r} is outside 1..3600 seconds")
    return seconds


def read_machine_config(path: Path) -> tuple[dict[str, Any] | None, list[Problem], bytes]:
    """The machine configuration file as a mapping, every problem in it (with its line), and
    its bytes. The mapping is None when the file cannot be read as one; it is given with its
    problems otherwise, so that a caller can still learn, say, the state directory."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        return (
            None,
            [Problem(source, f"cannot read it: {err.strerror or err}", None, MACHINE_PROBLEM)],
            b"",
        )
    if len(raw) > MAX_YAML_BYTES:
        return None, [Problem(source, f"too large ({len(raw)} bytes)", None, MACHINE_PROBLEM)], raw
    text = yaml_text(raw)
    if text is None:
        return None, [Problem(source, "not UTF-8 text", None, MACHINE_PROBLEM)], raw
    try:
        root = compose_yaml_text(forgive_full_width_colons(text))
    except YamlError as err:
        return None, [Problem(source, err.message, err.line, MACHINE_PROBLEM)], raw
    if root is None:
        return {}, [], raw
    if not isinstance(root, yaml.MappingNode):
        message = "should be settings, one `key: value` a line"
        return None, [Problem(source, message, node_line(root), MACHINE_PROBLEM)], raw
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    for key_node, value_node in root.value:
        try:
            key = node_value(key_node)
            value = node_value(value_node)
        except YamlError as err:
            problems.append(Problem(source, err.message, err.line, MACHINE_PROBLEM))
            continue
        key = str(key)
        if key in data:
            line = node_line(key_node)
            problems.append(Problem(source, f"{key!r} is given twice", line, MACHINE_PROBLEM))
            continue
        data[key] = value
        lines[key] = node_line(key_node)
    _, more = apply_mapping(Settings(), data, source=source, trusted=True, lines=lines)
    return data, problems + more, raw


_STATE_DIR_LINE = re.compile(r"^state_dir:[ \t]*['\"]?(/[^'\"#\r\n]*?)['\"]?[ \t]*(?:#.*)?$", re.M)


def _salvage_state_dir(raw: bytes) -> Path | None:
    """`state_dir: /x` read from a file YAML cannot parse: where the last good copy is."""
    match = _STATE_DIR_LINE.search(raw.decode("utf-8", "replace"))
    return Path(match.group(1)) if match else None


def config_usable(problems: Sequence[Problem]) -> bool:
    """False when the machine configuration has problems and no last good copy stood in."""
    codes = {p.code for p in problems}
    return MACHINE_PROBLEM not in codes or LAST_GOOD_PROBLEM in codes


def remember_good_config(raw: bytes, state_dir: Path) -> Path:
    """Keep a copy of a configuration that had no problem (written atomically, and only
    when it differs from the copy there). OSError when the state dir is not writable."""
    copy = state_dir / LAST_GOOD_NAME
    try:
        if copy.read_bytes() == raw:
            return copy
    except OSError:
        pass
    state_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=state_dir, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
        os.replace(tmp, copy)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return copy


def _last_good(
    directories: Sequence[Path],
) -> tuple[dict[str, Any], Path] | None:
    for directory in directories:
        copy = directory / LAST_GOOD_NAME
        if not copy.is_file():
            continue
        data, problems, _ = read_machine_config(copy)
        if data is not None and not problems:
            return data, copy
    return None


def load_settings(
    content: Path | None,
    machine_config: Path | None,
    overrides: Mapping[str, Any] | None = None,
    *,
    state_dirs: Sequence[Path] = (),
    remember: bool = False,
) -> tuple[Settings, list[Problem]]:
    """Built-in defaults < machine config < command line. Missing files are fine; broken ones
    are problems, never fatal.

    The content root comes from the command line, else the machine config (`content`, by
    default /srv/signage), else (with no machine config) the current directory. The content's
    own signage.yaml is not read here: it is untrusted, so a worker reads it
    (workers.jobs.ReadSettings) and `with_content` lays its values under these. A machine
    config with problems is replaced by the last good copy found in `state_dirs`, the
    state_dir it names, or the default state directory. `remember` (the player) keeps a copy
    of a good one in its state directory (the override's, the config's, else the first of
    `state_dirs`).
    """
    problems: list[Problem] = []
    machine: Mapping[str, Any] = {}
    machine_source = str(machine_config) if machine_config is not None else ""
    broken_state_dir: Path | None = None
    if machine_config is not None:
        data, machine_problems, raw = read_machine_config(machine_config)
        problems += machine_problems
        if not machine_problems and data is not None:
            machine = data
            state = (
                (overrides or {}).get("state_dir")
                or data.get("state_dir")
                or (state_dirs[0] if state_dirs else None)
            )
            if remember and state:
                try:
                    remember_good_config(raw, Path(str(state)))
                except OSError as err:
                    problems.append(
                        Problem(
                            machine_source,
                            f"cannot keep a copy of the configuration in {state}: "
                            f"{err.strerror or err}",
                            None,
                            "config-copy",
                        )
                    )
        else:
            search = list(state_dirs)
            if data is not None and isinstance(data.get("state_dir"), str):
                broken_state_dir = Path(data["state_dir"])
            else:
                broken_state_dir = _salvage_state_dir(raw)
            if broken_state_dir is not None:
                search.append(broken_state_dir)
            search.append(DEFAULT_STATE_DIR)
            found = _last_good(search)
            if found is not None:
                machine, copy = found
                saved = datetime.fromtimestamp(copy.stat().st_mtime)
                problems.append(
                    Problem(
                        machine_source,
                        f"the file has errors (listed with it); using the last good "
                        f"configuration instead, saved {saved:%Y-%m-%d %H:%M} as {copy}",
                        None,
                        LAST_GOOD_PROBLEM,
                    )
                )
    if content is None:
        if machine.get("content"):
            content = Path(str(machine["content"]))
        elif machine_config is not None and config_usable(problems):
            content = DEFAULT_CONTENT  # documented: the installed machine's content root
        else:
            content = Path(".")
    settings = Settings(content=content)
    if machine:
        # Checked already (read_machine_config): its problems were counted above.
        settings, _ = apply_mapping(settings, machine, source=machine_source, trusted=True)
    elif broken_state_dir is not None:
        # Unusable, but where the player would write is still worth knowing: the status
        # page that says why it does not start goes there.
        settings = settings.replace(state_dir=broken_state_dir)
    settings = settings.replace(content=content)
    if overrides:
        given = {k: v for k, v in overrides.items() if v is not None}
        settings = settings.replace(**given, fixed=settings.fixed | frozenset(given))
    return settings, problems


def unusable_config_message(problems: Sequence[Problem]) -> str:
    """What `signage run` says (console and journal) when it will not start."""
    lines = [
        "signage: 播放机的设置文件有错，也没有找到以前正确的设置，播放器不启动"
        "（不会去猜内容文件夹在哪里）。请改正下面列出的错误后重新启动：",
        "signage: the machine configuration has errors and no earlier good copy was found; "
        "not starting (rather than guessing a content root). Fix these, then restart:",
    ]
    lines += [f"  {p.describe()}" for p in problems if p.code == MACHINE_PROBLEM]
    lines.append(
        "  检查 / check: signage check --config FILE; 重启 / restart: systemctl restart signage"
    )
    return "\n".join(lines)
