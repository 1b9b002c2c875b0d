"""What a slide, a page, a playlist and a plan are: frozen values passed between the parts.

Readers turn file bytes into a `Slide` (or a `Problem`); layout turns a slide plus a canvas
into `Page`s; the planner picks slides for a moment; only the player draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Role = Literal["title", "heading", "body", "signature", "date", "meta", "table"]
Align = Literal["left", "center", "right", "justify"]
SlideKind = Literal["notice", "document", "meeting", "image", "pdf"]
Fit = Literal["contain", "cover"]
Direction = Literal["ltr", "ttb"]


@dataclass(frozen=True)
class Problem:
    """A file (or playlist, or setting) that is refused, and why, in words staff understand."""

    path: str
    """Relative to the content root, posix separators ("slides/x.jpg"); "" for the root."""
    message: str
    line: int | None = None
    code: str = ""
    """A stable name for the kind of problem ("image-truncated", "yaml-syntax" …) from which
    the staff status page words its plain-Chinese explanation."""

    def describe(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}" if where else self.message


MESSAGE_LIMIT = 400
"""Characters of a ContentError's message: it often quotes the file (a member's name, a
parser's complaint), and a hostile file must not make the log or 状态.txt a dump of itself."""


def _bounded(message: str) -> str:
    clean = "".join(ch if ch.isprintable() or ch == "\n" else "?" for ch in message)
    return clean if len(clean) <= MESSAGE_LIMIT else clean[: MESSAGE_LIMIT - 1] + "…"


class ContentError(Exception):
    """Raised by readers for bad input; the message names the problem, the caller adds the path."""

    def __init__(self, message: str, line: int | None = None, code: str = "") -> None:
        message = _bounded(message)
        super().__init__(message)
        self.message = message
        self.line = line
        self.code = code


# --- text documents -------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A run of text with one emphasis; a block's spans concatenate to its text."""

    text: str
    bold: bool = False


@dataclass(frozen=True)
class TableRow:
    """One row of a table: the row as the file has it, and what goes in each column."""

    text: str
    """The row as written (a record line, or a Word row's cells joined): what the list form
    sets when the columns do not fit, and what `inspect` spells."""
    cells: tuple[str, ...]
    header: bool = False
    """A heading row from the file itself (Word's first row), set in bold."""


@dataclass(frozen=True)
class Block:
    """One structural unit of a document: a title line, a heading, a paragraph, a signature."""

    role: Role
    text: str
    level: int | None = None
    """Heading level 1-4 (一、 / （一） / 1. / （1）); None for other roles."""
    align: Align | None = None
    """None: the role's usual alignment."""
    spans: tuple[Span, ...] = ()
    """Emphasis within the text; empty means one plain span."""
    indent: bool = True
    """Body paragraphs get a two-character first-line indent; False for lists, attachments."""
    rows: tuple[TableRow, ...] = ()
    """For role "table": its rows; text is their texts joined by newlines."""
    columns: tuple[str, ...] = ()
    """For role "table": column heads worked out from labels the rows repeat (种植面积（亩）);
    empty strings where none; no heads at all when the file gives none."""


@dataclass(frozen=True)
class Document:
    """A notice or document, independent of any canvas."""

    title: str | None
    blocks: tuple[Block, ...]
    """All blocks in reading order, the title block(s) included."""


@dataclass(frozen=True)
class Meeting:
    title: str
    start: datetime
    end: datetime | None = None
    place: str = ""
    host: str = ""
    attendees: str = ""
    agenda: tuple[str, ...] = ()
    notes: str = ""
    mongolian: tuple[tuple[str, str], ...] = ()
    """Traditional Mongolian counterparts: (field, text) pairs such as ("title", "ᠬᠤᠷᠠᠯ"),
    one ("agenda", item) per agenda item; shown in vertical columns beside the Chinese."""


@dataclass(frozen=True)
class ImageBody:
    """An image file; decoded and fitted only when a page is prepared for a screen."""

    width: int
    height: int
    """Size after EXIF orientation."""
    format: str


@dataclass(frozen=True)
class PdfBody:
    page_count: int
    page_texts: tuple[str, ...] = ()
    """Text of each page where the PDF has any: it sets each page's time on screen."""


Body = Document | Meeting | ImageBody | PdfBody


@dataclass(frozen=True)
class Slide:
    """A file that can be shown: parsed, validated, ready for layout at any size."""

    path: str
    """Relative to the content root, posix separators: "slides/notices/x.txt"."""
    kind: SlideKind
    title: str
    body: Body
    digest: str
    """SHA-256 of the file's bytes: identifies this version in caches and the play log."""
    encoding: str | None = None
    show_from: datetime | None = None
    show_until: datetime | None = None
    urgent: bool = False
    duration: float | None = None
    """Seconds per page from the file itself (front matter); None means automatic."""
    warnings: tuple[str, ...] = ()
    pictures: int = 0
    """Pictures embedded in a Word document: each becomes an image page after the text."""
    lang: str | None = None
    """"mn" or "zh" when the file says which language it is in (front matter `lang:`);
    None: told from the text (traditional Mongolian is set vertically)."""


# --- layout ---------------------------------------------------------------------------------

FontRole = Literal["sans", "sans-bold", "serif-bold", "kai"]
ColorRole = Literal["text", "title", "accent", "muted", "urgent_text"]


@dataclass(frozen=True)
class Glyphs:
    """A run of text drawn starting at x (relative to the canvas), on the line's baseline."""

    text: str
    x: float
    """Where the run starts along its line: x on the canvas for a horizontal line, y for a
    vertical (ttb) one."""
    font: FontRole | None = None
    """A different face for this run (bold emphasis inside a paragraph); None: the line's."""


@dataclass(frozen=True)
class Line:
    text: str
    role: Role
    x: int
    y: int
    """Top of the line's ink box on the canvas."""
    width: int
    size: int
    """Font size in pixels."""
    level: int | None = None
    font: FontRole = "sans"
    color: ColorRole = "text"
    baseline: int = 0
    """Baseline y on the canvas."""
    runs: tuple[Glyphs, ...] = ()
    """Where each piece of the line goes; justified lines have many. Empty: text at x."""
    direction: Direction = "ltr"
    """"ttb": a column of traditional Mongolian read top to bottom. Then x is the left of
    the column's ink band, y its top, width the band's thickness, height its length, and
    baseline the x of the (turned) baseline."""
    height: int = 0
    """Length of a vertical line down the canvas; 0 for horizontal lines."""
    cells: bool = False
    """A table row: each run is one cell (the line's text is the row as the file has it)."""


PageStyle = Literal["notice", "document", "meeting", "urgent", "image", "pdf", "idle"]


@dataclass(frozen=True)
class Page:
    """One screenful of one slide on one canvas."""

    style: PageStyle
    duration: float
    lines: tuple[Line, ...] = ()
    number: int = 0
    count: int = 1
    image_path: str | None = None
    """For image and pdf pages: the slide path the picture comes from."""
    pdf_page: int | None = None
    picture: int | None = None
    """For an image page of a Word document: which embedded picture."""
    fit: Fit = "contain"


# --- playlists and plans --------------------------------------------------------------------


@dataclass(frozen=True)
class TimeWindow:
    """When a playlist is active; every part that is set must hold."""

    days: str | tuple[str, ...] = "everyday"
    """"workdays", "holidays", "everyday" or weekday names ("mon" …)."""
    hours: tuple[tuple[int, int], ...] = ()
    """Minute-of-day ranges [start, end); end < start crosses midnight. Empty: all day."""
    dates: tuple[tuple[datetime, datetime], ...] = ()
    """Inclusive local date ranges as [start of first day, end of last day]."""


@dataclass(frozen=True)
class PlaylistItem:
    slides: str
    """A file, folder or glob under slides/."""
    duration: float | None = None
    fit: Fit | None = None
    show_from: datetime | None = None
    show_until: datetime | None = None
    line: int | None = None
    pages_per_turn: int | None = None
    """Show at most this many pages of a long document each time round, continuing where
    it left off next time; None: the settings' default (0 there means all pages)."""


@dataclass(frozen=True)
class Playlist:
    path: str
    name: str
    items: tuple[PlaylistItem, ...]
    priority: int = 0
    screens: tuple[str, ...] = ()
    when: TimeWindow | None = None
    digest: str = ""


@dataclass(frozen=True)
class PlannedItem:
    slide: Slide
    duration: float | None = None
    """Seconds per page set by the playlist; None: the slide's own or automatic."""
    fit: Fit | None = None
    pages_per_turn: int | None = None


@dataclass(frozen=True)
class Plan:
    at: datetime
    screen: str
    playlist: str | None
    items: tuple[PlannedItem, ...]
    left_out: tuple[tuple[str, str], ...] = ()
    """(path, reason) for slides that exist but do not play now."""
    problems: tuple[Problem, ...] = ()
    display: Literal["on", "off"] = "on"
    urgent: bool = False
    notes: tuple[str, ...] = field(default=())
    playlists: tuple[tuple[str, str], ...] = ()
    """(path, reason) for every valid playlist that is not the one in use now (not active,
    outranked, for another screen, paused by an urgent notice), so that whoever wrote one
    can see why it does not play."""
