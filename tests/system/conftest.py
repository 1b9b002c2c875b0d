"""Fixtures for the system test (marker `system`; run by scripts/system-test, not by the unit
suite): the appliance image, and booted guests that stay up for the scenarios of a module."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator

import pytest

from tests.system.screen import ARTIFACTS
from tests.system.vm import (
    TIMINGS,
    VM,
    Image,
    build_image,
    free_port,
    log,
    qemu_unavailable,
    record,
)

KEEP = os.environ.get("SIGNAGE_VM_KEEP", "") not in ("", "0")


@pytest.fixture(scope="session")
def image() -> Image:
    why = qemu_unavailable()
    if why:
        pytest.skip(f"system test not run: {why}")
    t0 = time.monotonic()
    built = build_image()
    record("image (0 when cached)" if not built.built_s else "image build", time.monotonic() - t0)
    if built.base_built_s:
        record("base system (debootstrap)", built.base_built_s)
    return built


def boot(image: Image, display: str, **kw: object) -> VM:
    vm = VM(image, display, keep=KEEP, **kw)  # type: ignore[arg-type]
    vm.start()
    log(f"booting ({display}, {vm.command()[2]}): {vm.workdir}")
    return vm


@pytest.fixture(scope="module")
def appliance(image: Image) -> Iterator[VM]:
    """A lobby machine on virtio-gpu with its staff share forwarded to 127.0.0.1."""
    vm = boot(image, "virtio", smb_port=free_port())
    try:
        yield vm
    finally:
        if KEEP:
            vm.__exit__(None, None, None)
        else:
            vm.stop()


@pytest.fixture(scope="module")
def standard_vga(image: Image) -> Iterator[VM]:
    """A second lobby machine on QEMU's standard VGA (bochs-drm). test_screen_after_first_boot
    starts it as soon as the first guest is up, so its boot overlaps the other scenarios."""
    vm = boot(image, "std")
    try:
        yield vm
    finally:
        if KEEP:
            vm.__exit__(None, None, None)
        else:
            vm.stop()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if TIMINGS:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "timings.json").write_text(json.dumps(TIMINGS, indent=1) + "\n")
        print("\nsystem test timings (s):")
        for name, seconds in TIMINGS.items():
            print(f"  {name:<48} {seconds:8.1f}")
