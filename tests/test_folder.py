"""The content folder as one object: what the commands and the player agree on."""

from __future__ import annotations

import os
import time
from pathlib import Path

from signage.content.folder import ContentFolder
from signage.core.config import load_settings


def test_a_slide_still_settling_is_not_reported_missing_from_its_playlist(tmp_path: Path) -> None:
    (tmp_path / "slides" / "notices").mkdir(parents=True)
    (tmp_path / "playlists").mkdir()
    old = time.time() - 3600
    playlist = tmp_path / "playlists" / "lobby.yaml"
    playlist.write_text("items:\n  - slides: notices/\n", encoding="utf-8")
    os.utime(playlist, (old, old))
    # Written just now: the catalog waits for it to be quiet before reading it.
    (tmp_path / "slides" / "notices" / "a.txt").write_text("通知\n正文。\n", encoding="utf-8")
    folder = ContentFolder(lambda: load_settings(tmp_path, None, {"settle_s": 5.0}), time.monotonic)
    try:
        folder.scan()
        assert "slides/notices/a.txt" in folder.catalog.settling
        assert not [p for p in folder.problems() if p.code == "missing-slide"]
        (tmp_path / "slides" / "notices" / "a.txt").unlink()
        folder.update({"slides/notices/a.txt"})
        # An empty folder is there: nothing this week is no mistake (issue 14).
        assert not [p for p in folder.problems() if p.code == "missing-slide"]
        (tmp_path / "slides" / "notices").rmdir()
        assert [p.code for p in folder.problems()] == ["missing-slide"]
    finally:
        folder.close()
