"""What a hostile file costs a reader: time and peak memory to read or refuse each case of
tests/hostile_files.py, beside the demo content's ordinary files read the same way.

Each read runs in a forked child under a 1 GiB address-space limit (tests/bounded.py); the
peak is the child's resident memory above its start (VmHWM). Times are medians of three
reads. Run from the repository root:

    .venv/bin/python bench/bench_hostile.py [--repeat 3] [--only NAME]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from signage.core.config import Settings
from signage.core.model import ContentError
from signage.core.paths import list_files
from signage.formats.registry import read_slide
from tests.bounded import run_bounded
from tests.hostile_files import CASES

REPO = Path(__file__).resolve().parents[1]


def _read(root: Path, rel: str) -> str:
    try:
        read_slide(root, rel, Settings(content=root))
    except ContentError as err:
        return err.code
    return "slide"


def measure(root: Path, rel: str, repeat: int) -> tuple[str, float, float]:
    """(outcome, median seconds, worst peak MiB)."""
    outcomes: list[str] = []
    seconds: list[float] = []
    peaks: list[float] = []
    for _ in range(repeat):
        result = run_bounded(lambda: _read(root, rel), memory_mb=1024, cpu_s=60, wall_s=60)
        value: Any = result.value
        outcomes.append(value if result.status == "ok" else f"{result.status} {result.error}")
        seconds.append(result.seconds)
        peaks.append(result.peak_mb)
    return outcomes[0], statistics.median(seconds), max(peaks)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="")
    args = parser.parse_args()

    print("ordinary files (the demo content), read the same way:")
    ordinary: list[tuple[float, float]] = []
    for rel in list_files(REPO, "slides"):
        outcome, secs, peak = measure(REPO, rel, args.repeat)
        ordinary.append((secs, peak))
        print(f"  {rel[7:]:46s} {outcome:20s} {secs * 1000:8.1f} ms {peak:7.1f} MB")

    print("hostile files (tests/hostile_files.py):")
    hostile: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            if case.kind != "slide" or args.only not in case.name:
                continue
            root = Path(tmp) / case.name
            root.mkdir()
            try:
                case.make(root)
            except PermissionError:
                continue  # a device node needs root
            outcome, secs, peak = measure(root, case.rel, args.repeat)
            if not case.worker_limit:
                hostile.append((secs, peak))
            print(f"  {case.name:46s} {outcome:20s} {secs * 1000:8.1f} ms {peak:7.1f} MB")

    if ordinary and hostile:
        worst_o = max(s for s, _ in ordinary) * 1000, max(p for _, p in ordinary)
        worst_h = max(s for s, _ in hostile) * 1000, max(p for _, p in hostile)
        print(
            f"worst ordinary file: {worst_o[0]:.0f} ms, {worst_o[1]:.0f} MB; worst hostile "
            f"file bounded by the readers: {worst_h[0]:.0f} ms, {worst_h[1]:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
