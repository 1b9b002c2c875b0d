"""The notify protocol over a real Unix datagram socket, as systemd would receive it."""

from __future__ import annotations

import itertools
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from signage.appliance.notify import Notifier


class FakeClock:
    def __init__(self) -> None:
        self.t = 500.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    yield sock, str(path)
    sock.close()


def received(sock: socket.socket) -> list[str]:
    """Every datagram waiting on the socket, decoded."""
    out = []
    sock.setblocking(False)
    try:
        while True:
            out.append(sock.recv(4096).decode())
    except BlockingIOError:
        pass
    finally:
        sock.settimeout(2)
    return out


def test_ready_status_stopping_reach_the_socket(listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    with Notifier({"NOTIFY_SOCKET": path}) as n:
        assert n.enabled
        assert n.ready("playing 工作日大厅")
        assert sock.recv(4096).decode() == "READY=1\nSTATUS=playing 工作日大厅"
        assert n.status("two\nlines  here")
        assert sock.recv(4096).decode() == "STATUS=two lines here"
        assert n.extend_timeout(90)
        assert sock.recv(4096).decode() == "EXTEND_TIMEOUT_USEC=90000000"
        assert n.stopping()
        assert sock.recv(4096).decode() == "STOPPING=1"


def test_abstract_socket_name() -> None:
    name = f"signage-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    sock.settimeout(2)
    try:
        with Notifier({"NOTIFY_SOCKET": "@" + name}) as n:
            assert n.ready()
            assert sock.recv(4096) == b"READY=1"
    finally:
        sock.close()


def test_watchdog_sent_at_half_the_period(listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    clock = FakeClock()
    env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}
    with Notifier(env, monotonic=clock) as n:
        assert n.watchdog_period_s == 30.0
        assert n.watchdog_interval_s == 15.0
        # The loop calls watchdog() on every turn; only one ping per half period goes out.
        sent_at = []
        for _ in range(600):  # one minute in 0.1 s steps
            if n.watchdog():
                sent_at.append(clock.t)
            clock.t += 0.1
        pings = received(sock)
        assert pings == ["WATCHDOG=1"] * len(sent_at)
        gaps = [round(b - a, 1) for a, b in itertools.pairwise(sent_at)]
        assert sent_at[0] == 500.0
        assert all(12.0 <= g <= 15.0 for g in gaps), gaps
        assert 4 <= len(sent_at) <= 5


def test_seconds_until_watchdog_lets_the_loop_sleep(listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    clock = FakeClock()
    n = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "10000000"}, monotonic=clock)
    assert n.seconds_until_watchdog() == 0.0
    assert n.watchdog()
    clock.t += 2
    assert n.seconds_until_watchdog() == pytest.approx(3.0)
    assert not n.watchdog()
    # Waking a hair early, as a real sleep may, still sends.
    clock.t += 2.999
    assert n.watchdog()
    assert received(sock) == ["WATCHDOG=1", "WATCHDOG=1"]
    n.close()


def test_a_stale_loop_time_does_not_send_two_heartbeats(
    listener: tuple[socket.socket, str],
) -> None:
    """The loop passes the time taken at the start of its pass; after a pass that spent 3 s
    reading a file, the heartbeat counts from when it went out, not from that old time."""
    sock, path = listener
    clock = FakeClock()
    with Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000"}, monotonic=clock) as n:
        assert n.watchdog()
        clock.t += 1.0
        started = clock.t  # the next pass begins, a heartbeat due…
        clock.t += 3.0  # …and spends 3 s reading a file before it gets to say so
        assert n.watchdog(started)
        assert not n.watchdog()  # the very next pass: a second is not over yet
        assert n.seconds_until_watchdog() == pytest.approx(1.0)
        assert received(sock) == ["WATCHDOG=1", "WATCHDOG=1"]


@pytest.mark.parametrize(
    "env",
    [
        {"WATCHDOG_USEC": "30000000"},  # no socket
        {"NOTIFY_SOCKET": "/x.sock", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"},  # not us
        {"NOTIFY_SOCKET": "/x.sock", "WATCHDOG_USEC": "soon"},
        {"NOTIFY_SOCKET": "/x.sock", "WATCHDOG_USEC": "0"},
        {"NOTIFY_SOCKET": "/x.sock"},
    ],
)
def test_watchdog_disabled(env: dict[str, str]) -> None:
    n = Notifier(env, pid=4242)
    assert n.watchdog_interval_s is None
    assert n.seconds_until_watchdog() is None
    assert not n.watchdog_due()
    assert not n.watchdog()


def test_missing_socket_never_raises(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)  # another test's CLI run may have raised the root level
    n = Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone.sock"), "WATCHDOG_USEC": "2000000"})
    assert n.enabled
    assert not n.ready()
    assert not n.watchdog()
    assert not n.stopping()
    # One warning, not one per call from the render loop.
    assert len([r for r in caplog.records if "cannot notify" in r.getMessage()]) == 1
    n.close()


@pytest.mark.parametrize("value", ["", "relative.sock", "vsock:2:1234", "@"])
def test_unusable_socket_values_are_ignored(value: str) -> None:
    n = Notifier({"NOTIFY_SOCKET": value})
    assert not n.enabled
    assert not n.ready()
    assert not n.status("x")


def test_socket_that_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "late.sock"
    n = Notifier({"NOTIFY_SOCKET": str(path)})
    assert not n.ready()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    try:
        assert n.status("back")
        assert sock.recv(4096) == b"STATUS=back"
    finally:
        sock.close()
        n.close()


def test_a_reader_that_stops_reading_never_blocks_the_sender(tmp_path: Path) -> None:
    import time

    path = str(tmp_path / "n")
    reader = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    reader.bind(path)
    try:
        notifier = Notifier({"NOTIFY_SOCKET": path}, monotonic=time.monotonic)
        started = time.monotonic()
        for _ in range(200):  # far more than the queue holds; nothing reads them
            notifier.notify("WATCHDOG=1")
        assert time.monotonic() - started < 1.0
        notifier.close()
    finally:
        reader.close()
