"""Player benchmarks at 1920x1080 with SDL's dummy driver. Prints numbers; asserts nothing.

    .venv/bin/python bench/bench_player.py [--quick]

1. CPU use of `signage run` over 20 s on a static slide (goal < 1 % of one core)
2. frame time of a fade (goal: median < 33 ms)
3. time to prepare a 6000x4000 JPEG for the screen (goal < 100 ms)
4. time from start to the first frame, via the systemd READY=1 message (goal < 2 s)
5. peak memory (VmHWM) of `signage run` on the demo content (goal < 150 MB)
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _start_player(
    content: Path, notify: str | None = None, status: Path | None = None
) -> subprocess.Popen[bytes]:
    env = dict(ENV)
    if notify:
        env["NOTIFY_SOCKET"] = notify
    extra = ["--status-file", str(status)] if status else []
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "signage",
            "run",
            "--content",
            str(content),
            "--windowed",
            "--size",
            "1920x1080",
            *extra,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def first_frame_and_memory(seconds: float) -> tuple[list[float], float]:
    """Spawn the player on the demo content; READY=1 arrives after its first frame."""
    firsts = []
    peak = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(3):
            path = os.path.join(tmp, f"notify-{run}")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(path)
            sock.settimeout(30)
            t0 = time.perf_counter()
            proc = _start_player(REPO, path)
            try:
                while True:
                    msg = sock.recv(4096).decode()
                    if "READY=1" in msg:
                        firsts.append(time.perf_counter() - t0)
                        break
                if run == 0:
                    time.sleep(seconds)  # let it turn pages, decode photos, fill its cache
                    peak = _peak_rss_mb(proc.pid)
            finally:
                _stop(proc)
                sock.close()
    return firsts, peak


def memory_through_every_page(seconds: float) -> tuple[float, int]:
    """Peak memory while every page of the demo content goes by at one second a page, so
    every photo is decoded and the surface cache fills: the worst case for memory."""
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp)
        shutil.copytree(REPO / "slides", content / "slides")
        (content / "signage.yaml").write_text(
            "organisation: 青山镇人民政府\ndefaults: {duration: 1, transition: fade}\n",
            encoding="utf-8",
        )
        status = content.parent / f"{content.name}-status.json"
        proc = _start_player(content, status=status)
        seen: set[tuple[str, int]] = set()
        try:
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                time.sleep(0.25)
                try:
                    import json

                    cur = json.loads(status.read_text(encoding="utf-8"))["current"]
                    if cur:
                        seen.add((cur["path"], cur["page"]))
                except (OSError, ValueError, KeyError):
                    pass
            peak = _peak_rss_mb(proc.pid)
        finally:
            _stop(proc)
            status.unlink(missing_ok=True)
    return peak, len(seen)


def static_cpu(seconds: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp)
        (content / "slides").mkdir()
        shutil.copy(REPO / "signage.yaml", content / "signage.yaml")
        notice = sorted((REPO / "slides" / "通知").glob("*.txt"))[0]
        text = notice.read_text(encoding="utf-8")
        # One slide that stays up: the loop should only wake for the clock minute.
        (content / "slides" / "static.txt").write_text(
            "---\nduration: 3600\n---\n" + text.split("---", 2)[-1], encoding="utf-8"
        )
        proc = _start_player(content)
        try:
            time.sleep(4)  # start-up is not what this measures
            c0, t0 = _cpu_seconds(proc.pid), time.perf_counter()
            time.sleep(seconds)
            c1, t1 = _cpu_seconds(proc.pid), time.perf_counter()
        finally:
            _stop(proc)
    return 100 * (c1 - c0) / (t1 - t0)


def fade_frames() -> list[float]:
    os.environ.update({"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})
    sys.path.insert(0, str(REPO))
    import pygame

    from signage.content.folder import ContentFolder
    from signage.core.clock import ManualClock
    from signage.core.config import load_settings
    from signage.screen.output import Display
    from signage.screen.player import Player
    from signage.typeset.fonts import FontBook
    from signage.workers.lane import InlineLane

    overrides = {
        "size": (1920, 1080),
        "windowed": True,
        "transition": "fade",
        "transition_ms": 600,
        "default_duration": 10.0,
        "settle_s": 0.0,
    }
    clock = ManualClock(datetime(2026, 12, 1, 10, 0).astimezone())
    pygame.display.init()
    folder = ContentFolder(lambda: load_settings(REPO, None, overrides), clock.monotonic)
    fonts = FontBook.from_settings(folder.settings.fonts)
    player = Player(folder, clock, fonts, Display((1920, 1080), True, 0), lane=InlineLane())
    player.start()
    gaps: list[float] = []
    for _ in range(6):
        player.fade_frame_times.clear()
        clock.advance(10.0)
        player.tick()
        times = list(player.fade_frame_times)
        gaps += [b - a for a, b in itertools.pairwise(times)]
    pygame.quit()
    return gaps


def jpeg_prepare(repeats: int) -> list[float]:
    from PIL import Image

    sys.path.insert(0, str(REPO))
    from signage.formats.images import prepare_image

    im = Image.radial_gradient("L").resize((6000, 4000)).convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        prepare_image(data, (1920, 983), "contain", (16, 16, 18))
        times.append(time.perf_counter() - t0)
    return times


def desk_picture(repeats: int) -> list[float]:
    """What a page change costs for 当前画面.jpg: the frame composed (on the player's thread)
    plus scaled and written as JPEG (on its writer thread), at 1920x1080."""
    os.environ.update({"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})
    sys.path.insert(0, str(REPO))
    import pygame

    from signage.appliance.screenpicture import write_jpeg

    page = pygame.Surface((1920, 1080))
    page.fill((250, 247, 240))
    for y in range(100, 1000, 60):
        page.fill((28, 28, 30), (96, y, 1700, 40))  # lines of "text"
    header = pygame.Surface((1920, 97))
    header.fill((168, 24, 24))
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "当前画面.jpg"
        for _ in range(repeats):
            t0 = time.perf_counter()
            frame = page.copy()
            frame.blit(header, (0, 0))
            write_jpeg(frame, target)
            times.append(time.perf_counter() - t0)
        size = target.stat().st_size
    print(f"  (当前画面.jpg is {size / 1024:.0f} kB)")
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="5 s instead of 20 s of CPU sampling")
    args = parser.parse_args()
    seconds = 5.0 if args.quick else 20.0

    jpeg = jpeg_prepare(7)
    print(
        f"6000x4000 JPEG prepared for 1920x983: median {1000 * statistics.median(jpeg):.0f} ms "
        f"(min {1000 * min(jpeg):.0f}, max {1000 * max(jpeg):.0f}, n={len(jpeg)})"
    )
    desk = desk_picture(15)
    print(
        f"当前画面.jpg per page change (compose + scale + JPEG, 1920x1080): median "
        f"{1000 * statistics.median(desk):.1f} ms (max {1000 * max(desk):.1f}, n={len(desk)})"
    )
    gaps = fade_frames()
    print(
        f"fade frame time at 1920x1080: median {1000 * statistics.median(gaps):.1f} ms, "
        f"p95 {1000 * sorted(gaps)[int(0.95 * (len(gaps) - 1))]:.1f} ms (n={len(gaps)})"
    )
    firsts, peak = first_frame_and_memory(seconds)
    print(
        f"start to first frame (READY=1): median {statistics.median(firsts):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in firsts)})"
    )
    print(f"peak memory (VmHWM) after {seconds:.0f} s on the demo content: {peak:.0f} MB")
    peak_all, pages = memory_through_every_page(3 * seconds)
    print(
        f"peak memory (VmHWM) with every page at 1 s for {3 * seconds:.0f} s: {peak_all:.0f} MB "
        f"({pages} distinct pages shown)"
    )
    cpu = static_cpu(seconds)
    print(f"CPU on a static slide over {seconds:.0f} s: {cpu:.2f} % of one core")


if __name__ == "__main__":
    main()
