"""Which SDL video driver to ask for, and what to tell the administrator when it fails.

Pure: the environment, and whether a DRM device exists, are passed in. The player sets
SDL_VIDEODRIVER from `choose_driver` before pygame.display.init(), and on failure logs
`open_display_error_message` instead of a traceback, because the person reading the journal
is setting up a lobby screen, not debugging SDL.
"""

from __future__ import annotations

import grp
import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

# The groups that own /dev/dri/card* (video), /dev/dri/renderD* (render) and
# /dev/input/event* (input) on Debian and Raspberry Pi OS.
DISPLAY_GROUPS = ("video", "render", "input")

_ALIASES = {"kms": "kmsdrm", "drm": "kmsdrm", "kmsdrm": "kmsdrm", "x": "x11", "xorg": "x11"}


def _has_drm_card(dri: Path) -> bool:
    try:
        return any(p.name.startswith("card") for p in dri.iterdir())
    except OSError:
        return False


def choose_driver(
    environ: Mapping[str, str],
    override: str | None,
    *,
    dri_dir: Path = Path("/dev/dri"),
) -> str | None:
    """The SDL video driver to use, or None to let SDL pick.

    In order: the configured `override` (config `driver:` or `--driver`; "auto" means no
    override), an SDL_VIDEODRIVER the administrator set, a Wayland session, an X11 session,
    and on a bare console with a DRM device (`dri_dir`/card*), kmsdrm.
    """
    if override and override.strip().lower() not in ("", "auto"):
        name = override.strip().lower()
        return _ALIASES.get(name, name)
    explicit = environ.get("SDL_VIDEODRIVER", "").strip()
    if explicit:
        return explicit.lower()
    if environ.get("WAYLAND_DISPLAY"):
        return "wayland"
    if environ.get("DISPLAY"):
        return "x11"
    if _has_drm_card(dri_dir):
        return "kmsdrm"
    return None


def missing_display_groups(user_groups: Collection[str] | None = None) -> list[str]:
    """Which of video/render/input this process is not in (only groups that exist here)."""
    if user_groups is None:
        user_groups = set()
        for gid in {os.getegid(), *os.getgroups()}:
            try:
                user_groups.add(grp.getgrgid(gid).gr_name)
            except KeyError:
                continue
    missing = []
    for name in DISPLAY_GROUPS:
        try:
            grp.getgrnam(name)
        except KeyError:
            continue
        if name not in user_groups:
            missing.append(name)
    return missing


def open_display_error_message(
    err: BaseException | str,
    driver: str | None,
    *,
    missing_groups: Collection[str] = (),
    running_as_root: bool = False,
) -> str:
    """A few lines that say what failed, the likely cause and what to try, in that order."""
    detail = str(err).strip() or type(err).__name__
    low = detail.lower()
    shown = driver or "automatic"
    lines = [f"Cannot open the screen (SDL video driver: {shown}): {detail}"]
    tips: list[str] = []

    if missing_groups and not running_as_root:
        names = ",".join(missing_groups)
        tips.append(
            f"This user is not in the group(s) {names}, which own the screen and keyboard devices: "
            f"sudo usermod -aG video,render,input signage (or SupplementaryGroups= in the unit), "
            f"then restart the service."
        )
    if "permission denied" in low or "operation not permitted" in low:
        tips.append(
            "A device was refused: check `ls -l /dev/dri /dev/input` and, under systemd, that "
            "the unit allows char-drm and char-input (DeviceAllow=)."
        )

    if driver == "kmsdrm" or "kmsdrm" in low or "drm" in low:
        tips += [
            "Another program may hold the screen: a desktop session or display manager "
            "(sudo systemctl disable --now lightdm; on Raspberry Pi OS, raspi-config > System "
            "Options > Boot / Auto Login > Console) or a second copy of the player.",
            "No /dev/dri/card*: on a Raspberry Pi, /boot/firmware/config.txt needs "
            "dtoverlay=vc4-kms-v3d; on a PC, the graphics driver must load "
            "(check dmesg | grep drm).",
            "Check the monitor is connected and switched on before the player starts; HDMI "
            "hot-plug after boot may need a restart (sudo systemctl restart signage).",
        ]
    elif driver == "x11" or "x11" in low or ("display" in low and "wayland" not in low):
        tips += [
            "The X11 display is not reachable: set DISPLAY (usually :0) and XAUTHORITY for the "
            "user that owns the desktop session, or run the player from that session.",
            "Under systemd, the default unit is for a console without a desktop; for X11 set "
            "driver: x11 and remove PrivateTmp= so /tmp/.X11-unix is visible.",
        ]
    elif driver == "wayland" or "wayland" in low:
        tips += [
            "The Wayland compositor is not reachable: WAYLAND_DISPLAY and XDG_RUNTIME_DIR must "
            "name the compositor's socket (see systemd/signage-cage.service for a kiosk).",
        ]
    elif driver is None:
        tips.append(
            "No desktop session and no DRM device were found: on a console, set driver: kmsdrm "
            "in /etc/signage/signage.yaml; in a desktop, run from that session."
        )
    if driver not in (None, "kmsdrm", "x11", "wayland", "dummy", "offscreen"):
        tips.append(
            f"{driver!r} may not be a video driver this SDL knows; use kmsdrm, x11 or wayland "
            f"(or auto) for driver: in /etc/signage/signage.yaml."
        )
    tips.append(
        "To test by hand on the console: sudo -u signage SDL_VIDEODRIVER=kmsdrm "
        "/opt/signage/venv/bin/signage run --config /etc/signage/signage.yaml"
    )
    lines += [f"  - {tip}" for tip in tips]
    return "\n".join(lines)


# --- presenting frames ----------------------------------------------------------------------

RENDERERS_FOR_DRIVER: Mapping[str, tuple[str, ...]] = {
    # A console has no window system: SDL presents through EGL on a GBM surface, so only a
    # GL renderer can show anything. GLES 2 first: it is all a Raspberry Pi's V3D has, and
    # Mesa provides it on a PC too. SDL's default, desktop OpenGL, was seen drawing nothing
    # (a black screen behind READY) where only the GLES libraries are installed.
    "kmsdrm": ("opengles2", "opengl"),
    # Under X11 a software renderer presents through shared memory and loads no OpenGL or
    # LLVM at all (60 MB less, and a static page costs nothing).
    "x11": ("software", "opengles2", "opengl"),
    # Wayland has no software framebuffer in SDL 2: a GL renderer does the presenting.
    "wayland": ("opengles2", "opengl", "software"),
    "dummy": ("software",),
    "offscreen": ("software",),
}


def renderer_candidates(driver: str, setting: str | None) -> tuple[str, ...]:
    """The SDL renderers to try, in order: the configured one alone, or those that suit
    the video driver (`RENDERERS_FOR_DRIVER`)."""
    chosen = (setting or "auto").strip().lower()
    if chosen not in ("", "auto"):
        return (chosen,)
    return RENDERERS_FOR_DRIVER.get(driver, ("opengles2", "opengl", "software"))


def frames_agree(expected: Any, shown: Any, *, tolerance: float = 24.0) -> bool:
    """Does `shown` (read back from the renderer) look like `expected` (both Surfaces)?

    Compared small (32x18), so anti-aliasing and scaling do not count; a black, blank or
    wrong-coloured frame does. `tolerance` is the mean absolute difference per channel."""
    import pygame

    size = (32, 18)
    a = pygame.transform.smoothscale(_rgb(expected), size)
    b = pygame.transform.smoothscale(_rgb(shown), size)
    raw_a = pygame.image.tobytes(a, "RGB")
    raw_b = pygame.image.tobytes(b, "RGB")
    diff = sum(abs(x - y) for x, y in zip(raw_a, raw_b, strict=True)) / len(raw_a)
    return diff <= tolerance


def _rgb(surface: Any) -> Any:
    """A 32-bit copy that smoothscale accepts, whatever the source format."""
    import pygame

    if surface.get_bitsize() in (24, 32):
        return surface
    out = pygame.Surface(surface.get_size(), depth=32)
    out.blit(surface, (0, 0))
    return out
