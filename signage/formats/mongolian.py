"""Traditional Mongolian in staff files: old input methods' private codes, and files that
hold a Mongolian and a Chinese version one after the other.

Older Mongolian input methods and fonts (Menksoft's, among others) did not write Unicode
letters: they wrote the shape of each letter (initial, medial, final) as a code point in the
Private Use Area, U+E234-U+E34F for Menksoft's, which only their own font can draw. Such
text cannot be shaped or shown by any other font, so the file is refused with a plain
explanation. It is not converted: no published mapping exists, and going back from shapes
to letters loses what the variation selectors, the vowel separator and suffix spaces
carry, so a conversion would put wrong words on a government screen. A Chinese file with a
character made in a user-defined area (a rare name character, mapped by GBK/GB18030 into
the same part of the PUA) is not Mongolian: such characters stand alone, where legacy
Mongolian comes in words.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from signage.core.model import ContentError, Document, Meeting, Slide

MENKSOFT = re.compile("[\ue234-\ue34f]{3,}")
"""Three or more Menksoft shape codes in a row: a word typed with the old input method."""
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
LEGACY_CODE = "mongolian-legacy-code"


def _is_mongolian_letter(ch: str) -> bool:
    return 0x1820 <= ord(ch) <= 0x18AA


def _is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF


def legacy_words(text: str, *, expect_mongolian: bool = False) -> int:
    """How many words of text are in a legacy private Mongolian code (0: none).

    expect_mongolian (front matter `lang: mn`) counts any private-use character as such."""
    runs = len(MENKSOFT.findall(text))
    if runs >= 2:
        return runs
    if expect_mongolian:
        found = len(PRIVATE_USE.findall(text))
        return max(runs, 1 if found else 0)
    return 0


def slide_text(slide: Slide) -> str:
    body = slide.body
    if isinstance(body, Document):
        return "\n".join([body.title or "", *(b.text for b in body.blocks)])
    if isinstance(body, Meeting):
        parts = [body.title, body.place, body.host, body.attendees, *body.agenda, body.notes]
        return "\n".join([*parts, *(v for _, v in body.mongolian)])
    return ""


def check_legacy_mongolian(slide: Slide) -> Slide:
    """The slide itself, or ContentError LEGACY_CODE when its Mongolian is in a legacy code."""
    text = slide_text(slide)
    count = legacy_words(text, expect_mongolian=slide.lang == "mn")
    if count:
        sample = next(iter(MENKSOFT.findall(text)), "") or "".join(PRIVATE_USE.findall(text))
        codes = " ".join(f"U+{ord(c):04X}" for c in sample[:4])
        raise ContentError(
            f"the Mongolian text is typed in an old input method's private code ({count} "
            f"word(s), such as {codes}), not in Unicode: no font but that input method's own "
            "can show it; type it again with a Unicode input method, or convert it to "
            "Unicode and save again",
            code=LEGACY_CODE,
        )
    return slide


# --- one file, two versions ----------------------------------------------------------------


def _line_script(line: str) -> str | None:
    """ "mn", "zh", or None for a line with no letters of either (blank, numbers, dates)."""
    mn = sum(1 for ch in line if _is_mongolian_letter(ch))
    han = sum(1 for ch in line if _is_han(ch))
    if not mn and not han:
        return None
    return "mn" if mn >= 3 * han else "zh"


def split_versions(text: str) -> tuple[str, str] | None:
    """(Mongolian part, Chinese part) of a text that has paragraphs in both, in the order
    they come; a line with neither (blank, a date in digits) goes with the line before.
    None when the text is in one language."""
    parts: dict[str, list[str]] = {"mn": [], "zh": []}
    current: str | None = None
    pending: list[str] = []
    for line in text.split("\n"):
        script = _line_script(line)
        if script is None:
            if current is None:
                pending.append(line)
            else:
                parts[current].append(line)
            continue
        if current is None:
            parts[script].extend(pending)
            pending = []
        current = script
        parts[script].append(line)
    mn = "\n".join(parts["mn"]).strip("\n")
    zh = "\n".join(parts["zh"]).strip("\n")
    if not mn.strip() or not zh.strip():
        return None
    return mn, zh


def structure_versions(text: str, structure: Callable[[str], Document]) -> Document | None:
    """Each version structured on its own (its own title, headings, signature), Mongolian
    first; None when the text is in one language."""
    versions = split_versions(text)
    if versions is None:
        return None
    mn_doc = structure(versions[0])
    zh_doc = structure(versions[1])
    return Document(title=mn_doc.title or zh_doc.title, blocks=mn_doc.blocks + zh_doc.blocks)
