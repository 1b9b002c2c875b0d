from __future__ import annotations

from pathlib import Path

import pytest

from signage.screen.display import choose_driver, missing_display_groups, open_display_error_message


@pytest.mark.parametrize(
    ("environ", "override", "drm", "expected"),
    [
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, None, True, "wayland"),
        ({"DISPLAY": ":0"}, None, True, "x11"),
        ({}, None, True, "kmsdrm"),
        ({}, None, False, None),
        ({"DISPLAY": ":0"}, "kmsdrm", True, "kmsdrm"),
        ({"DISPLAY": ":0"}, "KMS", True, "kmsdrm"),
        ({"WAYLAND_DISPLAY": "w"}, "auto", False, "wayland"),
        ({"SDL_VIDEODRIVER": "x11", "WAYLAND_DISPLAY": "w"}, None, True, "x11"),
        ({"SDL_VIDEODRIVER": "dummy"}, "wayland", True, "wayland"),
    ],
)
def test_choose_driver(
    environ: dict[str, str], override: str | None, drm: bool, expected: str | None, tmp_path: Path
) -> None:
    dri = tmp_path / "dri"
    if drm:
        dri.mkdir()
        (dri / "card0").touch()
    assert choose_driver(environ, override, dri_dir=dri) == expected


def test_render_node_alone_is_not_a_screen(tmp_path: Path) -> None:
    # A headless server may have a render node for compute but nothing to show on.
    (tmp_path / "renderD128").touch()
    assert choose_driver({}, None, dri_dir=tmp_path) is None
    (tmp_path / "card1").touch()
    assert choose_driver({}, None, dri_dir=tmp_path) == "kmsdrm"


def test_kmsdrm_message_is_actionable() -> None:
    text = open_display_error_message(
        RuntimeError("kmsdrm not available"), "kmsdrm", missing_groups=["video", "render"]
    )
    first, *tips = text.splitlines()
    assert first == "Cannot open the screen (SDL video driver: kmsdrm): kmsdrm not available"
    assert "usermod -aG video,render,input signage" in text
    assert "group(s) video,render" in text
    assert "raspi-config" in text and "vc4-kms-v3d" in text
    assert all(t.startswith("  - ") for t in tips)
    assert "Traceback" not in text


def test_root_is_not_told_about_groups() -> None:
    text = open_display_error_message(
        "Permission denied", "kmsdrm", missing_groups=["video"], running_as_root=True
    )
    assert "usermod" not in text
    assert "DeviceAllow" in text


def test_x11_and_wayland_and_unknown() -> None:
    x = open_display_error_message("Couldn't open X11 display", "x11")
    assert "XAUTHORITY" in x and "PrivateTmp" in x
    w = open_display_error_message("wayland not available", "wayland")
    assert "WAYLAND_DISPLAY" in w and "signage-cage.service" in w
    none = open_display_error_message(RuntimeError(), None)
    assert "automatic" in none and "RuntimeError" in none and "driver: kmsdrm" in none
    odd = open_display_error_message("nope", "fbcon")
    assert "'fbcon' may not be a video driver" in odd


def test_missing_display_groups() -> None:
    import grp

    existing = []
    for name in ("video", "render", "input"):
        try:
            grp.getgrnam(name)
            existing.append(name)
        except KeyError:
            pass
    assert missing_display_groups([]) == existing
    assert missing_display_groups(["video", "render", "input"]) == []
    assert isinstance(missing_display_groups(), list)
