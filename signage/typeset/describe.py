"""The `inspect --json` view of one file: how it was read and where every line went."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from signage.core.model import Document, Meeting, Page, Slide
from signage.typeset.fonts import FontBook


def line_json(line: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"text": line.text, "role": line.role}
    if line.role == "heading" and line.level is not None:
        out["level"] = line.level
    out.update(x=line.x, y=line.y, width=line.width, size=line.size)
    direction = getattr(line, "direction", "ltr")
    out["direction"] = direction
    if direction == "ttb":
        # A column: x, width across it (its ink band), y, height down it.
        out["height"] = line.height
    if getattr(line, "cells", False):
        # A table row: its text is the row as the file has it; each cell where it is drawn.
        out["cells"] = [{"text": run.text, "x": round(run.x)} for run in line.runs]
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


def slide_text(slide: Slide) -> str:
    """All the text a text or meeting slide shows, for checks such as missing glyphs."""
    body = slide.body
    if isinstance(body, Document):
        return "\n".join([body.title or "", *(b.text for b in body.blocks)])
    if isinstance(body, Meeting):
        return "\n".join(
            [body.title, body.place, body.host, body.attendees, *body.agenda, body.notes]
            + [v for _, v in body.mongolian]
        )
    return slide.title


def missing_glyph_warnings(slide: Slide, fonts: FontBook) -> list[str]:
    """One warning naming the characters no installed font can draw (they would be boxes),
    and one for Mongolian variation selectors the Mongolian face cannot honour."""
    from signage.typeset.mongolian import has_mongolian, is_ignorable, unsupported

    text = slide_text(slide)
    face = fonts.mongolian if has_mongolian(text) else None
    missing = fonts.missing(text)
    out = []
    if face is not None:
        # Format characters the face lacks are left out of columns, not drawn as boxes.
        missing = "".join(c for c in missing if not is_ignorable(c))
        dropped = unsupported(text, face)
        if dropped:
            names = "、".join(f"U+{ord(c):04X}" for c in dropped)
            out.append(
                f"the Mongolian font ({face.describe()}) has no variant for {names}: "
                "those letters show in their default form"
            )
    elif has_mongolian(text):
        out.append("no Mongolian font is installed (fonts-noto-core): Mongolian is not shaped")
    if missing:
        listed = "、".join(f"{c} (U+{ord(c):04X})" for c in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        out.insert(0, f"no installed font has {listed}{more}: they show as empty boxes")
    return out
