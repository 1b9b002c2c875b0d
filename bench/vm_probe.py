"""Runs inside the appliance VM as root (Python 3 standard library only); bench/vm_display.py
uploads and starts it, and reads the JSON it prints.

    python3 vm_probe.py player CONFIG SECONDS   # the player as a transient unit
    python3 vm_probe.py fbi PHOTO SECONDS       # Debian's fbi on the framebuffer, same photo

The player runs as the signage user in a transient systemd unit (its cgroup counts every
process it starts), with NOTIFY_SOCKET pointing here and WATCHDOG_USEC=2 s: it sends READY=1
after the first frame and WATCHDOG=1 every second from its loop, so a gap much longer than a
second between two heartbeats is the loop stalling. CPU comes from the unit's cpu.stat,
memory from its memory.current/memory.peak and the main process's VmRSS/VmHWM.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

WINDOW_S = 10.0


def sh(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()


def cgroup(unit: str) -> Path:
    return Path(f"/sys/fs/cgroup/system.slice/{unit}")


def cpu_usec(unit: str) -> int:
    for line in (cgroup(unit) / "cpu.stat").read_text().splitlines():
        if line.startswith("usage_usec"):
            return int(line.split()[1])
    return 0


def proc_kb(pid: str, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def windows(
    unit: str, seconds: float, beats: list[float] | None = None, sock: socket.socket | None = None
) -> list[float]:
    """CPU % of one core in consecutive windows; collects heartbeats meanwhile."""
    shares = []
    end = time.monotonic() + seconds
    while time.monotonic() < end - 0.5:
        t0, c0 = time.monotonic(), cpu_usec(unit)
        stop = min(end, t0 + WINDOW_S)
        while time.monotonic() < stop:
            if sock is not None and beats is not None:
                sock.settimeout(max(0.01, stop - time.monotonic()))
                try:
                    msg = sock.recv(4096).decode(errors="replace")
                    if "WATCHDOG=1" in msg:
                        beats.append(time.monotonic())
                except OSError:
                    pass
            else:
                time.sleep(min(1.0, max(0.0, stop - time.monotonic())))
        shares.append(100.0 * (cpu_usec(unit) - c0) / 1e6 / (time.monotonic() - t0))
    return shares


def player(config: str, seconds: float) -> dict[str, object]:
    unit = "signage-bench.service"
    path = "/run/signage-bench-notify.sock"
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o777)
    sh("systemctl", "reset-failed", unit)
    t0 = time.monotonic()
    sh(
        "systemd-run",
        f"--unit={unit}",
        "--quiet",
        "-p",
        "User=signage",
        "-p",
        "SupplementaryGroups=video render input",
        "-p",
        "RuntimeDirectory=signage-bench",
        "--setenv=NOTIFY_SOCKET=" + path,
        "--setenv=WATCHDOG_USEC=2000000",
        "--setenv=XDG_CACHE_HOME=/run/signage-bench",
        "--setenv=SDL_RENDER_DRIVER=" + os.environ.get("PROBE_RENDER_DRIVER", ""),
        "/opt/signage/venv/bin/signage",
        "run",
        "--config",
        config,
    )
    beats: list[float] = []
    ready = None
    sock.settimeout(1.0)
    while time.monotonic() - t0 < 300 and ready is None:
        try:
            msg = sock.recv(4096).decode(errors="replace")
        except OSError:
            continue
        if "READY=1" in msg:
            ready = time.monotonic() - t0
    settle_end = time.monotonic() + 10
    while time.monotonic() < settle_end:
        with contextlib.suppress(OSError):
            sock.recv(4096)
    pid = sh("systemctl", "show", "-p", "MainPID", "--value", unit)
    if sh("systemctl", "is-active", unit) != "active":
        sock.close()
        os.unlink(path)
        log = sh("journalctl", "-u", unit, "--no-pager", "-n", "40", "-o", "cat")
        return {"error": f"the player is not running (READY after {ready} s):\n{log}"}
    shares = windows(unit, seconds, beats, sock)
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    memory = cgroup(unit)
    result = {
        "start_to_ready_s": ready,
        "cpu_percent_windows": [round(s, 2) for s in shares],
        "cpu_percent_median": round(statistics.median(shares), 2) if shares else None,
        "cpu_percent_mean": round(statistics.fmean(shares), 2) if shares else None,
        "heartbeats": len(beats),
        "heartbeat_gap_max_s": round(max(gaps), 2) if gaps else None,
        "heartbeat_gap_median_s": round(statistics.median(gaps), 2) if gaps else None,
        "rss_mb": round(proc_kb(pid, "VmRSS") / 1024, 1),
        "hwm_mb": round(proc_kb(pid, "VmHWM") / 1024, 1),
        "unit_memory_mb": round(int((memory / "memory.current").read_text()) / 2**20, 1),
        "unit_memory_peak_mb": round(int((memory / "memory.peak").read_text()) / 2**20, 1)
        if (memory / "memory.peak").exists()
        else None,
        "libs": sorted(
            {
                Path(line.split()[-1]).name
                for line in Path(f"/proc/{pid}/maps").read_text().splitlines()
                if any(k in line for k in ("LLVM", "swrast", "_dri.so", "libGL", "libEGL"))
            }
        )
        if pid and pid != "0" and Path(f"/proc/{pid}/maps").exists()
        else [],
    }
    sh("systemctl", "stop", unit)
    sock.close()
    os.unlink(path)
    return result


def fbi(photo: str, seconds: float) -> dict[str, object]:
    unit = "fbi-bench.service"
    sh("systemctl", "reset-failed", unit)
    # fbi switches to the console it is given and forks into the background there.
    sh(
        "systemd-run",
        f"--unit={unit}",
        "--quiet",
        "-p",
        "Type=forking",
        "/usr/bin/fbi",
        "-T",
        "2",
        "-d",
        "/dev/fb0",
        "--noverbose",
        "-a",
        photo,
    )
    time.sleep(5)
    if sh("systemctl", "is-active", unit) != "active":
        return {"error": sh("journalctl", "-u", unit, "--no-pager", "-n", "5", "-o", "cat")}
    pids = sh("systemctl", "show", "-p", "MainPID", "--value", unit)
    shares = windows(unit, seconds)
    result = {
        "cpu_percent_windows": [round(s, 2) for s in shares],
        "cpu_percent_median": round(statistics.median(shares), 2) if shares else None,
        "rss_mb": round(proc_kb(pids, "VmRSS") / 1024, 1),
        "unit_memory_mb": round(int((cgroup(unit) / "memory.current").read_text()) / 2**20, 1),
    }
    sh("systemctl", "stop", unit)
    return result


if __name__ == "__main__":
    kind, arg, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
    out = player(arg, secs) if kind == "player" else fbi(arg, secs)
    print(json.dumps(out))
