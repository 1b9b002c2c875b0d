"""The small part of Markdown staff use: # headings, paragraphs, - and 1. lists, **bold**.

The first heading before any text is the title; deeper headings map onto levels 1-4.
Consecutive lines form one paragraph (joined without a space between Chinese characters).
The end of the document gets the same signature/date detection as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from signage.core.model import Block, Document, Span
from signage.formats.structure import (
    SourceLine,
    heading_level,
    is_date,
    is_salutation,
    structure_lines,
)

_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^(\d{1,3}[.)、])\s*(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})$")


def spans_of(text: str) -> tuple[str, tuple[Span, ...]]:
    """Strip ** markers: (plain text, spans); spans empty when nothing is bold."""
    spans: list[Span] = []
    pos = 0
    for m in _BOLD.finditer(text):
        if m.start() > pos:
            spans.append(Span(text[pos : m.start()]))
        spans.append(Span(m.group(1) or m.group(2), bold=True))
        pos = m.end()
    if not spans:
        return text, ()
    if pos < len(text):
        spans.append(Span(text[pos:]))
    return "".join(s.text for s in spans), tuple(spans)


def heading_of(line: str) -> tuple[int, str] | None:
    """An ATX heading ('## 一、总则', '# 标题 #') -> (depth, text); None for other lines.

    Plain string work rather than a pattern: the obvious one, `#+\\s+(.*?)\\s*#*\\s*$`, has
    three quantifiers that can each take the same spaces, and a heading with a few thousand
    spaces in it then takes minutes."""
    depth = len(line) - len(line.lstrip("#"))
    rest = line[depth:]
    if not 1 <= depth <= 6 or not rest[:1].isspace():
        return None
    text = rest.strip()
    closed = text.rstrip("#")
    if not closed:
        return depth, ""
    if closed[-1].isspace():  # a closing run of # is set off by a space ('# C#' keeps its #)
        text = closed.rstrip()
    return depth, text


def _join(parts: Sequence[str]) -> str:
    out: list[str] = []
    last = ""
    for p in parts:
        if last.isascii() and last.isalnum() and p[:1].isascii() and p[:1].isalnum():
            out.append(" ")
        out.append(p)
        last = p[-1:] or last
    return "".join(out)


def parse_markdown(text: str, *, known_title: str | None = None) -> Document:
    lines = text.split("\n")
    blocks: list[Block] = []
    paragraph: list[str] = []
    title: str | None = None
    heading_depths: list[int] = []
    raw_headings: list[tuple[int, int, str]] = []  # (block index, depth, text)

    def flush() -> None:
        if len(paragraph) > 1 and is_date(paragraph[-1]):
            # An office name and a date on their own lines: keep them apart, as signed.
            for line in paragraph:
                plain, spans = spans_of(line)
                blocks.append(Block("body", plain, spans=spans))
            paragraph.clear()
        if paragraph:
            plain, spans = spans_of(_join(paragraph))
            blocks.append(Block("body", plain, spans=spans))
            paragraph.clear()

    for raw in lines:
        line = raw.strip().replace("\u3000", " ").strip()
        if not line or _RULE.match(line):
            flush()
            continue
        heading = heading_of(line)
        if heading is not None:
            flush()
            depth, body = heading
            plain, _ = spans_of(body)
            if title is None and not blocks:
                title = plain
                blocks.append(Block("title", plain, align="center"))
            else:
                raw_headings.append((len(blocks), depth, plain))
                heading_depths.append(depth)
                blocks.append(Block("heading", plain, level=1))
            continue
        b = _BULLET.match(line)
        n = _NUMBERED.match(line) if b is None else None
        if b or n:
            flush()
            item = "• " + b.group(1) if b else f"{n.group(1)} {n.group(2)}"  # type: ignore[union-attr]
            plain, spans = spans_of(item)
            blocks.append(Block("body", plain, spans=spans, indent=False))
            continue
        paragraph.append(line)
    flush()
    # The salutation (各位居民：) right after the title, or first, is set flush left.
    first = 1 if blocks and blocks[0].role == "title" else 0
    if (
        len(blocks) > first + 1
        and blocks[first].role == "body"
        and is_salutation(blocks[first].text)
    ):
        blocks[first] = replace(blocks[first], indent=False)
    if heading_depths:
        top = min(heading_depths)
        for index, depth, plain in raw_headings:
            level = min(4, depth - top + 1)
            blocks[index] = Block("heading", plain, level=level)
    return Document(title or known_title, tuple(_mark_signature(blocks)))


def _mark_signature(blocks: list[Block]) -> list[Block]:
    """Turn a closing office name and date into signature/date blocks, as for plain text."""
    if not blocks or blocks[-1].role != "body" or not is_date(blocks[-1].text):
        return blocks
    tail = [b for b in blocks[-3:] if b.role == "body" and not b.spans]
    probe = [SourceLine(b.text, 0, n + 1) for n, b in enumerate(tail)]
    doc = structure_lines([SourceLine("x", 0, 0), *probe])
    roles = {b.text: b.role for b in doc.blocks if b.role in ("signature", "date")}
    out = list(blocks)
    for k in range(len(out) - len(tail), len(out)):
        role = roles.get(out[k].text)
        if role is not None and heading_level(out[k].text) is None:
            out[k] = Block(role, out[k].text, align="right")
    return out
