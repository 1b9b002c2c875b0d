"""今日预览.png: every page that plays today on one sheet, in the staff's status folder.

Drawing a whole day is minutes of worker time on a Raspberry Pi, so it is never done in the
player: the player runs `signage preview --day --sheet …` as a separate, low-priority process
(which reads and draws through its own workers, under the same limits) once the content has
been quiet for a while after a change, at most every few minutes, and again when the day
changes. A run that hangs is killed; a failed one is tried again at the next change.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "今日预览.png"
QUIET_S = 60.0
"""Wait this long after the last change, so a batch of files staff copy is drawn once."""
MIN_INTERVAL_S = 600.0
TIME_LIMIT_S = 900.0


class DayPreview:
    def __init__(
        self,
        directory: Path,
        command: Sequence[str],
        *,
        quiet_s: float = QUIET_S,
        min_interval_s: float = MIN_INTERVAL_S,
    ) -> None:
        """`command`: the `signage preview` arguments for this player's content and config;
        `--day --at DAY --sheet FILE` are added."""
        self.path = directory / FILE_NAME
        self._command = list(command)
        self._quiet_s = quiet_s
        self._min_interval_s = min_interval_s
        self._changed_at: float | None = 0.0
        self._last_run = -min_interval_s
        self._day: date | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._started = 0.0
        self.runs = 0

    def changed(self, now: float) -> None:
        """The content (or what plays) changed: draw the sheet again once it is quiet."""
        self._changed_at = now

    def tick(self, now: float, today: date, at_text: str) -> None:
        """Called from the player's loop (cheap): finish, kill or start a run."""
        if self._proc is not None:
            code = self._proc.poll()
            if code is None:
                if now - self._started > TIME_LIMIT_S:
                    log.warning("drawing %s took too long; stopped", self.path.name)
                    self._stop()
                return
            self._proc = None
            if code != 0:
                log.warning("drawing %s failed (exit status %s)", self.path.name, code)
            return
        if today != self._day:
            self._day, self._changed_at = today, self._changed_at or now
        changed = self._changed_at
        if (
            changed is None
            or now - changed < self._quiet_s
            or now - self._last_run < self._min_interval_s
        ):
            return
        self._changed_at = None
        self._last_run = self._started = now
        nice = [shutil.which("nice") or "nice", "-n", "10"] if shutil.which("nice") else []
        argv = [
            *nice,
            sys.executable,
            "-m",
            "signage",
            *self._command,
            "--day",
            "--at",
            at_text,
            "--sheet",
            str(self.path),
        ]
        env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
        for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
            env.pop(name, None)  # systemd's messages are the player's alone
        try:
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
            self.runs += 1
        except OSError as err:
            log.warning("cannot start drawing %s: %s", self.path.name, err)

    def _stop(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, 9)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(5.0)
            self._proc = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def close(self) -> None:
        self._stop()
