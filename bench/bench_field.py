"""What the fixes for staff and administrator mistakes (issue 14) cost.

- Reading a text slide with the hidden-extension check (formats/misnamed.py) and without it,
  on the demo's notices and report (the ratio in this process); a meeting saved as .yaml.txt
  without the check is read as a notice, so its "without" is the wrong reading, for scale.
- Writing 状态.txt and status.json for a large lobby (500 files in rotation, 50 problems, 100
  left out, 10 playlists): the player does it at every change and every 5 minutes.
- Loading the settings when the machine configuration is broken and its last good copy
  stands in (run again whenever the content's signage.yaml changes).

Run: python bench/bench_field.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from signage.appliance.statuspage import write_status_page
from signage.core.config import LAST_GOOD_NAME, Settings, load_settings
from signage.formats import registry
from signage.formats.registry import read_slide

REPO = Path(__file__).resolve().parent.parent


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    settings = Settings(content=REPO)
    texts = sorted(str(p.relative_to(REPO)) for p in (REPO / "slides").rglob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        meeting = (REPO / "slides/会议").glob("*.yaml")
        (root / "slides").mkdir()
        (root / "slides" / "会议.yaml.txt").write_bytes(next(meeting).read_bytes())
        cases = [(REPO, rel) for rel in texts] + [(root, "slides/会议.yaml.txt")]
        check = registry.actual_reader
        for base, rel in cases:
            size = (base / rel).stat().st_size
            checked = median_ms(lambda base=base, rel=rel: read_slide(base, rel, settings), 50)
            registry.actual_reader = lambda rel, data: None  # type: ignore[assignment]
            try:
                plain = median_ms(lambda base=base, rel=rel: read_slide(base, rel, settings), 50)
            finally:
                registry.actual_reader = check
            print(
                f"read {Path(rel).name} ({size} bytes): {checked:.2f} ms with the check, "
                f"{plain:.2f} ms without (x{checked / plain:.2f})"
            )

        now = datetime(2026, 12, 3, 9, 0).astimezone()
        status = {
            "updated_at": now.isoformat(timespec="seconds"),
            "screen": "lobby-1",
            "playlist": "playlists/工作日.yaml",
            "current": {"path": "slides/通知/0.txt", "page": 0, "since": now.isoformat()},
            "rotation": [f"slides/通知/关于第{i}号事项的通知.txt" for i in range(500)],
            "problems": [
                {
                    "path": f"slides/会议/会议{i}.yaml",
                    "message": f"start: '12月{i}日下午' is not a date like 2026-12-01 09:00",
                    "line": 3,
                    "code": "meeting-field",
                    "since": (now - timedelta(hours=i)).isoformat(),
                }
                for i in range(50)
            ],
            "display": "on",
            "left_out": [
                {"path": f"slides/通知/旧{i}.txt", "reason": "show_until 2026-11-30 passed"}
                for i in range(100)
            ],
            "urgent": False,
            "playlists_unused": [
                {"path": f"playlists/{i}.yaml", "reason": "not active now"} for i in range(10)
            ],
        }
        out = root / "status"
        write = median_ms(lambda: write_status_page(out, status, now), 30)
        size = (out / "状态.txt").stat().st_size
        print(f"状态.txt + status.json, 500 files in rotation, 50 problems: {write:.2f} ms")
        print(f"  ({size} bytes of 状态.txt)")

        state = root / "state"
        state.mkdir()
        machine = root / "signage.yaml"
        machine.write_text(f"content: {REPO}\nstate_dir: {state}\n", "utf-8")
        good = median_ms(lambda: load_settings(None, machine, remember=True), 30)
        assert (state / LAST_GOOD_NAME).exists()
        machine.write_text(f"contnet: {REPO}\nstate_dir: {state}\n", "utf-8")
        fallback = median_ms(lambda: load_settings(None, machine), 30)
        print(
            f"settings with a good machine configuration (copy kept): {good:.2f} ms; "
            f"broken, last good copy used: {fallback:.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
