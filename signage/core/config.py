"""Settings: built-in defaults < content signage.yaml < machine config < command line.

The content folder is untrusted: only `CONTENT_KEYS` are taken from it, so a file staff can
write never names a program, a path outside the content root, or a device setting.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signage.core.model import Problem
from signage.core.yamlsafe import YamlError, load_yaml_file

DEFAULT_MACHINE_CONFIG = Path("/etc/signage/signage.yaml")


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
    screen: str = field(default_factory=socket.gethostname)
    size: tuple[int, int] | None = None
    """Canvas size before rotation; None: the display's native size (full screen)."""
    windowed: bool = False
    rotation: int = 0
    """Software rotation in degrees clockwise: 0, 90, 180 or 270."""
    driver: str | None = None
    """SDL video driver; None: chosen from the environment."""
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
    cache_mb: int = 32
    """Prepared page surfaces kept (a 1080p page is 8 MB): the current, the next, a few more."""
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
    settings: Settings, data: Mapping[str, Any], *, source: str, trusted: bool
) -> tuple[Settings, list[Problem]]:
    """Overlay one YAML mapping onto settings; bad values become problems and are skipped."""
    problems: list[Problem] = []
    allowed = MACHINE_KEYS if trusted else CONTENT_KEYS
    changes: dict[str, Any] = {}

    def bad(key: str, err: Exception | str) -> None:
        problems.append(Problem(source, f"{key}: {err}", code="bad-setting"))

    for key, value in data.items():
        if key not in allowed:
            hint = (
                ""
                if trusted or key not in MACHINE_KEYS
                else " (only the machine configuration may set it)"
            )
            bad(str(key), f"unknown setting{hint}")
            continue
        try:
            if key == "organisation":
                changes["organisation"] = str(value).strip()[:80]
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
    return settings.replace(**changes), problems


def _seconds(value: Any) -> float:
    seconds = float(value)
    if not 1 <= seconds <= 3600:
        raise ValueError(f"duration {value!r} is outside 1..3600 seconds")
    return seconds


def load_settings(
    content: Path | None,
    machine_config: Path | None,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[Settings, list[Problem]]:
    """Merge the layers. Missing files are fine; broken ones are problems, never fatal.

    The content root comes from the command line, else the machine config, else the
    current directory; the content's own signage.yaml is then read from it.
    """
    problems: list[Problem] = []
    machine: Mapping[str, Any] = {}
    if machine_config is not None and machine_config.is_file():
        try:
            data = load_yaml_file(machine_config)
        except YamlError as err:
            problems.append(Problem(str(machine_config), err.message, err.line, err.code))
        else:
            if isinstance(data, Mapping):
                machine = data
            elif data is not None:
                problems.append(
                    Problem(
                        str(machine_config), "should be a mapping of settings", code="bad-setting"
                    )
                )
    if content is None:
        content = Path(str(machine.get("content", "."))) if machine.get("content") else Path(".")
    settings = Settings(content=content)
    content_file = content / "signage.yaml"
    if content_file.is_file():
        try:
            data = load_yaml_file(content_file)
        except YamlError as err:
            problems.append(Problem("signage.yaml", err.message, err.line, err.code))
        else:
            if isinstance(data, Mapping):
                settings, more = apply_mapping(settings, data, source="signage.yaml", trusted=False)
                problems += more
            elif data is not None:
                problems.append(
                    Problem("signage.yaml", "should be a mapping of settings", code="bad-setting")
                )
    if machine:
        settings, more = apply_mapping(settings, machine, source=str(machine_config), trusted=True)
        problems += more
    settings = settings.replace(content=content)
    if overrides:
        settings = settings.replace(**{k: v for k, v in overrides.items() if v is not None})
    return settings, problems
