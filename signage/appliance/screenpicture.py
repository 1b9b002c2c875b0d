"""当前画面.jpg: what is on the lobby screen now, for staff to look at from their desk.

The player hands over each new frame as it presents it (the page with the header band, as
composed in memory); a background thread scales it down and writes a JPEG into the status
folder (never the content folder), replacing the old one atomically, so a staff member who
opens it over the share never sees half a picture. Only the newest frame is kept: a frame
that arrives while the previous one is being written replaces it in the queue.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pygame

log = logging.getLogger(__name__)

FILE_NAME = "当前画面.jpg"
LONG_SIDE = 960
"""Big enough to read a notice's title and see which page is up; about 100 KB."""


def scaled(surface: pygame.Surface, long_side: int = LONG_SIDE) -> pygame.Surface:
    w, h = surface.get_size()
    scale = long_side / max(w, h)
    if scale >= 1.0:
        return surface.copy()
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return pygame.transform.smoothscale(surface, size)


def write_jpeg(surface: pygame.Surface, path: Path) -> None:
    """Write atomically: a temporary file in the same folder, then a rename."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.jpg")
    try:
        pygame.image.save(scaled(surface), str(tmp))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


class ScreenPicture:
    """Writes the newest frame it was given to `directory/当前画面.jpg`, off the caller's thread."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / FILE_NAME
        self._cond = threading.Condition()
        self._next: pygame.Surface | None = None
        self._closing = False
        self._failing = False
        self.written = 0
        self._thread = threading.Thread(target=self._run, name="signage-screenpicture", daemon=True)
        self._thread.start()

    def offer(self, frame: pygame.Surface) -> None:
        """The frame just presented (the caller must not draw on it afterwards)."""
        with self._cond:
            self._next = frame
            self._cond.notify_all()

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until the newest frame offered is written (tests, a clean stop)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._next is None, timeout=timeout_s)

    def close(self) -> None:
        self.flush()
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(5.0)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._next is None and not self._closing:
                    self._cond.wait()
                if self._next is None:
                    return
                frame = self._next
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                write_jpeg(frame, self.path)
                self.written += 1
                if self._failing:
                    log.info("%s is written again", self.path)
                self._failing = False
            except (OSError, pygame.error) as err:
                if not self._failing:
                    log.warning("cannot write %s: %s", self.path, err)
                self._failing = True
            with self._cond:
                if self._next is frame:
                    self._next = None
                self._cond.notify_all()
