"""scripts/install and scripts/uninstall, run against a temporary root (DESTDIR)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from signage.core.config import load_settings

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout with the scripts, units and docs, demo content, and a stub install-share."""
    src = tmp_path / "checkout"
    (src / "scripts").mkdir(parents=True)
    for name in ("install", "uninstall"):
        shutil.copy2(ROOT / "scripts" / name, src / "scripts" / name)
    shutil.copytree(ROOT / "systemd", src / "systemd")
    shutil.copytree(ROOT / "docs", src / "docs")
    (src / "signage/data").mkdir(parents=True)
    shutil.copy2(ROOT / "signage/data/使用说明.txt", src / "signage/data/使用说明.txt")
    shutil.copy2(ROOT / "requirements.lock", src / "requirements.lock")
    (src / "slides" / "notices").mkdir(parents=True)
    (src / "slides" / "notices" / "欢迎.txt").write_text("欢迎来到便民服务中心\n", encoding="utf-8")
    (src / "playlists").mkdir()
    (src / "playlists" / "lobby.yaml").write_text("items:\n  - slides: notices/\n")
    (src / "signage.yaml").write_text("organisation: 示范镇人民政府\n", encoding="utf-8")
    share = src / "scripts" / "install-share"
    share.write_text(
        '#!/usr/bin/env bash\nprintf "%s|%s|%s|%s\\n" "$*" "$SIGNAGE_CONTENT" "$SIGNAGE_USER" '
        '"$DESTDIR" >> "$DESTDIR/../share-called"\n'
    )
    share.chmod(0o755)
    return src


def install(
    checkout: Path, dest: Path, *args: str, script: str = "install", **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(checkout / "scripts" / script), *args],
        env={**os.environ, "DESTDIR": str(dest), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_fresh_install_writes_every_file(checkout: Path, tmp_path: Path) -> None:
    dest = tmp_path / "root"
    r = install(checkout, dest, "--no-apt", "--no-systemd", "--no-venv", "--share")
    assert r.returncode == 0, r.stderr + r.stdout
    config = dest / "etc/signage/signage.yaml"
    unit = dest / "etc/systemd/system/signage.service"
    assert {
        "etc/signage/signage.yaml",
        "etc/systemd/system/signage.service",
        "srv/signage/slides",
        "srv/signage/playlists",
        "srv/signage/使用说明.txt",
        "var/lib/signage/playlog",
        "opt/signage/docs/security.txt",
    } <= files_under(dest)
    assert unit.read_text() == (ROOT / "systemd/signage.service").read_text()
    # The commented default configuration is valid for the player as it is.
    settings, problems = load_settings(None, config)
    assert problems == []
    assert settings.content == Path("/srv/signage")
    assert settings.play_log == Path("/var/lib/signage/playlog")
    assert settings.status_file == Path("/var/lib/signage/status.json")
    assert settings.play_log_days == 400
    assert oct(config.stat().st_mode & 0o777) == "0o644"
    assert oct((dest / "var/lib/signage").stat().st_mode & 0o777) == "0o750"
    # --share hands over to the Samba installer with what it needs to know.
    assert (tmp_path / "share-called").read_text() == f"--no-apt|/srv/signage|signage|{dest}\n"


def test_fresh_install_shows_no_demo(checkout: Path, tmp_path: Path) -> None:
    """A new lobby gets the staff instructions and empty folders: the screen shows the
    organisation and the clock until staff put files in, never a fictional town's notices."""
    dest = tmp_path / "root"
    r = install(checkout, dest, "--no-venv")
    assert r.returncode == 0, r.stderr
    content = dest / "srv/signage"
    assert sorted(p.name for p in content.iterdir()) == ["playlists", "slides", "使用说明.txt"]
    assert not any((content / "slides").iterdir()) and not any((content / "playlists").iterdir())
    guide = (content / "使用说明.txt").read_bytes()
    assert guide == (ROOT / "signage/data/使用说明.txt").read_bytes()
    assert "no demo content" in r.stdout


def test_demo_only_when_asked(checkout: Path, tmp_path: Path) -> None:
    dest = tmp_path / "root"
    r = install(checkout, dest, "--no-venv", "--demo")
    assert r.returncode == 0, r.stderr
    content = dest / "srv/signage"
    assert (content / "slides/notices/欢迎.txt").is_file()
    assert (content / "playlists/lobby.yaml").is_file()
    assert (content / "signage.yaml").is_file()
    assert (content / "使用说明.txt").is_file()


def test_config_is_commented_in_chinese_with_a_share_section(
    checkout: Path, tmp_path: Path
) -> None:
    from signage.appliance.samba import samba_config, share_from_settings

    dest = tmp_path / "root"
    r = install(checkout, dest, "--no-venv", "--organisation", "青山镇人民政府")
    assert r.returncode == 0, r.stderr
    text = (dest / "etc/signage/signage.yaml").read_text("utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    han = sum(1 for line in comments if any("\u4e00" <= ch <= "\u9fff" for ch in line))
    assert han >= len(comments) * 0.6, "the administrator reads Chinese"
    settings, problems = load_settings(None, dest / "etc/signage/signage.yaml")
    assert problems == []
    assert settings.organisation == "青山镇人民政府"
    share, share_problems = share_from_settings(settings)
    assert share_problems == []
    assert share.hosts_allow == ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
    smb = samba_config(share)
    assert "hosts allow = 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 127.0.0.1" in smb
    assert "hosts deny = ALL" in smb


def test_organisation_name_cannot_break_the_yaml(checkout: Path, tmp_path: Path) -> None:
    r = install(checkout, tmp_path / "root", "--no-venv", "--organisation", 'a"b')
    assert r.returncode == 2 and "--organisation" in r.stderr


def test_rerun_upgrades_without_touching_admin_files(checkout: Path, tmp_path: Path) -> None:
    dest = tmp_path / "root"
    assert install(checkout, dest, "--no-apt", "--no-systemd", "--no-venv").returncode == 0
    config = dest / "etc/signage/signage.yaml"
    config.write_text("content: /srv/signage\nscreen: lobby-2\n")
    guide = dest / "srv/signage/使用说明.txt"
    guide.unlink()
    (dest / "srv/signage/slides/mine.txt").write_text("staff notice\n")
    unit = dest / "etc/systemd/system/signage.service"
    unit.write_text("old unit\n")
    r = install(checkout, dest, "--no-apt", "--no-systemd", "--no-venv")
    assert r.returncode == 0, r.stderr
    assert "exists: left as it is" in r.stdout and "has content: left as it is" in r.stdout
    assert config.read_text() == "content: /srv/signage\nscreen: lobby-2\n"
    assert not guide.exists()  # nothing is put back into a folder in use
    assert (dest / "srv/signage/slides/mine.txt").read_text() == "staff notice\n"
    assert "Type=notify" in unit.read_text()  # the unit is replaced on upgrade


def test_dry_run_changes_nothing(checkout: Path, tmp_path: Path) -> None:
    dest = tmp_path / "root"
    dest.mkdir()
    r = install(checkout, dest, "--dry-run", "--no-venv", "--share")
    assert r.returncode == 0, r.stderr
    assert files_under(dest) == set()
    assert "would run: install -d -m 0755" in r.stdout
    assert "would write a commented default" in r.stdout
    assert "dry run: nothing was changed" in r.stdout
    # The share installer gets the dry run passed on, and does its own.
    assert (tmp_path / "share-called").read_text().startswith("--dry-run --no-apt|/srv/signage|")


def test_prefix_and_content_reach_unit_and_config(checkout: Path, tmp_path: Path) -> None:
    dest = tmp_path / "root"
    r = install(
        checkout, dest, "--no-venv", "--content", "/data/lobby", "--cage", PREFIX="/usr/lib/signage"
    )
    assert r.returncode == 0, r.stderr
    unit = (dest / "etc/systemd/system/signage-cage.service").read_text()
    assert "/usr/lib/signage/venv/bin/signage run --config /etc/signage/signage.yaml" in unit
    assert "ReadOnlyPaths=-/data/lobby" in unit and "/opt/signage/venv" not in unit
    assert "content: /data/lobby" in (dest / "etc/signage/signage.yaml").read_text()
    assert (dest / "data/lobby/playlists").is_dir()
    assert (dest / "usr/lib/signage/docs").is_dir()


def test_bad_option_is_a_usage_error(checkout: Path, tmp_path: Path) -> None:
    r = install(checkout, tmp_path / "root", "--frobnicate")
    assert r.returncode == 2 and "unknown option '--frobnicate'" in r.stderr
    r = install(checkout, tmp_path / "root", "--content", "relative/dir")
    assert r.returncode == 2 and "absolute path" in r.stderr


def test_uninstall_keeps_content_config_and_play_log(checkout: Path, tmp_path: Path) -> None:
    dest = tmp_path / "root"
    assert install(checkout, dest, "--no-venv").returncode == 0
    (dest / "opt/signage/venv/bin").mkdir(parents=True)
    (dest / "opt/signage/venv/bin/signage").write_text("#!/bin/sh\n")
    (dest / "usr/local/bin").mkdir(parents=True)
    (dest / "usr/local/bin/signage").symlink_to("/opt/signage/venv/bin/signage")
    (dest / "var/lib/signage/playlog/play-2026-12-01.jsonl").write_text("{}\n")

    dry = install(checkout, dest, "--dry-run", script="uninstall")
    assert dry.returncode == 0 and (dest / "opt/signage").exists()

    r = install(checkout, dest, script="uninstall")
    assert r.returncode == 0, r.stderr
    assert not (dest / "opt/signage").exists()
    assert not (dest / "etc/systemd/system/signage.service").exists()
    assert not (dest / "usr/local/bin/signage").is_symlink()
    assert (dest / "etc/signage/signage.yaml").is_file()
    assert (dest / "srv/signage/使用说明.txt").is_file()
    assert (dest / "var/lib/signage/playlog/play-2026-12-01.jsonl").is_file()
    assert "Kept: /srv/signage (content), /etc/signage (configuration)" in r.stdout


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_scripts_pass_shellcheck() -> None:
    scripts = [
        ROOT / "scripts/install",
        ROOT / "scripts/uninstall",
        ROOT / "scripts/build-wheels",
        ROOT / "scripts/lock",
        ROOT / "scripts/system-test",
        ROOT / "systemd/record-security",
    ]
    r = subprocess.run(
        ["shellcheck", *map(str, scripts)], capture_output=True, text=True, timeout=60, check=False
    )
    assert r.returncode == 0, r.stdout


def dry_run_on_real_root(
    checkout: Path, tmp_path: Path, *args: str, venv: bool = False, **extra_env: str
) -> str:
    """A dry run with DESTDIR unset (it only reads), and a dpkg that knows no package."""
    stub = tmp_path / "stub-bin"
    stub.mkdir(exist_ok=True)
    (stub / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    (stub / "dpkg-query").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "DESTDIR"}
    env["PATH"] = f"{stub}:{env.get('PATH', '/usr/bin:/bin')}"
    env.update(extra_env)
    options = [] if venv else ["--no-venv"]
    r = subprocess.run(
        ["bash", str(checkout / "scripts" / "install"), "--dry-run", *options, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "dry run: nothing was changed" in r.stdout
    return r.stdout


def test_office_flag_installs_libreoffice_without_recommends(
    checkout: Path, tmp_path: Path
) -> None:
    out = dry_run_on_real_root(checkout, tmp_path, "--office")
    names = "libreoffice-writer-nogui libreoffice-impress-nogui"
    assert f"office packages (LibreOffice, no recommends): {names}" in out
    office_part = out.split("office packages", 1)[1].split("==>", 1)[0]
    assert (
        "would run: env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
        f"--no-install-recommends {names}" in office_part
    )
    # The main packages keep their recommends as before; LibreOffice is only on request.
    assert "libreoffice" not in dry_run_on_real_root(checkout, tmp_path)


def test_office_flag_under_destdir_says_how_to_install_it(checkout: Path, tmp_path: Path) -> None:
    r = install(checkout, tmp_path / "root", "--no-venv", "--office")
    assert r.returncode == 0, r.stderr
    assert (
        "install them with apt-get install --no-install-recommends "
        "libreoffice-writer-nogui libreoffice-impress-nogui" in r.stdout
    )


def test_chroot_enables_the_unit_without_a_running_systemd(checkout: Path, tmp_path: Path) -> None:
    """An image builder (pi-gen) installs in a chroot: no daemon-reload, no start, only the
    links that start the unit at boot."""
    out = dry_run_on_real_root(checkout, tmp_path, SIGNAGE_SYSTEMD_RUN_DIR=str(tmp_path / "no"))
    unit_part = out.split("==> systemd unit", 1)[1]
    assert "systemd is not running here (a chroot or an image build)" in unit_part
    assert "would run: systemctl enable signage.service" in unit_part
    assert "daemon-reload" not in out and "restart" not in unit_part and "--now" not in out


def test_booted_system_reloads_enables_and_restarts(checkout: Path, tmp_path: Path) -> None:
    running = tmp_path / "run-systemd"
    running.mkdir()
    out = dry_run_on_real_root(checkout, tmp_path, SIGNAGE_SYSTEMD_RUN_DIR=str(running))
    unit_part = out.split("==> systemd unit", 1)[1]
    steps = [line for line in unit_part.splitlines() if "would run: systemctl" in line]
    assert [s.split("systemctl ", 1)[1] for s in steps] == [
        "daemon-reload",
        "enable signage.service",
        "restart signage.service",
    ]


def test_packages_come_without_recommends_and_without_a_compiler(
    checkout: Path, tmp_path: Path
) -> None:
    out = dry_run_on_real_root(checkout, tmp_path)
    apt_lines = [line for line in out.splitlines() if "apt-get install" in line]
    assert apt_lines and all("--no-install-recommends" in line for line in apt_lines)
    listed = install(checkout, tmp_path / "x", "--list-packages", "--share").stdout.split()
    for needed in (
        "libegl1",
        "libgles2",
        "libgbm1",
        "libgl1-mesa-dri",
        "libdrm2",
        "fonts-noto-cjk",
        "fonts-noto-core",
        "fonts-lxgw-wenkai",
        "python3-venv",
        "samba",
    ):
        assert needed in listed
    # python3-pip recommends build-essential and python3-dev; the venv brings its own pip.
    assert "python3-pip" not in listed and "build-essential" not in listed


def test_offline_install_needs_the_players_own_wheel(checkout: Path, tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "pillow-13.0.0-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")
    r = subprocess.run(
        ["bash", str(checkout / "scripts/install"), "--dry-run", "--wheels", str(wheels)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2 and "scripts/build-wheels" in r.stderr
    (wheels / "signage-0.1.0-py3-none-any.whl").write_bytes(b"")
    out = dry_run_on_real_root(checkout, tmp_path, "--wheels", str(wheels), venv=True)
    assert (
        f"--no-index --find-links {wheels} --require-hashes -r {checkout}/requirements.lock" in out
    )
    assert f"--no-index --no-deps --force-reinstall {wheels}/signage-0.1.0-py3-none-any.whl" in out


def test_online_install_is_pinned_and_hash_checked(checkout: Path, tmp_path: Path) -> None:
    out = dry_run_on_real_root(checkout, tmp_path, venv=True)
    assert f"install --require-hashes -r {checkout}/requirements.lock" in out


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, _, rest = line.partition("==")
            pins[name.strip().lower()] = rest.split()[0].rstrip(";")
    return pins


def test_lock_files_pin_every_dependency_with_hashes() -> None:
    """requirements.lock (the appliance) and requirements-test.lock (scripts/setup) agree, and
    name every dependency pyproject.toml declares; scripts/lock refreshes both."""
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _pins(ROOT / "requirements.lock")
    test = _pins(ROOT / "requirements-test.lock")

    def name(requirement: str) -> str:
        return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()

    for requirement in project["dependencies"]:
        assert name(requirement) in runtime, f"{requirement} is not in requirements.lock"
    for requirement in project["optional-dependencies"]["test"]:
        assert name(requirement) in test, f"{requirement} is not in requirements-test.lock"
    for package, version in runtime.items():
        assert test.get(package) == version, f"{package}: the tests would run another version"
    for lock in ("requirements.lock", "requirements-test.lock"):
        blocks = (ROOT / lock).read_text().split("\n")
        entries = [i for i, line in enumerate(blocks) if "==" in line and line[0] not in " #"]
        for i in entries:
            assert "--hash=sha256:" in blocks[i + 1], f"{lock}: {blocks[i]} has no hash"
