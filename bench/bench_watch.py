"""How fast a dropped file reaches the catalog, and whether watching leaks memory.

Latency: a file is written and closed in a tmp content folder; the clock runs until the
catalog (fed by a real Watcher, the way the player loop feeds it) holds the slide. Drops are
spread over random phases of the polling cycle. Goals: p95 < 1.5 s native, and < two poll
intervals + 1 s polling (settling included, with the default settle_s).

Memory: RSS after N create/delete cycles, each waited through to the catalog, against RSS
after a warm-up. Goal: growth < 5 MB for 1,000 cycles.

End to end (`--parts player`): the real player process (`python -m signage run`, headless)
on a tmp folder; a file is closed in slides/ and the clock runs until the player's status
file lists it in `rotation` (reading, planning, preparing the next page included). The
player's VmRSS (from /proc) is read at start, after a warm-up of create/delete cycles that
fills its caches (cache_mb 64 of page surfaces, every new file being drawn once; 256 page
layouts), and after N more cycles. Goals as above; the memory goal applies from the warm-up
on, since the caches are meant to fill up to their bounds and then stay there.

    python bench/bench_watch.py [--drops 20] [--cycles 1000] [--poll 2.0] [--settle 0.6]
                                [--parts catalog,player] [--modes native,polling]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from signage.content.catalog import Catalog
from signage.content.watcher import Watcher
from signage.core.config import Settings
from signage.core.model import Block, Document, Slide

REPO = Path(__file__).resolve().parent.parent


def text_reader(root: Path, rel: str, settings: Settings) -> Slide:
    data = (root / rel).read_bytes()
    body = Document(None, (Block("body", data.decode("utf-8", "replace")),))
    return Slide(rel, "notice", rel, body, hashlib.sha256(data).hexdigest())


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Player:
    """The player loop's use of watcher and catalog, without the display."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.watcher = Watcher(root, settings)
        self.catalog = Catalog(root, settings, text_reader)

    def run_until(self, done: Callable[[], bool], timeout: float) -> None:
        start = time.monotonic()
        while not done():
            now = time.monotonic()
            if now - start > timeout:
                raise TimeoutError(f"not reached within {timeout} s")
            deadline = self.catalog.next_settle_deadline()
            wait = 0.5 if deadline is None else max(0.0, min(0.5, deadline - now))
            self.watcher.wait(wait)
            self.catalog.update(self.watcher.drain(), time.monotonic())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure_latency(mode: str, drops: int, settings: Settings, rng: random.Random) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        root = Path(tmp)
        (root / "slides").mkdir()
        player = Player(root, settings.replace(watch=mode))
        player.watcher.start()
        try:
            player.catalog.scan()
            times: list[float] = []
            for i in range(drops):
                # Land at a random phase of the polling cycle, as staff would.
                time.sleep(rng.uniform(0, settings.poll_interval_s if mode == "polling" else 0.2))
                rel = f"slides/drop-{i:03d}.txt"
                with (root / rel).open("w", encoding="utf-8") as fh:
                    fh.write(f"通知 {i}\n" * 200)
                closed = time.monotonic()
                player.run_until(partial(_in_catalog, player.catalog, rel), timeout=30)
                times.append(time.monotonic() - closed)
            return times
        finally:
            player.watcher.stop()


def measure_memory(mode: str, cycles: int, settings: Settings) -> tuple[int, int]:
    """RSS in kB after a warm-up and after `cycles` create/delete cycles."""
    with tempfile.TemporaryDirectory(prefix="bench-watch-mem-") as tmp:
        root = Path(tmp)
        (root / "slides").mkdir()
        player = Player(root, settings.replace(watch=mode))
        player.watcher.start()
        try:
            player.catalog.scan()

            def cycle(i: int) -> None:
                path = root / "slides" / f"cycle-{i:05d}.txt"
                rel = f"slides/{path.name}"
                path.write_text(f"cycle {i}\n" * 20, encoding="utf-8")
                player.run_until(lambda: rel in player.catalog.slides, timeout=30)
                path.unlink()
                player.run_until(lambda: rel not in player.catalog.slides, timeout=30)

            for i in range(50):
                cycle(i)
            gc.collect()
            before = rss_kb()
            for i in range(50, 50 + cycles):
                cycle(i)
            gc.collect()
            return before, rss_kb()
        finally:
            player.watcher.stop()


class PlayerProcess:
    """`signage run` headless on a content folder, watched through its status file."""

    def __init__(self, root: Path, workdir: Path, machine: dict[str, object]) -> None:
        self.status_file = workdir / "status.json"
        config = workdir / "machine.yaml"
        config.write_text(json.dumps(machine), encoding="utf-8")  # JSON is YAML
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
        env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(REPO))
        env["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
        self.command = [
            sys.executable, "-m", "signage", "run", "--content", str(root), "--windowed",
            "--size", "640x360", "--status-file", str(self.status_file), "--config", str(config),
        ]  # fmt: skip
        self._log = (workdir / "player.log").open("wb")
        self.proc = subprocess.Popen(
            self.command, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def rotation(self) -> list[str] | None:
        try:
            data = json.loads(self.status_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        return list(data["rotation"])

    def wait_rotation(self, done: Callable[[list[str]], bool], timeout: float) -> float:
        """Poll the status file (every 5 ms) until `done(rotation)`; the monotonic time then."""
        give_up = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the player exited with {self.proc.returncode}")
            rotation = self.rotation()
            now = time.monotonic()
            if rotation is not None and done(rotation):
                return now
            if now > give_up:
                raise TimeoutError(f"not reached within {timeout} s; rotation {rotation}")
            time.sleep(0.005)

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


def _in_catalog(catalog: Catalog, rel: str) -> bool:
    return rel in catalog.slides


def _listed(rel: str, rotation: list[str]) -> bool:
    return rel in rotation


def _notice(i: int) -> str:
    return f"关于第{i}号事项的通知\n\n请各位居民留意。\n\n青山镇人民政府\n"


def player_latency(mode: str, drops: int, settings: Settings, rng: random.Random) -> list[float]:
    """Seconds from a file closed in slides/ to its path in the status file's rotation."""
    with tempfile.TemporaryDirectory(prefix="bench-watch-player-") as tmp:
        root = Path(tmp) / "content"
        (root / "slides").mkdir(parents=True)
        for i in range(3):
            (root / "slides" / f"base-{i}.txt").write_text(_notice(i), encoding="utf-8")
        machine = {
            "watch": mode,
            "poll_interval_s": settings.poll_interval_s,
            "settle_s": settings.settle_s,
            "rescan_interval_s": 3600,
        }
        player = PlayerProcess(root, Path(tmp), machine)
        try:
            player.wait_rotation(lambda r: len(r) == 3, 30)
            times: list[float] = []
            for i in range(drops):
                time.sleep(rng.uniform(0, settings.poll_interval_s if mode == "polling" else 0.3))
                rel = f"slides/drop-{i:03d}.txt"
                with (root / rel).open("w", encoding="utf-8") as fh:
                    fh.write(_notice(100 + i) * 20)
                closed = time.monotonic()
                seen = player.wait_rotation(partial(_listed, rel), 30)
                times.append(seen - closed)
            return times
        finally:
            player.stop()


def player_memory(cycles: int, warmup: int) -> tuple[int, int, int]:
    """Player VmRSS in kB: at start, after `warmup` create/delete cycles, after `cycles` more."""
    with tempfile.TemporaryDirectory(prefix="bench-watch-player-mem-") as tmp:
        root = Path(tmp) / "content"
        (root / "slides").mkdir(parents=True)
        machine = {
            "watch": "native",
            "settle_s": 0.02,
            "rescan_interval_s": 3600,
            "transition": "none",
            "cache_mb": 64,
        }
        player = PlayerProcess(root, Path(tmp), machine)
        try:
            player.wait_rotation(lambda r: r == [], 30)
            time.sleep(0.5)
            start = player.rss_kb()

            def cycle(i: int) -> None:
                rel = f"slides/cycle-{i:05d}.txt"
                (root / rel).write_text(_notice(i), encoding="utf-8")
                player.wait_rotation(lambda r: rel in r, 30)
                (root / rel).unlink()
                player.wait_rotation(lambda r: rel not in r, 30)

            for i in range(warmup):
                cycle(i)
            time.sleep(0.5)
            warm = player.rss_kb()
            for i in range(warmup, warmup + cycles):
                cycle(i)
            time.sleep(0.5)
            return start, warm, player.rss_kb()
        finally:
            player.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drops", type=int, default=20)
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=300, help="player memory warm-up cycles")
    parser.add_argument("--poll", type=float, default=Settings().poll_interval_s)
    parser.add_argument("--settle", type=float, default=Settings().settle_s)
    parser.add_argument("--modes", default="native,polling")
    parser.add_argument("--parts", default="catalog,player")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    modes = args.modes.split(",")
    settings = Settings(poll_interval_s=args.poll, settle_s=args.settle, rescan_interval_s=3600.0)
    rng = random.Random(4)
    results: dict[str, dict[str, float]] = {}
    ok = True

    def latency_row(times: list[float], goal: float) -> dict[str, float]:
        return {
            "drops": len(times),
            "median_s": statistics.median(times),
            "p95_s": percentile(times, 0.95),
            "max_s": max(times),
            "goal_p95_s": goal,
        }

    for mode in modes:
        goal = 1.5 if mode == "native" else 2 * args.poll + 1.0
        if "catalog" in parts:
            row = latency_row(measure_latency(mode, args.drops, settings, rng), goal)
            # Memory with a short settle and poll: the bookkeeping is the same, the run shorter.
            fast = settings.replace(settle_s=0.02, poll_interval_s=0.05)
            before, after = measure_memory(mode, args.cycles, fast)
            row.update(
                cycles=args.cycles,
                rss_before_mb=before / 1024,
                rss_after_mb=after / 1024,
                rss_growth_mb=(after - before) / 1024,
            )
            results[f"catalog-{mode}"] = row
            ok = ok and row["p95_s"] < goal and row["rss_growth_mb"] < 5.0
        if "player" in parts:
            row = latency_row(player_latency(mode, args.drops, settings, rng), goal)
            results[f"player-{mode}"] = row
            ok = ok and row["p95_s"] < goal
    if "player" in parts:
        start, warm, end = player_memory(args.cycles, args.warmup)
        results["player-memory"] = {
            "cycles": args.cycles,
            "warmup_cycles": args.warmup,
            "rss_start_mb": start / 1024,
            "rss_warm_mb": warm / 1024,
            "rss_after_mb": end / 1024,
            "rss_growth_mb": (end - warm) / 1024,
        }
        ok = ok and (end - warm) / 1024 < 5.0
    command = shlex.join(
        ["python", "bench/bench_watch.py", *(sys.argv[1:] if argv is None else argv)]
    )
    if args.json:
        print(
            json.dumps(
                {
                    "command": command,
                    "settle_s": args.settle,
                    "poll_interval_s": args.poll,
                    **results,
                }
            )
        )
        return 0 if ok else 1
    print(command)
    print(f"settle_s={args.settle} poll_interval_s={args.poll}")
    for name, row in results.items():
        if "median_s" in row:
            where = "status rotation" if name.startswith("player") else "catalog"
            print(
                f"{name:16} drop->{where} over {row['drops']:.0f} drops: "
                f"median {row['median_s']:.3f} s, p95 {row['p95_s']:.3f} s, "
                f"max {row['max_s']:.3f} s (goal p95 < {row['goal_p95_s']:.1f} s)"
            )
        if name.startswith("catalog"):
            print(
                f"{'':16} catalog RSS {row['rss_before_mb']:.1f} -> {row['rss_after_mb']:.1f} MB "
                f"after {row['cycles']:.0f} create/delete cycles "
                f"(growth {row['rss_growth_mb']:+.2f} MB, goal < 5 MB)"
            )
        if name == "player-memory":
            print(
                f"{name:16} player VmRSS {row['rss_start_mb']:.1f} MB at start, "
                f"{row['rss_warm_mb']:.1f} MB after {row['warmup_cycles']:.0f} warm-up cycles "
                f"(caches filled), {row['rss_after_mb']:.1f} MB after "
                f"{row['cycles']:.0f} more create/delete cycles "
                f"(growth {row['rss_growth_mb']:+.2f} MB, goal < 5 MB)"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
