"""Logging for a service whose stdout is the journal, and for a developer's terminal.

Under systemd, stdout goes to journald, which stamps every line with the time, the unit and
the pid itself; a `<N>` prefix (syslog priority) lets it keep the level, so `journalctl -p
warning -u signage` shows only what matters. On a terminal we print our own timestamps.

`OnceLogger` keeps a recurring problem (a bad file, an unwritable play log) from filling the
log on every turn of the loop: it says so when the problem appears and when it clears.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Hashable, Mapping
from typing import Generic, TextIO, TypeVar

K = TypeVar("K", bound=Hashable)

LEVELS: Mapping[str, int] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}

# sd-daemon(3) priorities: 3 err, 4 warning, 5 notice, 6 info, 7 debug.
_SYSLOG_PRIORITY = (
    (logging.CRITICAL, 2),
    (logging.ERROR, 3),
    (logging.WARNING, 4),
    (logging.INFO, 6),
)


def parse_level(text: str | int) -> int:
    """'info', 'WARNING', 'warn' or a number -> a logging level; ValueError quotes bad input."""
    if isinstance(text, int):
        return text
    name = str(text).strip().lower()
    if name == "warn":
        name = "warning"
    if name in LEVELS:
        return LEVELS[name]
    raise ValueError(f"{text!r} is not a log level ({', '.join(LEVELS)})")


def syslog_priority(levelno: int) -> int:
    for threshold, priority in _SYSLOG_PRIORITY:
        if levelno >= threshold:
            return priority
    return 7


class JournalFormatter(logging.Formatter):
    """`<6>signage.screen.player: message` — journald reads the prefix and adds time and unit."""

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        prefix = f"<{syslog_priority(record.levelno)}>"
        # A traceback spans lines; journald would read each line as its own entry at the
        # default priority, so every line carries the prefix.
        return "\n".join(prefix + line for line in text.splitlines() or [""])


def is_journal_stream(environ: Mapping[str, str], stream: TextIO) -> bool:
    """True when `stream` really is systemd's journal connection.

    JOURNAL_STREAM ("device:inode") is inherited by children and survives redirection, so
    compare it with the stream's file, as systemd.exec(5) advises.
    """
    value = environ.get("JOURNAL_STREAM", "")
    if not value:
        return False
    try:
        dev_text, ino_text = value.split(":", 1)
        st = os.fstat(stream.fileno())
        return (st.st_dev, st.st_ino) == (int(dev_text), int(ino_text))
    except (ValueError, OSError, AttributeError):
        # No real file behind the stream (pytest capture, StringIO): not the journal.
        return False


def setup_logging(
    level: str | int = "info",
    *,
    environ: Mapping[str, str],
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send the root logger to `stream` (stdout by default) and return the handler.

    Call once from main(); calling again replaces the handler it installed before, so tests
    and the CLI can call it freely.
    """
    out = sys.stdout if stream is None else stream
    handler = logging.StreamHandler(out)
    handler.set_name("signage")
    if is_journal_stream(environ, out):
        handler.setFormatter(JournalFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"
            )
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == "signage":
            root.removeHandler(old)
            old.close()
    root.addHandler(handler)
    root.setLevel(parse_level(level))
    # Pillow logs every chunk of every PNG at debug; that is noise even when debugging us.
    logging.getLogger("PIL").setLevel(max(logging.INFO, root.level))
    return handler


class OnceLogger(Generic[K]):
    """Logs each problem once when it appears, again if its message changes, once when it clears.

    The caller passes the complete current set on every turn: `sync({path: message, …})`.
    """

    def __init__(
        self,
        logger: logging.Logger,
        *,
        appear_level: int = logging.WARNING,
        clear_level: int = logging.INFO,
    ) -> None:
        self._logger = logger
        self._appear_level = appear_level
        self._clear_level = clear_level
        self._active: dict[K, str] = {}

    @property
    def active(self) -> Mapping[K, str]:
        """The problems logged and not yet cleared."""
        return dict(self._active)

    def sync(self, problems: Mapping[K, str]) -> None:
        for key, message in problems.items():
            if self._active.get(key) != message:
                self._logger.log(self._appear_level, "%s", message)
        for key, message in self._active.items():
            if key not in problems:
                self._logger.log(self._clear_level, "resolved: %s", message)
        self._active = dict(problems)

    def set(self, key: K, message: str | None) -> None:
        """Update one key: a message means it is a problem now, None means it cleared."""
        current = dict(self._active)
        if message is None:
            current.pop(key, None)
        else:
            current[key] = message
        self.sync(current)
