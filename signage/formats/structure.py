"""Plain text to a Document: title, heading levels, paragraphs, attachments, signature, date.

Works on the lines of a cleaned text (see text.clean_text). Each non-empty line is a
paragraph: that is how Notepad and WPS exports arrive. Nothing visible is dropped: every
character of every non-blank line ends up in exactly one block, in order; only the
indentation whitespace around a line and blank lines go.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from signage.core.model import Block, Document, Span
from signage.formats.records import find_tables

_CN_NUM = "一二三四五六七八九十百零〇两"
_HEADING_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^[{_CN_NUM}]+\s*[、，,．.]")),
    (2, re.compile(rf"^[（(]\s*[{_CN_NUM}]+\s*[）)]")),
    (3, re.compile(r"^[0-9０-９]{1,3}\s*(?:[、．]|\.(?![0-9０-９]))")),
    (4, re.compile(r"^[（(]\s*[0-9０-９]{1,3}\s*[）)]")),
)
_DATE = re.compile(
    rf"^(?:[0-9０-９]{{4}}|[{_CN_NUM}]{{4}})\s*年\s*[0-9０-９{_CN_NUM}]{{1,3}}\s*月"
    rf"\s*[0-9０-９{_CN_NUM}]{{1,3}}\s*日$"
    r"|^[0-9]{4}[-./][0-9]{1,2}[-./][0-9]{1,2}$"
)
_ATTACHMENT = re.compile(r"^附\s*件\s*[0-9０-９]*\s*[：:]?")
_CONTACT = re.compile(
    r"联系人|联系电话|联系方式|电\s*话|手\s*机|传\s*真|邮\s*箱|e-?mail|@|"
    r"\d{3,4}-\d{7,8}|1[3-9]\d{9}",
    re.IGNORECASE,
)
_SENTENCE_END = "。；，！？!?;,…"
_ORG_SUFFIX = re.compile(
    r"(政府|委员会|委会|办公室|办事处|局|厅|部|处|科|中心|街道|社区|村委会|居委会|"
    r"公司|站|所|院|会|队|组|党委|党支部|支部|总支|工委|分局|管委会|（章）|\(章\))$"
)

TITLE_MAX = 40
HEADING_MAX = 40
SIGNATURE_MAX = 30
PUSHED_RIGHT = 8
"""Leading width (in half-width columns) that marks a line pushed to the right."""


@dataclass(frozen=True)
class SourceLine:
    text: str
    """Without surrounding whitespace."""
    lead: int
    """Leading whitespace in half-width columns (a full-width space or a tab counts more)."""
    number: int
    """1-based line number in the body."""


def split_lines(text: str, first_line: int = 1) -> list[SourceLine]:
    out = []
    for n, raw in enumerate(text.split("\n")):
        stripped = raw.strip()
        lead_text = raw[: len(raw) - len(raw.lstrip())]
        lead = sum(2 if c == "\u3000" else 4 if c == "\t" else 1 for c in lead_text)
        out.append(SourceLine(stripped, lead, first_line + n))
    return out


def heading_level(text: str) -> int | None:
    """1-4 when the line starts with a heading marker (一、 （一） 1. （1）), else None."""
    for level, pattern in _HEADING_PATTERNS:
        if pattern.match(text):
            return level
    return None


def is_date(text: str) -> bool:
    return bool(_DATE.match(re.sub(r"\s+", "", text)))


def is_contact(text: str) -> bool:
    return bool(_CONTACT.search(text))


def _looks_like_title(line: SourceLine) -> bool:
    t = line.text
    return (
        0 < len(t) <= TITLE_MAX
        and t[-1] not in _SENTENCE_END + "：:"
        and heading_level(t) is None
        and not is_date(t)
        and not is_contact(t)
        and not _ATTACHMENT.match(t)
    )


_ADDRESSEE_START = ("各", "尊敬的", "亲爱的", "致")
_ADDRESSEE_END = re.compile(
    r"(群众|居民|村民|市民|同志|同志们|朋友|朋友们|家长|业主|住户|商户|职工|干部|代表|"
    r"单位|部门|机关|科室|站所|企业|学校|村|社区|（社区）|\(社区\)|委员会|办公室|"
    r"政府|街道|乡镇|镇|局|处|科|中心|公司|员|们)$"
)
_NOT_ADDRESSEE = re.compile(r"以下|如下|下列|事项|情况|要求|办理|包括|调整为|：.")


def _is_salutation(line: SourceLine) -> bool:
    return is_salutation(line.text)


def is_salutation(text: str) -> bool:
    """The addressees right after the title (主送机关): '各村（社区）、各站所：', '各位办事群众：'.

    Short (at most 30 characters), ending in a colon, no sentence punctuation, and naming
    people: it starts with 各/尊敬的/亲爱的/致, or its last name is a group of people or an
    office (…群众, …单位, …委员会). A sentence that introduces a list ('…办理以下事项：',
    '…要求如下：') is a body paragraph, not a salutation.
    """
    t = text.strip()
    if not (2 <= len(t) <= 30 and t[-1] in "：:") or heading_level(t) is not None:
        return False
    if any(c in t for c in "。；！？!?;"):
        return False
    name = t[:-1].rstrip()
    if _NOT_ADDRESSEE.search(name):
        return False
    # A list of addressees: every item must look like one.
    items = [x for x in re.split(r"[、，,]", name) if x]
    return bool(items) and all(
        x.startswith(_ADDRESSEE_START) or _ADDRESSEE_END.search(x) for x in items
    )


_ITEM_END = "。；;，,！？!?"
"""A numbered line ending in one of these is a sentence: a list item, not a heading."""


def _heading_block(text: str, level: int) -> Block:
    """A short marker line is a heading; a sentence is a list item of body text; a long
    one whose first sentence is short is a paragraph led by that sentence in bold.

    `（一）镇机关全体干部；` and `1.带好身份证。` are list items (GB/T 9704 sets them as
    body text, justified); `三、参加人员` and `（二）工作要求` are headings.
    """
    cut = text.find("。")
    if len(text) <= HEADING_MAX and text[-1] not in _ITEM_END and cut < 0:
        return Block("heading", text, level=level)
    if 0 < cut < min(HEADING_MAX, len(text) - 1) and level <= 2:
        head, rest = text[: cut + 1], text[cut + 1 :]
        return Block("body", text, spans=(Span(head, bold=True), Span(rest)))
    return Block("body", text)


_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


def _cn_value(numeral: str) -> int | None:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23; None for what is not such a numeral."""
    if not numeral or len(numeral) > 4:
        return None
    if "十" not in numeral:
        return _CN_DIGITS.get(numeral) if len(numeral) == 1 else None
    tens, _, ones = numeral.partition("十")
    t = 1 if not tens else _CN_DIGITS.get(tens)
    o = 0 if not ones else _CN_DIGITS.get(ones)
    if t is None or o is None or len(tens) > 1 or len(ones) > 1:
        return None
    return t * 10 + o


_MARKER_NUMBER = re.compile(rf"^[（(]?\s*([0-9０-９]{{1,3}}|[{_CN_NUM}]{{1,4}})")


def marker_value(text: str) -> int | None:
    """The number a heading marker counts: 三、 → 3, （十二） → 12, 10、 → 10."""
    m = _MARKER_NUMBER.match(text)
    if m is None:
        return None
    digits = m.group(1)
    if digits[0] in "0123456789０１２３４５６７８９":
        return int(digits.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    return _cn_value(digits)


class _Numbering:
    """Heading numbers read as a sequence: `10、` after `九、` is the tenth level-1 heading,
    not a level-3 item; `（10）` after `（九）` the tenth of level 2."""

    def __init__(self) -> None:
        self.last: dict[int, int | None] = {1: None, 2: None, 3: None, 4: None}

    def level(self, text: str, level: int) -> int:
        value = marker_value(text)
        if value is not None and level in (3, 4):
            upper = level - 2
            continues_own = self.last[level] is not None and self.last[level] == value - 1
            continues_upper = self.last[upper] is not None and self.last[upper] == value - 1
            if continues_upper and not continues_own:
                level = upper
        if value is not None:
            self.last[level] = value
            for lower in range(level + 1, 5):
                self.last[lower] = None
        return level


def _signature_start(lines: Sequence[SourceLine]) -> tuple[int, int]:
    """Indices (signature_start, date_index) at the end of lines; len(lines) when absent."""
    n = len(lines)
    if n == 0:
        return n, n
    date_index = n
    end = n
    if is_date(lines[-1].text):
        date_index = n - 1
        end = n - 1
    start = end
    # Up to two short lines just above the date (or at the very end, when pushed right).
    while start > 0 and end - start < 2:
        cand = lines[start - 1]
        t = cand.text
        # An office name, a line pushed right, or a short name right above the date.
        signer_like = (
            date_index < n
            and start == end
            and len(t) <= 15
            and "，" not in t
            and cand.number + 1 == lines[date_index].number
        )
        org_like = bool(_ORG_SUFFIX.search(t)) or cand.lead >= PUSHED_RIGHT or signer_like
        if (
            len(t) > SIGNATURE_MAX
            or t[-1] in _SENTENCE_END + "：:"
            or heading_level(t) is not None
            or is_contact(t)
            or _ATTACHMENT.match(t)
            or not org_like
        ):
            break
        if date_index == n and cand.lead < PUSHED_RIGHT:
            break  # without a date only a line visibly pushed right counts
        start -= 1
    if start == end and date_index == n:
        return n, n
    return start, date_index


_SIGNED_DATE = re.compile(
    rf"^(?P<sig>\S.{{0,{SIGNATURE_MAX}}}?)(?P<gap>\s*)"
    rf"(?P<date>(?:[0-9０-９]{{4}}|[{_CN_NUM}]{{4}})\s*年\s*[0-9０-９{_CN_NUM}]{{1,3}}\s*月"
    rf"\s*[0-9０-９{_CN_NUM}]{{1,3}}\s*日)$"
)


def _split_signed_date(content: list[SourceLine]) -> list[SourceLine]:
    """A last line holding the office and the date (`城关供电所  2027年1月3日`) becomes a
    signature line and a date line: set apart by two or more spaces, or signed by an
    office name (`…所`, `…委员会`), with no sentence punctuation in the name."""
    if len(content) < 2:
        return content
    last = content[-1]
    m = _SIGNED_DATE.match(last.text)
    if m is None:
        return content
    sig = m.group("sig").rstrip()
    gap = sum(2 if c == "\u3000" else 4 if c == "\t" else 1 for c in m.group("gap"))
    if (
        not sig
        or any(c in sig for c in _SENTENCE_END + "：:")
        or heading_level(sig) is not None
        or is_contact(sig)
        or not (gap >= 2 or _ORG_SUFFIX.search(sig))
    ):
        return content
    return [
        *content[:-1],
        SourceLine(sig, max(last.lead, PUSHED_RIGHT), last.number),
        SourceLine(m.group("date").strip(), max(last.lead, PUSHED_RIGHT), last.number),
    ]


def structure_lines(lines: Sequence[SourceLine], *, known_title: str | None = None) -> Document:
    """Classify the lines of a plain text into blocks."""
    content = [ln for ln in lines if ln.text]
    if not content:
        return Document(known_title, ())
    blocks: list[Block] = []
    title: str | None = None
    i = 0
    # Title: the first line(s) when short and not a heading or a sentence; several short
    # lines form one title only when a blank line or the salutation follows them.
    if _looks_like_title(content[0]) and len(content) > 1:
        group = [content[0]]
        k = 1
        while (
            k < len(content)
            and len(group) < 3
            and _looks_like_title(content[k])
            and content[k].number == content[k - 1].number + 1
        ):
            group.append(content[k])
            k += 1
        if len(group) > 1:
            after = content[k] if k < len(content) else None
            closes = after is not None and (
                after.number > group[-1].number + 1 or _is_salutation(after)
            )
            if not closes:
                group = group[:1]
        title = "".join(_join_pieces([g.text for g in group]))
        blocks.append(Block("title", title, align="center"))
        i = len(group)
    content = _split_signed_date(content)
    sig_start, date_index = _signature_start(content[i:])
    sig_start += i
    date_index += i
    # The salutation is the first line after the title, whether the title came from the
    # text or from front matter (or there is none); it is set flush left.
    if i < len(content) and i < sig_start and _is_salutation(content[i]):
        blocks.append(Block("body", content[i].text, indent=False))
        i += 1
    wrap = _wrap_columns(content[i:sig_start])
    numbering = _Numbering()
    in_attachment = False
    k = i
    while k < len(content):
        line = content[k]
        t = line.text
        k += 1
        if k - 1 >= sig_start:
            blocks.append(Block("date" if k - 1 == date_index else "signature", t, align="right"))
            continue
        if _ATTACHMENT.match(t):
            in_attachment = True
            blocks.append(Block("body", t, indent=False))
            continue
        level = heading_level(t)
        if level is not None:
            level = numbering.level(t, level)
        if in_attachment and level in (3, 4) and line.number == content[k - 2].number + 1:
            blocks.append(Block("body", t, indent=False))
            continue
        in_attachment = False
        # A hard-wrapped paragraph (mail, PDF copy): full lines run on into the next.
        parts = [t]
        last = line
        while (
            wrap
            and k < sig_start
            and _columns(last.text) >= wrap - 4
            and _continues(last, content[k])
        ):
            last = content[k]
            parts.append(last.text)
            k += 1
        text = "".join(_join_pieces(parts))
        if level is not None:
            blocks.append(_heading_block(text, level))
        else:
            blocks.append(Block("body", text))
    blocks = find_tables(blocks)
    return Document(title if title is not None else known_title, tuple(blocks))


def _columns(text: str) -> int:
    """Width in fixed-width columns: Chinese characters take two."""
    return sum(1 if ord(c) < 0x1100 else 2 for c in text)


def _wrap_columns(lines: Sequence[SourceLine]) -> int | None:
    """The column at which the text was hard-wrapped, or None when it was not.

    Hard-wrapped text has several lines of (nearly) the same, modest width; text typed in
    Notepad has one line per paragraph, of all lengths.
    """
    widths = [_columns(ln.text) for ln in lines if ln.lead < PUSHED_RIGHT]
    if len(widths) < 4:
        return None
    widest = max(widths)
    full = sum(1 for w in widths if w >= widest - 4)
    if widest > 110 or widest < 30 or full < 3 or full < len(widths) // 3:
        return None
    return widest


def _continues(prev: SourceLine, nxt: SourceLine) -> bool:
    """Does nxt run on from prev in hard-wrapped text? Not after a line ending a sentence."""
    return (
        prev.text[-1:] not in "。！？：；!?"
        and nxt.number == prev.number + 1
        and nxt.lead == 0
        and heading_level(nxt.text) is None
        and not _ATTACHMENT.match(nxt.text)
        and not is_date(nxt.text)
    )


def _join_pieces(parts: Sequence[str]) -> list[str]:
    """Lines of one title: joined without a space, except between two Latin words."""
    out: list[str] = []
    for p in parts:
        if out and out[-1][-1:].isascii() and out[-1][-1:].isalnum() and p[:1].isascii():
            out.append(" ")
        out.append(p)
    return out


def structure_text(text: str, *, known_title: str | None = None, first_line: int = 1) -> Document:
    return structure_lines(split_lines(text, first_line), known_title=known_title)
