"""Record lists read as tables: three or more list items of the same shape.

A 公示 lists recipients one per line, every line built alike:
`1.东风村 王秀兰（身份证号1507**********2341）：种植面积12.50亩，补贴金额1,875.00元；`.
Such items are a table in all but name. Each item is cut at its separators (spaces,
brackets, colons, commas, semicolons, 、), and the items agree when they have the same
separators in the same order. A column whose values all carry the same label and unit
around a number (种植面积 … 亩) gets that as its head (种植面积（亩）) and keeps only the
number in its cells. Nothing is lost: each row keeps its text as written, which the list
form sets when the columns do not fit the screen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from signage.core.model import Block, TableRow

MIN_ROWS = 3
MIN_FIELDS = 3
"""Fields besides the item number: fewer is a plain list."""
MAX_ITEM_CHARS = 120
"""A longer item is a paragraph, not a record."""
MAX_ROWS = 500

_MARKER = re.compile(r"^(?:([0-9０-９]{1,3})\s*[.．、]|[（(]\s*([0-9０-９]{1,3})\s*[）)])\s*")
_SEPARATORS = frozenset(" \t\u3000（）()：:，,；;、")
_FOLD = str.maketrans("（）：，；", "():,;")
_END = "；;。.，,"
NUMBER = re.compile(r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$")


def _fields(text: str) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """(item number, fields, separators between them) of a list item, or None.

    A comma or colon between digits (1,875.00 and 9:30) is part of the number.
    """
    m = _MARKER.match(text)
    number = ""
    body = text
    if m is not None:
        number = (m.group(1) or m.group(2) or "").strip()
        body = text[m.end() :]
    body = body.rstrip().rstrip(_END)
    fields: list[str] = []
    seps: list[str] = []
    cur: list[str] = []
    sep: list[str] = []
    n = len(body)
    for i, ch in enumerate(body):
        between_digits = (
            ch in ",:" and 0 < i < n - 1 and body[i - 1].isdigit() and body[i + 1].isdigit()
        )
        if ch in _SEPARATORS and not between_digits:
            if cur:
                fields.append("".join(cur))
                cur = []
                seps.append("".join(sep))
                sep = []
            sep.append(" " if ch.isspace() else ch.translate(_FOLD))
            continue
        if sep and not cur and not fields:
            sep = []  # separators before the first field
        cur.append(ch)
    if cur:
        fields.append("".join(cur))
        seps.append("".join(sep))
    if not fields:
        return None
    # seps[k] is what precedes field k; the first is empty by construction.
    folded = tuple(re.sub(" +", " ", s) for s in seps[1:])
    return number, tuple(fields), folded


def _common_prefix(values: Sequence[str]) -> str:
    first = values[0]
    k = 0
    while k < len(first) and not first[k].isdigit() and not first[k].isascii():
        if any(len(v) <= k or v[k] != first[k] for v in values):
            break
        k += 1
    return first[:k]


def _common_suffix(values: Sequence[str]) -> str:
    first = values[0]
    k = 0
    while k < len(first):
        ch = first[-1 - k]
        if ch.isdigit() or ch == "*" or (ch.isascii() and ch.isalpha()):
            break
        if any(len(v) <= k or v[-1 - k] != ch for v in values):
            break
        k += 1
    return first[len(first) - k :]


_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左"
    "柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈"
    "饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵"
    "苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_PLACES = ("社区", "嘎查", "苏木", "街道", "村", "镇", "乡", "组", "屯", "队")
_NAME_DOTS = "・·•‧"


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _guess_head(values: Sequence[str]) -> str:
    """村 for a column of village names, 姓名 for one of people's names; else nothing.

    Names: two to four Han characters (a Mongolian name joined by ・ up to nine), all
    different, at least half of them starting with a common surname or joined by a dot.
    """
    for place in _PLACES:
        if all(len(v) > len(place) and v.endswith(place) for v in values):
            return place
    if len(set(values)) < len(values):
        return ""

    def name_like(v: str) -> bool:
        core = "".join(c for c in v if c not in _NAME_DOTS)
        limit = 9 if len(core) < len(v) else 4
        return 2 <= len(core) <= limit and all(_is_han(c) for c in core)

    if not all(name_like(v) for v in values):
        return ""
    named = sum(1 for v in values if v[0] in _SURNAMES or any(d in v for d in _NAME_DOTS))
    return "姓名" if 2 * named >= len(values) else ""


def _column(values: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """(head, cells) of one column: a label and unit the values share around their numbers
    become the head, the numbers the cells; otherwise a guessed head (村, 姓名) or none,
    and the values as they are."""
    label = _common_prefix(values)
    unit = _common_suffix([v[len(label) :] for v in values])
    cells = tuple(v[len(label) : len(v) - len(unit)] for v in values)
    if (label or unit) and all(c and any(ch.isdigit() for ch in c) for c in cells):
        head = label + (f"（{unit}）" if unit else "")
        return head, cells
    return _guess_head(values), tuple(values)


def find_tables(blocks: Sequence[Block]) -> list[Block]:
    """blocks with each run of MIN_ROWS or more record items joined into one table block."""
    out: list[Block] = []
    k = 0
    n = len(blocks)
    while k < n:
        shape = _record_shape(blocks[k])
        if shape is None:
            out.append(blocks[k])
            k += 1
            continue
        j = k + 1
        while j < n and j - k < MAX_ROWS and _record_shape(blocks[j]) == shape:
            j += 1
        if j - k >= MIN_ROWS:
            out.append(_table([b.text for b in blocks[k:j]], indent=blocks[k].indent))
            k = j
        else:
            out.extend(blocks[k:j])
            k = j
    return out


def _record_shape(block: Block) -> tuple[bool, tuple[str, ...]] | None:
    if block.role != "body" or block.spans or len(block.text) > MAX_ITEM_CHARS:
        return None
    parsed = _fields(block.text)
    if parsed is None:
        return None
    number, fields, seps = parsed
    if len(fields) < MIN_FIELDS:
        return None
    # A sentence is not a record: its fields would be clauses, and a record carries
    # figures (an amount, an area, a phone or ID number).
    if any(len(f) > 24 for f in fields) or not any(c.isdigit() for f in fields for c in f):
        return None
    return bool(number), seps


def _table(texts: Sequence[str], *, indent: bool) -> Block:
    parsed = [_fields(t) for t in texts]
    rows = [p for p in parsed if p is not None]
    numbered = bool(rows[0][0])
    columns: list[tuple[str, tuple[str, ...]]] = []
    if numbered:
        # The item numbers, under no head: a 序号 head would be wider than the numbers.
        columns.append(("", tuple(r[0] for r in rows)))
    width = len(rows[0][1])
    for c in range(width):
        columns.append(_column([r[1][c] for r in rows]))
    heads = tuple(h for h, _ in columns)
    if not any(h for h, _ in columns[1 if numbered else 0 :]):
        heads = ()
    table_rows = tuple(
        TableRow(text, tuple(cells[r] for _, cells in columns)) for r, text in enumerate(texts)
    )
    return Block(
        "table", "\n".join(texts), rows=table_rows, columns=heads, indent=indent, align=None
    )
