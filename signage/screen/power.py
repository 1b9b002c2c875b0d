"""Switching the panel off at night and on in the morning with the administrator's commands.

The commands come only from the trusted machine configuration (`display: {off_command,
on_command}`), as argv lists run without a shell. The command for the wanted state is run
when the state changes and again every `display_command_interval_s`, because someone may
have pressed the panel's own power button, or the panel missed the first CEC message.
A failing command is logged once (and once more when it works again), never raised: the
show goes on with the panel as it is.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable, Sequence
from typing import Literal

from signage.core.config import Settings

Runner = Callable[[Sequence[str], float], int]
"""(argv, timeout in seconds) -> exit status; may raise OSError or subprocess errors."""
DisplayState = Literal["on", "off"]

DEFAULT_TIMEOUT_S = 10.0


def run_command(argv: Sequence[str], timeout_s: float) -> int:
    """Run argv without a shell, with no input, output discarded, killed after timeout_s."""
    done = subprocess.run(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=timeout_s,
        check=False,
    )
    return done.returncode


class DisplayPower:
    """Call `update(state, monotonic_now)` from the player whenever it plans; it decides
    whether a command is due. Runs synchronously, so it blocks for at most `timeout_s`."""

    def __init__(
        self,
        off_command: Sequence[str] = (),
        on_command: Sequence[str] = (),
        interval_s: float = 600.0,
        *,
        runner: Runner = run_command,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        logger: logging.Logger | None = None,
    ) -> None:
        self.commands: dict[DisplayState, tuple[str, ...]] = {
            "off": tuple(off_command),
            "on": tuple(on_command),
        }
        self.interval_s = max(1.0, float(interval_s))
        self.timeout_s = timeout_s
        self._runner = runner
        self._log = logger or logging.getLogger("signage.screen.power")
        self._state: DisplayState | None = None
        self._last_run: float | None = None
        self._failing = False

    @classmethod
    def from_settings(cls, settings: Settings, runner: Runner = run_command) -> DisplayPower:
        return cls(
            settings.display_off_command,
            settings.display_on_command,
            settings.display_command_interval_s,
            runner=runner,
        )

    @property
    def failing(self) -> bool:
        return self._failing

    def update(self, state: DisplayState, monotonic_now: float) -> bool:
        """Apply `state` if it changed or the interval has passed; True if a command ran."""
        changed = state != self._state
        due = self._last_run is None or monotonic_now - self._last_run >= self.interval_s
        self._state = state
        argv = self.commands[state]
        if not argv or not (changed or due):
            return False
        self._last_run = monotonic_now
        self._run(state, argv)
        return True

    def _run(self, state: DisplayState, argv: tuple[str, ...]) -> None:
        try:
            status = self._runner(argv, self.timeout_s)
            error = None if status == 0 else f"exit status {status}"
        except subprocess.TimeoutExpired:
            error = f"no answer within {self.timeout_s:g} s"
        # Anything else the command or the OS throws must not stop the show: the panel
        # simply stays as it is and the failure is logged.
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        if error is None:
            if self._failing:
                self._log.info("display %s command works again: %s", state, argv[0])
            self._failing = False
            return
        if not self._failing:
            self._log.warning("display %s command %r failed: %s", state, list(argv), error)
        self._failing = True
