from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from signage.core.model import Document, Page, Plan, PlannedItem, Slide
from signage.screen.rotation import Rotation

NOW = datetime(2026, 11, 28, 10, 0).astimezone()


def slide(name: str, digest: str = "a") -> Slide:
    return Slide(
        path=f"slides/{name}", kind="notice", title=name, body=Document(None, ()), digest=digest
    )


def plan(*slides: Slide) -> Plan:
    return Plan(at=NOW, screen="s", playlist=None, items=tuple(PlannedItem(s) for s in slides))


def pager(pages_per: dict[str, int]) -> Callable[[PlannedItem], Sequence[Page]]:
    def pages(item: PlannedItem) -> Sequence[Page]:
        n = pages_per.get(item.slide.path.removeprefix("slides/"), 1)
        return [Page(style="notice", duration=10.0, number=i, count=n) for i in range(n)]

    return pages


def shown(show: Rotation) -> tuple[str, int]:
    assert show.current is not None
    return show.current.item.slide.path.removeprefix("slides/"), show.current.page_index


def test_rotation_walks_every_page_of_every_slide_and_wraps() -> None:
    show = Rotation(pager({"b": 2}))
    show.set_plan(plan(slide("a"), slide("b"), slide("c")), 0)
    seen = []
    t = 0.0
    for _ in range(5):
        show.advance(t)
        seen.append(shown(show))
        t += 10
    assert seen == [("a", 0), ("b", 0), ("b", 1), ("c", 0), ("a", 0)]


def test_position_survives_a_new_plan_with_the_same_slides() -> None:
    show = Rotation(pager({}))
    show.set_plan(plan(slide("a"), slide("b"), slide("c")), 0)
    show.advance(0)
    show.advance(10)
    assert shown(show) == ("b", 0)
    switch = show.set_plan(plan(slide("a"), slide("b"), slide("new"), slide("c")), 12)
    assert not switch
    assert show.current is not None and show.current.until == 20
    show.advance(20)
    assert shown(show) == ("new", 0)


def test_deleting_the_slide_on_screen_moves_on_to_what_followed_it() -> None:
    show = Rotation(pager({}))
    show.set_plan(plan(slide("a"), slide("b"), slide("c")), 0)
    show.advance(0)
    show.advance(10)
    assert shown(show) == ("b", 0)
    assert show.set_plan(plan(slide("a"), slide("c")), 12)
    show.advance(12)
    assert shown(show) == ("c", 0)


def test_a_replaced_slide_finishes_its_page_then_the_rotation_moves_on() -> None:
    show = Rotation(pager({"a": 3}))
    show.set_plan(plan(slide("a"), slide("b")), 0)
    show.advance(0)
    assert not show.set_plan(plan(slide("a", digest="new"), slide("b")), 5)
    show.advance(10)
    assert shown(show) == ("b", 0)
    show.advance(20)
    assert shown(show) == ("a", 0)
    assert show.current is not None and show.current.item.slide.digest == "new"


def test_empty_plan_shows_nothing() -> None:
    show = Rotation(pager({}))
    show.set_plan(plan(), 0)
    assert show.advance(0) is None


def test_start_at_resumes_a_restarted_rotation_where_it_was() -> None:
    show = Rotation(pager({"b": 3}))
    show.start_at("slides/b", 1)
    show.set_plan(plan(slide("a"), slide("b"), slide("c")), 0)
    show.advance(0)
    assert shown(show) == ("b", 1)
    show.advance(10)
    assert shown(show) == ("b", 2)


def test_start_at_a_slide_that_is_gone_starts_at_the_top() -> None:
    show = Rotation(pager({}))
    show.start_at("slides/gone", 0)
    show.set_plan(plan(slide("a"), slide("b")), 0)
    show.advance(0)
    assert shown(show) == ("a", 0)


def test_a_long_document_shows_a_few_pages_each_turn_and_continues_next_time() -> None:
    show = Rotation(pager({"doc": 5}), turn_limit=lambda item: 2)
    show.set_plan(plan(slide("a"), slide("doc")), 0)
    seen = []
    for t in range(10):
        show.advance(t * 10.0)
        seen.append(shown(show))
    assert seen == [
        ("a", 0),
        ("doc", 0),
        ("doc", 1),
        ("a", 0),
        ("doc", 2),
        ("doc", 3),
        ("a", 0),
        ("doc", 4),
        ("a", 0),
        ("doc", 0),
    ]


def test_a_document_alone_in_the_rotation_still_turns_every_page() -> None:
    show = Rotation(pager({"doc": 3}), turn_limit=lambda item: 2)
    show.set_plan(plan(slide("doc")), 0)
    seen = []
    for t in range(5):
        show.advance(t * 10.0)
        seen.append(shown(show)[1])
    assert seen == [0, 1, 2, 0, 1]
