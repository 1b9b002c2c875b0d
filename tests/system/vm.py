"""The appliance in a virtual machine: a Debian 12 image built from Debian's packages, this
checkout installed into it with scripts/install, booted under QEMU with real systemd and a
DRM display, and driven from outside.

- `build_image()` makes (or finds in the cache) a disk image in two layers, each keyed by a
  digest of what went into it: the base system (debootstrap against the mirror apt uses here,
  with the packages `scripts/install --list-packages` names plus the test's own tools), and
  the installed appliance (scripts/install run in a chroot exactly as an image builder such
  as pi-gen would, offline, from wheels built on the host with scripts/build-wheels).
- `VM` boots a copy-on-write overlay of that image with `-accel tcg` (or KVM where it
  works), a virtio-gpu or standard VGA (bochs-drm) display, a QMP socket for screendump and
  power, the QEMU guest agent for commands inside, and user-mode networking that only
  forwards 127.0.0.1:PORT to the guest's Samba (restrict=on: the guest reaches nothing).

The cache lives outside the repository (SIGNAGE_VM_CACHE, default ~/.cache/signage-vm).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("SIGNAGE_VM_CACHE") or Path.home() / ".cache" / "signage-vm")
SUITE = "bookworm"
# Bumped when the way an image is made changes, so old caches are not trusted.
RECIPE = "4"
# The staff account's password in the test image only.
STAFF_PASSWORD = "staff-pass-2026"
# The guest's clock starts at 09:00 on Thursday 3 December 2026 in Asia/Shanghai (a working
# day): the plan, the header clock and 今天 labels are the same at every run.
GUEST_TZ = "Asia/Shanghai"
RTC_BASE_UTC = "2026-12-03T01:00:00"
SIZE = (1280, 720)
# Packages the test itself needs in the guest, not the appliance: the guest agent (commands
# from outside), a static framebuffer viewer for the side-by-side measurement, and a DHCP
# client (systemd-networkd, part of systemd) has no extra package.
TEST_PACKAGES = ("qemu-guest-agent", "fbi", "procps", "iproute2", "kmod", "e2fsprogs")
BOOT_PACKAGES = ("systemd-sysv", "udev", "dbus", "linux-image-amd64")


class VMError(RuntimeError):
    pass


def log(message: str) -> None:
    print(f"[vm {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


TIMINGS: dict[str, float] = {}


def record(name: str, seconds: float) -> None:
    """A measured duration, printed at the end and kept in out/system-test/timings.json."""
    TIMINGS[name] = round(seconds, 1)
    log(f"{name}: {seconds:g}" if name.endswith("(count)") else f"{name}: {seconds:.1f} s")


# --- what the host can do ---------------------------------------------------------------


def qemu_unavailable() -> str | None:
    """Why the system test cannot run here, or None when it can."""
    for tool in ("qemu-system-x86_64", "qemu-img", "debootstrap", "mkfs.ext4", "unshare"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/system-test installs it as root)"
    if os.geteuid() != 0:
        return "building the image needs root (debootstrap, chroot)"
    try:
        out = subprocess.run(
            ["qemu-system-x86_64", "-accel", "help"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as err:
        return f"qemu-system-x86_64 does not run: {err}"
    if "tcg" not in out:
        return "this QEMU has no TCG accelerator"
    return None


def accelerator() -> str:
    """tcg unless SIGNAGE_VM_ACCEL says kvm. Some /dev/kvm (a paravirtual one inside a cloud
    VM) exists but does not boot a stock Debian kernel, so KVM is only used when asked."""
    want = os.environ.get("SIGNAGE_VM_ACCEL", "tcg").strip().lower()
    if want == "kvm" and os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "kvm"
    return "tcg"


TCG_CPU = "Nehalem"
"""The emulated CPU under TCG: SSE4.2, no AVX. With `-cpu max` (AVX2), QEMU 7.2's emulation
of the AVX code that Mesa's llvmpipe JIT-compiles crashed the player at its first GL draw
at most starts after the first (SIGSEGV in SDL_RenderCopy: 4 of 6 restarts, each after up
to 11 crashes in a row); with this model, none in 5. Real CPUs run that code fine; a Pi has
no AVX at all. SIGNAGE_VM_CPU chooses another model."""


def cpu_model(accel: str) -> str:
    if accel == "kvm":
        return "host"
    return os.environ.get("SIGNAGE_VM_CPU", TCG_CPU).strip() or TCG_CPU


def apt_mirror(files: Sequence[Path] | None = None) -> str:
    """The Debian mirror apt is configured with here (deb822 or one-line sources)."""
    override = os.environ.get("SIGNAGE_VM_MIRROR")
    if override and files is None:
        return override
    if files is None:
        files = [
            Path("/etc/apt/sources.list"),
            *sorted(Path("/etc/apt/sources.list.d").glob("*")),
        ]
    for path in files:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        if path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(
                    (k.strip().lower(), v.strip())
                    for k, _, v in (line.partition(":") for line in stanza.splitlines())
                    if not k.startswith("#")
                )
                suites = fields.get("suites", "").split()
                if SUITE in suites and "main" in fields.get("components", "").split():
                    return fields.get("uris", "").split()[0]
        else:
            for line in text.splitlines():
                parts = line.split()
                if parts[:1] != ["deb"]:
                    continue
                parts = [p for p in parts[1:] if not (p.startswith("[") or p.endswith("]"))]
                if len(parts) >= 3 and parts[1] == SUITE and "main" in parts[2:]:
                    return parts[0]
    return "http://deb.debian.org/debian"


# --- the image ----------------------------------------------------------------------------


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:16]


def installer_packages() -> list[str]:
    out = subprocess.run(
        ["bash", str(REPO / "scripts/install"), "--list-packages", "--share"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    return out.split()


def checkout_files() -> list[Path]:
    """The files of this checkout that an administrator would copy (tracked and new, not
    ignored), relative to the repository."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        # Not a git checkout (a copy from a USB stick): everything but what tools make.
        skip = {".git", ".venv", "out", "build", "__pycache__", ".pytest_cache", ".mypy_cache"}
        return sorted(
            p.relative_to(REPO)
            for p in REPO.rglob("*")
            if p.is_file()
            and not skip.intersection(p.relative_to(REPO).parts)
            and not any(part.endswith(".egg-info") for part in p.parts)
        )
    return sorted(Path(p) for p in out.decode().split("\0") if p and (REPO / p).is_file())


def checkout_digest(files: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for rel in files:
        h.update(str(rel).encode() + b"\0")
        h.update(hashlib.sha256((REPO / rel).read_bytes()).digest())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Image:
    """A bootable appliance: a raw ext4 root file system and the kernel that boots it."""

    disk: Path
    kernel: Path
    initrd: Path
    key: str
    built_s: float = 0.0
    """Seconds spent building it in this run (0: taken from the cache)."""
    base_built_s: float = 0.0


def _run(cmd: Sequence[str], timeout: float, **kw: Any) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, **kw)
    if r.returncode != 0:
        tail = "\n".join((r.stdout + r.stderr).splitlines()[-30:])
        raise VMError(f"{' '.join(map(str, cmd[:3]))}… failed ({r.returncode}):\n{tail}")


def _chroot(root: Path, script: str, env: dict[str, str], timeout: float) -> str:
    """Runs a shell script in a chroot of root with /proc, /sys and /dev, in a private mount
    namespace so nothing stays mounted on the host whatever happens."""
    clean = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        **env,
    }
    exports = " ".join(f"{k}={_sh_quote(v)}" for k, v in clean.items())
    outer = (
        f"mount -t proc proc {root}/proc && mount -t sysfs sys {root}/sys && "
        f"mount --rbind /dev {root}/dev && "
        f"exec env -i {exports} chroot {root} /bin/bash -euo pipefail -c {_sh_quote(script)}"
    )
    r = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "--fork", "sh", "-c", outer],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if r.returncode != 0:
        tail = "\n".join((r.stdout + r.stderr).splitlines()[-40:])
        raise VMError(f"in the chroot ({r.returncode}):\n{tail}")
    return r.stdout + r.stderr


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _prune(pattern: str, keep: Path) -> None:
    """Removes older cached images of one kind, so the cache does not grow without end."""
    for old in CACHE.glob(pattern):
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def _base(packages: Sequence[str], mirror: str) -> tuple[Path, float]:
    """The debootstrapped root file system with the test scaffolding, cached."""
    key = _digest(RECIPE, SUITE, mirror, " ".join(sorted(packages)))
    base = CACHE / f"base-{key}"
    if (base / "done").exists():
        return base, 0.0
    shutil.rmtree(base, ignore_errors=True)
    root = base / "root"
    root.mkdir(parents=True)
    debs = CACHE / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    log(f"building the base system with debootstrap from {mirror} (a few minutes, once)")
    t0 = time.monotonic()
    _run(
        [
            "debootstrap",
            "--variant=minbase",
            f"--cache-dir={debs}",
            f"--include={','.join(packages)}",
            SUITE,
            str(root),
            mirror,
        ],
        timeout=1800,
    )
    _scaffold(root)
    # The kernel and initrd boot the image directly (-kernel): no boot loader to install.
    for pattern, name in (("vmlinuz-*", "vmlinuz"), ("initrd.img-*", "initrd.img")):
        found = sorted((root / "boot").glob(pattern))
        if not found:
            raise VMError(f"no /boot/{pattern} in the base system")
        shutil.copy2(found[-1], base / name)
    (base / "done").write_text(" ".join(packages) + "\n")
    _prune("base-*", base)
    return base, time.monotonic() - t0


def _scaffold(root: Path) -> None:
    """What the test machine needs that a lobby machine's installer does not do: a host name,
    the root file system in fstab, DHCP on the wired port, the lobby's time zone, and no
    Samba domain controller (Debian enables it; it would only fail)."""
    (root / "etc/hostname").write_text("lobby-vm\n")
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 lobby-vm\n")
    (root / "etc/fstab").write_text("/dev/vda / ext4 rw,errors=remount-ro 0 1\n")
    network = root / "etc/systemd/network/20-wired.network"
    network.parent.mkdir(parents=True, exist_ok=True)
    network.write_text("[Match]\nName=en*\n\n[Network]\nDHCP=ipv4\n")
    localtime = root / "etc/localtime"
    localtime.unlink(missing_ok=True)
    localtime.symlink_to(f"/usr/share/zoneinfo/{GUEST_TZ}")
    (root / "etc/timezone").write_text(GUEST_TZ + "\n")
    _chroot(
        root,
        "systemctl enable systemd-networkd.service\n"
        "systemctl mask samba-ad-dc.service systemd-networkd-wait-online.service\n",
        {},
        timeout=120,
    )


def build_image() -> Image:
    """The installed appliance image for this checkout, from the cache when nothing that goes
    into it changed."""
    CACHE.mkdir(parents=True, exist_ok=True)
    packages = sorted({*BOOT_PACKAGES, *installer_packages(), *TEST_PACKAGES})
    mirror = apt_mirror()
    base, base_s = _base(packages, mirror)
    files = checkout_files()
    key = _digest(base.name, checkout_digest(files))
    out = CACHE / f"appliance-{key}"
    image = Image(
        disk=out / "root.img",
        kernel=base / "vmlinuz",
        initrd=base / "initrd.img",
        key=key,
        base_built_s=base_s,
    )
    if (out / "done").exists():
        return image
    t0 = time.monotonic()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    work = out / "root"
    log("installing this checkout into a copy of the base system (chroot, offline)")
    _run(["cp", "-a", "--reflink=auto", str(base / "root"), str(work)], timeout=600)
    try:
        src = work / "root/signage-src"
        src.mkdir(parents=True)
        for rel in files:
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, src / rel)
        # The dependencies' wheels are kept between runs (pip download skips a file it
        # already has); the player's own wheel is built anew each time.
        lock = (REPO / "requirements.lock").read_bytes()
        cached_wheels = CACHE / f"wheels-{_digest(lock)}"
        _run(["bash", str(REPO / "scripts/build-wheels"), str(cached_wheels)], timeout=600)
        _prune("wheels-*", cached_wheels)
        shutil.copytree(cached_wheels, work / "root/wheels")
        installed = _chroot(
            work,
            "/root/signage-src/scripts/install --wheels /root/wheels --share "
            "--organisation 青山镇人民政府\n",
            {"SIGNAGE_STAFF_PASSWORD": STAFF_PASSWORD},
            timeout=900,
        )
        (out / "install.log").write_text(installed)
        # The administrator's copy of the checkout stays, as it would on a lobby machine;
        # the wheels do too (an upgrade scenario re-runs the installer from them).
        # 4 GiB, sparse: room for content and logs; the file only holds what is written.
        disk = str(image.disk)
        _run(["mkfs.ext4", "-q", "-F", "-L", "root", "-d", str(work), disk, "4G"], timeout=600)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (out / "done").write_text(key + "\n")
    _prune("appliance-*", out)
    built = time.monotonic() - t0
    log(f"appliance image ready in {built:.0f} s ({image.disk})")
    return Image(image.disk, image.kernel, image.initrd, key, built + base_s, base_s)


def boot_times(vm: VM) -> dict[str, float]:
    """From the guest's own clock (monotonic since the kernel started): when the player's
    process started, and when it said READY=1, which it does after its first frame."""
    out = vm.sh(
        "systemctl show signage -p ExecMainStartTimestampMonotonic "
        "-p ActiveEnterTimestampMonotonic; cat /proc/uptime",
        timeout=30,
    ).out
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    start = int(values.get("ExecMainStartTimestampMonotonic", "0")) / 1e6
    ready = int(values.get("ActiveEnterTimestampMonotonic", "0")) / 1e6
    return {"service_start": start, "ready": ready, "start_to_ready": ready - start}


# --- talking to QEMU -----------------------------------------------------------------------


class _JsonSocket:
    """One JSON object per line over a unix socket (QMP and the guest agent both speak it)."""

    def __init__(self, path: Path, timeout: float) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buf = b""

    def send(self, message: dict[str, Any]) -> None:
        self.sock.sendall(json.dumps(message).encode() + b"\n")

    def receive(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer")
            self.sock.settimeout(left)
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        # The agent may prefix a 0xff sync byte; stray bytes from before a reset are skipped.
        line = line.lstrip(b"\xff").strip()
        if not line:
            return self.receive(max(0.1, deadline - time.monotonic()))
        try:
            message: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError:
            return self.receive(max(0.1, deadline - time.monotonic()))
        return message

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class QMP:
    def __init__(self, path: Path) -> None:
        self.conn = _JsonSocket(path, 10)
        self.conn.receive(10)  # greeting
        self.events: list[dict[str, Any]] = []
        self.call("qmp_capabilities")

    def call(self, command: str, timeout: float = 60, **arguments: Any) -> Any:
        message: dict[str, Any] = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self.conn.send(message)
        while True:
            answer = self.conn.receive(timeout)
            if "event" in answer:
                self.events.append(answer)
                continue
            if "error" in answer:
                raise VMError(f"QMP {command}: {answer['error']}")
            return answer.get("return")

    def close(self) -> None:
        self.conn.close()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n{self.out}{self.err}"


class Agent:
    """The QEMU guest agent: commands and files inside the guest, no login, no network."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn: _JsonSocket | None = None
        self._syncs: set[int] = set()
        """Tokens of every guest-sync sent: an agent that starts while a sync from an earlier,
        abandoned attempt is still in the channel answers it late, after ours."""

    def connect(self, timeout: float) -> None:
        """Waits until the agent in the guest answers (after a boot or a reset)."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            self.close()
            try:
                self.conn = _JsonSocket(self.path, 5)
                token = random.randrange(1 << 20, 1 << 30)  # never an agent's file handle
                self._syncs.add(token)
                self.conn.send({"execute": "guest-sync", "arguments": {"id": token}})
                while True:
                    answer = self.conn.receive(5)
                    if answer.get("return") == token:
                        return
            except (OSError, TimeoutError, ConnectionError) as err:
                last = err
                time.sleep(1)
        raise VMError(f"the guest agent did not answer within {timeout:.0f} s ({last})")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def call(self, command: str, timeout: float = 60, **arguments: Any) -> Any:
        if self.conn is None:
            raise VMError("not connected to the guest agent")
        message: dict[str, Any] = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self.conn.send(message)
        answer = self.conn.receive(timeout)
        while isinstance(answer.get("return"), int) and answer["return"] in self._syncs:
            answer = self.conn.receive(timeout)
        if "error" in answer:
            raise VMError(f"guest agent {command}: {answer['error']}")
        return answer.get("return")

    def spawn(self, script: str) -> int:
        """Starts a shell script in the guest and returns at once with its pid."""
        ret = self.call(
            "guest-exec", path="/bin/sh", arg=["-c", script], **{"capture-output": True}
        )
        return int(ret["pid"])

    def sh(self, script: str, timeout: float = 120, check: bool = True) -> Result:
        pid = self.spawn(script)
        deadline = time.monotonic() + timeout
        while True:
            status = self.call("guest-exec-status", pid=pid)
            if status.get("exited"):
                break
            if time.monotonic() > deadline:
                raise VMError(f"guest command timed out after {timeout:.0f} s: {script[:200]}")
            time.sleep(0.25)
        result = Result(
            int(status.get("exitcode", -1 if "signal" in status else 0)),
            base64.b64decode(status.get("out-data", "")).decode(errors="replace"),
            base64.b64decode(status.get("err-data", "")).decode(errors="replace"),
        )
        if check and result.code != 0:
            raise VMError(f"guest command failed: {script[:300]}\n{result}")
        return result

    def write(self, path: str, data: bytes) -> None:
        handle = self.call("guest-file-open", path=path, mode="wb")
        try:
            for i in range(0, len(data), 48 * 1024):
                chunk = base64.b64encode(data[i : i + 48 * 1024]).decode()
                self.call("guest-file-write", handle=handle, **{"buf-b64": chunk})
        finally:
            self.call("guest-file-close", handle=handle)

    def read(self, path: str) -> bytes:
        handle = self.call("guest-file-open", path=path, mode="rb")
        parts = []
        try:
            while True:
                ret = self.call("guest-file-read", handle=handle, count=1 << 20)
                parts.append(base64.b64decode(ret.get("buf-b64", "")))
                if ret.get("eof"):
                    break
        finally:
            self.call("guest-file-close", handle=handle)
        return b"".join(parts)


@dataclass
class VM:
    """One running guest. Use as a context manager; `keep=True` leaves it up for a person."""

    image: Image
    display: str = "virtio"  # virtio (virtio-gpu) or std (-vga std: bochs-drm)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="signage-vm-")))
    size: tuple[int, int] = SIZE
    memory_mb: int = 1536
    smb_port: int = 0
    keep: bool = False
    proc: subprocess.Popen[bytes] | None = None
    qmp: QMP | None = None
    agent: Agent | None = None
    started_at: float = 0.0

    @property
    def overlay(self) -> Path:
        return self.workdir / "disk.qcow2"

    @property
    def serial_log(self) -> Path:
        return self.workdir / "serial.log"

    def command(self) -> list[str]:
        w, h = self.size
        if self.display == "virtio":
            gpu = ["-vga", "none", "-device", f"virtio-gpu-pci,xres={w},yres={h}"]
        elif self.display == "std":
            gpu = ["-vga", "none", "-device", f"VGA,edid=on,xres={w},yres={h}"]
        else:
            raise ValueError(f"display {self.display!r}: virtio or std")
        accel = accelerator()
        cpu = ["-cpu", cpu_model(accel)]
        net = "user,id=n0,restrict=on"
        if self.smb_port:
            net += f",hostfwd=tcp:127.0.0.1:{self.smb_port}-:445"
        append = f"root=/dev/vda rw console=ttyS0 quiet video={w}x{h} systemd.show_status=0"
        return [
            "qemu-system-x86_64",
            "-accel",
            accel,
            *cpu,
            "-m",
            str(self.memory_mb),
            "-smp",
            "2",
            "-nodefaults",
            "-no-user-config",
            "-kernel",
            str(self.image.kernel),
            "-initrd",
            str(self.image.initrd),
            "-append",
            append,
            "-drive",
            f"file={self.overlay},if=virtio,format=qcow2,cache=unsafe",
            *gpu,
            "-display",
            "none",
            "-serial",
            f"file:{self.serial_log}",
            "-qmp",
            f"unix:{self.workdir / 'qmp.sock'},server=on,wait=off",
            "-chardev",
            f"socket,path={self.workdir / 'qga.sock'},server=on,wait=off,id=qga0",
            "-device",
            "virtio-serial",
            "-device",
            "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
            "-netdev",
            net,
            "-device",
            "virtio-net-pci,netdev=n0",
            "-rtc",
            f"base={RTC_BASE_UTC},clock=host",
        ]

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        _run(
            [
                "qemu-img",
                "create",
                "-q",
                "-f",
                "qcow2",
                "-b",
                str(self.image.disk),
                "-F",
                "raw",
                str(self.overlay),
            ],
            timeout=60,
        )
        cmd = self.command()
        (self.workdir / "qemu.cmd").write_text(" ".join(cmd) + "\n")
        with open(self.workdir / "qemu.out", "wb") as out:
            self.proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.started_at = time.monotonic()
        deadline = time.monotonic() + 30
        while not (self.workdir / "qmp.sock").exists():
            if self.proc.poll() is not None:
                raise VMError(f"QEMU exited: {(self.workdir / 'qemu.out').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise VMError("QEMU did not open its QMP socket")
            time.sleep(0.1)
        self.qmp = QMP(self.workdir / "qmp.sock")
        self.agent = Agent(self.workdir / "qga.sock")

    def wait_agent(self, timeout: float = 300) -> None:
        assert self.agent is not None
        self.agent.connect(timeout)

    def sh(self, script: str, timeout: float = 120, check: bool = True) -> Result:
        assert self.agent is not None
        return self.agent.sh(script, timeout=timeout, check=check)

    def screendump(self) -> Any:
        """The picture on the virtual monitor now, as a Pillow RGB image."""
        from PIL import Image as PILImage

        assert self.qmp is not None
        path = self.workdir / f"screen-{time.monotonic_ns()}.png"
        self.qmp.call("screendump", filename=str(path), format="png")
        with PILImage.open(path) as img:
            picture = img.convert("RGB")
        path.unlink(missing_ok=True)
        return picture

    def reset(self) -> None:
        """A power cut and power on: no shutdown, no sync."""
        assert self.qmp is not None and self.agent is not None
        self.agent.close()
        self.qmp.call("system_reset")

    def stop(self) -> None:
        if self.agent is not None:
            self.agent.close()
        if self.qmp is not None:
            with contextlib.suppress(Exception):
                self.qmp.call("quit", timeout=5)
            self.qmp.close()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> VM:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.keep:
            log(
                f"left running for inspection (pid {self.proc.pid if self.proc else '?'}): "
                f"{self.workdir}; tests/system/vmctl.py {self.workdir} sh 'systemctl status "
                f"signage'; stop with: tests/system/vmctl.py {self.workdir} quit"
            )
            return
        self.stop()


@contextlib.contextmanager
def running(image: Image, display: str = "virtio", **kw: Any) -> Iterator[VM]:
    vm = VM(image, display, **kw)
    with vm:
        yield vm


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
