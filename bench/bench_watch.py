"""How fast a dropped file reaches the catalog, and whether watching leaks memory.

Latency: a file is written and closed in a tmp content folder; the clock runs until the
catalog (fed by a real Watcher, the way the player loop feeds it) holds the slide. Drops are
spread over random phases of the polling cycle. Goals: p95 < 1.5 s native, and < two poll
intervals + 1 s polling (settling included, with the default settle_s).

Memory: RSS after N create/delete cycles, each waited through to the catalog, against RSS
after a warm-up. Goal: growth < 5 MB for 1,000 cycles.

    python bench/bench_watch.py [--drops 20] [--cycles 1000] [--poll 2.0] [--settle 0.6]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from signage.catalog import Catalog
from signage.config import Settings
from signage.model import Block, Document, Slide
from signage.watcher import Watcher


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
                player.run_until(lambda rel=rel: rel in player.catalog.slides, timeout=30)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drops", type=int, default=20)
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--poll", type=float, default=Settings().poll_interval_s)
    parser.add_argument("--settle", type=float, default=Settings().settle_s)
    parser.add_argument("--modes", default="native,polling")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = Settings(poll_interval_s=args.poll, settle_s=args.settle, rescan_interval_s=3600.0)
    rng = random.Random(4)
    results: dict[str, dict[str, float]] = {}
    ok = True
    for mode in args.modes.split(","):
        times = measure_latency(mode, args.drops, settings, rng)
        goal = 1.5 if mode == "native" else 2 * args.poll + 1.0
        # Memory with a short settle and poll: the bookkeeping is the same, the run shorter.
        fast = settings.replace(settle_s=0.02, poll_interval_s=0.05)
        before, after = measure_memory(mode, args.cycles, fast)
        row = {
            "drops": len(times),
            "median_s": statistics.median(times),
            "p95_s": percentile(times, 0.95),
            "max_s": max(times),
            "goal_p95_s": goal,
            "cycles": args.cycles,
            "rss_before_mb": before / 1024,
            "rss_after_mb": after / 1024,
            "rss_growth_mb": (after - before) / 1024,
        }
        results[mode] = row
        ok = ok and row["p95_s"] < goal and row["rss_growth_mb"] < 5.0
    if args.json:
        print(json.dumps({"settle_s": args.settle, "poll_interval_s": args.poll, **results}))
    else:
        print(f"settle_s={args.settle} poll_interval_s={args.poll}")
        for mode, row in results.items():
            print(
                f"{mode:8} drop->catalog over {row['drops']:.0f} drops: "
                f"median {row['median_s']:.3f} s, p95 {row['p95_s']:.3f} s, "
                f"max {row['max_s']:.3f} s (goal p95 < {row['goal_p95_s']:.1f} s); "
                f"RSS {row['rss_before_mb']:.1f} -> {row['rss_after_mb']:.1f} MB "
                f"after {row['cycles']:.0f} create/delete cycles "
                f"(growth {row['rss_growth_mb']:+.2f} MB, goal < 5 MB)"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
