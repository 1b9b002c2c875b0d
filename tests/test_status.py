"""The status file's data: every key the status page and tools read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from signage.appliance.status import problem_key, status_dict, write_status
from signage.core.model import Problem

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 28, 9, 0, 5, tzinfo=CST)


def _status(left_out: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    problem = Problem("slides/坏.jpg", "image file is truncated", None, "image-truncated")
    return status_dict(
        now=NOW,
        screen="lobby-1",
        playlist="playlists/lobby.yaml",
        current=("slides/a.txt", 0, NOW - timedelta(seconds=5)),
        rotation=["slides/a.txt"],
        problems=[problem],
        problem_since={problem_key(problem): NOW - timedelta(hours=1)},
        display="on",
        left_out=left_out,
    )


def test_every_key_is_kept_and_left_out_is_added() -> None:
    data = _status()
    assert list(data) == [
        "updated_at",
        "pid",
        "screen",
        "playlist",
        "current",
        "rotation",
        "problems",
        "display",
        "left_out",
        "urgent",
        "playlists_unused",
        "warnings",
    ]
    assert data["left_out"] == [] and data["playlists_unused"] == []
    assert data["urgent"] is False
    assert data["current"] == {
        "path": "slides/a.txt",
        "page": 0,
        "since": "2026-11-28T09:00:00+08:00",
    }
    assert data["problems"] == [
        {
            "path": "slides/坏.jpg",
            "message": "image file is truncated",
            "code": "image-truncated",
            "since": "2026-11-28T08:00:05+08:00",
        }
    ]


def test_left_out_carries_the_plans_reasons_in_order() -> None:
    left_out = (
        ("slides/会议/12月10日.yaml", "meeting on 2026-12-10 09:00: shown from 2026-12-03"),
        ("slides/b.txt", "not in playlist lobby.yaml"),
    )
    data = _status(left_out=left_out)
    assert data["left_out"] == [
        {
            "path": "slides/会议/12月10日.yaml",
            "reason": "meeting on 2026-12-10 09:00: shown from 2026-12-03",
        },
        {"path": "slides/b.txt", "reason": "not in playlist lobby.yaml"},
    ]


def test_urgent_and_the_playlists_not_in_use_are_told() -> None:
    problem = Problem("slides/坏.jpg", "image file is truncated", None, "image-truncated")
    data = status_dict(
        now=NOW,
        screen="lobby-1",
        playlist=None,
        current=None,
        rotation=["slides/紧急/停水.txt"],
        problems=[problem],
        problem_since={},
        display="on",
        urgent=True,
        playlists=[("playlists/工作日.yaml", "paused while urgent notices show")],
    )
    assert data["urgent"] is True
    assert data["playlists_unused"] == [
        {"path": "playlists/工作日.yaml", "reason": "paused while urgent notices show"}
    ]


def test_a_gbk_name_is_written_printable(tmp_path: Path) -> None:
    odd = b"slides/\xb9\xab\xb8\xe6.txt".decode("utf-8", "surrogateescape")
    data = _status(left_out=[(odd, "for screen lobby-2")])
    path = tmp_path / "status.json"
    write_status(path, data)
    back = json.loads(path.read_text("utf-8"))
    assert back["left_out"][0]["reason"] == "for screen lobby-2"
    # As the Windows PC that named it read it (GBK), so staff know which file it is.
    assert back["left_out"][0]["path"] == "slides/公告.txt〔编码不对〕"
