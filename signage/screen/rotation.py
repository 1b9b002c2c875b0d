"""The rotation: which page of which slide is on screen, and for how long.

Pure state over plans and page lists; no display, no files. The position survives a new plan:
the slide on screen stays if it is still planned, and the rotation carries on after it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from signage.core.model import Page, Plan, PlannedItem

Pager = Callable[[PlannedItem], Sequence[Page] | None]
"""One planned slide's pages for the screen (cached by the caller): empty if the slide cannot
be shown (it is passed over), None while they are still being made (it is waited for)."""
TurnLimit = Callable[[PlannedItem], int]
"""How many pages of a slide to show each time round; 0: all of them."""


@dataclass(frozen=True)
class Showing:
    item: PlannedItem
    page: Page
    page_index: int
    started: float
    """Monotonic seconds when it went on screen."""
    until: float


class Rotation:
    def __init__(self, pager: Pager, turn_limit: TurnLimit = lambda item: 0) -> None:
        self._pager = pager
        self._turn_limit = turn_limit
        self._turn_pages = 0
        """Pages of the current slide shown in this turn."""
        self._continue: dict[tuple[str, str], int] = {}
        """(path, digest) -> the page a long document continues from next time round."""
        self._items: tuple[PlannedItem, ...] = ()
        self._order: tuple[str, ...] = ()
        self.current: Showing | None = None
        self._resume_after: str | None = None
        self._start_at: tuple[str, int] | None = None
        self._urgent = False
        self._before_urgent: tuple[str, tuple[str, ...]] | None = None

    def start_at(self, path: str, page_index: int) -> None:
        """Begin (before the first advance) at this slide and page, if it is planned then:
        after a restart the rotation resumes near where it was instead of at the top."""
        self._start_at = (path, page_index)

    @property
    def order(self) -> tuple[str, ...]:
        return self._order

    def set_plan(self, plan: Plan, now: float) -> bool:
        """Take a new plan; True if the page on screen must change at once.

        The current slide keeps its place and its remaining time if it is still planned with
        the same content; if it was removed or replaced, the next slide comes now.
        """
        old_order = self._order
        self._items = plan.items
        self._order = tuple(item.slide.path for item in plan.items)
        for key in [k for k in self._continue if k[0] not in self._order]:
            del self._continue[key]
        cur = self.current
        if plan.urgent and not self._urgent:
            # Urgent notices take over; remember the place so the normal rotation resumes
            # there when they leave, not at the top.
            self._before_urgent = (cur.item.slide.path, old_order) if cur else None
        elif self._urgent and not plan.urgent:
            self._urgent = False
            saved, self._before_urgent = self._before_urgent, None
            if saved is not None:
                path, order = saved
                self._resume_after = path if path in self._order else self._successor(path, order)
            return bool(self._items) or cur is not None
        self._urgent = plan.urgent
        if cur is None:
            return bool(self._items)
        if cur.item.slide.path in self._order:
            # Still planned. If its content was replaced, the old page finishes its time and
            # the new version shows from its next appearance (the old item is kept on
            # `current`, so _next_position sees the digests differ and moves on).
            return False
        # The slide on screen was withdrawn: remember where it was so the rotation continues
        # with what followed it, then switch now.
        self._resume_after = self._successor(cur.item.slide.path, old_order)
        return True

    def _successor(self, path: str, order: Sequence[str]) -> str | None:
        if path not in order:
            return None
        i = order.index(path)
        for j in range(1, len(order) + 1):
            candidate = order[(i + j) % len(order)]
            if candidate in self._order:
                return candidate
        return None

    def due(self, now: float) -> bool:
        return self.current is None or now >= self.current.until

    def next_deadline(self) -> float | None:
        return None if self.current is None else self.current.until

    def peek(self) -> tuple[PlannedItem, int] | None:
        """What advance() would show next, without moving (for preparing it ahead)."""
        return self._next_position()

    def _next_position(self) -> tuple[PlannedItem, int] | None:
        position = self._natural_next()
        if position is None:
            return None
        # Pass over slides that cannot be shown, in rotation order; wait for one being made.
        item, index = position
        for _ in range(len(self._items)):
            pages = self._pager(item)
            if pages is None or pages:
                return item, index
            i = self._order.index(item.slide.path)
            item, index = self._turn_start(self._items[(i + 1) % len(self._items)])
        return None

    def _natural_next(self) -> tuple[PlannedItem, int] | None:
        if not self._items:
            return None
        cur = self.current
        if cur is not None and cur.item.slide.path in self._order and self._resume_after is None:
            pages = self._pager(cur.item) or ()
            limit = self._turn_limit(cur.item)
            if (
                cur.page_index + 1 < len(pages)
                and cur.item.slide.digest == self._digest_of(cur.item.slide.path)
                and (limit <= 0 or self._turn_pages < limit)
            ):
                return self._item_for(cur.item.slide.path), cur.page_index + 1
            i = self._order.index(cur.item.slide.path)
            return self._turn_start(self._items[(i + 1) % len(self._items)])
        if self._resume_after is not None and self._resume_after in self._order:
            return self._turn_start(self._items[self._order.index(self._resume_after)])
        if cur is None and self._start_at is not None and self._start_at[0] in self._order:
            return self._items[self._order.index(self._start_at[0])], self._start_at[1]
        return self._turn_start(self._items[0])

    def _turn_start(self, item: PlannedItem) -> tuple[PlannedItem, int]:
        """A slide's turn begins where its last turn stopped, for documents shown in parts."""
        cur = self.current
        if (
            cur is not None
            and cur.item.slide.path == item.slide.path
            and cur.item.slide.digest == item.slide.digest
        ):
            # Alone in the rotation: it follows itself.
            following = cur.page_index + 1
            return item, following if following < len(self._pager(item) or ()) else 0
        return item, self._continue.get((item.slide.path, item.slide.digest), 0)

    def _leave(self, old: Showing) -> None:
        """Remember where a document shown in parts goes on next time round."""
        key = (old.item.slide.path, old.item.slide.digest)
        following = old.page_index + 1
        if self._turn_limit(old.item) > 0 and following < len(self._pager(old.item) or ()):
            self._continue[key] = following
        else:
            self._continue.pop(key, None)

    def _digest_of(self, path: str) -> str:
        return self._item_for(path).slide.digest

    def _item_for(self, path: str) -> PlannedItem:
        return self._items[self._order.index(path)]

    def before(self) -> tuple[PlannedItem, int] | None:
        """The page before the one on screen (the previous slide's last page), for a person
        stepping back through the rotation with a key."""
        cur = self.current
        if cur is None or cur.item.slide.path not in self._order:
            return None
        if cur.page_index > 0:
            return self._item_for(cur.item.slide.path), cur.page_index - 1
        i = self._order.index(cur.item.slide.path)
        item = self._items[(i - 1) % len(self._items)]
        return item, max(0, len(self._pager(item) or ()) - 1)

    def put_up(self, item: PlannedItem, index: int, now: float) -> Showing | None:
        """Show this page now (a person chose it); the rotation carries on after it."""
        pages = self._pager(item)
        if not pages or item.slide.path not in self._order:
            return None
        if self.current is not None and self.current.item.slide.path != item.slide.path:
            self._leave(self.current)
        self._turn_pages = 1
        self._resume_after = self._start_at = None
        index = min(index, len(pages) - 1)
        page = pages[index]
        self.current = Showing(item, page, index, now, now + max(1.0, page.duration))
        return self.current

    def advance(self, now: float) -> Showing | None:
        """Move to the next page; None when nothing is planned."""
        position = self._next_position()
        self._resume_after = None
        self._start_at = None
        old = self.current
        if position is None:
            self.current = None
            return None
        item, index = position
        if old is not None and old.item.slide.path == item.slide.path and index > old.page_index:
            self._turn_pages += 1
        else:
            if old is not None:
                self._leave(old)
            self._turn_pages = 1
        pages = self._pager(item)
        if not pages:
            # Not ready or nothing to show (callers wait for pages first): never stall.
            self.current = Showing(item, Page(style="idle", duration=1.0), 0, now, now + 1.0)
            return self.current
        index = min(index, len(pages) - 1)
        page = pages[index]
        self.current = Showing(item, page, index, now, now + max(1.0, page.duration))
        return self.current
