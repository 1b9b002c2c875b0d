"""No regular expression in the readers or the core backtracks catastrophically.

A pattern with nested or overlapping quantifiers (`#+\\s+(.*?)\\s*#*\\s*$`, `[（(]?\\s*星期`)
runs in quadratic or worse time on the right input, holding the GIL: the reader's time limit
cannot interrupt it. Every compiled pattern at module level in `signage.formats` and
`signage.core` (patterns are kept there, not inline, so that this test sees them) is run
over adversarial strings built from its own literal characters: long runs of one character
or a pair, after and before short prefixes and suffixes that make a match fail late. The
worst string is then timed at two lengths; linear time grows eightfold, quadratic
sixty-four-fold. Memory too: a repeated group keeps the engine's state for every repetition,
so a pattern must not take memory in proportion to a long run it matches.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import re
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

import signage.core
import signage.formats

_META = set("\\[]{}?+*|^$().")
_BASE = [" ", "\t", "\n", "\u3000", "a", "1", "年", "#", "@", "-"]


def _patterns() -> list[tuple[str, re.Pattern[Any]]]:
    found: list[tuple[str, re.Pattern[Any]]] = []
    for package in (signage.formats, signage.core):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, value in vars(module).items():
                values = value if isinstance(value, tuple) else (value,)
                for i, item in enumerate(values):
                    inner = item if isinstance(item, tuple) else (item,)
                    for pattern in inner:
                        if isinstance(pattern, re.Pattern):
                            suffix = f"[{i}]" if isinstance(value, tuple) else ""
                            found.append((f"{module.__name__}.{name}{suffix}", pattern))
    return found


PATTERNS = _patterns()


def _literals(pattern: re.Pattern[Any]) -> list[str]:
    source = pattern.pattern
    text = source.decode("latin-1") if isinstance(source, bytes) else source
    chars = sorted({c for c in text if (not c.isalnum() or ord(c) > 127) and c not in _META})
    return chars[:14]


def _candidates(pattern: re.Pattern[Any], n: int) -> Iterator[tuple[str, str, str]]:
    lits = _literals(pattern)
    runs = sorted(set(lits) | set(_BASE))
    prefixes = [
        "",
        "a",
        "# a",
        "1 ",
        *lits[:8],
        *(c + "a" for c in lits[:8]),
        *("1" + c for c in lits[:8]),
    ]
    suffixes = ["", "!", "\n", "x", *lits[:4]]
    for run in runs:
        for prefix in prefixes:
            for suffix in suffixes:
                yield prefix, run, suffix
    for a, b in itertools.combinations(runs, 2):
        yield "", a + b, "!"


def _subject(pattern: re.Pattern[Any], parts: tuple[str, str, str], n: int) -> Any:
    prefix, run, suffix = parts
    text = prefix + run * (n // len(run)) + suffix
    return text.encode("utf-8") if isinstance(pattern.pattern, bytes) else text


def _seconds(pattern: re.Pattern[Any], subject: Any, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        pattern.search(subject)
        for _match in pattern.finditer(subject):
            pass
        best = min(best, time.perf_counter() - start)
    return best


def test_the_audit_sees_the_patterns() -> None:
    names = {name for name, _ in PATTERNS}
    assert {
        "signage.formats.text._WEEKDAY",
        "signage.formats.text._CN_TIME",
        "signage.formats.meeting._FULL_WIDTH_COLON",
        "signage.formats.markdown._BOLD",
        "signage.formats.word._LEVEL_REF",
        "signage.formats.pdf._STREAM_START",
        "signage.core.yamlsafe._BOOL",
    } <= names
    assert len(PATTERNS) >= 30


def test_the_audit_catches_a_backtracking_pattern() -> None:
    bad = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")  # the Markdown heading before issue 15
    worst = max(_candidates(bad, 200), key=lambda c: _seconds(bad, _subject(bad, c, 200)))
    small = _seconds(bad, _subject(bad, worst, 150), 2)
    large = _seconds(bad, _subject(bad, worst, 600), 2)
    assert large > 16 * small


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[n for n, _ in PATTERNS])
def test_no_pattern_backtracks(name: str, pattern: re.Pattern[Any]) -> None:
    worst = max(
        _candidates(pattern, 200), key=lambda c: _seconds(pattern, _subject(pattern, c, 200))
    )
    small = _seconds(pattern, _subject(pattern, worst, 1000), 3)
    large = _seconds(pattern, _subject(pattern, worst, 8000), 3)
    # Linear: about 8x. Quadratic: 64x. Tiny times are noise, whatever their ratio.
    assert large < 0.02 or large < 24 * small, (name, worst, small, large)


def _peak_bytes(pattern: re.Pattern[Any], subject: Any) -> int:
    tracemalloc.start()
    try:
        pattern.search(subject)
        for _match in pattern.finditer(subject):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_audit_catches_a_pattern_that_keeps_state_per_repetition() -> None:
    bad = re.compile(r"\n(?:[ \t\u3000]*\n){3,}")  # blank-line runs, before issue 15
    assert _peak_bytes(bad, "\n" * 5000) > 250_000


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[n for n, _ in PATTERNS])
def test_no_pattern_keeps_state_per_repetition(name: str, pattern: re.Pattern[Any]) -> None:
    # A repeated group makes the engine save state at every repetition: over two million
    # blank lines that was 230 MB. Runs of every character the pattern knows, 5,000 long.
    runs = sorted(set(_literals(pattern)) | set(_BASE))
    for run in runs:
        for parts in (("", run, ""), ("a", run, "!")):
            peak = _peak_bytes(pattern, _subject(pattern, parts, 5000))
            assert peak < 250_000, (name, parts, peak)
