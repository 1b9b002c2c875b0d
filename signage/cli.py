"""The `signage` command: main(argv) -> exit status (0 ok, 1 problems or failure, 2 usage)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="signage", description="Lobby signage player")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="play full screen (or in a window)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    print(f"{args.command}: not yet", file=sys.stderr)
    return 1
