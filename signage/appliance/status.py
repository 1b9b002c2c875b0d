"""The status file: what plays now and what is refused, rewritten atomically (DESIGN.md)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from signage.core.model import Problem
from signage.core.paths import display_path


def status_dict(
    *,
    now: datetime,
    screen: str,
    playlist: str | None,
    current: tuple[str, int, datetime] | None,
    rotation: Sequence[str],
    problems: Sequence[Problem],
    problem_since: Mapping[str, datetime],
    display: str,
    left_out: Sequence[tuple[str, str]] = (),
    urgent: bool = False,
    playlists: Sequence[tuple[str, str]] = (),
    warnings: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """The status as JSON-ready data. `left_out` is the plan's (path, reason) for files that
    are fine but do not play now (dates, playlist, screen, meeting period, urgent notice);
    `urgent` says urgent notices have taken over; `playlists` the plan's (path, reason) for
    the valid playlists not in use now; `warnings` (path, message) for files that play with
    something staff should know (characters no font has, pages left out)."""
    return {
        "updated_at": now.isoformat(timespec="seconds"),
        "pid": os.getpid(),
        "screen": screen,
        "playlist": playlist,
        "current": None
        if current is None
        else {
            "path": display_path(current[0]),
            "page": current[1],
            "since": current[2].isoformat(timespec="seconds"),
        },
        "rotation": [display_path(p) for p in rotation],
        "problems": [
            {
                "path": display_path(p.path),
                "message": p.message,
                **({"line": p.line} if p.line else {}),
                **({"code": p.code} if p.code else {}),
                "since": problem_since.get(problem_key(p), now).isoformat(timespec="seconds"),
            }
            for p in problems
        ],
        "display": display,
        "left_out": [{"path": display_path(path), "reason": reason} for path, reason in left_out],
        "urgent": urgent,
        "playlists_unused": [
            {"path": display_path(path), "reason": reason} for path, reason in playlists
        ],
        "warnings": [
            {"path": display_path(path), "message": message}
            for path, message in warnings[:MAX_WARNINGS]
        ],
    }


MAX_WARNINGS = 200
"""Warnings in the status file at most: it is rewritten on every change."""


def problem_key(problem: Problem) -> str:
    return f"{problem.path}\x00{problem.message}"


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename: readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_status(path: Path, status: Mapping[str, Any]) -> None:
    write_atomic(path, json.dumps(status, ensure_ascii=False, indent=1) + "\n")
