"""A real smbd on loopback serving the generated staff share, for tests marked `samba`.

`samba_share` (registered in conftest.py) runs smbd with exactly the configuration the lobby
machine gets — only the port, interfaces, runtime directories and a throwaway staff account
differ — and yields a `RunningShare` whose `client()` talks to it with smbclient as a staff
PC would. It needs root (smbd switches to the staff account) and skips cleanly otherwise.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from signage.appliance.samba import ShareSettings, samba_config

SMBD = shutil.which("smbd") or ("/usr/sbin/smbd" if Path("/usr/sbin/smbd").exists() else None)
SMBCLIENT = shutil.which("smbclient")


def share_run_dirs(base: Path) -> dict[str, Path]:
    names = ("private_dir", "lock_dir", "state_dir", "cache_dir", "pid_dir", "ncalrpc_dir")
    dirs = {name: base / name.removesuffix("_dir") for name in names}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    return dirs


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
    def state_dir(self) -> Path:
        """The player's `state_dir`: it writes the status page into its status/ folder."""
        return self.settings.status_dir.parent

    @property
    def user(self) -> str:
        return self.settings.staff_user

    def list_shares(self, host: str = "127.0.0.1") -> subprocess.CompletedProcess[str]:
        """`smbclient -L`: the shares and their comments, as Windows' network view shows."""
        return subprocess.run(
            [
                str(SMBCLIENT),
                *("-s", str(self.client_config), "-p", str(self.port)),
                *("-L", f"//{host}", "-U", f"{self.user}%{self.password}"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def client(
        self,
        commands: str,
        *,
        share: str | None = None,
        user: str | None = None,
        password: str | None = None,
        anonymous: bool = False,
        cwd: Path | None = None,
        host: str = "127.0.0.1",
    ) -> subprocess.CompletedProcess[str]:
        """Run smbclient commands against a share as a staff PC would (from `host`: on
        loopback a connection to 127.0.0.2 comes from 127.0.0.2, another "PC")."""
        auth = ["-N"] if anonymous else ["-U", f"{user or self.user}%{password or self.password}"]
        return subprocess.run(
            [
                str(SMBCLIENT),
                *("-s", str(self.client_config), "-p", str(self.port)),
                f"//{host}/{share or self.settings.share_name}",
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
def running_share(
    base: Path, edit: Callable[[str], str] | None = None, **changes: object
) -> Iterator[RunningShare]:
    """Start smbd in `base` with the generated configuration (ShareSettings `changes` on
    top, e.g. hosts_allow, and the text passed through `edit`); always stop it."""
    with _throwaway_account() as user:
        content = base / "content"
        # The player's state dir, as on the lobby machine: the share shows only status/.
        status = base / "state" / "status"
        (content / "slides").mkdir(parents=True)
        status.mkdir(parents=True)
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
            **share_run_dirs(base / "run"),  # type: ignore[arg-type]
        ).replace(**changes)
        config = base / "smb.conf"
        text = samba_config(share)
        config.write_text(edit(text) if edit else text, encoding="utf-8")
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
            _stop_helpers(config)


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


def _stop_helpers(config: Path) -> None:
    """smbd starts samba-dcerpcd on demand (listing shares, say), in a session of its own:
    it outlives smbd's process group. Stop every process started with this configuration."""
    wanted = f"--configfile={config}".encode()
    for attempt in range(2):
        left = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if wanted in args:
                left.append(int(entry.name))
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(entry.name), signal.SIGTERM if attempt == 0 else signal.SIGKILL)
        if not left:
            return
        time.sleep(0.5)


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
