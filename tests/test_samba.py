"""The staff share: generated smb.conf, checked by testparm, served by a real smbd on loopback.

The `samba_share` fixture runs smbd with exactly the configuration the lobby machine gets
(only port, interfaces and runtime directories differ) and yields a `RunningShare` whose
`client()` talks to it as a staff PC would. Tests that need a real server are marked
`samba`; they need root (smbd switches to the staff account) and skip cleanly otherwise.
"""

from __future__ import annotations

import contextlib
import grp
import hashlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from signage.config import Settings, load_settings
from signage.samba import (
    ShareSettings,
    check_share,
    samba_config,
    share_config_main,
    share_from_settings,
)
from signage.statuspage import STATUS_TEXT_NAME, write_status_page

REPO = Path(__file__).resolve().parent.parent
SMBD = shutil.which("smbd") or ("/usr/sbin/smbd" if Path("/usr/sbin/smbd").exists() else None)
SMBCLIENT = shutil.which("smbclient")
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


def _test_dirs(base: Path) -> dict[str, Path]:
    names = ("private_dir", "lock_dir", "state_dir", "cache_dir", "pid_dir", "ncalrpc_dir")
    dirs = {name: base / name.removesuffix("_dir") for name in names}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    return dirs


@pytest.mark.skipif(TESTPARM is None, reason="testparm (samba) is not installed")
def test_testparm_accepts_the_generated_config(tmp_path: Path) -> None:
    share = ShareSettings(
        content=tmp_path / "content",
        status_dir=tmp_path / "status",
        hosts_allow=("192.168.1.0/24",),
        log_file=tmp_path / "log.smbd",
        **_test_dirs(tmp_path),  # type: ignore[arg-type]
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


@dataclass(frozen=True)
class RunningShare:
    """A live smbd serving the generated configuration on 127.0.0.1:port."""

    settings: ShareSettings
    config: Path
    client_config: Path
    port: int
    password: str
    log: Path

    @property
    def content(self) -> Path:
        return self.settings.content

    @property
    def status_dir(self) -> Path:
        return self.settings.status_dir

    @property
    def user(self) -> str:
        return self.settings.staff_user

    def client(
        self,
        commands: str,
        *,
        share: str | None = None,
        user: str | None = None,
        password: str | None = None,
        anonymous: bool = False,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run smbclient commands against a share as a staff PC would."""
        auth = ["-N"] if anonymous else ["-U", f"{user or self.user}%{password or self.password}"]
        return subprocess.run(
            [
                str(SMBCLIENT),
                *("-s", str(self.client_config), "-p", str(self.port)),
                f"//127.0.0.1/{share or self.settings.share_name}",
                *auth,
                *("-c", commands),
            ],
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=60,
            check=False,
        )


def _free_port() -> int:
    for _ in range(50):
        port = 14450 + secrets.randbelow(1000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 14450..15449")


def _group_alive(pgid: int) -> list[int]:
    """Processes still running (not zombies) in a process group."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            alive.append(int(entry.name))
    return alive


@contextlib.contextmanager
def _throwaway_account() -> Iterator[str]:
    """A unix account (and its group) for the Samba user, removed afterwards.

    smbd maps every Samba user to a unix account and switches to it; a unique name keeps
    any real signage-staff account on the machine untouched.
    """
    name = f"sgtest-{secrets.token_hex(3)}"
    created = subprocess.run(
        [
            "useradd",
            *("--system", "--no-create-home", "--home-dir", "/nonexistent"),
            *("--shell", "/usr/sbin/nologin", "--user-group", name),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if created.returncode != 0:
        pytest.skip(f"cannot create a throwaway account: {created.stderr.strip()}")
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], capture_output=True, check=False)
        subprocess.run(["groupdel", name], capture_output=True, check=False)


@contextlib.contextmanager
def running_share(base: Path) -> Iterator[RunningShare]:
    """Start smbd in `base` with the generated configuration; always stop it."""
    with _throwaway_account() as user:
        content = base / "content"
        status = base / "status"
        (content / "slides").mkdir(parents=True)
        status.mkdir()
        shutil.chown(content, user, user)
        shutil.chown(content / "slides", user, user)
        # The staff account may write the status folder on disk here, so only the share's
        # `read only` keeps staff out of it (on the lobby machine the player's user owns it).
        shutil.chown(status, user, user)
        share = ShareSettings(
            content=content,
            status_dir=status,
            staff_user=user,
            group=user,
            netbios=False,
            port=_free_port(),
            interfaces=("lo", "127.0.0.1"),
            log_file=base / "log.smbd",
            **_test_dirs(base / "run"),  # type: ignore[arg-type]
        )
        config = base / "smb.conf"
        config.write_text(samba_config(share), encoding="utf-8")
        client_config = base / "client.conf"
        client_dir = base / "client"
        client_dir.mkdir()
        client_config.write_text(
            "[global]\n   client min protocol = SMB2_10\n"
            + "".join(
                f"   {opt} = {client_dir}\n"
                for opt in ("cache directory", "lock directory", "state directory", "private dir")
            ),
            encoding="utf-8",
        )
        password = "Pw-" + secrets.token_hex(8)
        added = subprocess.run(
            ["smbpasswd", "-c", str(config), "-a", "-s", user],
            input=f"{password}\n{password}\n",
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert added.returncode == 0, added.stderr
        log = base / "smbd.out"
        assert share.port is not None
        with log.open("wb") as out:
            # Its own session: stopping it signals the whole group, helpers included.
            proc = subprocess.Popen(
                [
                    str(SMBD),
                    f"--configfile={config}",
                    *("--foreground", "--no-process-group", "--debug-stdout"),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_listening(share.port, proc, log)
            yield RunningShare(share, config, client_config, share.port, password, log)
        finally:
            _stop(proc)


def _wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"smbd exited with {proc.returncode}:\n{log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"smbd did not listen on {port}:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _group_alive(proc.pid)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"smbd processes left running: {left}"


@pytest.fixture(scope="module")
def samba_share() -> Iterator[RunningShare]:
    """A running share for the module's tests (each test uses its own file names)."""
    if SMBD is None or SMBCLIENT is None:
        pytest.skip("smbd and smbclient are needed (apt install samba smbclient)")
    if os.geteuid() != 0:
        pytest.skip("a real smbd needs root to switch to the staff account")
    # Not under pytest's tmp_path: its parents are private to root, and smbd serves the
    # share as the staff account, which must be able to reach it.
    base = Path(tempfile.mkdtemp(prefix="signage-samba-"))
    base.chmod(0o755)
    try:
        with running_share(base) as share:
            yield share
    finally:
        shutil.rmtree(base, ignore_errors=True)


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
