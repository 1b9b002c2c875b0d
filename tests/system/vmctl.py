#!/usr/bin/env python3
"""Talks to a guest that `scripts/system-test --keep` left running, for a person to look:

    tests/system/vmctl.py DIR sh 'systemctl status signage'   # a command inside, as root
    tests/system/vmctl.py DIR screendump screen.png          # what the monitor shows
    tests/system/vmctl.py DIR quit                           # power it off

DIR is the working directory the test printed (it holds qmp.sock and qga.sock).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.system.vm import QMP, Agent


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in ("sh", "screendump", "quit"):
        print(__doc__, file=sys.stderr)
        return 2
    workdir, action, rest = Path(argv[0]), argv[1], argv[2:]
    if action == "sh":
        agent = Agent(workdir / "qga.sock")
        agent.connect(30)
        result = agent.sh(" ".join(rest), timeout=600, check=False)
        sys.stdout.write(result.out)
        sys.stderr.write(result.err)
        return result.code
    qmp = QMP(workdir / "qmp.sock")
    if action == "screendump":
        target = Path(rest[0] if rest else "screen.png").resolve()
        qmp.call("screendump", filename=str(target), format="png")
        print(target)
    else:
        qmp.call("quit")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
