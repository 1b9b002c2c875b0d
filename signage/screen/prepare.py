"""Pages and pixels for the rotation, made ahead of time by the screen's worker lane.

The player asks for what it will show next; a worker lays the slide out (pages as data) and
renders the page (pixels), and the player only uploads finished pixels. Until an answer
comes the player keeps what is on the glass; a slide whose layout or rendering failed is
passed over until it changes, and the failure is reported by file name like any problem.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from signage.core.config import Settings
from signage.core.model import Page, PlannedItem, Problem
from signage.core.paths import display_path
from signage.workers.jobs import Failure, Layout, Pixels, Render
from signage.workers.lane import Lane

log = logging.getLogger(__name__)

LAYOUT_TIMEOUT_S = 30.0
RENDER_TIMEOUT_S = 30.0
KEEP_LAYOUTS = 256

LayoutKey = tuple[Any, ...]
"""(path, digest, duration, fit, canvas, minute for meetings, settings version)."""


@dataclass(frozen=True)
class Failed:
    """A slide that cannot be shown in this version: why, for the status."""

    problem: Problem | None
    """None when nobody needs telling (the file changed under us: it is read again)."""


PENDING = None


class Preparer:
    def __init__(self, lane: Lane, root: Path, canvas: tuple[int, int]) -> None:
        self._lane = lane
        self._root = str(root)
        self.canvas = canvas
        self._settings = Settings()
        self._settings_version = -1
        self._layouts: OrderedDict[LayoutKey, tuple[Page, ...]] = OrderedDict()
        self._failed: dict[tuple[str, str], Failed] = {}
        """(path, digest) -> why that version is passed over."""
        self._pixels: dict[tuple[LayoutKey, int], Pixels] = {}
        self._asked: dict[str, tuple[str, LayoutKey, int, str, str]] = {}
        self._deferred: set[tuple[str, str]] = set()
        """(path, digest) of slides passed over while a worker still makes their pages."""
        """Lane key -> ("layout" | "render", layout key, page index, path, digest)."""

    def use(self, settings: Settings, version: int) -> None:
        """New settings (theme, fonts, defaults): nothing laid out before still holds."""
        if version != self._settings_version:
            self._settings, self._settings_version = settings, version
            self._layouts.clear()
            self._pixels.clear()
            self._failed.clear()

    def key(self, item: PlannedItem, now: datetime) -> LayoutKey:
        slide = item.slide
        # Meeting pages carry 今天/明天/即将开始 labels: laid out again each minute.
        moment = now.strftime("%Y%m%d%H%M") if slide.kind == "meeting" else ""
        return (
            slide.path,
            slide.digest,
            item.duration,
            item.fit,
            self.canvas,
            moment,
            self._settings_version,
        )

    # --- asking --------------------------------------------------------------------------

    def defer(self, item: PlannedItem) -> None:
        """Treat the slide as not there until its pages and pixels arrive (see Player)."""
        self._deferred.add((item.slide.path, item.slide.digest))

    def undefer(self, item: PlannedItem) -> None:
        self._deferred.discard((item.slide.path, item.slide.digest))

    def pages(
        self, item: PlannedItem, now: datetime, *, soon: bool = True
    ) -> tuple[Page, ...] | None:
        """The slide's pages; () if it cannot be shown; None while a worker lays it out.
        `soon`: the screen needs them next (the job goes ahead of those made in advance)."""
        if (item.slide.path, item.slide.digest) in self._failed:
            return ()
        if (item.slide.path, item.slide.digest) in self._deferred:
            return ()
        key = self.key(item, now)
        pages = self._layouts.get(key)
        if pages is not None:
            self._layouts.move_to_end(key)
            return pages
        lane_key = f"layout {key!r}"
        if lane_key not in self._asked:
            self._asked[lane_key] = ("layout", key, 0, item.slide.path, item.slide.digest)
            self._lane.submit(
                lane_key,
                Layout(item, self.canvas, self._settings, now),
                LAYOUT_TIMEOUT_S,
                first=soon,
            )
            if self._lane.has_results():  # an inline lane answers at once
                self.collect()
                if (item.slide.path, item.slide.digest) in self._failed:
                    return ()
                return self._layouts.get(key, PENDING)
        return PENDING

    def pixels(self, item: PlannedItem, index: int, now: datetime) -> Pixels | Failed | None:
        """The page's pixels (taken: asked again next time); Failed; None while pending."""
        slide = item.slide
        failed = self._failed.get((slide.path, slide.digest))
        if failed is not None:
            return failed
        pages = self.pages(item, now)
        if pages is None:
            return PENDING
        if not 0 <= index < len(pages):
            return Failed(None)
        key = self.key(item, now)
        ready = self._pixels.pop((key, index), None)
        if ready is not None:
            return ready
        lane_key = f"render {key!r} {index}"
        if lane_key not in self._asked:
            self._asked[lane_key] = ("render", key, index, slide.path, slide.digest)
            job = Render(
                pages[index], slide.path, slide.digest, self._root, self.canvas, self._settings
            )
            self._lane.submit(lane_key, job, RENDER_TIMEOUT_S, first=True)
            if self._lane.has_results():  # an inline lane answers at once
                self.collect()
                return self._failed.get((slide.path, slide.digest)) or self._pixels.pop(
                    (key, index), PENDING
                )
        return PENDING

    def lay_out_ahead(self, items: tuple[PlannedItem, ...], now: datetime) -> None:
        """Have every planned slide laid out in advance (behind what the screen needs next),
        so that when its turn comes only its page is left to draw."""
        for item in items:
            if item.slide.kind != "meeting":  # laid out again each minute anyway
                self.pages(item, now, soon=False)

    def waiting(self) -> bool:
        return bool(self._asked)

    # --- answers -------------------------------------------------------------------------

    def collect(self) -> bool:
        """Take in the lane's answers; True if any arrived."""
        done = self._lane.take()
        for answer in done:
            asked = self._asked.pop(answer.key, None)
            if asked is None:
                continue
            what, key, index, path, digest = asked
            self._deferred.discard((path, digest))
            if key[-1] != self._settings_version:
                continue  # laid out for settings that have changed since
            result = answer.failure if answer.failure is not None else answer.result
            if isinstance(result, Failure):
                self._fail(path, digest, what, result)
            elif what == "layout" and isinstance(result, tuple):
                self._layouts[key] = result
                while len(self._layouts) > KEEP_LAYOUTS:
                    self._layouts.popitem(last=False)
            elif what == "render" and isinstance(result, Pixels):
                if (result.width, result.height) == self.canvas:
                    self._pixels[(key, index)] = result
                else:
                    self._fail(path, digest, what, Failure("error", "a page of the wrong size"))
            else:
                self._fail(path, digest, what, Failure("protocol", "an answer of the wrong kind"))
        return bool(done)

    def _fail(self, path: str, digest: str, what: str, failure: Failure) -> None:
        shown = display_path(path)
        if failure.code == "changed":
            self._failed[(path, digest)] = Failed(None)
            return
        doing = "laying out" if what == "layout" else "drawing"
        skipped = "it is skipped until it changes"
        if failure.kind == "timeout":
            message = f"{doing} the file took too long ({failure.detail}); {skipped}"
            code = "show-timeout"
        elif failure.kind in ("crash", "memory"):
            message = f"{doing} the file made the worker fail ({failure.detail}); {skipped}"
            code = "show-failed"
        else:
            message = f"the file cannot be shown: {failure.detail}"
            code = failure.code or "show-failed"
        log.warning("%s: %s", shown, message)
        self._failed[(path, digest)] = Failed(Problem(shown, message, code=code))

    def problems(self) -> list[Problem]:
        """Files that read fine but could not be laid out or drawn."""
        return [f.problem for f in self._failed.values() if f.problem is not None]

    def forget_except(self, planned: set[tuple[str, str]]) -> None:
        """Drop failures of versions no longer planned (a fixed file is tried afresh)."""
        for key in [k for k in self._failed if k not in planned]:
            del self._failed[key]
