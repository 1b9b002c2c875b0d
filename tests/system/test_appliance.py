"""The installed appliance, booted under QEMU with real systemd and a DRM display, checked
from outside (issue 11). Run with scripts/system-test; one scenario alone with
`scripts/system-test --only watchdog`. The scenarios share one booted guest, in file order;
each starts from whatever the previous one left and says what it expects.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image as PILImage

from tests.system.screen import Screen, is_black
from tests.system.vm import STAFF_PASSWORD, VM, VMError, boot_times, log, record

pytestmark = [pytest.mark.system, pytest.mark.timeout(1200)]

# Bounds on this 2-core machine under TCG (each measured and printed; see README).
BOOT_S = 300
RECOVER_S = 240
NOTICE = (
    "关于冬季供暖期间便民服务中心办公时间的通知\n\n"
    "各位群众：\n"
    "自2026年12月1日起，便民服务中心冬季办公时间调整为上午9:00至下午5:00，"
    "中午不休息。办理社保、医保业务请携带身份证原件。\n"
    "联系电话：0477-1234567\n\n"
    "青山镇人民政府\n2026年11月28日\n"
)
NOTICE_DIR = "通知"
NOTICE_NAME = "供暖期间办公时间.txt"
PHOTO_DIR = "照片"
PHOTO_NAME = "冬季风光.jpg"


def service(vm: VM) -> dict[str, str]:
    out = vm.sh(
        "systemctl show signage -p ActiveState -p SubState -p MainPID -p NRestarts "
        "-p StatusText -p Result",
        timeout=30,
    ).out
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def wait_active(vm: VM, timeout: float, *, not_pid: str | None = None) -> dict[str, str]:
    """Until the unit is active (running) — for Type=notify, only after READY=1."""
    deadline = time.monotonic() + timeout
    state: dict[str, str] = {}
    while time.monotonic() < deadline:
        try:
            state = service(vm)
        except VMError:
            state = {}
            assert vm.agent is not None
            with contextlib.suppress(VMError):
                vm.agent.connect(10)
        if (
            state.get("ActiveState") == "active"
            and state.get("SubState") == "running"
            and state.get("MainPID") not in (None, "0", not_pid)
        ):
            return state
        time.sleep(2)
    raise AssertionError(f"signage.service not active (running) within {timeout:.0f} s: {state}")


def _restarts_before_first_frame(vm: VM, state: dict[str, str], label: str) -> None:
    """Counted and shown, not failed: on KMSDRM the player sometimes dies at its first
    set_mode at boot (SIGSEGV) and systemd's restart brings the screen up; that is the display
    path's to fix (reported), and the screen checks above already fail when it never comes."""
    restarts = int(state.get("NRestarts", "0"))
    record(f"{label}: player restarts before the first frame (count)", restarts)
    if restarts:
        lines = vm.sh(
            "journalctl -b -u signage --no-pager -o short-monotonic "
            "| grep -E 'signal|SEGV|Failed|rror' | head -12",
            check=False,
        ).out
        log(f"{label}: the player was restarted {restarts} time(s) at boot:\n{lines}")


def _since(vm: VM) -> float:
    return time.monotonic() - vm.started_at


def boot_id(vm: VM) -> str:
    return vm.sh("cat /proc/sys/kernel/random/boot_id", timeout=30).out.strip()


def content_sums(vm: VM) -> dict[str, str]:
    out = vm.sh(
        "cd /srv/signage && find . -type f -print0 | sort -z | xargs -0r sha256sum", timeout=60
    ).out
    return {line[66:]: line[:64] for line in out.splitlines()}


def status(vm: VM) -> dict[str, object]:
    data: dict[str, object] = json.loads(vm.sh("cat /var/lib/signage/status.json", timeout=30).out)
    return data


def played(vm: VM, name: str) -> int:
    """How many proof-of-play records name this file."""
    r = vm.sh(f"cat /var/lib/signage/playlog/*.jsonl 2>/dev/null | grep -c '{name}' || true")
    return int(r.out.strip() or 0)


def smbclient(vm: VM, commands: str) -> str:
    r = subprocess.run(
        [
            "smbclient",
            "//127.0.0.1/signage",
            "-p",
            str(vm.smb_port),
            "-U",
            f"signage-staff%{STAFF_PASSWORD}",
            "-m",
            "SMB3",
            "-c",
            commands,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, f"smbclient failed: {r.stdout}{r.stderr}"
    return r.stdout


@pytest.fixture(scope="module")
def screen(appliance: VM) -> Screen:
    return Screen(appliance, "virtio")


def test_screen_after_first_boot(
    appliance: VM, screen: Screen, request: pytest.FixtureRequest
) -> None:
    """A fresh install boots to the organisation's name and the clock: READY after the first
    frame, the picture is the preview's, no demo content anywhere."""
    appliance.wait_agent(BOOT_S)
    if any("standard_vga" in item.name for item in request.session.items):
        # Booting the second guest now overlaps its boot with the scenarios below.
        wait_active(appliance, BOOT_S)
        request.getfixturevalue("standard_vga")
    state = wait_active(appliance, BOOT_S)
    match = screen.wait(BOOT_S, label="first-boot")
    record("first boot: QEMU start to the matching screen (virtio-gpu)", _since(appliance))
    times = boot_times(appliance)
    record("first boot: kernel start to READY=1 (first frame)", times["ready"])
    record("first boot: service start to READY=1", times["start_to_ready"])
    assert match.page == "00-idle.png", f"a new lobby plays {match.page}, not the idle screen"
    assert not is_black(match.picture)
    files = sorted(content_sums(appliance))
    assert files == ["./使用说明.txt"], f"a fresh install put content on screen: {files}"
    listing = appliance.sh("ls -A /srv/signage").out.split()
    assert sorted(listing) == ["playlists", "slides", "使用说明.txt"]
    _restarts_before_first_frame(appliance, state, "first boot")
    journal = appliance.sh("journalctl -b -u signage --no-pager -o cat").out
    assert "Traceback" not in journal and "Fatal Python error" not in journal, journal[-3000:]


def test_share_drop_reaches_the_screen(appliance: VM, screen: Screen, tmp_path: Path) -> None:
    """A notice put on the staff share from the host (smbclient through hostfwd to the
    guest's smbd) is on screen, as the preview draws it."""
    wait_active(appliance, BOOT_S)
    local = tmp_path / NOTICE_NAME
    local.write_text(NOTICE, encoding="utf-8")
    t0 = time.monotonic()
    folder = f"slides\\{NOTICE_DIR}"
    smbclient(appliance, f'mkdir {folder}; cd {folder}; put "{local}" "{NOTICE_NAME}"')
    screen.content_changed()
    match = screen.wait(120, page="供暖期间办公时间", label="share-drop")
    record("file put on the share to its page on screen", time.monotonic() - t0)
    assert not is_black(match.picture)
    owner = appliance.sh(f"stat -c '%U:%G %a' '/srv/signage/slides/{NOTICE_DIR}/{NOTICE_NAME}'").out
    assert owner.strip() == "signage-staff:signage 640", owner
    # The notice was read by a worker process (it stays 30 s after its last job): under the
    # unit's sandbox it must have bound its own address space and CPU time.
    # Only the workers: the player's other child, the nice'd day-sheet drawer, reads nothing
    # from the folder itself (its pages come from its own workers). A worker bounds itself
    # first thing, so one caught in its first moments is looked at again.
    pid = wait_active(appliance, BOOT_S)["MainPID"]
    deadline = time.monotonic() + 20
    while True:
        limits = appliance.sh(
            f"for c in $(pgrep -P {pid} -f signage.workers.child); do "
            "grep -E 'Max (address space|cpu time)' /proc/$c/limits; done"
        ).out
        bounded = "Max address space" in limits and "unlimited" not in limits
        if bounded or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert "Max address space" in limits, f"no worker process found under {pid}"
    assert all("unlimited" not in line for line in limits.splitlines()), limits
    journal = appliance.sh("journalctl -b -u signage --no-pager -o cat").out
    assert "workers run without: memory" not in journal, journal[-3000:]


def test_watchdog_restarts_a_hung_player(appliance: VM, screen: Screen) -> None:
    """SIGSTOP freezes the player's loop: systemd's watchdog kills it, starts it again, and
    the same screen comes back."""
    before = wait_active(appliance, BOOT_S)
    pid = before["MainPID"]
    t0 = time.monotonic()
    appliance.sh(f"kill -STOP {pid}")
    after = wait_active(appliance, RECOVER_S, not_pid=pid)
    match = screen.wait(RECOVER_S, label="watchdog")
    record("SIGSTOP to the screen back (WatchdogSec=30)", time.monotonic() - t0)
    assert int(after["NRestarts"]) == int(before["NRestarts"]) + 1, after
    journal = appliance.sh("journalctl -b -u signage --no-pager -o cat").out
    assert "Watchdog timeout" in journal, journal[-3000:]
    assert not is_black(match.picture)


def test_reboot_brings_the_screen_back(appliance: VM, screen: Screen) -> None:
    """A reboot needs no login and no keyboard: the service starts and the page is back."""
    wait_active(appliance, BOOT_S)
    old = boot_id(appliance)
    t0 = time.monotonic()
    assert appliance.agent is not None
    appliance.agent.spawn("sleep 1; systemctl reboot")
    appliance.agent.close()
    # The old system's agent may still answer while it shuts down: wait for the new boot.
    deadline = time.monotonic() + BOOT_S
    while True:
        time.sleep(5)
        with contextlib.suppress(VMError, OSError, TimeoutError, ConnectionError):
            appliance.wait_agent(30)
            if boot_id(appliance) != old:
                break
        assert time.monotonic() < deadline, "the guest did not come back from the reboot"
    wait_active(appliance, BOOT_S)
    match = screen.wait(BOOT_S, label="reboot")
    record("reboot command to the screen back", time.monotonic() - t0)
    assert not is_black(match.picture)
    # A start after the first (the player ran in this guest before): no crash on the way.
    journal = appliance.sh("journalctl -b -u signage --no-pager -o cat").out
    assert "Fatal Python error" not in journal, journal[-3000:]


def _photo() -> bytes:
    """A 2400x1600 photo of about 2 MB: big enough that a slow copy is cut half-way."""
    noise = PILImage.effect_noise((2400, 1600), 60).convert("RGB")
    gradient = PILImage.linear_gradient("L").resize((2400, 1600)).convert("RGB")
    picture = PILImage.blend(noise, gradient, 0.6)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=92)
    return out.getvalue()


def test_power_cut_during_a_copy(appliance: VM, screen: Screen) -> None:
    """system_reset while a photo is being copied into the content folder: after the boot the
    screen is back, every other file is intact, the half-copied photo is never shown, and
    once it is copied again it plays."""
    wait_active(appliance, BOOT_S)
    data = _photo()
    appliance.sh("mkdir -p /root/upload")
    assert appliance.agent is not None
    appliance.agent.write("/root/upload/photo.jpg", data)
    appliance.sh("sync")
    sums = content_sums(appliance)
    target = f"/srv/signage/slides/{PHOTO_DIR}/{PHOTO_NAME}"
    # A copy that takes ~10 s, 64 KiB at a time, each block forced to the disk: what a slow
    # share or USB stick looks like to the file system.
    appliance.agent.spawn(
        f"mkdir -p '/srv/signage/slides/{PHOTO_DIR}'; "
        f"n=$(( ($(stat -c %s /root/upload/photo.jpg) + 65535) / 65536 )); i=0; "
        f"while [ $i -lt $n ]; do dd if=/root/upload/photo.jpg of='{target}' bs=64k "
        f"skip=$i seek=$i count=1 conv=notrunc,fsync status=none; i=$((i+1)); sleep 0.3; done"
    )
    deadline = time.monotonic() + 60
    while True:
        size = appliance.sh(f"stat -c %s '{target}' 2>/dev/null || echo 0").out.strip()
        if int(size or 0) >= len(data) // 3:
            break
        assert time.monotonic() < deadline, "the slow copy did not start"
        time.sleep(0.5)
    t0 = time.monotonic()
    appliance.reset()
    appliance.wait_agent(BOOT_S)
    wait_active(appliance, BOOT_S)
    screen.content_changed()
    match = screen.wait(BOOT_S, label="power-cut")
    record("power cut (system_reset) to the screen back", time.monotonic() - t0)
    record("power cut: kernel start to READY=1", boot_times(appliance)["ready"])
    assert "风光" not in match.page
    after = content_sums(appliance)
    for path, digest in sums.items():
        assert after.get(path) == digest, f"{path} changed or vanished in the power cut"
    half = after.get(f"./slides/{PHOTO_DIR}/{PHOTO_NAME}")
    assert half is None or len(appliance.agent.read(target)) < len(data)
    # Past the copy grace (15 s of quiet for a file that fails like a half copy): the
    # half-copied photo is a problem or absent, never in the rotation, never played.
    time.sleep(25)
    state = status(appliance)
    assert all(PHOTO_NAME not in str(p) for p in state.get("rotation", [])), state  # type: ignore[union-attr]
    assert played(appliance, PHOTO_NAME) == 0
    # Copied again in full, it plays.
    appliance.sh(f"cp /root/upload/photo.jpg '{target}'")
    screen.content_changed()
    t1 = time.monotonic()
    shown = screen.wait(180, page="风光", label="photo-after-recopy")
    record("photo copied again to its page on screen", time.monotonic() - t1)
    assert not is_black(shown.picture)


def test_screen_on_standard_vga(standard_vga: VM) -> None:
    """The same appliance on QEMU's standard VGA (bochs-drm, no 3D at all) shows the same
    picture as the preview."""
    vm = standard_vga
    screen = Screen(vm, "std")
    vm.wait_agent(BOOT_S)
    state = wait_active(vm, BOOT_S)
    match = screen.wait(BOOT_S, label="std-vga")
    _restarts_before_first_frame(vm, state, "std VGA")
    times = boot_times(vm)
    record("std VGA: kernel start to READY=1 (first frame)", times["ready"])
    record("std VGA: service start to READY=1", times["start_to_ready"])
    assert match.page == "00-idle.png"
    assert not is_black(match.picture)
    driver = vm.sh("cat /sys/class/drm/card0/device/uevent").out
    assert "bochs" in driver, driver
