"""Every hostile file of tests/hostile_files.py, met by the code that meets it first.

Slide files are read through `formats.registry.read_slide` in a forked child under an
address-space limit: each must give a Slide (with the expected warning) or a ContentError with
the expected code, within `SECONDS` and `PEAK_MB` of memory above the child's start, and with
a message short enough for the status page. Playlists, signage.yaml and folders go through
the playlist checker, `load_settings` and `walk_files`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from signage.core.config import Settings
from signage.core.model import ContentError, Slide
from signage.core.paths import walk_files
from signage.core.yamlsafe import YamlError, load_yaml_file
from signage.formats.registry import read_slide
from signage.schedule.playlist import read_playlist
from tests.bounded import run_bounded
from tests.hostile_files import CASES, Hostile

SECONDS = 10.0
"""Wall time for one file, generous for a loaded CI machine: most take milliseconds."""
PEAK_MB = 400
"""Peak memory one file may cost a reader, above what the reading process started with."""
LIMIT_MB = 1024
"""The address space the child may add: past it an allocation fails (or PDFium aborts)."""
MAX_MESSAGE = 600


def _needs(case: Hostile) -> None:
    if case.needs == "root" and os.geteuid() != 0:
        pytest.skip("only root can make this file")
    if case.needs == "non-root" and os.geteuid() == 0:
        pytest.skip("root reads it anyway; run as an ordinary user to see the problem")


def _read(root: Path, rel: str) -> tuple[Any, ...]:
    """A small summary of what the reader gave, to send back from the child."""
    try:
        slide = read_slide(root, rel, Settings(content=root))
    except ContentError as err:
        return ("error", err.code, err.message, err.line)
    assert isinstance(slide, Slide)
    return ("slide", slide.kind, slide.warnings, slide.pictures)


SLIDES = [c for c in CASES if c.kind == "slide" and not c.worker_limit]


@pytest.mark.parametrize("case", SLIDES, ids=lambda c: c.name)
def test_a_hostile_slide_is_read_or_refused_within_bounds(case: Hostile, tmp_path: Path) -> None:
    _needs(case)
    case.make(tmp_path)
    result = run_bounded(lambda: _read(tmp_path, case.rel), memory_mb=LIMIT_MB, cpu_s=30, wall_s=30)
    assert result.status == "ok", f"{case.name}: {result.status} {result.error}"
    outcome = result.value
    if case.code is None:
        assert outcome[0] == "slide", f"{case.name}: refused: {outcome}"
        warnings = " ".join(outcome[2])
        assert case.warning in warnings, f"{case.name}: warnings {outcome[2]}"
        for warning in outcome[2]:
            assert len(warning) < MAX_MESSAGE, warning
    else:
        assert outcome[0] == "error", f"{case.name}: expected {case.code}, read: {outcome}"
        assert outcome[1] == case.code, f"{case.name}: {outcome}"
        assert len(outcome[2]) < MAX_MESSAGE, outcome[2][:2000]
    assert result.seconds < SECONDS, f"{case.name} took {result.seconds:.1f} s"
    assert result.peak_mb < PEAK_MB, f"{case.name} took {result.peak_mb:.0f} MB"


@pytest.mark.parametrize("case", [c for c in CASES if c.worker_limit], ids=lambda c: c.name)
def test_what_a_reader_cannot_bound_dies_fast_under_a_memory_limit(
    case: Hostile, tmp_path: Path
) -> None:
    # Documented in formats/pdf.py: PDFium parses a page whole when it loads it. Under the
    # worker's address-space limit it aborts, quickly, instead of taking the machine's memory.
    case.make(tmp_path)
    result = run_bounded(lambda: _read(tmp_path, case.rel), memory_mb=LIMIT_MB, cpu_s=30, wall_s=30)
    assert result.status == "killed" or (
        result.status == "raised" and isinstance(result.value, MemoryError)
    ), (result.status, result.value, result.error[-500:])
    assert result.seconds < SECONDS, result.seconds


@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "playlist"], ids=lambda c: c.name)
def test_a_hostile_playlist_is_a_problem(case: Hostile, tmp_path: Path) -> None:
    case.make(tmp_path)
    result = run_bounded(lambda: read_playlist(tmp_path, case.rel, None), wall_s=30)
    assert result.status == "ok", result.error
    playlist, problems = result.value
    if case.code is None:
        assert playlist is not None and not problems, problems
        return
    assert playlist is None
    assert [p.code for p in problems] == [case.code], problems
    assert all(len(p.message) < MAX_MESSAGE for p in problems)
    assert result.seconds < SECONDS and result.peak_mb < PEAK_MB


@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "settings"], ids=lambda c: c.name)
def test_a_hostile_settings_file_is_a_problem(case: Hostile, tmp_path: Path) -> None:
    # The content's signage.yaml is parsed by load_yaml_file wherever it is read (the settings
    # loader, or a worker): its YamlError's code is the problem's.
    case.make(tmp_path)

    def load() -> str | None:
        try:
            load_yaml_file(tmp_path / case.rel)
        except YamlError as err:
            assert len(err.message) < MAX_MESSAGE
            return err.code
        return None

    result = run_bounded(load, wall_s=30)
    assert result.status == "ok", result.error
    assert result.value == case.code
    assert result.seconds < SECONDS and result.peak_mb < PEAK_MB


def _walk_unprivileged(root: Path) -> list[tuple[str, str]]:
    """The walk's problems as root without the capabilities that bypass permission bits."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv (util-linux) is missing")
    caps = "-dac_override,-dac_read_search"
    script = (
        "import json, sys; from pathlib import Path; from signage.core.paths import walk_files; "
        "w = walk_files(Path(sys.argv[1]), 'slides'); "
        "print(json.dumps([(p.path, p.code) for p in w.problems]))"
    )
    out = subprocess.run(
        [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", sys.executable, "-c", script,
         str(root)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return [tuple(p) for p in json.loads(out.stdout)]


@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "folder"], ids=lambda c: c.name)
def test_a_hostile_folder_is_a_problem_of_the_walk(case: Hostile, tmp_path: Path) -> None:
    case.make(tmp_path)
    try:
        if case.needs == "non-root" and os.geteuid() == 0:
            assert _walk_unprivileged(tmp_path) == [(case.rel, case.code)]
            return
        result = run_bounded(lambda: walk_files(tmp_path, "slides"), wall_s=30)
        assert result.status == "ok", result.error
        walk = result.value
        assert [(p.path, p.code) for p in walk.problems] == [(case.rel, case.code)]
        assert all(not f.startswith(case.rel + "/") for f in walk.files)
        assert result.seconds < SECONDS
        # A walk that starts at the folder (an event names it) says the same about it.
        inner = case.rel if case.rel != "slides" and os.path.isdir(tmp_path / case.rel) else None
        if inner is not None and case.code != "too-many-files":
            again = walk_files(tmp_path, inner)
            assert (case.rel, case.code) in [(p.path, p.code) for p in again.problems]
    finally:
        for folder, dirs, _ in os.walk(tmp_path):
            for name in dirs:
                path = Path(folder) / name
                if not path.is_symlink():
                    path.chmod(0o755)


def test_the_cases_have_unique_names_and_known_codes() -> None:
    from signage.appliance.statuspage import REASONS

    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    for c in CASES:
        # A worker_limit case's code is the worker boundary's (reader-memory), not a reader's.
        assert c.code is None or c.code in REASONS or c.worker_limit, c.name
        assert not (c.code and c.warning), c.name
    # Every hole of issue 15 the readers own has at least one case.
    assert {1, 2, 4, 5, 6, 7, 10, 12} <= {c.hole for c in CASES}


def test_generators_write_small_files(tmp_path: Path) -> None:
    for case in CASES:
        if case.needs == "root" and os.geteuid() != 0:
            continue
        root = tmp_path / case.name
        root.mkdir()
        case.make(root)
        used = sum(
            (Path(d) / f).lstat().st_blocks * 512 for d, _, files in os.walk(root) for f in files
        )
        assert used < 3_000_000, (case.name, used)
        for d, dirs, _ in os.walk(root):
            for name in dirs:
                path = Path(d) / name
                if not path.is_symlink():
                    path.chmod(0o755)
        shutil.rmtree(root)


def test_an_opendocument_manifest_is_inflated_through_a_counter() -> None:
    # office.py looks for encryption in META-INF/manifest.xml before starting LibreOffice:
    # one declared as 1 KB that inflates to a gigabyte must not be inflated whole.
    from signage.formats.office import _check_not_encrypted
    from tests.hostile_files import deflate_zeros, raw_zip

    bomb = deflate_zeros(1 << 30, raw=True)
    odt = raw_zip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text", 0, 0, 39, 39),
            ("META-INF/manifest.xml", bomb, 8, 0, len(bomb), 1024),
        ]
    )
    result = run_bounded(lambda: _check_not_encrypted(odt), memory_mb=LIMIT_MB, wall_s=30)
    assert result.status == "ok", result.error
    assert result.peak_mb < 50 and result.seconds < 2


def test_a_playlist_glob_is_matched_in_linear_time() -> None:
    from signage.schedule.planner import expand_item

    paths = ["slides/" + "a" * 36 + ".txt"]
    result = run_bounded(lambda: expand_item("*a" * 8 + "*b", paths), wall_s=3)
    assert result.status == "ok" and result.seconds < 0.5, result
