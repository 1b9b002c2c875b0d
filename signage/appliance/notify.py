"""The systemd notify protocol (sd_notify), spoken directly over a Unix datagram socket.

systemd passes NOTIFY_SOCKET (a path, or "@name" for an abstract socket) to a Type=notify
service, and WATCHDOG_USEC (and WATCHDOG_PID) when WatchdogSec= is set. The player says
READY=1 once the first frame is on screen, WATCHDOG=1 from its render loop, STATUS=… when
something worth a glance in `systemctl status` changes, and STOPPING=1 on the way out.

Nothing here ever raises: outside systemd (a developer's desk, a test) there is no socket and
every call is a cheap no-op that returns False.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

_log = logging.getLogger(__name__)

# What a STATUS= line may hold: the protocol separates fields with newlines, and systemctl
# shows one line, so longer text only hides the rest.
_STATUS_MAX_CHARS = 200


def _socket_address(value: str) -> str | bytes | None:
    """NOTIFY_SOCKET -> an address for sendto(); None for values we cannot use."""
    if value.startswith("@") and len(value) > 1:
        # Abstract namespace: a leading NUL byte instead of "@".
        return b"\0" + value[1:].encode("utf-8", "surrogateescape")
    if value.startswith("/"):
        return value
    # "vsock:…" and relative paths are for VMs and containers we do not run in.
    return None


class Notifier:
    """Tells systemd how the service is doing; every method is safe to call without systemd.

    `environ` is the process environment (pass `os.environ`); `monotonic` is the clock the
    watchdog rate limit uses; `pid` is this process's id, compared with WATCHDOG_PID so a
    child started by the player never thinks the watchdog is meant for it.
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        monotonic: Callable[[], float] = time.monotonic,
        pid: int | None = None,
    ) -> None:
        self._monotonic = monotonic
        self._address = _socket_address(environ.get("NOTIFY_SOCKET", ""))
        self._sock: socket.socket | None = None
        self._failed = False
        self._last_watchdog: float | None = None
        self._watchdog_period_s = _watchdog_period(environ, os.getpid() if pid is None else pid)

    @property
    def enabled(self) -> bool:
        """True when systemd gave us a socket to talk to."""
        return self._address is not None

    @property
    def watchdog_period_s(self) -> float | None:
        """WatchdogSec= in seconds; None when the watchdog is not enabled for this process."""
        return self._watchdog_period_s if self.enabled else None

    @property
    def watchdog_interval_s(self) -> float | None:
        """How often to send WATCHDOG=1: half the period, as sd_watchdog_enabled(3) advises.

        The loop must not sleep longer than this; None when there is no watchdog.
        """
        period = self.watchdog_period_s
        return None if period is None else period / 2

    def seconds_until_watchdog(self, now_mono: float | None = None) -> float | None:
        """How long the loop may sleep before the next heartbeat is due (0 when it is due now)."""
        interval = self.watchdog_interval_s
        if interval is None:
            return None
        if self._last_watchdog is None:
            return 0.0
        now = self._monotonic() if now_mono is None else now_mono
        return max(0.0, self._last_watchdog + interval - now)

    def watchdog_due(self, now_mono: float | None = None) -> bool:
        """True when a heartbeat should go out now.

        A little early counts as due (a tenth of the period), because a loop that sleeps
        exactly `watchdog_interval_s` may wake a millisecond short; skipping then would let
        the next ping come almost a whole period late.
        """
        period = self.watchdog_period_s
        if period is None:
            return False
        if self._last_watchdog is None:
            return True
        now = self._monotonic() if now_mono is None else now_mono
        return now - self._last_watchdog >= period / 2 - period / 10

    def watchdog(self, now_mono: float | None = None) -> bool:
        """Send WATCHDOG=1 if it is due; call it from every turn of the render loop.

        Returns True when a heartbeat was sent. `now_mono` must come from the notifier's own
        `monotonic` clock; it may be a little old (taken at the start of a long loop pass).
        """
        now = self._monotonic() if now_mono is None else now_mono
        if not self.watchdog_due(now):
            return False
        sent = self.notify("WATCHDOG=1")
        if sent:
            # Count from when it really went out: a stale `now_mono` (a pass that spent
            # seconds reading a file) would otherwise make the next call send another at once.
            self._last_watchdog = max(now, self._monotonic())
        return sent

    def ready(self, status: str | None = None) -> bool:
        """READY=1: the first frame is on screen. systemd's start job completes here."""
        fields = ["READY=1"]
        if status:
            fields.append(_status_field(status))
        return self.notify(*fields)

    def stopping(self, status: str | None = None) -> bool:
        """STOPPING=1: we are shutting down on purpose (a quit key, SIGTERM)."""
        fields = ["STOPPING=1"]
        if status:
            fields.append(_status_field(status))
        return self.notify(*fields)

    def status(self, text: str) -> bool:
        """STATUS=…: one line for `systemctl status signage` ("playing lobby: 12 files")."""
        return self.notify(_status_field(text))

    def extend_timeout(self, seconds: float) -> bool:
        """EXTEND_TIMEOUT_USEC=…: the first scan of a large folder needs more start-up time."""
        return self.notify(f"EXTEND_TIMEOUT_USEC={max(1, round(seconds * 1_000_000))}")

    def notify(self, *fields: str) -> bool:
        """Send raw `KEY=value` fields in one datagram; False when not sent (never raises)."""
        if self._address is None or not fields:
            return False
        message = "\n".join(fields).encode("utf-8", "replace")
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            # Never wait: a reader that stopped reading (its queue holds only ten datagrams
            # by default) must not stop the render loop; a beat that does not fit is lost.
            self._sock.sendto(message, socket.MSG_DONTWAIT, self._address)
        except OSError as err:
            # systemd gone (shutdown), socket path hidden by a sandbox…: the show goes on.
            # Said once, so a broken socket does not fill the journal from the render loop.
            if not self._failed:
                _log.warning("cannot notify systemd at %r: %s", self._address, err)
                self._failed = True
            return False
        if self._failed:
            _log.info("notifying systemd works again")
            self._failed = False
        return True

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> Notifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _status_field(text: str) -> str:
    one_line = " ".join(str(text).split())
    if len(one_line) > _STATUS_MAX_CHARS:
        one_line = one_line[: _STATUS_MAX_CHARS - 1] + "…"
    return f"STATUS={one_line}"


def _watchdog_period(environ: Mapping[str, str], pid: int) -> float | None:
    """WATCHDOG_USEC in seconds, if it is set, valid, and meant for this process."""
    owner = environ.get("WATCHDOG_PID", "").strip()
    if owner:
        try:
            if int(owner) != pid:
                return None
        except ValueError:
            return None
    try:
        usec = int(environ.get("WATCHDOG_USEC", "").strip())
    except ValueError:
        return None
    return usec / 1_000_000 if usec > 0 else None
