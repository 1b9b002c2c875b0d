"""The cost of the process boundary (issue 15): first frame, page-change latency and memory
of `signage run` on the demo content, this checkout against a reference checkout run the
same way on the same machine (e.g. the player before workers: `git worktree add /tmp/ref
5624e5d`). Prints numbers; asserts nothing.

    .venv/bin/python bench/bench_boundary.py [--reference DIR] [--seconds 30]

- first frame: process start to READY=1 (the first page is up), median of 3 runs;
- page-change latency: how much longer than its 2 s each page stayed up (the play log's
  seconds on screen minus the duration), median and p95 — the time to get the next page up;
- memory: resident set of the player, and of the player with its worker processes, after the
  demo has turned pages for a while (every page at 2 s: every photo decoded, caches full).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DURATION_S = 2.0


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    """Every descendant (a process started from any of its threads counts)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = (task / "children").read_text().split()
        except OSError:
            continue
        for kid in map(int, kids):
            out += [kid, *_children(kid)]
    return out


def _content(tmp: Path) -> Path:
    content = tmp / "content"
    shutil.copytree(REPO / "slides", content / "slides")
    if (REPO / "playlists").is_dir():
        shutil.copytree(REPO / "playlists", content / "playlists")
    (content / "signage.yaml").write_text(
        f"organisation: 青山镇人民政府\ndefaults: {{duration: {DURATION_S:g}, transition: none}}\n",
        encoding="utf-8",
    )
    return content


def _start(
    code: Path, content: Path, extra: list[str], notify: str | None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    env["PYTHONPATH"] = str(code)
    env.pop("NOTIFY_SOCKET", None)
    if notify:
        env["NOTIFY_SOCKET"] = notify
    command = [sys.executable, "-m", "signage", "run", "--content", str(content)]
    command += ["--windowed", "--size", "1920x1080", *extra]
    return subprocess.Popen(
        command, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def first_frames(code: Path, content: Path, runs: int = 3) -> list[float]:
    out = []
    with tempfile.TemporaryDirectory(prefix="sdn-") as tmp:
        for run in range(runs):
            path = os.path.join(tmp, f"n{run}")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(path)
            sock.settimeout(60)
            t0 = time.perf_counter()
            proc = _start(code, content, [], path)
            try:
                while "READY=1" not in sock.recv(4096).decode():
                    pass
                out.append(time.perf_counter() - t0)
            finally:
                _stop(proc)
                sock.close()
    return out


def playing(code: Path, content: Path, seconds: float) -> tuple[list[float], int, int]:
    """(how much longer than due each page stayed, player RSS kB, player + workers RSS kB)."""
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp) / "log"
        proc = _start(code, content, ["--play-log", str(log_dir)], None)
        try:
            time.sleep(seconds)
            pids = [proc.pid, *_children(proc.pid)]
            player = _rss_kb(proc.pid)
            total = sum(_rss_kb(pid) for pid in pids)
        finally:
            _stop(proc)
        late = []
        for file in sorted(log_dir.glob("*.jsonl")):
            for line in file.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                late.append(float(record["seconds"]) - DURATION_S)
    return late[1:], player, total  # the first page waits for start-up, not a change


def measure(label: str, code: Path, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        content = _content(Path(tmp))
        firsts = first_frames(code, content)
        late, player, total = playing(code, content, seconds)
    late_ms = sorted(1000 * x for x in late) or [float("nan")]
    p95 = late_ms[int(0.95 * (len(late_ms) - 1))]
    print(f"{label}:")
    print(
        f"  start to first frame (READY=1): median {statistics.median(firsts):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in firsts)})"
    )
    print(
        f"  page change, time past due: median {statistics.median(late_ms):.0f} ms, "
        f"p95 {p95:.0f} ms (n={len(late)})"
    )
    print(
        f"  resident memory after {seconds:.0f} s at {DURATION_S:g} s a page: player "
        f"{player / 1024:.0f} MB, with its workers {total / 1024:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", type=Path, help="another checkout, run the same way")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    measure(f"this checkout ({REPO})", REPO, args.seconds)
    if args.reference is not None:
        measure(f"reference ({args.reference})", args.reference.resolve(), args.seconds)


if __name__ == "__main__":
    main()
