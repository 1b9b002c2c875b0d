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
        "srv/signage/signage.yaml",
        "srv/signage/slides/notices/欢迎.txt",
        "srv/signage/playlists/lobby.yaml",
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
    assert (tmp_path / "share-called").read_text() == f"|/srv/signage|signage|{dest}\n"


def test_rerun_upgrades_without_touching_admin_files(checkout: Path, tmp_path: Path) -> None:
    dest = tmp_path / "root"
    assert install(checkout, dest, "--no-apt", "--no-systemd", "--no-venv").returncode == 0
    config = dest / "etc/signage/signage.yaml"
    config.write_text("content: /srv/signage\nscreen: lobby-2\n")
    notice = dest / "srv/signage/slides/notices/欢迎.txt"
    notice.unlink()
    (dest / "srv/signage/slides/mine.txt").write_text("staff notice\n")
    unit = dest / "etc/systemd/system/signage.service"
    unit.write_text("old unit\n")
    r = install(checkout, dest, "--no-apt", "--no-systemd", "--no-venv")
    assert r.returncode == 0, r.stderr
    assert "exists: left as it is" in r.stdout and "has content: left as it is" in r.stdout
    assert config.read_text() == "content: /srv/signage\nscreen: lobby-2\n"
    assert not notice.exists()  # demo content is not put back into a used folder
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
    assert (tmp_path / "share-called").read_text().startswith("--dry-run|/srv/signage|")


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
    assert (dest / "data/lobby/playlists/lobby.yaml").is_file()
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
    assert (dest / "srv/signage/slides/notices/欢迎.txt").is_file()
    assert (dest / "var/lib/signage/playlog/play-2026-12-01.jsonl").is_file()
    assert "Kept: /srv/signage (content), /etc/signage (configuration)" in r.stdout


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_scripts_pass_shellcheck() -> None:
    scripts = [
        ROOT / "scripts/install",
        ROOT / "scripts/uninstall",
        ROOT / "systemd/record-security",
    ]
    r = subprocess.run(
        ["shellcheck", *map(str, scripts)], capture_output=True, text=True, timeout=60, check=False
    )
    assert r.returncode == 0, r.stdout


def dry_run_on_real_root(checkout: Path, tmp_path: Path, *args: str) -> str:
    """A dry run with DESTDIR unset (it only reads), and a dpkg that knows no package."""
    stub = tmp_path / "stub-bin"
    stub.mkdir(exist_ok=True)
    (stub / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    (stub / "dpkg-query").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "DESTDIR"}
    env["PATH"] = f"{stub}:{env.get('PATH', '/usr/bin:/bin')}"
    r = subprocess.run(
        ["bash", str(checkout / "scripts" / "install"), "--dry-run", "--no-venv", *args],
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
