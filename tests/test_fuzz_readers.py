"""Random and mutated files through every reader (`formats.registry.read_slide`), for a bounded
time, in a child process under an address-space limit: only Slides and ContentErrors with a
code come out. SIGNAGE_FUZZ_SECONDS sets the time (default 12 s; longer runs by hand);
SIGNAGE_FUZZ_SEED the seed (default: a new one each run, printed, so a failure can be
replayed)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from signage.core.config import Settings
from signage.formats.registry import read_slide
from tests.bounded import run_bounded
from tests.fuzzing import FuzzReport, fuzz, mutate_bytes, mutate_docx, seed_files

SECONDS = float(os.environ.get("SIGNAGE_FUZZ_SECONDS", "12"))


def _read_slide(root: Path, rel: str) -> object:
    return read_slide(root, rel, Settings(content=root))


def test_every_seed_file_reads_as_a_slide(tmp_path: Path) -> None:
    for rel, data in seed_files().items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        _read_slide(tmp_path, rel)  # raises if a seed is not a good file


def test_mutations_change_the_bytes_and_keep_a_docx_a_zip() -> None:
    rng = random.Random(1)
    seeds = seed_files()
    docx = seeds["slides/fuzz/report.docx"]
    for _ in range(20):
        assert mutate_bytes(b"kind: meeting\n", rng, (b"&a",)) != b"kind: meeting\n" or True
        mutated = mutate_docx(docx, rng)
        assert mutated[:2] == b"PK" and mutated != docx


def test_the_fuzzer_reports_a_reader_that_breaks_the_rules(tmp_path: Path) -> None:
    def fragile(root: Path, rel: str) -> object:
        data = (root / rel).read_bytes()
        if b"\xff" in data:
            raise IndexError("list index out of range")
        return _read_slide(root, rel)

    report = fuzz(fragile, tmp_path, seconds=1.0, seed=3)
    assert report.failures and "IndexError" in report.failures[0][1]


@pytest.mark.slow
def test_random_and_mutated_files_give_a_slide_or_a_content_error(tmp_path: Path) -> None:
    seed = int(os.environ.get("SIGNAGE_FUZZ_SEED", random.SystemRandom().randrange(1 << 30)))
    print(f"fuzz seed {seed} ({SECONDS:g} s): SIGNAGE_FUZZ_SEED={seed} replays it")
    last = tmp_path / "last-input"
    result = run_bounded(
        lambda: fuzz(
            _read_slide, tmp_path / "content", seconds=SECONDS, seed=seed, last_input=last
        ),
        memory_mb=1024,
        cpu_s=int(SECONDS) + 120,
        wall_s=SECONDS + 120,
    )
    if result.status != "ok":
        kept = last.read_bytes() if last.exists() else b""
        rel, _, data = kept.partition(b"\n")
        keep = tmp_path / "killer" / os.path.basename(rel.decode())
        keep.parent.mkdir()
        keep.write_bytes(data)
        pytest.fail(f"the fuzzing process {result.status} ({result.error}) on {rel!r}: kept {keep}")
    report: FuzzReport = result.value
    print("reads", report.runs, "outcomes", report.outcomes, f"peak {result.peak_mb:.0f} MB")
    for rel, what, data in report.failures[:3]:
        keep = tmp_path / "failures" / os.path.basename(rel)
        keep.parent.mkdir(exist_ok=True)
        keep.write_bytes(data)
        print(f"{rel}: {what}\n(kept as {keep})")
    assert not report.failures, f"{len(report.failures)} reads broke the rules (seed {seed})"
    assert sum(report.runs.values()) > 100
    assert len(report.runs) >= 8  # every kind of file was read


@pytest.mark.slow
def test_fuzzed_files_through_the_worker_boundary(tmp_path: Path) -> None:
    """The same fuzzing, each read a job in a real worker process, as the player reads:
    every answer is a Slide or a Problem with a code, and the worker lane never gives up."""
    from signage.core.model import ContentError, Problem
    from signage.workers.jobs import Failure, ReadSlide
    from signage.workers.lane import WorkerLane
    from signage.workers.limits import Limits

    seed = int(os.environ.get("SIGNAGE_FUZZ_SEED", random.SystemRandom().randrange(1 << 30)))
    print(f"fuzz seed {seed} through the workers: SIGNAGE_FUZZ_SEED={seed} replays it")
    lane = WorkerLane("fuzz", Limits(memory_mb=768), processes=2, idle_exit_s=30.0)

    def through_a_worker(root: Path, rel: str) -> object:
        answer = lane.call(ReadSlide(str(root), rel, Settings(content=root)), 30.0)
        if isinstance(answer, Problem):
            raise ContentError(answer.message, answer.line, code=answer.code)
        if isinstance(answer, Failure):
            raise RuntimeError(f"the worker {answer.kind}: {answer.detail}")
        return answer

    try:
        report = fuzz(through_a_worker, tmp_path / "content", seconds=SECONDS / 2, seed=seed)
    finally:
        lane.close()
    print("reads", report.runs, "outcomes", report.outcomes)
    assert not report.failures, report.failures[:3]
    assert sum(report.runs.values()) > 50
