"""Real Syncthing instances on loopback, and headless players, for the sites tests and bench.

Each instance has its own home (keys, config.xml, database), its own GUI/REST port and
listening port on 127.0.0.1, and talks to nothing else: no discovery (global or local),
relays, NAT traversal, STUN, usage or crash reports; these options are written into
config.xml before Syncthing first starts. Everything is stopped and removed at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from signage.sites.folders import safe_options
from signage.sites.syncthing import Gui, NotRunning, Rest, write_options_offline

REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def have_syncthing() -> bool:
    return shutil.which("syncthing") is not None


@dataclass
class Syncthing:
    """One Syncthing on 127.0.0.1, with its own home."""

    name: str
    home: Path
    gui_port: int = field(default_factory=free_port)
    listen_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def listen(self) -> str:
        return f"tcp://127.0.0.1:{self.listen_port}"

    @property
    def log(self) -> Path:
        return self.home / "syncthing.log"

    def prepare(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["syncthing", "generate", f"--home={self.home}", "--no-default-folder"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        options = safe_options({}, listen=[self.listen], reconnect_s=2, local_discovery=False)
        write_options_offline(self.home, options, gui_address=f"127.0.0.1:{self.gui_port}")

    def start(self) -> None:
        env = {
            **os.environ,
            "STNODEFAULTFOLDER": "1",
            "STNOUPGRADE": "1",
            "STNORESTART": "1",
            "HOME": str(self.home),
        }
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    "syncthing",
                    "serve",
                    f"--home={self.home}",
                    "--no-browser",
                    "--no-restart",
                    "--logflags=0",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        wait_for(self._answers, f"{self.name}'s Syncthing to answer", self.log, timeout=30)

    def _answers(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"{self.name}'s Syncthing exited:\n{self.log.read_text()[-3000:]}")
        try:
            self.rest().my_id()
        except NotRunning:
            return False
        return True

    def rest(self) -> Rest:
        from signage.sites.syncthing import gui_of

        gui = gui_of(self.home)
        return Rest(Gui(f"http://127.0.0.1:{self.gui_port}", gui.apikey), timeout=5)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


@contextlib.contextmanager
def syncthings(root: Path, names: list[str]) -> Iterator[dict[str, Syncthing]]:
    instances = {n: Syncthing(n, root / f"st-{n}") for n in names}
    try:
        for st in instances.values():
            st.prepare()
            st.start()
        yield instances
    finally:
        for st in instances.values():
            st.stop()


def sites(
    *args: str | Path, home: Path, state: Path, content: Path, fast: bool = True
) -> subprocess.CompletedProcess[str]:
    """`signage sites …` as a separate process, as the administrator runs it."""
    command = [
        sys.executable,
        *("-m", "signage", "sites"),
        *(str(a) for a in args),
        *("--home", str(home), "--state-dir", str(state), "--content", str(content)),
        *("--config", str(state / "machine.yaml"), "--lan-only"),
        *(("--fast",) if fast else ()),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO), "SIGNAGE_SITES_AS_ROOT": "1"}
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )


@contextlib.contextmanager
def headless_player(
    content: Path, state: Path, screen: str, *, duration_s: float = 2.0
) -> Iterator[tuple[Path, Path, Path]]:
    """`signage run` on a station's content folder; yields (status file, play log dir, log)."""
    status_file = state / "player-status.json"
    play_log = state / "playlog"
    machine = state / "machine.yaml"
    machine.write_text(
        f"state_dir: {json.dumps(str(state))}\n"
        f"play_log: {json.dumps(str(play_log))}\n"
        f"screen: {json.dumps(screen)}\n"
        f"defaults: {{duration: {duration_s:g}, transition: none}}\n",
        encoding="utf-8",
    )
    log = state / "player.log"
    command = [
        sys.executable,
        *("-m", "signage", "run", "--content", str(content)),
        *("--windowed", "--size", "320x180"),
        *("--status-file", str(status_file), "--config", str(machine)),
    ]
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        "PYTHONPATH": str(REPO),
    }
    env.pop("RUNTIME_DIRECTORY", None)
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=state)
    try:
        yield status_file, play_log, log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
            raise AssertionError(f"the player ignored SIGTERM:\n{log.read_text()}") from None
    assert code == 0, log.read_text("utf-8", "replace")


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8-sig"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def wait_for(
    probe: Callable[[], T | None], what: str, *logs: Path, timeout: float = 30.0, every: float = 0.1
) -> T:
    """Poll `probe` until it returns something (not None/False); fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            tails = "\n".join(
                f"--- {log} ---\n{log.read_text('utf-8', 'replace')[-2000:]}"
                for log in logs
                if log.exists()
            )
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}\n{tails}")
        time.sleep(every)
