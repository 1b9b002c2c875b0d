"""The staff share: generated smb.conf, checked by testparm, served by a real smbd on loopback.

The `samba_share` fixture (tests/samba_fixtures.py) runs smbd with exactly the configuration
the lobby machine gets and talks to it as a staff PC would. Tests that need a real server are
marked `samba`; they need root (smbd switches to the staff account) and skip cleanly otherwise.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from signage.appliance.samba import (
    ShareSettings,
    check_share,
    samba_config,
    share_config_main,
    share_from_settings,
)
from signage.appliance.statuspage import STATUS_TEXT_NAME, write_status_page
from signage.core.config import Settings, load_settings
from tests.samba_fixtures import RunningShare, share_run_dirs

REPO = Path(__file__).resolve().parent.parent
TESTPARM = shutil.which("testparm")
CST = timezone(timedelta(hours=8))


def _options(text: str, section: str) -> dict[str, str]:
    """The options of one [section] of smb.conf text, as a dict."""
    options: dict[str, str] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            continue
        if current == section:
            key, _, value = line.partition("=")
            assert key.strip() not in options, f"option {key.strip()!r} given twice"
            options[key.strip()] = value.strip()
    return options


# --- the configuration (pure) ----------------------------------------------------------------


def test_default_config_locks_the_share_down() -> None:
    text = samba_config(ShareSettings())
    glob = _options(text, "global")
    assert glob["map to guest"] == "Never"
    assert glob["restrict anonymous"] == "2"
    assert glob["server min protocol"] == "SMB2_10"
    assert glob["unix charset"] == "UTF-8"
    assert "guest ok" not in text
    assert "hosts allow" not in glob
    assert "smb ports" not in glob  # Samba's usual ports on the lobby machine

    content = _options(text, "signage")
    assert content["path"] == "/srv/signage"
    assert content["valid users"] == "signage-staff"
    assert content["read only"] == "no"
    assert content["force user"] == "signage-staff"
    assert content["force group"] == "signage"
    # Files: staff read-write, group read, others nothing; directories setgid.
    assert content["create mask"] == content["force create mode"] == "0640"
    assert content["directory mask"] == content["force directory mode"] == "2750"
    assert "veto files" not in content  # staff files are never hidden or deleted

    status = _options(text, "signage-status")
    assert status["path"] == "/var/lib/signage/status"
    assert status["read only"] == "yes"
    assert status["valid users"] == "signage-staff"


def test_test_options_and_office_subnet() -> None:
    share = ShareSettings(
        hosts_allow=("192.168.10.0/24",),
        port=14451,
        interfaces=("lo", "127.0.0.1"),
        private_dir=Path("/tmp/x/private"),
        lock_dir=Path("/tmp/x/lock"),
        log_file=Path("/tmp/x/log.smbd"),
        netbios=False,
        group=None,
    )
    glob = _options(samba_config(share), "global")
    assert glob["hosts allow"] == "192.168.10.0/24 127.0.0.1"
    assert glob["hosts deny"] == "ALL"
    assert glob["smb ports"] == "14451"
    assert glob["interfaces"] == "lo 127.0.0.1"
    assert glob["bind interfaces only"] == "yes"
    assert glob["private dir"] == "/tmp/x/private"
    assert glob["lock directory"] == "/tmp/x/lock"
    assert glob["log file"] == "/tmp/x/log.smbd"
    assert glob["disable netbios"] == "yes"
    assert "force group" not in _options(samba_config(share), "signage")


@pytest.mark.parametrize(
    ("change", "quoted"),
    [
        ({"share_name": "sig nage"}, "'sig nage'"),
        ({"status_share_name": "signage"}, "'signage'"),
        ({"staff_user": "Staff\nguest ok = yes"}, "'Staff\\nguest ok = yes'"),
        ({"server_string": "x\n[evil]"}, "'x\\n[evil]'"),
        ({"hosts_allow": ("10.0.0.0/8 ALL",)}, "'10.0.0.0/8 ALL'"),
        ({"port": 70000}, "70000"),
        ({"content": Path("srv/signage")}, "'srv/signage'"),
        ({"status_dir": Path("/srv/signage/status")}, "'/srv/signage/status'"),
    ],
)
def test_bad_values_are_refused_and_quoted(change: dict[str, object], quoted: str) -> None:
    share = ShareSettings().replace(**change)
    assert any(quoted in e for e in check_share(share))
    with pytest.raises(ValueError, match=re.escape(quoted)):
        samba_config(share)


def test_status_share_only_when_the_content_lives_on_a_file_server() -> None:
    text = samba_config(ShareSettings(share_content=False))
    assert "[signage]" not in text
    assert _options(text, "signage-status")["read only"] == "yes"


def test_share_from_machine_configuration(tmp_path: Path) -> None:
    machine = tmp_path / "signage.yaml"
    machine.write_text(
        "content: /data/lobby\nstate_dir: /var/lib/lobby\n"
        "share:\n  hosts_allow: [192.168.1.0/24, 10.1.0.0/16]\n  staff_user: bangongshi\n",
        encoding="utf-8",
    )
    settings, problems = load_settings(None, machine)
    assert problems == []
    share, problems = share_from_settings(settings)
    assert problems == []
    assert share.content == Path("/data/lobby")
    assert share.status_dir == Path("/var/lib/lobby/status")
    assert share.hosts_allow == ("192.168.1.0/24", "10.1.0.0/16")
    assert share.staff_user == "bangongshi"


def test_bad_share_section_is_a_problem_and_keeps_defaults() -> None:
    settings = Settings(content=Path("/srv/signage"), share={"port": "445", "colour": "red"})
    share, problems = share_from_settings(settings)
    assert share == ShareSettings()
    messages = " | ".join(p.message for p in problems)
    assert "share.port: '445' should be a whole number" in messages
    assert "share.colour: unknown share setting" in messages
    assert all(p.code == "bad-value" for p in problems)


def test_share_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    machine = tmp_path / "signage.yaml"
    machine.write_text("content: /srv/lobby\nshare: {status_share_name: zhuangtai}\n", "utf-8")
    assert share_config_main(["--config", str(machine)]) == 0
    out = capsys.readouterr().out
    assert _options(out, "signage")["path"] == "/srv/lobby"
    assert _options(out, "zhuangtai")["read only"] == "yes"

    assert share_config_main(["--config", str(machine), "--get", "content"]) == 0
    assert capsys.readouterr().out == "/srv/lobby\n"

    machine.write_text("share: {share_name: 'a b'}\n", "utf-8")
    assert share_config_main(["--config", str(machine)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "'a b'" in captured.err

    assert share_config_main(["--bogus"]) == 2


def test_share_config_from_the_main_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from signage.commands.cli import build_parser, main

    machine = tmp_path / "signage.yaml"
    machine.write_text("content: /srv/lobby\nstate_dir: /var/lib/lobby\n", "utf-8")
    assert main(["share-config", "--config", str(machine), "--get", "status_dir"]) == 0
    assert capsys.readouterr().out == "/var/lib/lobby/status\n"
    assert main(["share-config", "--config", str(machine)]) == 0
    assert _options(capsys.readouterr().out, "signage")["path"] == "/srv/lobby"
    assert main(["share-config", "--bogus"]) == 2
    assert "--bogus" in capsys.readouterr().err
    assert "share-config" in build_parser().format_help()

    # As the installer calls it: a separate interpreter, `python -m signage share-config`.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "signage",
            "share-config",
            "--config",
            str(machine),
            "--get",
            "content",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "/srv/lobby\n"), result.stderr
    assert "-m signage share-config" in (REPO / "scripts/install-share").read_text("utf-8")


@pytest.mark.skipif(TESTPARM is None, reason="testparm (samba) is not installed")
def test_testparm_accepts_the_generated_config(tmp_path: Path) -> None:
    share = ShareSettings(
        content=tmp_path / "content",
        status_dir=tmp_path / "status",
        hosts_allow=("192.168.1.0/24",),
        log_file=tmp_path / "log.smbd",
        **share_run_dirs(tmp_path),  # type: ignore[arg-type]
    )
    conf = tmp_path / "smb.conf"
    conf.write_text(samba_config(share), encoding="utf-8")
    result = subprocess.run(
        [str(TESTPARM), "-s", str(conf)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Loaded services file OK." in result.stderr

    def effective(name: str, section: str | None = None) -> str:
        where = [f"--section-name={section}"] if section else []
        query = [str(TESTPARM), "-s", *where, f"--parameter-name={name}", str(conf)]
        out = subprocess.run(query, capture_output=True, text=True, timeout=30, check=True)
        return out.stdout.strip()

    # How Samba itself reads the file, not just what the text says.
    assert effective("map to guest") == "Never"
    assert effective("restrict anonymous") == "2"
    assert effective("server min protocol") == "SMB2"  # testparm's name for SMB2_10
    assert effective("unix charset") == "UTF-8"
    assert effective("hosts allow") == "192.168.1.0/24 127.0.0.1"
    assert effective("read only", "signage") == "No"
    assert effective("read only", "signage-status") == "Yes"
    assert effective("guest ok", "signage") == "No"
    assert effective("create mask", "signage") == "0640"


# --- the installer -----------------------------------------------------------------------------


def _install_share(machine: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """scripts/install-share with this checkout's package, never apt."""
    command = [str(REPO / "scripts/install-share"), "--config", str(machine), *options]
    return subprocess.run(
        [*command, "--python", sys.executable, "--no-apt"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
        check=False,
    )


def test_install_share_into_a_prefix(tmp_path: Path) -> None:
    machine = tmp_path / "signage.yaml"
    machine.write_text("content: /srv/signage\nstate_dir: /var/lib/signage\n", "utf-8")
    prefix = tmp_path / "root"
    (prefix / "etc/samba").mkdir(parents=True)
    (prefix / "etc/samba/smb.conf").write_text("[global]\n   workgroup = OLD\n", "utf-8")
    result = _install_share(machine, "--prefix", str(prefix))
    assert result.returncode == 0, result.stderr
    conf = (prefix / "etc/samba/smb.conf").read_text("utf-8")
    assert _options(conf, "signage")["path"] == "/srv/signage"
    assert (prefix / "etc/samba/smb.conf.before-signage").read_text("utf-8").endswith("OLD\n")
    root = prefix / "srv/signage"
    assert (root / "slides").is_dir() and (root / "playlists").is_dir()
    assert (root / "slides").stat().st_mode & 0o7777 == 0o2750
    # The folders 使用说明.txt names are there for staff to see (issue 14).
    assert sorted(p.name for p in (root / "slides").iterdir()) == sorted(
        ["通知", "政策", "会议", "图片", "紧急"]
    )
    guide = root / "使用说明.txt"
    assert guide.read_bytes() == (REPO / "signage/data/使用说明.txt").read_bytes()
    assert guide.stat().st_mode & 0o777 == 0o640
    assert (prefix / "var/lib/signage/status").stat().st_mode & 0o7777 == 0o2755
    # Accounts, passwords and services are only printed, never touched, with a prefix.
    assert "would run: smbpasswd -a -s signage-staff" in result.stdout
    assert "would run: systemctl enable --now smbd" in result.stdout


def test_install_share_dry_run_writes_nothing(tmp_path: Path) -> None:
    machine = tmp_path / "signage.yaml"
    machine.write_text("content: /srv/signage\n", "utf-8")
    prefix = tmp_path / "root"
    result = _install_share(machine, "--prefix", str(prefix), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert not prefix.exists()
    assert "would run: install -m 0644" in result.stdout


def test_install_share_refuses_a_bad_share_section(tmp_path: Path) -> None:
    machine = tmp_path / "signage.yaml"
    machine.write_text("share: {hosts_allow: ['10.0.0.0/8 ALL']}\n", "utf-8")
    result = _install_share(machine, "--dry-run")
    assert result.returncode == 1
    assert "'10.0.0.0/8 ALL'" in result.stderr


# --- a real smbd on loopback ------------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.samba
def test_staff_put_overwrite_and_delete(samba_share: RunningShare, tmp_path: Path) -> None:
    notice = "关于春节放假的通知.txt"
    first = tmp_path / "first.txt"
    first.write_bytes("各科室：\r\n春节放假安排如下。\r\n".encode("gb18030"))
    second = tmp_path / "second.txt"
    second.write_bytes("\ufeff各科室：\r\n春节放假安排调整如下，请相互转告。\r\n".encode())
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(6 * 1024 * 1024) + b"\xff\xd9")

    result = samba_share.client(
        f'mkdir slides\\通知; put first.txt "slides\\通知\\{notice}"; '
        "put photo.jpg slides\\合影.jpg",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    on_disk = samba_share.content / "slides" / "通知" / notice
    assert on_disk.read_bytes() == first.read_bytes()
    assert _sha(samba_share.content / "slides/合影.jpg") == _sha(photo)

    # Overwrite with a longer version, as WPS saving over the old file does.
    result = samba_share.client(f'put second.txt "slides\\通知\\{notice}"', cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert on_disk.read_bytes() == second.read_bytes()

    # What staff write belongs to the staff account and the player's group, group-readable.
    st = on_disk.stat()
    assert st.st_mode & 0o777 == 0o640
    folder = on_disk.parent.stat()
    assert folder.st_mode & 0o7777 == 0o2750
    assert pwd.getpwuid(st.st_uid).pw_name == samba_share.user
    assert grp.getgrgid(st.st_gid).gr_name == samba_share.settings.group

    result = samba_share.client("del slides\\合影.jpg", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (samba_share.content / "slides/合影.jpg").exists()

    listing = samba_share.client("ls slides\\通知\\*")
    assert notice in listing.stdout


@pytest.mark.samba
def test_wrong_password_and_guest_are_refused(samba_share: RunningShare, tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x", "utf-8")
    wrong = samba_share.client("put x.txt intruder.txt", password="not-the-password", cwd=tmp_path)
    assert wrong.returncode != 0
    assert "NT_STATUS_LOGON_FAILURE" in wrong.stdout + wrong.stderr
    guest = samba_share.client("put x.txt guest.txt", anonymous=True, cwd=tmp_path)
    assert guest.returncode != 0
    assert "NT_STATUS_ACCESS_DENIED" in guest.stdout + guest.stderr
    unknown = samba_share.client("ls", user="nobody", password="x", cwd=tmp_path)
    assert unknown.returncode != 0
    assert not (samba_share.content / "intruder.txt").exists()
    assert not (samba_share.content / "guest.txt").exists()


@pytest.mark.samba
def test_status_share_is_read_only(samba_share: RunningShare, tmp_path: Path) -> None:
    now = datetime(2026, 12, 3, 9, 0, tzinfo=CST)
    status = {
        "updated_at": now.isoformat(),
        "screen": "lobby-1",
        "rotation": ["slides/a.txt"],
        "problems": [{"path": "slides/b.jpg", "message": "truncated", "code": "image-truncated"}],
        "display": "on",
    }
    write_status_page(samba_share.status_dir, status, now, content_root=samba_share.content)
    share = samba_share.settings.status_share_name

    got = samba_share.client(f'get "{STATUS_TEXT_NAME}" got.txt', share=share, cwd=tmp_path)
    assert got.returncode == 0, got.stdout + got.stderr
    page = (tmp_path / "got.txt").read_bytes()
    assert page == (samba_share.status_dir / STATUS_TEXT_NAME).read_bytes()
    assert "图片只复制了一半" in page.decode("utf-8-sig")

    (tmp_path / "x.txt").write_text("x", "utf-8")
    put = samba_share.client("put x.txt x.txt", share=share, cwd=tmp_path)
    assert put.returncode != 0
    assert "NT_STATUS_ACCESS_DENIED" in put.stdout + put.stderr
    # smbclient's exit status does not report a refused `del`; its output does.
    delete = samba_share.client(f'del "{STATUS_TEXT_NAME}"', share=share, cwd=tmp_path)
    assert "NT_STATUS_ACCESS_DENIED" in delete.stdout + delete.stderr
    assert not (samba_share.status_dir / "x.txt").exists()
    assert (samba_share.status_dir / STATUS_TEXT_NAME).exists()


def test_staff_guide_reads_right_in_notepad_and_names_the_status_share() -> None:
    data = (REPO / "signage/data/使用说明.txt").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Notepad on a Chinese Windows: UTF-8, not GBK
    assert data.count(b"\n") == data.count(b"\r\n")
    text = data.decode("utf-8-sig")
    assert STATUS_TEXT_NAME in text
    assert ShareSettings().status_share_name in text
    assert "\t" not in text  # its YAML examples must be copyable as they are


# --- issue 14: Chinese for the people who see it; hosts restricted as configured ------------


def test_share_comments_and_server_name_are_chinese() -> None:
    text = samba_config(ShareSettings(group=None))
    assert _options(text, "signage")["comment"].startswith("大厅信息屏的内容")
    assert "状态.txt" in _options(text, "signage-status")["comment"]
    assert _options(text, "global")["server string"] == "大厅信息屏"


@pytest.mark.parametrize(
    "entry", ["192.168.1.0/33", "300.1.1.1", "192.168.1.0/24/8", "::g", "192.168.300."]
)
def test_hosts_that_are_not_addresses_are_refused(entry: str) -> None:
    errors = check_share(ShareSettings(hosts_allow=(entry,)))
    assert any(repr(entry) in e for e in errors), errors


@pytest.mark.parametrize(
    "entry", ["192.168.1.0/24", "10.1.2.3", "192.168.1.", "fe80::/64", "office-pc", "pc.local"]
)
def test_hosts_allow_accepts_what_samba_does(entry: str) -> None:
    assert check_share(ShareSettings(hosts_allow=(entry,))) == []


def test_hosts_allow_typed_as_one_line(tmp_path: Path) -> None:
    machine = tmp_path / "signage.yaml"
    machine.write_text(
        'content: /srv/signage\nshare:\n  hosts_allow: "192.168.1.0/24，192.168.2.0/24 10.0.0.5"\n',
        "utf-8",
    )
    settings, problems = load_settings(None, machine)
    share, more = share_from_settings(settings)
    assert problems == more == []
    assert share.hosts_allow == ("192.168.1.0/24", "192.168.2.0/24", "10.0.0.5")
    assert _options(samba_config(share), "global")["hosts allow"] == (
        "192.168.1.0/24 192.168.2.0/24 10.0.0.5 127.0.0.1"
    )


@pytest.mark.samba
def test_windows_sees_the_chinese_comments(samba_share: RunningShare) -> None:
    listing = samba_share.list_shares()
    assert listing.returncode == 0, listing.stdout + listing.stderr
    assert "大厅信息屏的内容" in listing.stdout and "打开 状态.txt" in listing.stdout


@pytest.mark.samba
def test_a_pc_outside_hosts_allow_is_refused_by_a_real_smbd(tmp_path: Path) -> None:
    # Until now only checked in the generated text. Loopback is always allowed (so the
    # administrator can test on the machine), and every connection here comes from it: to
    # play a PC outside the office subnet, the test takes 127.0.0.1 out of the generated
    # `hosts allow` line and keeps everything else as generated (`hosts deny = ALL`).
    from tests.samba_fixtures import SMBCLIENT, SMBD, running_share

    if SMBD is None or SMBCLIENT is None or os.geteuid() != 0:
        pytest.skip("needs smbd, smbclient and root")

    def outside(text: str) -> str:
        assert "   hosts allow = 192.0.2.0/24 127.0.0.1\n" in text
        return text.replace("hosts allow = 192.0.2.0/24 127.0.0.1", "hosts allow = 192.0.2.0/24")

    base = Path(tempfile.mkdtemp(prefix="signage-samba-hosts-"))
    base.chmod(0o755)
    try:
        with running_share(base, outside, hosts_allow=("192.0.2.0/24",)) as share:
            (tmp_path / "x.txt").write_text("x", "utf-8")
            refused = share.client("put x.txt slides\\x.txt", cwd=tmp_path)
            said = refused.stdout + refused.stderr
            assert refused.returncode != 0, said
            # Refused by smbd itself, not for want of a listener.
            assert "NT_STATUS_CONNECTION_REFUSED" not in said, said
            assert not (share.content / "slides/x.txt").exists()
    finally:
        shutil.rmtree(base, ignore_errors=True)
