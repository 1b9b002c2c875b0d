"""DisplayPower: the right command on a change and on the interval, never an exception."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Sequence

import pytest

from signage.core.config import Settings
from signage.screen.power import DisplayPower, run_command

OFF = ("vcgencmd", "display_power", "0")
ON = ("vcgencmd", "display_power", "1")


class FakeRunner:
    def __init__(self, results: Sequence[int | BaseException] = ()) -> None:
        self.calls: list[tuple[tuple[str, ...], float]] = []
        self.results = list(results)

    def __call__(self, argv: Sequence[str], timeout_s: float) -> int:
        self.calls.append((tuple(argv), timeout_s))
        result = self.results.pop(0) if self.results else 0
        if isinstance(result, BaseException):
            raise result
        return result


def test_runs_on_change_and_again_after_the_interval() -> None:
    runner = FakeRunner()
    power = DisplayPower(OFF, ON, 600, runner=runner, timeout_s=5)
    assert power.update("on", 0.0)  # first state is applied, even "on"
    assert not power.update("on", 10.0)
    assert power.update("off", 20.0)  # a change runs at once
    assert not power.update("off", 619.0)
    assert power.update("off", 620.0)  # re-applied every interval
    assert power.update("on", 621.0)
    assert [argv for argv, _ in runner.calls] == [ON, OFF, OFF, ON]
    assert all(timeout == 5 for _, timeout in runner.calls)


def test_missing_command_for_a_state_does_nothing() -> None:
    runner = FakeRunner()
    power = DisplayPower(OFF, (), 600, runner=runner)
    assert not power.update("on", 0.0)
    assert power.update("off", 1.0)
    assert not power.update("on", 2.0)
    assert [argv for argv, _ in runner.calls] == [OFF]


def test_failures_never_raise_and_are_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    runner = FakeRunner(
        [
            FileNotFoundError(2, "No such file", "vcgencmd"),
            3,
            subprocess.TimeoutExpired(list(OFF), 5),
            RuntimeError("odd"),
            0,
        ]
    )
    power = DisplayPower(OFF, ON, 60, runner=runner)
    with caplog.at_level(logging.INFO, logger="signage.screen.power"):
        power.update("off", 0.0)
        assert power.failing
        power.update("off", 60.0)
        power.update("off", 120.0)
        power.update("on", 121.0)
        assert power.failing
        power.update("on", 181.0)
        assert not power.failing
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "No such file" in warnings[0].getMessage()
    assert any("works again" in r.getMessage() for r in caplog.records)
    assert len(runner.calls) == 5


def test_from_settings() -> None:
    settings = Settings(
        display_off_command=OFF, display_on_command=ON, display_command_interval_s=300
    )
    runner = FakeRunner()
    power = DisplayPower.from_settings(settings, runner=runner)
    power.update("off", 0.0)
    assert not power.update("off", 299.0)
    assert power.update("off", 300.0)


def test_real_command_status_and_timeout() -> None:
    assert run_command([sys.executable, "-c", "raise SystemExit(4)"], 10) == 4
    with pytest.raises(subprocess.TimeoutExpired):
        run_command([sys.executable, "-c", "import time; time.sleep(10)"], 0.3)
    power = DisplayPower(
        [sys.executable, "-c", "import time; time.sleep(10)"], (), 600, timeout_s=0.3
    )
    assert power.update("off", 0.0)
    assert power.failing
