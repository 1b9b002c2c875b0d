"""From the office to a village screen: latency through Syncthing, and what Syncthing costs.

Two real Syncthing instances on loopback (the office and one station, set up with
`signage sites` and the settings it chooses for a real site: the office's watcher gathers
events for 2 s, rescans every 10 min) and a headless player on the station. A notice is
written and closed in the office's content folder; the clock runs until it is on the
station's disk (Syncthing's part) and until the station player's status lists it in
`rotation` (the player's part: watcher, settle 0.6 s, read, plan). 20 notices, a random
pause of 0–1 s between them so they land at every phase of the watcher's delay.

Cost on the station: Syncthing's CPU time (utime + stime from /proc) over 30 s idle after
the first sync, and over the 20 drops; its resident memory (VmRSS) and peak (VmHWM). Debian's
`syncthing serve` is two processes (a monitor that restarts Syncthing proper): both count.
Loopback has no network latency: on a real link add the round trips and the transfer time
(a slow village link's `--limit-kbps` caps the second).

    python bench/bench_sites.py [--files 20] [--idle 30]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from signage.sites.folders import Tuning
from tests.sites_fixtures import headless_player, read_json, sites, syncthings, wait_for

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def family(pid: int) -> list[int]:
    """`syncthing serve` is a monitor process and the Syncthing it starts: count both."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, IndexError):
                continue
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += children.get(current, [])
    return out


def cpu_seconds(pid: int) -> float:
    total = 0
    for member in family(pid):
        fields = _stat(member)
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) summed over the monitor and Syncthing proper."""
    rss = hwm = 0.0
    for member in family(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key == "VmRSS":
                rss += int(rest.split()[0]) / 1024
            elif key == "VmHWM":
                hwm += int(rest.split()[0]) / 1024
    return rss, hwm


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--idle", type=float, default=30.0)
    args = parser.parse_args()
    if shutil.which("syncthing") is None:
        print("bench_sites: syncthing is not installed (scripts/setup test); skipped")
        return 0
    os.environ["SIGNAGE_SITES_AS_ROOT"] = "1"
    tuning = Tuning()
    root = Path(tempfile.mkdtemp(prefix="bench-sites-"))
    try:
        with syncthings(root, ["office", "station"]) as st:
            office_content, office_state = root / "office-content", root / "office-state"
            station_content, station_state = root / "station-content", root / "station-state"
            for state, name in ((office_state, "镇政府"), (station_state, "嘎查一")):
                state.mkdir()
                (state / "machine.yaml").write_text(f"screen: {name}\n", encoding="utf-8")
            (office_content / "slides/通知").mkdir(parents=True)
            (office_content / "slides/通知/欢迎.txt").write_text("欢迎来访\n", encoding="utf-8")

            def run(site: str, *a: str | Path, state: Path, content: Path) -> None:
                # Not --fast: the watch and rescan settings a real site gets.
                result = sites(*a, home=st[site].home, state=state, content=content, fast=False)
                assert result.returncode == 0, result.stdout + result.stderr

            off = {"state": office_state, "content": office_content}
            sta = {"state": station_state, "content": station_content}
            run("office", "office", "--name", "镇政府", "--address", st["office"].listen,
                "--listen", st["office"].listen, **off)  # fmt: skip
            card = office_state / "sites/站点卡-镇政府.txt"
            run("station", "station", "--name", "嘎查一", "--office", card,
                "--listen", st["station"].listen, **sta)  # fmt: skip
            run("office", "add-station", station_state / "sites/站点卡-嘎查一.txt", **off)
            pid = st["station"].proc.pid if st["station"].proc else 0
            with headless_player(station_content, station_state, "嘎查一", duration_s=5) as (
                status_file,
                _log_dir,
                player_log,
            ):

                def rotation() -> list[str]:
                    return list((read_json(status_file) or {}).get("rotation") or [])

                wait_for(
                    lambda: "slides/通知/欢迎.txt" in rotation(),
                    "the first sync",
                    player_log,
                    st["station"].log,
                    timeout=120,
                )
                time.sleep(5)
                cpu0, t0 = cpu_seconds(pid), time.monotonic()
                time.sleep(args.idle)
                idle_pct = 100 * (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
                idle_rss, _ = memory_mb(pid)

                on_disk: list[float] = []
                on_screen: list[float] = []
                cpu0, t0 = cpu_seconds(pid), time.monotonic()
                rng = random.Random(16)
                for n in range(args.files):
                    time.sleep(rng.uniform(0, 1))
                    rel = f"slides/通知/第{n + 1:02d}号通知.txt"
                    start = time.monotonic()
                    (office_content / rel).write_text(
                        f"第{n + 1}号通知\n请各村于本周五前报送材料。\n", encoding="utf-8"
                    )
                    wait_for(lambda r=rel: (station_content / r).exists(), rel, every=0.01)
                    on_disk.append(time.monotonic() - start)
                    wait_for(lambda r=rel: r in rotation(), rel, player_log, every=0.01)
                    on_screen.append(time.monotonic() - start)
                busy_pct = 100 * (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
                rss, hwm = memory_mb(pid)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(
        f"settings: office watcher delay {tuning.content_watch_delay_s} s, rescan "
        f"{tuning.content_rescan_s} s; station player settle 0.6 s; loopback"
    )
    print(
        f"office write -> on the station's disk: median {statistics.median(on_disk):.2f} s, "
        f"p95 {p95(on_disk):.2f} s ({len(on_disk)} notices)"
    )
    print(
        f"office write -> in the station player's rotation: median "
        f"{statistics.median(on_screen):.2f} s, p95 {p95(on_screen):.2f} s"
    )
    print(
        f"station Syncthing CPU: idle {idle_pct:.2f} % of one core over {args.idle:g} s; "
        f"{busy_pct:.2f} % while receiving the {args.files} notices"
    )
    print(
        f"station Syncthing memory (monitor + Syncthing): RSS {idle_rss:.0f} MB idle, "
        f"{rss:.0f} MB after, peak {hwm:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
