"""scripts/setup installs what the tests need without turning on Samba's services.

Seen: `scripts/test` installed samba with Debian's defaults, which enables and starts smbd,
nmbd and samba-ad-dc on the developer's machine. The tests need the programs only. The
script runs here against stand-ins for apt-get, dpkg-query, systemctl and
deb-systemd-helper that act as Debian's do (the samba postinst enables every unit unless it
was disabled before, and starts them unless policy-rc.d says no), in a copy of the checkout
whose .venv is already set up.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
UNITS = ("smbd.service", "nmbd.service", "samba-ad-dc.service")

STUBS = {
    "dpkg-query": """#!/bin/sh
for p; do last=$p; done
case " $MISSING " in *" $last "*) exit 1 ;; esac
printf 'install ok installed'
""",
    "apt-get": """#!/bin/sh
echo "apt-get $*" >> "$LOG"
case "$*" in *install*samba*)
    # As samba's postinst: enable every unit; start them unless policy-rc.d forbids it.
    for u in smbd.service nmbd.service samba-ad-dc.service; do
        [ -e "$STATE/disabled-$u" ] || touch "$STATE/enabled-$u"
        if [ -x "$SIGNAGE_POLICY_RC_D" ] && ! "$SIGNAGE_POLICY_RC_D" "$u" start; then
            echo "policy forbids starting $u" >> "$LOG"
        else
            touch "$STATE/started-$u"
        fi
    done ;;
esac
""",
    "systemctl": """#!/bin/sh
echo "systemctl $*" >> "$LOG"
case $1 in
    is-enabled) for u; do :; done; [ -e "$STATE/enabled-$u" ] ;;
    disable) rm -f "$STATE/enabled-$2" ;;
    *) exit 0 ;;
esac
""",
    "deb-systemd-helper": """#!/bin/sh
echo "deb-systemd-helper $*" >> "$LOG"
[ "$1" = disable ] && rm -f "$STATE/enabled-$2" && touch "$STATE/disabled-$2"
exit 0
""",
}


def _checkout(tmp_path: Path) -> Path:
    """A copy of scripts/setup in a checkout whose .venv is set up already."""
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts/setup", root / "scripts/setup")
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    venv_bin = root / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").write_text("#!/bin/sh\nexit 0\n")
    (venv_bin / "python").chmod(0o755)
    os.utime(root / "pyproject.toml", (1_000_000_000, 1_000_000_000))
    (root / ".venv" / ".installed-test").touch()
    return root


def _run(tmp_path: Path, root: Path, missing: str) -> tuple[str, Path]:
    stubs = tmp_path / "bin"
    stubs.mkdir(exist_ok=True)
    for name, text in STUBS.items():
        (stubs / name).write_text(text)
        (stubs / name).chmod(0o755)
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    log = tmp_path / "log"
    env = {
        **os.environ,
        "PATH": f"{stubs}:{os.environ['PATH']}",
        "MISSING": missing,
        "STATE": str(state),
        "LOG": str(log),
        "SIGNAGE_POLICY_RC_D": str(tmp_path / "policy-rc.d"),
    }
    done = subprocess.run(
        ["bash", str(root / "scripts/setup"), "test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return log.read_text() if log.exists() else "", state


@pytest.mark.skipif(os.geteuid() != 0, reason="scripts/setup uses sudo when not root")
def test_samba_is_installed_without_its_services(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    log, state = _run(tmp_path, root, "samba smbclient")
    # The programs are installed, in their own apt-get run.
    assert "install -y -q smbclient" in log and "install -y -q samba" in log
    # Nothing was started: policy-rc.d said no while samba installed, and is gone after.
    assert not list(state.glob("started-*")), log
    assert log.count("policy forbids starting") == len(UNITS)
    assert not (tmp_path / "policy-rc.d").exists()
    # What the package enabled is disabled again, and remembered for its upgrades.
    assert not list(state.glob("enabled-*")), log
    assert sorted(p.name for p in state.glob("disabled-*")) == sorted(
        f"disabled-{u}" for u in UNITS
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="scripts/setup uses sudo when not root")
def test_what_was_enabled_before_and_a_policy_already_there_are_left_alone(
    tmp_path: Path,
) -> None:
    root = _checkout(tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    (state / "enabled-smbd.service").touch()  # the developer runs a Samba server already
    policy = tmp_path / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")  # e.g. Docker's
    policy.chmod(stat.S_IRWXU)
    log, state = _run(tmp_path, root, "samba")
    assert policy.read_text() == "#!/bin/sh\nexit 101\n"
    assert (state / "enabled-smbd.service").exists()
    assert "disable smbd.service" not in log
    assert "disable nmbd.service" in log


@pytest.mark.skipif(os.geteuid() != 0, reason="scripts/setup uses sudo when not root")
def test_nothing_to_install_touches_nothing(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    log, state = _run(tmp_path, root, "")
    assert log == "" and not list(state.iterdir())
