"""Worker processes: whatever a job does to its worker, the lane answers and goes on."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import resource
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from signage.core.config import Settings
from signage.core.model import Document, Page, PlannedItem, Problem, Slide
from signage.workers.jobs import (
    Failure,
    Layout,
    Pixels,
    PlaylistResult,
    Probe,
    ReadPlaylist,
    ReadSettings,
    ReadSlide,
    Render,
    SettingsResult,
    State,
    read_regular,
)
from signage.workers.lane import InlineLane, WorkerLane
from signage.workers.limits import Limits
from signage.workers.wire import WireError, dumps, loads_result

LIMITS = Limits(memory_mb=512, cpu_s=20.0)


@pytest.fixture
def lane() -> Iterator[WorkerLane]:
    woken = threading.Event()
    lane = WorkerLane("test", LIMITS, wake=woken.set, idle_exit_s=30.0)
    yield lane
    lane.close()


def content(tmp_path: Path, files: dict[str, bytes]) -> Path:
    root = tmp_path / "content"
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


NOTICE = "停水通知\n\n因管道检修，12月2日全天停水。\n\n青山镇人民政府\n2026年12月1日\n".encode()


def test_a_file_is_read_into_a_slide_in_a_worker(lane: WorkerLane, tmp_path: Path) -> None:
    root = content(tmp_path, {"slides/a.txt": NOTICE})
    slide = lane.call(ReadSlide(str(root), "slides/a.txt", Settings(content=root)), 30.0)
    assert isinstance(slide, Slide) and slide.title == "停水通知"
    assert slide.digest == hashlib.sha256(NOTICE).hexdigest()
    assert len(lane.pids) == 1 and lane.pids[0] != os.getpid()


def test_bad_input_is_a_problem_not_a_failure(lane: WorkerLane, tmp_path: Path) -> None:
    root = content(tmp_path, {"slides/a.txt": b"\x00\x01\x02binary\xff" * 50})
    answer = lane.call(ReadSlide(str(root), "slides/a.txt", Settings(content=root)), 30.0)
    assert isinstance(answer, Problem) and answer.path == "slides/a.txt"


def test_a_hang_is_cut_off_and_the_next_job_gets_a_fresh_worker(lane: WorkerLane) -> None:
    assert lane.call(Probe("echo", 1.0), 30.0) == 1.0
    first = lane.pids
    started = time.monotonic()
    answer = lane.call(Probe("sleep", 60.0), 1.0)
    assert isinstance(answer, Failure) and answer.kind == "timeout"
    assert time.monotonic() - started < 5.0
    assert lane.call(Probe("echo", 2.0), 30.0) == 2.0
    assert lane.pids != first and lane.started == 2


def test_a_crash_is_a_failure_with_the_signal(lane: WorkerLane) -> None:
    answer = lane.call(Probe("die"), 30.0)
    assert isinstance(answer, Failure) and answer.kind == "crash"
    assert "SIGSEGV" in answer.detail
    assert lane.call(Probe("echo", 3.0), 30.0) == 3.0


def test_memory_is_bounded_per_worker(lane: WorkerLane) -> None:
    answer = lane.call(Probe("allocate", 2048), 30.0)
    assert isinstance(answer, Failure) and answer.kind == "memory"
    assert lane.call(Probe("allocate", 16), 30.0) == 16 * 1024 * 1024


def test_cpu_is_bounded_per_job() -> None:
    lane = WorkerLane("cpu", Limits(memory_mb=512, cpu_s=1.0), idle_exit_s=30.0)
    try:
        # The wall-clock limit is generous; the CPU budget (1.5 x the limit + 1 s) ends it.
        answer = lane.call(Probe("spin", 30.0), 2.0)
        assert isinstance(answer, Failure) and answer.kind in ("crash", "timeout")
        assert lane.call(Probe("echo", 4.0), 30.0) == 4.0
    finally:
        lane.close()


def test_the_worker_lives_in_its_limits(lane: WorkerLane) -> None:
    (address, _), (files, _), (cpu_soft, cpu_hard) = lane.call(Probe("limits"), 30.0)
    assert address == LIMITS.memory_mb * 1024 * 1024
    assert files == LIMITS.open_files
    assert cpu_soft != resource.RLIM_INFINITY and cpu_hard != resource.RLIM_INFINITY


def test_a_worker_that_prints_does_not_break_the_protocol(lane: WorkerLane) -> None:
    assert lane.call(Probe("chatter"), 30.0) == 0.0
    assert lane.call(Probe("echo", 5.0), 30.0) == 5.0


def test_background_jobs_wake_the_caller_and_keep_their_tickets(tmp_path: Path) -> None:
    woken = threading.Event()
    lane = WorkerLane("bg", LIMITS, wake=woken.set)
    try:
        first = lane.submit("a", Probe("echo", 1.0), 30.0)
        second = lane.submit("b", Probe("echo", 2.0), 30.0)
        assert lane.wait_idle(30.0) and woken.is_set()
        done = {d.key: d for d in lane.take()}
        assert done["a"].ticket == first and done["a"].result == 1.0
        assert done["b"].ticket == second and done["b"].result == 2.0
        assert not lane.busy
    finally:
        lane.close()


def test_an_idle_worker_goes_away_and_comes_back() -> None:
    lane = WorkerLane("idle", LIMITS, idle_exit_s=0.3)
    try:
        assert lane.call(Probe("echo", 1.0), 30.0) == 1.0
        give_up = time.monotonic() + 10
        while lane.pids and time.monotonic() < give_up:
            time.sleep(0.05)
        assert lane.pids == ()
        assert lane.call(Probe("echo", 2.0), 30.0) == 2.0
    finally:
        lane.close()


def test_a_warm_lane_has_a_worker_before_its_first_job() -> None:
    lane = WorkerLane("warm", LIMITS, processes=2, warm=1)
    try:
        give_up = time.monotonic() + 20
        while not lane.pids and time.monotonic() < give_up:
            time.sleep(0.05)
        assert len(lane.pids) == 1 and lane.started == 1  # one started, the other waits
        first = lane.pids[0]
        assert lane.call(Probe("echo", 3.0), 30.0) == 3.0
        assert first in lane.pids and lane.started == 1  # the job went to the warm one
    finally:
        lane.close()


def test_results_are_unpickled_from_an_allow_list_only() -> None:
    assert loads_result(dumps(Problem("slides/a.txt", "x"))) == Problem("slides/a.txt", "x")
    hostile = pickle.dumps(os.system)  # what a taken-over worker might send back
    with pytest.raises(WireError, match="not allowed"):
        loads_result(hostile)
    with pytest.raises(WireError):
        loads_result(b"\x80\x05garbage")


def test_zoned_times_cross_without_builtins_getattr() -> None:
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert b"getattr" not in dumps(moment)
    assert loads_result(dumps(moment)) == moment


def test_playlists_and_settings_are_checked_in_the_worker(lane: WorkerLane, tmp_path: Path) -> None:
    root = content(
        tmp_path,
        {
            "playlists/a.yaml": b"items:\n  - slides: notices/\n",
            "signage.yaml": "organisation: 某镇人民政府\ndisplay: {off_command: reboot}\n".encode(),
        },
    )
    playlist = lane.call(ReadPlaylist(str(root), "playlists/a.yaml", None, 2_000_000), 30.0)
    assert isinstance(playlist, PlaylistResult) and playlist.playlist is not None
    settings = lane.call(ReadSettings(str(root), "signage.yaml", 2_000_000), 30.0)
    assert isinstance(settings, SettingsResult)
    assert settings.values == {"organisation": "某镇人民政府"}
    assert [p.code for p in settings.problems] == ["bad-setting"]


def _render(root: Path, slide: Slide, page: Page) -> Render:
    return Render(page, slide.path, slide.digest, str(root), (320, 180), Settings(content=root))


def test_pages_are_laid_out_and_drawn_in_the_worker(lane: WorkerLane, tmp_path: Path) -> None:
    root = content(tmp_path, {"slides/a.txt": NOTICE})
    settings = Settings(content=root)
    slide = lane.call(ReadSlide(str(root), "slides/a.txt", settings), 30.0)
    now = datetime(2026, 12, 1, 10).astimezone()
    pages = lane.call(Layout(PlannedItem(slide), (320, 180), settings, now), 30.0)
    assert isinstance(pages, tuple) and pages and pages[0].lines
    pixels = lane.call(_render(root, slide, pages[0]), 30.0)
    assert isinstance(pixels, Pixels) and (pixels.width, pixels.height) == (320, 180)
    assert len(pixels.data) == 320 * 180 * 3


def _photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_a_picture_is_drawn_only_from_the_version_that_was_read(tmp_path: Path) -> None:
    photo = _photo()
    root = content(tmp_path, {"slides/p.png": photo})
    lane = InlineLane()
    slide = lane.call(ReadSlide(str(root), "slides/p.png", Settings(content=root)), 30.0)
    page = Page(style="image", duration=10.0, image_path="slides/p.png")
    assert isinstance(lane.call(_render(root, slide, page), 30.0), Pixels)
    (root / "slides" / "p.png").write_bytes(b"\x89PNG random bytes renamed over it")
    # A worker that still holds the version it read draws that; a fresh one refuses.
    assert isinstance(lane.call(_render(root, slide, page), 30.0), Pixels)
    answer = InlineLane().call(_render(root, slide, page), 30.0)
    assert isinstance(answer, Failure) and answer.code == "changed"


def test_a_fifo_swapped_in_never_blocks(tmp_path: Path) -> None:
    root = content(tmp_path, {"slides/keep.txt": NOTICE})
    fifo = root / "slides" / "p.png"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(Exception, match="not a regular file"):
        read_regular(fifo, 1000)
    assert time.monotonic() - started < 1.0


def test_a_sparse_giant_is_refused_by_its_size_unread(tmp_path: Path) -> None:
    root = content(tmp_path, {})
    (root / "slides").mkdir(parents=True)
    giant = root / "slides" / "big.pdf"
    with giant.open("wb") as fh:
        fh.truncate(3 * 1024**3)
    slide = Slide("slides/big.pdf", "pdf", "x", Document(None, ()), "0" * 64)
    page = Page(style="pdf", duration=10.0, image_path="slides/big.pdf", pdf_page=0)
    answer = InlineLane().call(_render(root, slide, page), 30.0)
    assert isinstance(answer, Failure) and answer.code == "too-large"


def test_the_worker_state_keeps_at_least_the_last_file() -> None:
    state = State(file_cache_bytes=10)
    state.remember(("a", "1"), b"x" * 100)
    state.remember(("b", "2"), b"y" * 100)
    assert list(state.files) == [("b", "2")]


def test_every_value_of_the_model_may_come_back_from_a_worker() -> None:
    import dataclasses
    import inspect

    from signage.core import model
    from signage.workers.wire import RESULT_CLASSES

    values = {
        name
        for name, cls in inspect.getmembers(model, inspect.isclass)
        if dataclasses.is_dataclass(cls) and cls.__module__ == model.__name__
    }
    allowed = {name for module, name in RESULT_CLASSES if module == model.__name__}
    planning = {"Plan", "PlannedItem"}  # made by the player from results, never by a worker
    assert values - allowed - planning == set(), "add these to workers.wire.RESULT_CLASSES"
