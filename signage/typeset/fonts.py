"""Fonts for Chinese text: which file plays which role, measuring, and fallback per character.

Faces are found through fontconfig, never by hard-coded path, and always the Simplified
Chinese face of a .ttc collection (face 0 of Noto CJK is Japanese: 门 直 骨 come out wrong).
pygame.freetype is started only when a font is first opened, so importing this is free.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from signage.core.config import Settings
from signage.core.model import FontRole
from signage.typeset.fontconfig import tool_output
from signage.typeset.mongolian import MongolianFace, find_mongolian_face, overrides_of

if TYPE_CHECKING:
    import pygame.freetype

ROLES: tuple[FontRole, ...] = ("sans", "sans-bold", "serif-bold", "kai")

# Families tried for each role, best first; fontconfig family names.
_PREFERRED: Mapping[FontRole, tuple[tuple[str, str], ...]] = {
    "sans": (
        ("Noto Sans CJK SC", "Regular"),
        ("Source Han Sans SC", "Regular"),
        ("WenQuanYi Zen Hei", ""),
    ),
    "sans-bold": (("Noto Sans CJK SC", "Bold"), ("Source Han Sans SC", "Bold")),
    "serif-bold": (("Noto Serif CJK SC", "Bold"), ("Source Han Serif SC", "Bold")),
    "kai": (
        ("LXGW WenKai", "Regular"),
        ("LXGW WenKai", ""),
        ("AR PL UKai CN", ""),
        ("AR PL UKai", ""),
    ),
}
# Roles that may stand in when a preferred family is missing.
_STAND_IN: Mapping[FontRole, tuple[FontRole, ...]] = {
    "sans": (),
    "sans-bold": ("sans",),
    "serif-bold": ("sans-bold", "sans"),
    "kai": ("sans",),
}
# Other installed families used for characters the role's face lacks, in this order.
_FALLBACK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "DejaVu Sans",
    "Noto Sans",
    "Noto Sans Symbols",
    "Noto Sans Symbols2",
    "Noto Sans Mongolian",
    "Noto Color Emoji",
)

# Where the ideographic em box sits relative to the baseline (Noto CJK: 880 up, 120 down).
EM_TOP = 0.88
EM_BOTTOM = 0.12


class FontError(Exception):
    """No usable Chinese font: the player cannot typeset text at all."""


@dataclass(frozen=True)
class FontFace:
    path: str
    index: int
    family: str

    def describe(self) -> str:
        return f"{Path(self.path).name}#{self.index} ({self.family})"


@dataclass(frozen=True)
class _Listed:
    path: str
    index: int
    families: tuple[str, ...]
    styles: tuple[str, ...]


def list_installed() -> list[_Listed]:
    """Every face fontconfig knows: file, index, family names, style names."""
    out = tool_output(["fc-list", "-f", "%{file}\t%{index}\t%{family}\t%{style}\n"])
    faces = []
    for row in out.splitlines():
        parts = row.split("\t")
        if len(parts) != 4 or not parts[1].isdigit():
            continue
        faces.append(
            _Listed(
                parts[0],
                int(parts[1]),
                tuple(f.strip() for f in parts[2].split(",")),
                tuple(s.strip() for s in parts[3].split(",")),
            )
        )
    faces.sort(key=lambda f: (f.path, f.index))
    return faces


_PLAIN_STYLES = ("Regular", "Book", "Normal", "Medium", "Roman")


def _find(installed: Sequence[_Listed], family: str, style: str) -> FontFace | None:
    """The face of family with style; with style "" the plainest one (not bold or italic)."""
    matches = [f for f in installed if family in f.families]
    if style:
        matches = [f for f in matches if style in f.styles]
        # LXGW WenKai Light lists "Light,Regular": the face whose own style is the one
        # asked for comes first.
        matches.sort(key=lambda f: any("Light" in s or "Thin" in s for s in f.styles))
    else:
        matches.sort(key=lambda f: not any(s in _PLAIN_STYLES for s in f.styles))
    if not matches:
        return None
    return FontFace(matches[0].path, matches[0].index, family)


def _face_of_file(path: str) -> FontFace:
    """A font file named in the settings; for a collection, its Simplified Chinese face."""
    out = tool_output(["fc-scan", "--format", "%{index}\t%{family}\n", path])
    faces: list[tuple[int, str]] = []
    for row in out.splitlines():
        number, _, family = row.partition("\t")
        if number.isdigit():
            faces.append((int(number), family.split(",")[0]))
    for index, family in faces:
        if (" SC" in family or "CN" in family) and "Mono" not in family:
            return FontFace(path, index, family)
    if faces:
        return FontFace(path, faces[0][0], faces[0][1])
    return FontFace(path, 0, Path(path).stem)


def discover(
    overrides: Mapping[str, str] | None = None, installed: Sequence[_Listed] | None = None
) -> tuple[dict[FontRole, FontFace], list[FontFace], list[str]]:
    """Faces for each role, the fallback chain, and notes on substitutions made.

    Raises FontError when no Chinese face is found at all.
    """
    probe_system = installed is None
    if installed is None:
        installed = list_installed()
    notes: list[str] = []
    chosen: dict[FontRole, FontFace] = {}
    for role in ROLES:
        wanted = (overrides or {}).get(role)
        if wanted:
            if os.path.isfile(wanted):
                chosen[role] = _face_of_file(wanted)
                continue
            face = _find(installed, wanted, "")
            if face is not None:
                chosen[role] = face
                continue
            notes.append(f"font {wanted!r} for {role} is not installed; using the default")
        for family, style in _PREFERRED[role]:
            face = _find(installed, family, style)
            if face is not None:
                chosen[role] = face
                break
    if "sans" not in chosen and probe_system:
        # Any face that declares Simplified Chinese will do, rather than no text at all.
        out = tool_output(["fc-list", "-f", "%{file}\t%{index}\t%{family}\n", ":lang=zh-cn"])
        for row in sorted(out.splitlines()):
            parts = row.split("\t")
            if len(parts) == 3 and parts[1].isdigit():
                chosen["sans"] = FontFace(parts[0], int(parts[1]), parts[2].split(",")[0])
                break
    if "sans" not in chosen:
        raise FontError(
            "no Chinese font found through fontconfig: install fonts-noto-cjk "
            "(sudo apt install fonts-noto-cjk)"
        )
    for role in ROLES:
        if role not in chosen:
            for stand_in in _STAND_IN[role]:
                if stand_in in chosen:
                    chosen[role] = chosen[stand_in]
                    if role != "kai":
                        notes.append(f"{role}: using {chosen[stand_in].family} instead")
                    break
    fallbacks: list[FontFace] = []
    seen = {(f.path, f.index) for f in chosen.values()}
    for family in _FALLBACK_FAMILIES:
        face = _find(installed, family, "")
        if face is not None and (face.path, face.index) not in seen:
            seen.add((face.path, face.index))
            fallbacks.append(face)
    return chosen, fallbacks, notes


_NOT_DRAWN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Controls, format characters, surrogates and line separators: never inked."""


class FontBook:
    """The faces for each role, opened lazily, with cached per-character advances.

    Not thread-safe; one per player (or per test). Measuring never needs a display.
    """

    def __init__(
        self,
        faces: Mapping[FontRole, FontFace],
        fallbacks: Sequence[FontFace] = (),
        notes: Sequence[str] = (),
    ) -> None:
        self.faces: dict[FontRole, FontFace] = dict(faces)
        self.fallbacks: tuple[FontFace, ...] = tuple(fallbacks)
        self.notes: tuple[str, ...] = tuple(notes)
        self._fonts: dict[tuple[str, int], Any] = {}
        self._advances: dict[tuple[FontRole, int], dict[str, float]] = {}
        self._owner: dict[tuple[FontRole, str], FontFace | None] = {}
        self.mongolian_override: str | None = None
        """Settings.fonts["mongolian"]: a file or family for traditional Mongolian."""
        self._mongolian: MongolianFace | bool | None = False

    @classmethod
    def from_settings(cls, settings: Settings | Mapping[str, str] | None = None) -> FontBook:
        """Find the faces through fontconfig; Settings.fonts (role -> file or family)
        overrides roles. Raises FontError when no Chinese font is installed."""
        overrides = settings.fonts if isinstance(settings, Settings) else settings
        faces, fallbacks, notes = discover(overrides)
        book = cls(faces, fallbacks, notes)
        book.mongolian_override = overrides_of(overrides)
        return book

    @property
    def mongolian(self) -> MongolianFace | None:
        """The traditional Mongolian face, found through fontconfig on first use and shaped
        by HarfBuzz (typeset/mongolian.py); None when none is installed."""
        if self._mongolian is False:
            found = find_mongolian_face(self.mongolian_override)
            self._mongolian = MongolianFace(*found) if found else None
        return self._mongolian if isinstance(self._mongolian, MongolianFace) else None

    @property
    def has_kai(self) -> bool:
        return self.faces["kai"] != self.faces["sans"]

    def font_files(self) -> dict[str, str]:
        """Role -> 'file#index', to record which fonts a golden image was made with."""
        return {role: f"{Path(f.path).name}#{f.index}" for role, f in self.faces.items()}

    # --- opening --------------------------------------------------------------------------

    def _open(self, face: FontFace) -> pygame.freetype.Font:
        key = (face.path, face.index)
        font = self._fonts.get(key)
        if font is None:
            import pygame.freetype

            if not pygame.freetype.get_init():
                pygame.freetype.init()
            try:
                font = pygame.freetype.Font(face.path, 32, font_index=face.index)
            except (OSError, RuntimeError) as err:
                raise FontError(f"cannot open font {face.describe()}: {err}") from None
            font.origin = True  # draw at the baseline, as layout places lines
            font.pad = False
            font.kerning = False  # advances must add up exactly as measured
            self._fonts[key] = font
        return font

    def font(self, role: FontRole) -> pygame.freetype.Font:
        return self._open(self.faces[role])

    def _owner_of(self, ch: str, role: FontRole) -> FontFace | None:
        """The first face (role's own, then the fallbacks) that has a glyph for ch."""
        key = (role, ch)
        if key in self._owner:
            return self._owner[key]
        owner: FontFace | None = None
        for face in (self.faces[role], self.faces["sans"], *self.fallbacks):
            try:
                metrics = self._open(face).get_metrics(ch, size=32)
            except (FontError, RuntimeError, OSError):
                continue  # a fallback that cannot be opened or sized (bitmap emoji) is skipped
            if metrics and metrics[0] is not None:
                owner = face
                break
        self._owner[key] = owner
        return owner

    def font_for(self, ch: str, role: FontRole) -> pygame.freetype.Font:
        owner = self._owner_of(ch, role)
        return self._open(owner if owner is not None else self.faces[role])

    # --- measuring ------------------------------------------------------------------------

    def char_advance(self, ch: str, role: FontRole, size: int) -> float:
        table = self._advances.setdefault((role, size), {})
        adv = table.get(ch)
        if adv is None:
            if ch in "\n\r":
                adv = 0.0
            else:
                font = self.font_for(ch, role)
                metrics = font.get_metrics(ch, size=size)
                adv = float(metrics[0][4]) if metrics and metrics[0] else size * 0.5
            table[ch] = adv
        return adv

    def advances(self, text: str, role: FontRole, size: int) -> list[float]:
        table = self._advances.get((role, size))
        if table is not None and all(c in table for c in text):
            return [table[c] for c in text]
        return [self.char_advance(c, role, size) for c in text]

    def advance(self, text: str, role: FontRole, size: int) -> float:
        return sum(self.advances(text, role, size))

    def ascender(self, role: FontRole, size: int) -> float:
        return float(self.font(role).get_sized_ascender(size))

    def descender(self, role: FontRole, size: int) -> float:
        """Negative: how far below the baseline the face reaches."""
        return float(self.font(role).get_sized_descender(size))

    def missing(self, text: str, role: FontRole = "sans") -> str:
        """The distinct characters of text that no installed font can draw, in order."""
        out: list[str] = []
        for ch in dict.fromkeys(text):
            # Private-use and unassigned characters are drawn (as boxes) like any other.
            if ch.isspace() or unicodedata.category(ch) in _NOT_DRAWN:
                continue
            if self._owner_of(ch, role) is None:
                out.append(ch)
        return "".join(out)

    def segments(self, text: str, role: FontRole) -> list[tuple[str, pygame.freetype.Font]]:
        """text cut where the drawing font changes (fallback for rare characters)."""
        out: list[tuple[str, pygame.freetype.Font]] = []
        main = self.faces[role]
        start = 0
        current: FontFace | None = None
        for i, ch in enumerate(text):
            owner = self._owner_of(ch, role) or main
            if current is None:
                current = owner
            elif owner != current:
                out.append((text[start:i], self._open(current)))
                start, current = i, owner
        if current is not None:
            out.append((text[start:], self._open(current)))
        return out
