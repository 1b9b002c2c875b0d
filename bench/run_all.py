"""Runs every benchmark in bench/ in turn; each prints its own numbers (see README)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        env = {**os.environ, "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
        failed += subprocess.call([sys.executable, str(script)], env=env) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
