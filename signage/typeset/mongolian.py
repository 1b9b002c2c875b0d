"""Traditional Mongolian: which text is Mongolian, where its words are, and the face that
shapes it.

Shaping is HarfBuzz's. pygame-ce's `pygame.font` (SDL_ttf) carries HarfBuzz and, with the
script set to "Mong", applies the Mongolian shaper: each letter takes its initial, medial,
final or isolated form, the free variation selectors (U+180B-U+180D) pick variants, the
vowel separator (U+180E) detaches a final a/e, and a suffix after U+202F takes its suffix
form. `pygame.freetype`, which sets the Chinese, does no shaping at all. A run is shaped
horizontally, as the font draws it; a vertical column is that run turned 90 degrees
clockwise (render/vertical.py).

Nothing here opens a window; the face is opened on first use.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from signage.typeset.fontconfig import tool_output

if TYPE_CHECKING:
    import pygame.font

NNBSP = "\u202f"
"""NARROW NO-BREAK SPACE: joins a suffix to its word; never a line break."""
MVS = "\u180e"
"""MONGOLIAN VOWEL SEPARATOR: a final a/e written apart (qar-a)."""
FVS = "\u180b\u180c\u180d\u180f"
"""Free variation selectors 1-4: pick a letter's variant form."""
JOINERS = "\u200c\u200d"

MONGOLIAN_FAMILIES = (
    "Noto Sans Mongolian",
    "Mongolian Baiti",
    "Menk Qagan Tig",
    "Menk Hawang Tig",
    "MongolianScript",
)
"""Fontconfig families with Unicode Mongolian, best first (Debian: fonts-noto-core)."""

Kind = Literal["mongol", "upright", "sideways"]
"""How a piece of a vertical line is drawn: shaped in the Mongolian face and turned with the
column; a CJK character standing upright; other text (Latin, digits) turned with the column."""


def is_mongolian(ch: str) -> bool:
    """A character of the Mongolian block or the Mongolian Supplement (birga ornaments)."""
    o = ord(ch)
    return 0x1800 <= o <= 0x18AF or 0x11660 <= o <= 0x1167F


def is_mongolian_letter(ch: str) -> bool:
    o = ord(ch)
    return 0x1820 <= o <= 0x18AA


def is_han(ch: str) -> bool:
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x20000 <= o <= 0x3134F
        or 0xF900 <= o <= 0xFAFF
    )


def is_upright(ch: str) -> bool:
    """Characters that stand upright in a vertical Mongolian column: Han, kana, hangul and
    full-width forms keep their orientation; everything else turns with the column."""
    o = ord(ch)
    if is_han(ch):
        return True
    return (
        0x3000 <= o <= 0x30FF
        or 0x3100 <= o <= 0x31FF
        or 0xAC00 <= o <= 0xD7AF
        or 0xFF01 <= o <= 0xFF60
        or 0xFFE0 <= o <= 0xFFE6
    )


def is_private_use(ch: str) -> bool:
    o = ord(ch)
    return 0xE000 <= o <= 0xF8FF or 0xF0000 <= o <= 0x10FFFD


def script_counts(text: str) -> tuple[int, int]:
    """(Mongolian letters, Han characters) in text."""
    mn = han = 0
    for ch in text:
        if is_mongolian_letter(ch):
            mn += 1
        elif is_han(ch):
            han += 1
    return mn, han


def is_mongolian_text(text: str) -> bool:
    """Mostly traditional Mongolian. A Han character counts as about three Mongolian letters
    (a syllable), so a Chinese paragraph quoting a Mongolian name stays Chinese and a
    Mongolian paragraph with a Chinese name in brackets stays Mongolian."""
    mn, han = script_counts(text)
    return mn > 0 and mn >= 3 * han


def has_mongolian(text: str) -> bool:
    return any(is_mongolian_letter(ch) for ch in text)


def words(text: str) -> list[str]:
    """Words of a Mongolian text: split at spaces, never at U+202F (a suffix stays with its
    word), nor at the variation selectors, the vowel separator or joiners."""
    out: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch != NNBSP and (ch.isspace() or ch == "\u3000"):
            if current:
                out.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        out.append("".join(current))
    return out


def _digit(d: str) -> str:
    return chr(0x1810 + int(d)) if d.isdigit() and d.isascii() else d


def mongolian_digits(text: str) -> str:
    """0-9 written with the Mongolian digits U+1810-U+1819."""
    return "".join(_digit(c) for c in text)


# --- the face ----------------------------------------------------------------------------------


def find_mongolian_face(override: str | None = None) -> tuple[str, str] | None:
    """(file, family) of the Mongolian face: the configured file or family, else the first
    installed of MONGOLIAN_FAMILIES, else any face fontconfig lists for Mongolian in China."""
    if override and Path(override).is_file():
        return override, Path(override).stem
    listed = tool_output(["fc-list", "-f", "%{file}\t%{family}\n", ":lang=mn-cn"])
    if not listed:
        listed = tool_output(["fc-list", "-f", "%{file}\t%{family}\n"])
    faces: list[tuple[str, tuple[str, ...]]] = []
    for row in sorted(listed.splitlines()):
        path, _, names = row.partition("\t")
        if path:
            faces.append((path, tuple(f.strip() for f in names.split(","))))
    wanted = ([override] if override else []) + list(MONGOLIAN_FAMILIES)
    for family in wanted:
        for path, families in faces:
            if family in families:
                return path, family
    for path, families in faces:
        if "mongol" in " ".join(families).lower():
            return path, families[0]
    return None


@dataclass(frozen=True)
class Band:
    """Where the ink of ordinary Mongolian text lies across a column, in em: from `left`
    (the descender side, left of the baseline once turned) to `right`."""

    left: float
    right: float

    @property
    def width(self) -> float:
        return self.left + self.right


# Common words whose ink spans the usual extent of the script (teeth, stems, tails, loops).
_BAND_SAMPLE = "ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ ᠬᠡᠯᠡ ᠠᠷᠠᠳ ᠵᠠᠰᠠᠭ ᠭᠠᠵᠠᠷ ᠲᠥᠪ ᠦᠨᠳᠦᠰᠦᠲᠡᠨ"
_BAND_SIZE = 200


class MongolianFace:
    """One Mongolian font file, shaped by HarfBuzz through SDL_ttf, with cached widths.

    Not thread-safe; one per FontBook.
    """

    def __init__(self, path: str, family: str = "") -> None:
        self.path = path
        self.family = family or Path(path).stem
        self._fonts: dict[int, pygame.font.Font] = {}
        self._widths: dict[tuple[int, str], int] = {}
        self._coverage: dict[str, bool] = {}
        self._probe: Any = None
        self._band: Band | None = None

    def describe(self) -> str:
        return f"{Path(self.path).name} ({self.family})"

    def font(self, size: int) -> pygame.font.Font:
        """The face at size pixels per em, its script set to Mongolian."""
        font = self._fonts.get(size)
        if font is None:
            import pygame.font

            if not pygame.font.get_init():
                pygame.font.init()
            font = pygame.font.Font(self.path, size)
            # Without the script SDL_ttf shapes as Latin: every letter isolated.
            font.set_script("Mong")
            font.set_direction(pygame.DIRECTION_LTR)
            self._fonts[size] = font
        return font

    def has(self, ch: str) -> bool:
        """Whether the face has a glyph for ch (fontconfig-free, through FreeType)."""
        found = self._coverage.get(ch)
        if found is None:
            if self._probe is None:
                import pygame.freetype

                if not pygame.freetype.get_init():
                    pygame.freetype.init()
                self._probe = pygame.freetype.Font(self.path, 32)
            metrics = self._probe.get_metrics(ch, size=32)
            found = bool(metrics) and metrics[0] is not None
            self._coverage[ch] = found
        return found

    def width(self, text: str, size: int) -> int:
        """Advance of text shaped as one run, in pixels."""
        key = (size, text)
        w = self._widths.get(key)
        if w is None:
            w = self.font(size).size(text)[0] if text else 0
            self._widths[key] = w
        return w

    def ascent(self, size: int) -> int:
        return int(self.font(size).get_ascent())

    def band(self) -> Band:
        """The ink extent of ordinary text across a column, measured on the face itself."""
        if self._band is None:
            font = self.font(_BAND_SIZE)
            surface = font.render(_BAND_SAMPLE, True, (0, 0, 0))
            box = surface.get_bounding_rect()
            ascent = font.get_ascent()
            if box.height <= 0:
                self._band = Band(0.25, 0.85)
            else:
                self._band = Band(
                    (box.bottom - ascent) / _BAND_SIZE, (ascent - box.top) / _BAND_SIZE
                )
        return self._band


# --- pieces of a vertical line -----------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    text: str
    kind: Kind


def is_ignorable(ch: str) -> bool:
    """Format characters that may be dropped when the face lacks them (FVS4 in older fonts):
    the letter is then shown in its default form instead of as a box."""
    return ch in FVS or ch in JOINERS or unicodedata.category(ch) == "Cf"


def pieces(text: str, face: MongolianFace, *, across: bool = False) -> Iterator[Piece]:
    """text cut where the way of drawing changes. Characters the Mongolian face lacks that
    are mere format controls are left out (see `unsupported`).

    across: for Mongolian written horizontally inside Chinese lines, only Mongolian letters
    (and their spaces and joiners) go to the Mongolian face; Chinese punctuation it also
    has keeps the Chinese face."""
    kind: Kind | None = None
    start: list[str] = []
    for ch in text:
        if across and not (is_mongolian(ch) or ch in f" {NNBSP}{JOINERS}"):
            k: Kind = "sideways" if ch.isprintable() or ch.isspace() else "mongol"
        elif face.has(ch) or ch == " ":
            k = "mongol"
        elif is_ignorable(ch):
            continue
        elif is_upright(ch):
            k = "upright"
        else:
            k = "sideways"
        if k != kind and start:
            assert kind is not None
            yield Piece("".join(start), kind)
            start = []
        kind = k
        start.append(ch)
    if start and kind is not None:
        yield Piece("".join(start), kind)


def unsupported(text: str, face: MongolianFace) -> str:
    """Format characters in Mongolian text that the face cannot honour (dropped, so the
    letter takes its default form): distinct, in order."""
    out = []
    for ch in dict.fromkeys(text):
        if (ch in FVS or ch == MVS) and not face.has(ch):
            out.append(ch)
    return "".join(out)


def overrides_of(fonts: Mapping[str, str] | None) -> str | None:
    """The `mongolian` entry of the settings' fonts: a font file or a fontconfig family."""
    if not fonts:
        return None
    value = fonts.get("mongolian")
    return str(value) if value else None
