"""The `inspect --json` view of one file: how it was read and where every line went."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from signage.model import Page, Slide


def line_json(line: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"text": line.text, "role": line.role}
    if line.role == "heading" and line.level is not None:
        out["level"] = line.level
    out.update(x=line.x, y=line.y, width=line.width, size=line.size)
    return out


def inspect_json(slide: Slide, pages: Sequence[Page], warnings: Sequence[str]) -> dict[str, Any]:
    """The DESIGN.md shape: path, kind, title, encoding, pages (duration, lines), warnings."""
    return {
        "path": slide.path,
        "kind": slide.kind,
        "title": slide.title,
        "encoding": slide.encoding,
        "pages": [
            {"duration": float(page.duration), "lines": [line_json(ln) for ln in page.lines]}
            for page in pages
        ],
        "warnings": [*slide.warnings, *(w for w in warnings if w not in slide.warnings)],
    }


def spelled_text(pages: Sequence[Page]) -> str:
    """The non-meta text of all pages in order: what the file says, without layout additions."""
    return "".join(ln.text for page in pages for ln in page.lines if ln.role != "meta")
