"""The player under a real X server (Xvfb, SDL's x11 driver) against `feh` showing the same
photo full screen: idle CPU and memory. Prints numbers; asserts nothing.

    .venv/bin/python bench/xvfb_display.py [--seconds 60]

Each program shows one 1920x1080 photo on its own Xvfb; after 10 s to settle, CPU is read
from /proc over SECONDS in windows of 10 s (median, and the mean over the whole time) as %
of one core, then RSS (VmRSS, and the peak VmHWM). Issue 11's goal: the player at most
0.5 % of a core and 120 MB. Needs Xvfb and feh (apt-get install xvfb feh).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
WINDOW_S = 10.0


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its waited-for children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def tree(pid: int) -> list[int]:
    pids = [pid]
    for child in children(pid):
        pids += tree(child)
    return pids


def photo(path: Path) -> None:
    base = Image.linear_gradient("L").resize((1920, 1080))
    colour = Image.merge("RGB", (base, base.rotate(180), base.point(lambda v: 255 - v)))
    grain = Image.effect_noise((1920, 1080), 20).convert("RGB")
    Image.blend(colour, grain, 0.15).save(path, quality=88)


def measure(cmd: list[str], env: dict[str, str], seconds: float) -> dict[str, float]:
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        time.sleep(10)
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}")
        shares = []
        t_start = time.monotonic()
        c_start = sum(cpu_seconds(p) for p in tree(proc.pid))
        end = t_start + seconds
        while time.monotonic() < end - 0.5:
            t0 = time.monotonic()
            c0 = sum(cpu_seconds(p) for p in tree(proc.pid))
            time.sleep(min(WINDOW_S, end - t0))
            c1 = sum(cpu_seconds(p) for p in tree(proc.pid))
            shares.append(100 * (c1 - c0) / (time.monotonic() - t0))
        total = sum(cpu_seconds(p) for p in tree(proc.pid)) - c_start
        pids = tree(proc.pid)
        return {
            "cpu_median": statistics.median(shares),
            "cpu_mean": 100 * total / (time.monotonic() - t_start),
            "rss_mb": sum(status_mb(p, "VmRSS") for p in pids),
            "rss_main_mb": status_mb(proc.pid, "VmRSS"),
            "processes": float(len(pids)),
            "hwm_mb": max(status_mb(p, "VmHWM") for p in pids),
        }
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)


def xvfb(display: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        ["Xvfb", f":{display}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{display}").exists():
            return proc
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("Xvfb did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    missing = [tool for tool in ("Xvfb", "feh") if shutil.which(tool) is None]
    if missing:
        print(f"xvfb_display: not run: {', '.join(missing)} not installed")
        return 0
    signage = Path(sys.executable).with_name("signage")
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        (content / "slides").mkdir(parents=True)
        picture = content / "slides" / "photo.jpg"
        photo(picture)
        results = {}
        for n, (name, cmd) in enumerate(
            (
                (
                    "signage",
                    [
                        str(signage),
                        "run",
                        "--content",
                        str(content),
                        "--driver",
                        "x11",
                    ],
                ),
                ("feh", ["feh", "--fullscreen", "--hide-pointer", str(picture)]),
            )
        ):
            display = 90 + n
            server = xvfb(display)
            try:
                env = {
                    **os.environ,
                    "DISPLAY": f":{display}",
                    "SDL_VIDEODRIVER": "x11",
                    "SDL_AUDIODRIVER": "dummy",
                    "PYGAME_HIDE_SUPPORT_PROMPT": "1",
                    "XDG_STATE_HOME": tmp,
                }
                results[name] = measure(cmd, env, args.seconds)
            finally:
                server.terminate()
                server.wait(timeout=20)
    s, f = results["signage"], results["feh"]
    print(f"Xvfb 1920x1080, one photo, {args.seconds:.0f} s after 10 s to settle")
    for name, r in results.items():
        print(
            f"{name:8} CPU median {r['cpu_median']:.2f} % of a core (mean {r['cpu_mean']:.2f} %), "
            f"RSS {r['rss_mb']:.0f} MB in {r['processes']:.0f} process(es) at the end, "
            f"{r['rss_main_mb']:.0f} MB the main one (peak of any {r['hwm_mb']:.0f} MB)"
        )
    ratio = f"{s['cpu_mean'] / f['cpu_mean']:.0f}x" if f["cpu_mean"] > 0 else "feh at 0"
    print(f"signage/feh: CPU {ratio}, RSS {s['rss_mb'] / max(f['rss_mb'], 0.1):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
