from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from signage.appliance.logsetup import (
    OnceLogger,
    is_journal_stream,
    parse_level,
    setup_logging,
    syslog_priority,
)


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    root.setLevel(level)


def journal_env(path: Path) -> dict[str, str]:
    st = os.stat(path)
    return {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}


def test_parse_level() -> None:
    assert parse_level("INFO") == logging.INFO
    assert parse_level(" warn ") == logging.WARNING
    assert parse_level(logging.DEBUG) == logging.DEBUG
    with pytest.raises(ValueError, match="'loud' is not a log level"):
        parse_level("loud")


def test_syslog_priorities() -> None:
    assert [syslog_priority(x) for x in (50, 40, 30, 20, 10)] == [2, 3, 4, 6, 7]


def test_journal_output_has_priority_prefix_and_no_time(tmp_path: Path, restore_root: None) -> None:
    out = tmp_path / "journal"
    with out.open("w", encoding="utf-8") as stream:
        assert is_journal_stream(journal_env(out), stream)
        setup_logging("debug", environ=journal_env(out), stream=stream)
        log = logging.getLogger("signage.screen.player")
        log.warning("坏文件 %s", "slides/x.txt")
        log.info("playing")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.exception("loop failed")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "<4>signage.screen.player: 坏文件 slides/x.txt"
    assert lines[1] == "<6>signage.screen.player: playing"
    assert lines[2] == "<3>signage.screen.player: loop failed"
    # The traceback lines keep the error priority rather than falling back to info.
    assert len(lines) > 3 and all(line.startswith("<3>") for line in lines[2:])


def test_terminal_output_has_time_and_level(restore_root: None) -> None:
    stream = io.StringIO()
    # JOURNAL_STREAM inherited from a service but the stream is not the journal.
    setup_logging("info", environ={"JOURNAL_STREAM": "1:2"}, stream=stream)
    logging.getLogger("signage.x").debug("hidden")
    logging.getLogger("signage.x").warning("shown")
    text = stream.getvalue()
    assert "hidden" not in text
    assert "WARNING signage.x: shown" in text
    assert text[:4].isdigit() and not text.startswith("<")


def test_setup_twice_keeps_one_handler(restore_root: None) -> None:
    stream = io.StringIO()
    setup_logging("info", environ={}, stream=stream)
    setup_logging("info", environ={}, stream=stream)
    logging.getLogger("signage.y").info("once")
    assert stream.getvalue().count("once") == 1


def test_once_logger(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    once: OnceLogger[str] = OnceLogger(logging.getLogger("signage.test"))
    for _ in range(5):
        once.sync({"a.txt": "a.txt: not text", "b.jpg": "b.jpg: truncated"})
    once.sync({"a.txt": "a.txt: not text", "b.jpg": "b.jpg: truncated"})
    once.sync({"b.jpg": "b.jpg: still truncated"})
    once.sync({})
    once.set("log", "disk full")
    once.set("log", "disk full")
    once.set("log", None)
    messages = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert messages == [
        (logging.WARNING, "a.txt: not text"),
        (logging.WARNING, "b.jpg: truncated"),
        (logging.WARNING, "b.jpg: still truncated"),
        (logging.INFO, "resolved: a.txt: not text"),
        (logging.INFO, "resolved: b.jpg: still truncated"),
        (logging.WARNING, "disk full"),
        (logging.INFO, "resolved: disk full"),
    ]
    assert once.active == {}
