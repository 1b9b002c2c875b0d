"""今日预览.png: drawn by a separate `signage preview` process once the content is quiet."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pygame

from signage.appliance.daypreview import FILE_NAME, DayPreview

REPO = Path(__file__).resolve().parent.parent


def notice(root: Path, name: str) -> None:
    path = root / "slides" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("停水通知\n\n明天停水。\n\n青山镇人民政府\n", encoding="utf-8")


def test_the_day_sheet_waits_for_quiet_then_is_drawn_once(tmp_path: Path) -> None:
    root = tmp_path / "content"
    notice(root, "a.txt")
    status = tmp_path / "status"
    sheet = DayPreview(
        status,
        ["preview", "--content", str(root), "--size", "640x360"],
        quiet_s=5.0,
        min_interval_s=100.0,
    )
    today = date(2026, 12, 1)
    try:
        sheet.changed(0.0)
        sheet.tick(1.0, today, "2026-12-01T10:00")
        assert not sheet.running and sheet.runs == 0  # not quiet for long enough yet
        sheet.tick(6.0, today, "2026-12-01T10:00")
        assert sheet.runs == 1
        give_up = time.monotonic() + 120
        while sheet.running and time.monotonic() < give_up:
            time.sleep(0.2)
        sheet.tick(7.0, today, "2026-12-01T10:00")
        image = pygame.image.load(str(status / FILE_NAME))
        assert image.get_width() > 480
        assert not [p for p in status.iterdir() if p.name != FILE_NAME]  # nothing half-written
        sheet.changed(8.0)
        sheet.tick(20.0, today, "2026-12-01T10:00")
        assert sheet.runs == 1  # changed again, but at most every min_interval_s
        sheet.tick(20.0, date(2026, 12, 2), "2026-12-02T00:00")
        assert sheet.runs == 1
    finally:
        sheet.close()
