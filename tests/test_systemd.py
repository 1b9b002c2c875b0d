"""The unit files: systemd accepts them without a warning, and they say what the player needs."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNITS = ("signage.service", "signage-cage.service")

needs_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)


def directives(unit: str) -> dict[str, list[str]]:
    """`Key=value` lines per key (a key may repeat), comments and sections dropped."""
    out: dict[str, list[str]] = {}
    for raw in (ROOT / "systemd" / unit).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def runnable_copy(unit: str, tmp_path: Path) -> Path:
    """The unit with its programs swapped for ones that exist here; verify checks they do."""
    text = (ROOT / "systemd" / unit).read_text(encoding="utf-8")
    text = text.replace("/opt/signage/venv/bin/signage", "/bin/true").replace(
        "/usr/bin/cage", "/bin/true"
    )
    path = tmp_path / unit
    path.write_text(text, encoding="utf-8")
    return path


@needs_analyze
@pytest.mark.parametrize("unit", UNITS)
def test_systemd_analyze_verify_is_clean(unit: str, tmp_path: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", str(runnable_copy(unit, tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # verify exits 0 even for unknown keys; those are warnings on stderr, which must be empty.
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def exposure(unit_path: Path) -> float:
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(unit_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert m, result.stdout + result.stderr
    return float(m.group(1))


@needs_analyze
def test_security_exposure_is_low_and_documented(tmp_path: Path) -> None:
    level = exposure(runnable_copy("signage.service", tmp_path))
    assert level <= 1.5
    assert exposure(runnable_copy("signage-cage.service", tmp_path)) <= 2.5
    doc = (ROOT / "docs" / "security.txt").read_text(encoding="utf-8")
    m = re.search(r"Overall exposure level for signage\.service: (\d+\.\d+)", doc)
    assert m, "docs/security.txt lacks the exposure line"
    version = subprocess.run(
        ["systemd-analyze", "--version"], capture_output=True, text=True, check=False
    ).stdout.split()[1]
    if f"systemd {version}" in doc:
        # Same systemd as recorded: the document must match the unit as it is now.
        assert float(m.group(1)) == level, "re-run the command in docs/security.txt"


def test_main_unit_says_what_the_player_needs() -> None:
    d = directives("signage.service")
    one = {k: v[-1] for k, v in d.items()}
    assert one["Type"] == "notify" and one["NotifyAccess"] == "main"
    assert one["WatchdogSec"] == "30" and one["Restart"] == "always" and one["RestartSec"] == "2"
    assert one["User"] == "signage"
    assert set(one["SupplementaryGroups"].split()) == {"video", "render", "input"}
    assert one["ExecStart"] == (
        "/opt/signage/venv/bin/signage run --config /etc/signage/signage.yaml"
    )
    # It must still reach the screen and keyboard …
    assert one["PrivateDevices"] == "no" and one["DevicePolicy"] == "closed"
    assert d["DeviceAllow"] == ["char-drm rw", "char-input r", "char-cec rw"]
    # … read the content and write only its state.
    assert one["ReadOnlyPaths"] == "-/srv/signage"
    assert one["StateDirectory"] == "signage"
    assert one["ProtectSystem"] == "strict" and one["ProtectHome"] == "yes"
    assert one["UMask"] == "0077"
    assert "AF_INET" not in one["RestrictAddressFamilies"]
    assert one["CapabilityBoundingSet"] == ""
    assert one["NoNewPrivileges"] == "yes"
    assert d["SystemCallFilter"] == [
        "@system-service",
        "~@privileged @resources",
        # The workers bound themselves (limits.py): these must stay allowed, after the deny.
        "setrlimit prlimit64 setpriority",
    ]
    assert d["SystemCallFilter"][0] == "@system-service"
    assert "MemoryMax" in one
    assert one["WantedBy"] == "multi-user.target"


def test_cage_unit_hands_the_watchdog_to_the_player() -> None:
    one = {k: v[-1] for k, v in directives("signage-cage.service").items()}
    assert one["Type"] == "notify" and one["NotifyAccess"] == "all"
    assert one["ExecStart"].startswith("/usr/bin/env -u WATCHDOG_PID /usr/bin/cage ")
    assert one["ExecStart"].endswith("signage run --config /etc/signage/signage.yaml")
    assert "signage.service" in one["Conflicts"] and "getty@tty1.service" in one["Conflicts"]
