"""Line breaking for Chinese text (GB/T 15834-2011 §5.1, W3C clreq), free of any font code.

The caller measures each character (`widths[i]` is the advance of `text[i]`) and gets back
lines with the position of every run, so a justified line draws exactly as computed.

A paragraph is broken as a whole (total fit, in the spirit of Knuth and Plass): among the
allowed breaks, the set whose lines need the least stretch or squeeze wins, so that one
line is set a character short to spare the next a river, and a paragraph does not end on
one character alone. What may flex in a line: the gaps between characters (at most
MAX_STRETCH em each; Han/Latin gaps take LATIN_STRETCH first), and the blank half of a
full-width mark at the line's end. A line that no set of breaks can justify within those
limits is set flush left. The rules:

- a break is allowed between Han characters; Latin words, numbers with their units, phone
  numbers, e-mail addresses and URLs stay whole: one that fits a line moves whole; only
  one wider than a line is cut, after @ . / - where possible;
- kinsoku: no line starts with a NO_START mark or ends with a NO_END mark; `——`, `……` and
  `⸺` are never split; a break breaking these rules is taken only when nothing else fits;
- key facts stay whole: a short parenthetical (up to SHORT_PAREN characters, `（星期二）`),
  a name joined by `・`/`·` (`乌日娜・其其格`), an ordinal (`第三`), a weekday (`星期二`);
- punctuation: two adjacent full-width marks take 1.5 em (`》（`, `）。`, `。”`), everywhere
  in the line, and an opening mark at the start of a line sits flush (clreq 3.1.4);
- a quarter em between Han and Latin letters or digits, none at a line's start or end,
  none next to ASCII punctuation (`元/月`, `人(`), and none inside a date or time: a
  number is set tight against a following 年 月 日 时 分 秒 号 点, and such a date part is
  tight against the number after it (`2026年12月1日`, `8时30分`); other boundaries keep
  the gap (`共 412 条`, `8:30 至 12:00`, `9.9%`, `10 分钟`); a date breaks only after its
  年 or 月, and only to spare a line a river.

The work is linear in the length of the paragraph whatever it holds: a Latin run wider
than a line is cut into pieces once, widths are prefix sums, and at most MAX_ACTIVE
earlier breaks are weighed for each break.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

NO_START = frozenset("。，、；：？！…‥·・）］｝〕〉》」』】〗〙’”％‰℃°′″～／–)]},.:;?!%")
NO_END = frozenset("（［｛〔〈《「『【〖〘‘“／¥￥$＄£([{")
# Full-width marks whose ink sits in the left half: the right half may be squeezed out.
CLOSING_MARKS = frozenset("。，、；：？！）］｝〕〉》」』】〗〙’”")
# Full-width marks whose ink sits in the right half.
OPENING_MARKS = frozenset("（［｛〔〈《「『【〖〘‘“")
# Runs of these are one unit: never split.
DASHES = frozenset("—…⸺⸻")
# Inside a long Latin run (URL, e-mail), a break may follow these when it must.
SPLIT_AFTER = frozenset("@./-_?&=")
BRACKETS = {"（": "）", "(": ")", "【": "】", "〔": "〕", "［": "］", "[": "]"}
NAME_DOTS = frozenset("・·•‧")
CN_NUMERALS = frozenset("一二三四五六七八九十百千零〇两")

DATE_PARTS = frozenset("年月日时分秒号点")
"""Han characters set tight after a number: the parts of a date or time."""
DATE_JOINS = frozenset("年月日时点")
"""Date parts set tight before a number too, when a number precedes them (年12月, 8时30分)."""

HAN_GAP = 0.25
"""Space between Han and Latin/digits, in em."""
MAX_STRETCH = 0.12
"""Most extra space per gap between Han characters a justified line may get, in em; more
reads as a river of white on a sign seen from a few metres."""
LOOSE_STRETCH = 0.22
"""Where no set of breaks keeps a line within MAX_STRETCH, it may still be justified up to
this (under the quarter em that reads as a river), at a high cost, before it is set flush
left and ends short."""
GAP_SHRINK = 0.125
"""How much a Han/Latin gap may give up when a line is a little too long, in em (a quarter
em becomes an eighth: still a gap, as the eye expects)."""
LATIN_STRETCH = 0.08
"""Extra space a Han/Latin gap (already a quarter em) takes first, before any other gap
is widened: a wider gap next to a number is hardly seen."""
COMPRESS = 0.5
"""How much of its em a full-width mark may give up, in em."""
SHORT_PAREN = 6
"""A parenthetical with at most this many characters inside is never broken."""
NAME_PART = 3
"""Characters on either side of a name's middle dot kept with it (乌日娜・其其格)."""
MAX_ACTIVE = 96
"""Earlier breaks weighed for each break: bounds the work per character whatever the text
(a run of zero-width characters would otherwise keep every break in play)."""

# Penalties (in the units of a line's badness, 0-100 for a justified line) of a break.
PENALTY_HAN = 4.0
"""Between two Han characters or a Han character and a word: a little dearer than after
a mark or at a space, so that a break at punctuation wins where the lines allow it."""
PENALTY_IN_WORD = 11.0
"""Inside a common word of official notices (中|心, 会|议, 联|系 …): without a dictionary,
a short list of the words these notices are made of keeps the breaks between words where
the lines allow it."""
PENALTY_DATE = 150.0
"""After the 年 or 月 of a date: taken only to spare a line a river."""
PENALTY_CUT = 120.0
"""Inside a Latin run wider than a line, after @ . / -."""
PENALTY_CUT_ANYWHERE = 400.0
"""Inside a Latin run wider than a line, where no mark helps."""
PENALTY_FORCED = 3000.0
"""A break against the rules above (kinsoku, a key fact): only when nothing else fits."""
LOOSE_BADNESS = 1000.0
"""A line that cannot be justified without a river, set flush left."""
RUNT_PENALTY = 120.0
"""A paragraph's last line holding one character (and its marks)."""
BALANCED_RUNT_PENALTY = 400.0
"""A heading's or key line's last line of three characters or fewer."""


@dataclass(frozen=True)
class SetLine:
    """One line of a paragraph: which characters, and where each run of them goes."""

    start: int
    end: int
    """text[start:end] is the line, without the spaces dropped at the break."""
    text: str
    runs: tuple[tuple[int, int, float], ...]
    """(start, end, x): text[start:end] drawn from x, x relative to the paragraph's left edge."""
    width: float
    """From the paragraph's left edge to the end of the ink advance of the last run."""
    justified: bool


def _is_han(ch: str) -> bool:
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x3FFFF
        or 0x3040 <= o <= 0x30FF
    )


def _is_latin(ch: str) -> bool:
    if ch.isspace():
        return False
    o = ord(ch)
    if o < 0x80:
        return ch.isprintable()
    # Accented letters, Greek, Cyrillic, signs like ± × °; not general punctuation (— “ …).
    return 0xA0 < o < 0x2000 and ch not in "·"


class _Unit:
    """A piece that is never broken inside: a Han character, a mark, a Latin word, a space."""

    __slots__ = (
        "cut",
        "draw_shift",
        "end",
        "kind",
        "splittable",
        "start",
        "tight",
        "width",
        "width0",
    )

    def __init__(self, start: int, end: int, kind: str, width: float) -> None:
        self.start = start
        self.end = end
        self.kind = kind  # han | latin | space | mark | dash | other
        self.width = width  # may be compressed
        self.width0 = width  # natural advance
        self.draw_shift = 0.0  # compressed opening marks draw left of their slot
        self.splittable = False  # a forced break may follow this unit (split Latin run)
        self.tight = False  # no Han-Latin gap before this unit (inside a date)
        self.cut = 0.0  # penalty of a break after this piece of a cut Latin run


def _units(text: str, widths: Sequence[float]) -> list[_Unit]:
    out: list[_Unit] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        j = i + 1
        if "\u4e00" <= ch <= "\u9fff":
            out.append(_Unit(i, j, "han", float(widths[i])))
            i = j
            continue
        if _is_latin(ch):
            while j < n and _is_latin(text[j]):
                j += 1
            kind = "latin"
        elif ch in DASHES:
            # ―― and …… are one unit; a longer run is cut into such pairs.
            if j < n and text[j] == ch:
                j += 1
            kind = "dash"
        elif ch.isspace():
            kind = "space"
        elif _is_han(ch):
            kind = "han"
        elif ch in CLOSING_MARKS or ch in OPENING_MARKS:
            kind = "mark"
        else:
            kind = "other"
        out.append(_Unit(i, j, kind, float(sum(widths[i:j]))))
        i = j
    _mark_dates(text, out)
    return out


def _mark_dates(text: str, units: Sequence[_Unit]) -> None:
    """Set numbers tight against the date and time parts around them: 2026年12月1日."""
    number = [
        u.kind == "latin" and text[u.start : u.end].isdigit() and text[u.start].isascii()
        for u in units
    ]
    for k in range(1, len(units)):
        b = units[k]
        if b.kind == "han":
            # 10分钟 and 3点钟 are durations, not times of day: they keep the gap like
            # any other count.
            b.tight = (
                number[k - 1] and text[b.start] in DATE_PARTS and text[b.end : b.end + 1] != "钟"
            )
        elif number[k]:
            a = units[k - 1]
            b.tight = k >= 2 and a.kind == "han" and text[a.start] in DATE_JOINS and number[k - 2]


def _can_break(text: str, a: _Unit, b: _Unit, *, in_date: bool = False) -> bool:
    """May a line end after unit a and the next start with unit b?

    A date or time set tight is not broken (2026年12 / 月31日 reads badly); with in_date,
    a break after its 年 or 月 is allowed, for when keeping it whole would open a river.
    """
    if b.kind == "space":
        return False  # break after the space instead
    if b.tight:
        return in_date and a.kind == "han"
    first = text[b.start]
    if first in NO_START and not (b.kind == "dash" and b.end - b.start > 1 and first == "—"):
        return False
    if a.kind == "space":
        return True
    if text[a.end - 1] in NO_END:
        return False
    return not (a.kind == "latin" and b.kind == "latin" and not a.splittable)


def _han_latin(a: _Unit, b: _Unit, text: str) -> bool:
    """Is there a quarter-em gap between units a and b: Han against a Latin letter or digit?

    ASCII punctuation next to Han is not padded (`元/月`, `巴特尔(2人)`): the gap is for
    words, and a bracket or slash set apart reads as a stray mark.
    """
    if b.tight:
        return False
    if a.kind == "han" and b.kind == "latin":
        return text[b.start].isalnum()
    if a.kind == "latin" and b.kind == "han":
        return text[a.end - 1].isalnum()
    return False


def _gap(a: _Unit, b: _Unit, em: float, text: str) -> float:
    if a.kind == "han" and b.kind == "han":
        return 0.0
    return HAN_GAP * em if _han_latin(a, b, text) else 0.0


def _natural(units: Sequence[_Unit], em: float, text: str) -> float:
    total = 0.0
    prev: _Unit | None = None
    for u in units:
        if prev is not None:
            total += _gap(prev, u, em, text)
        total += u.width
        prev = u
    return total


def _full_width(u: _Unit, em: float) -> bool:
    return u.kind == "mark" and u.width0 >= 0.9 * em


def _compress_adjacent(text: str, units: Sequence[_Unit], em: float) -> None:
    """Two adjacent full-width marks take 1.5 em, wherever they are in the line (clreq).

    A closing mark followed by another mark gives up its blank right half (`）。`, `》（`,
    `。”`); an opening mark after an opening mark gives up its blank left half (`（《`).
    ASCII spaces typed next to a full-width mark take no room: the mark has its own blank.
    """
    n = len(units)
    for k in range(n - 1):
        a, b = units[k], units[k + 1]
        if not (_full_width(a, em) and _full_width(b, em)):
            continue
        if text[a.start] in CLOSING_MARKS:
            a.width = a.width0 - COMPRESS * em
        elif text[a.start] in OPENING_MARKS and text[b.start] in OPENING_MARKS:
            b.width = b.width0 - COMPRESS * em
            b.draw_shift = -COMPRESS * em
    k = 0
    while k < n:
        if units[k].kind != "space":
            k += 1
            continue
        j = k
        while j < n and units[j].kind == "space":
            j += 1
        ascii_only = all(text[u.start] == " " for u in units[k:j])
        touches = (k > 0 and _full_width(units[k - 1], em)) or (j < n and _full_width(units[j], em))
        if ascii_only and touches:
            for u in units[k:j]:
                u.width = 0.0
        k = j


def _cut_long_runs(text: str, widths: Sequence[float], units: list[_Unit], limit: float) -> None:
    """Cut every Latin run wider than limit (a line) into pieces a quarter to half a line
    wide, after @ . / - where there is one: the breaks a line may take inside it.

    One pass over the run's characters, so a run of any length costs linear time.
    """
    out: list[_Unit] = []
    changed = False
    lo, hi = limit / 4, limit / 2
    for u in units:
        if u.kind != "latin" or u.width <= limit + 1e-6:
            out.append(u)
            continue
        changed = True
        start = u.start
        acc = 0.0
        soft: tuple[int, float] | None = None  # last cut after a mark: (end, width)
        pieces: list[_Unit] = []
        i = u.start
        while i < u.end:
            w = widths[i]
            if acc + w > hi and i > start:
                end, width, penalty = i, acc, PENALTY_CUT_ANYWHERE
                if soft is not None:
                    end, width = soft
                    penalty = PENALTY_CUT
                else:
                    while end > start + 1 and (text[end] in NO_START or text[end - 1] in NO_END):
                        end -= 1
                        width -= widths[end]
                piece = _Unit(start, end, "latin", width)
                piece.splittable = True
                piece.cut = penalty
                pieces.append(piece)
                acc -= width
                start = end
                soft = None
                continue
            acc += w
            i += 1
            if i < u.end and text[i - 1] in SPLIT_AFTER and text[i] not in NO_START and acc >= lo:
                soft = (i, acc)
        tail = _Unit(start, u.end, "latin", acc)
        if pieces:
            pieces[0].tight = u.tight
        else:
            tail.tight = u.tight
        pieces.append(tail)
        out.extend(pieces)
    if changed:
        units[:] = out


_KEEP_TRIGGERS = frozenset(BRACKETS) | frozenset(BRACKETS.values()) | NAME_DOTS | set("第期周")


def _keep_whole(text: str, units: Sequence[_Unit]) -> list[bool]:
    """glued[k]: no break before units[k], to keep a key fact on one line.

    Short parentheticals (`（星期二）`, `（2人）`), a name around its middle dot
    (`乌日娜・其其格`), an ordinal (`第三`) and a weekday (`星期二`, `周五`).
    """
    n = len(units)
    glued = [False] * n
    stack: list[int] = []
    triggers = _KEEP_TRIGGERS
    for k, u in enumerate(units):
        ch = text[u.start]
        if ch not in triggers or u.end - u.start != 1:
            continue
        if ch in BRACKETS:
            stack.append(k)
            if len(stack) > 32:
                del stack[0]
        elif stack and ch == BRACKETS[text[units[stack[-1]].start]]:
            opened = stack.pop()
            if k - opened > SHORT_PAREN + 2:
                continue
            inner = sum(
                1 for v in units[opened + 1 : k] for c in text[v.start : v.end] if not c.isspace()
            )
            if inner <= SHORT_PAREN:
                for j in range(opened + 1, k + 1):
                    glued[j] = True
        elif ch in NAME_DOTS:
            # The dot and up to NAME_PART characters either side stay on one line.
            glued[k] = True
            j = k - 1
            while j > 0 and k - j < NAME_PART and units[j].kind == "han":
                glued[j] = True
                j -= 1
            j = k + 1
            while j < n and j - k <= NAME_PART and units[j].kind == "han":
                glued[j] = True
                j += 1
        elif ch == "第" and u.kind == "han" and k + 1 < n:
            nxt = units[k + 1]
            if text[nxt.start] in CN_NUMERALS or text[nxt.start].isdigit():
                glued[k + 1] = True
                j = k + 2
                while j < n and j - k <= 3 and text[units[j].start] in CN_NUMERALS:
                    glued[j] = True
                    j += 1
        elif ch == "期" and k >= 1 and text[units[k - 1].start] == "星":
            glued[k] = True
            if k + 1 < n and text[units[k + 1].start] in "一二三四五六日天":
                glued[k + 1] = True
        elif ch == "周" and k + 1 < n and text[units[k + 1].start] in "一二三四五六日末":
            glued[k + 1] = True
    return glued


_WORD_LIST = """
中心 政府 人民 服务 工作 办公 联系 电话 会议 通知 群众 居民 社区
单位 部门 管理 安全 生产 检查 时间 地点 参加 人员 要求 情况 问题
发展 建设 组织 领导 落实 加强 推进 开展 做好 确保 及时 有关 相关
规定 办法 实施 方案 公示 补贴 面积 金额 农业 农村 牧区 医疗 保险
缴费 参保 待遇 政策 资助 标准 会议室 办公室 供电 停电 停水 供水 供暖
检修 准备 谅解 身份 村民 小组 评议 审核 发放 对象 如下 异议 反映
期间 手机 静音 书记 负责 解释 咨询 工作日 上午 下午 星期 元旦 春节
国庆 节日 假期 办理 业务 窗口 大厅 便民 防火 消防 森林 草原 疫情
防控 卫生 健康 教育 学校 学生 家长 老人 儿童 残疾 低保 救助 社保
医保 户籍 派出所 公安 交通 道路 车辆 施工 通行 绕行 天气 降雪 大风
预警 应急 避险 信息 公开 申请 材料 证件 复印件 原件 网格 网格员
安全员 党组织 党支部 委员会 嘎查 苏木 旗县 盟市 自治区 内蒙古 呼和浩特
包头 赤峰 通辽 鄂尔多斯 乌兰察布 巴彦淖尔 镇政府 街道 居委会 村委会
合作社 企业 公司 项目 资金 投资 经济 收入 支出 预算 年度 季度 报告
总结 计划 目标 任务 责任 考核 督查 宣传 培训 学习 活动 志愿 文明
环境 垃圾 分类 卫生间 停车 充电 电费 水费 燃气 取暖 煤炭 粮食 种植
养殖 牛羊 饲料 耕地 地力 保护 补助 奖励 标准 审批
"""
_WORDS = _WORD_LIST.split()
_WORD_PAIRS = frozenset(w[k : k + 2] for w in _WORDS for k in range(len(w) - 1))


def _break_penalty(text: str, a: _Unit, b: _Unit) -> float:
    """What a break between units a and b costs when it is allowed."""
    if a.splittable and a.kind == "latin" and b.kind == "latin":
        return a.cut
    if a.kind in ("space", "mark", "dash") or text[a.end - 1] in NO_START:
        return 0.0
    if a.kind == "han" and b.kind == "han" and text[a.start] + text[b.start] in _WORD_PAIRS:
        return PENALTY_IN_WORD
    return PENALTY_HAN


def break_lines(
    text: str,
    widths: Sequence[float],
    measure: float,
    em: float,
    *,
    first_indent: float = 0.0,
    justify: bool = True,
    balance: bool = False,
) -> list[SetLine]:
    """Break one paragraph into lines of at most `measure` (the first `first_indent` less).

    justify: spread every line but the last to the measure (or set it flush left where
    that would open a river); balance (for headings and key lines): make the lines about
    equally long and leave no short last line. Every character except the spaces at a
    break ends up in exactly one line, in order.
    """
    if len(widths) != len(text):
        raise ValueError(f"{len(widths)} widths for {len(text)} characters")
    units = _units(text, widths)
    if not units:
        return []
    first_avail = max(measure - first_indent, em)
    full_avail = max(measure, em)
    _cut_long_runs(text, widths, units, full_avail)
    _compress_adjacent(text, units, em)
    flush_first = first_indent == 0.0
    breaks = _total_fit(
        text, widths, units, em, first_avail, full_avail, justify, balance, flush_first
    )
    out: list[SetLine] = []
    a = 0
    for n, b in enumerate(breaks):
        last = b >= len(units)
        avail = first_avail if n == 0 else full_avail
        offset = first_indent if n == 0 else 0.0
        line = _trim(units, a, b)
        if line is not None:
            s, _e = line
            opening = _full_width(units[s], em) and text[units[s].start] in OPENING_MARKS
            if opening and (n > 0 or first_indent == 0.0) and units[s].draw_shift == 0.0:
                # An opening mark at a line's start sits flush (its blank half goes).
                units[s].width = units[s].width0 - COMPRESS * em
                units[s].draw_shift = -COMPRESS * em
        out.append(_place(text, widths, units, a, b, offset, avail, em, justify and not last))
        a = b
    return [ln for ln in out if ln.text or len(out) == 1]


def _trim(units: Sequence[_Unit], a: int, b: int) -> tuple[int, int] | None:
    while a < b and units[a].kind == "space":
        a += 1
    while b > a and units[b - 1].kind == "space":
        b -= 1
    return (a, b) if a < b else None


def _total_fit(
    text: str,
    widths: Sequence[float],
    units: list[_Unit],
    em: float,
    first_avail: float,
    full_avail: float,
    justify: bool,
    balance: bool,
    flush_first: bool,
) -> list[int]:
    """The unit indices after which lines end (the last is len(units)), chosen together.

    Dynamic programming over the allowed breaks. For a line from break a to break b the
    natural width, the gaps that may stretch and the squeeze its last mark allows come
    from prefix sums, so each line is weighed in constant time; the breaks in play are
    those whose line to b is not overfull, at most MAX_ACTIVE of them, and only the ones
    that can be justified plus the nearest that cannot are weighed.
    """
    n = len(units)
    # Prefix sums: x[k] the natural width of units[:k]; st/lt the stretchable gaps and the
    # Han/Latin gaps among them before unit k.
    x = [0.0] * (n + 1)
    gap_before = [0.0] * n
    st = [0] * (n + 1)
    lt = [0] * (n + 1)
    lg = [0] * (n + 1)  # Han/Latin gaps, which may shrink
    prev: _Unit | None = None
    quarter = HAN_GAP * em
    for k, u in enumerate(units):
        g = 0.0
        s_ok = 0
        if prev is not None:
            if prev.kind == "han" and u.kind == "han":
                # The common case, inlined: no gap; stretchable unless inside a date.
                s_ok = 0 if u.tight else 1
            else:
                if _han_latin(prev, u, text):
                    g = quarter
                if _stretchable(text, prev, u):
                    s_ok = 1
        gap_before[k] = g
        x[k + 1] = x[k] + g + u.width
        st[k + 1] = st[k] + s_ok
        lt[k + 1] = lt[k] + (1 if s_ok and g else 0)
        lg[k + 1] = lg[k] + (1 if g else 0)
        prev = u
    # Where a line starting at break k begins (spaces skipped) and one ending there ends.
    kinds = [u.kind for u in units]
    if "space" in kinds:
        next_ink = [n] * (n + 1)
        for k in range(n - 1, -1, -1):
            next_ink[k] = k if kinds[k] != "space" else next_ink[k + 1]
        prev_ink = [0] * (n + 1)
        for k in range(1, n + 1):
            prev_ink[k] = k if kinds[k - 1] != "space" else prev_ink[k - 1]
    else:
        next_ink = prev_ink = list(range(n + 1))
    glued = _keep_whole(text, units)
    # An opening mark starting a line sits flush: the line is half an em narrower.
    half = COMPRESS * em
    start_cut = [0.0] * (n + 1)
    for k, kind in enumerate(kinds):
        if kind == "mark":
            u = units[k]
            if _full_width(u, em) and u.draw_shift == 0.0 and text[u.start] in OPENING_MARKS:
                start_cut[k] = half
    first_cut = start_cut[next_ink[0]] if flush_first else 0.0

    # The allowed breaks and their penalties; spans wider than a line between them get
    # forced breaks at every unit boundary, dear enough to be taken only there.
    cands: list[int] = [0]
    pens: list[float] = [0.0]
    for k in range(1, n):
        a, b = units[k - 1], units[k]
        if b.kind == "space":
            continue
        if a.kind == "han" and b.kind == "han" and not b.tight:
            # The common case, inlined: a break between Han characters.
            if not glued[k]:
                cands.append(k)
                inside = text[a.start] + text[b.start] in _WORD_PAIRS
                pens.append(PENALTY_IN_WORD if inside else PENALTY_HAN)
            continue
        if _can_break(text, a, b) and not glued[k]:
            cands.append(k)
            pens.append(_break_penalty(text, a, b))
        elif b.tight and _can_break(text, a, b, in_date=True):
            cands.append(k)
            pens.append(PENALTY_DATE)
    cands.append(n)
    pens.append(0.0)
    if _split_glued_words(text, widths, units, cands, x, first_avail, full_avail):
        # Words glued to marks into a span wider than a line may be cut as a last resort:
        # weigh the paragraph again with those cuts (once: the spans are now cut).
        return _total_fit(
            text, widths, units, em, first_avail, full_avail, justify, balance, flush_first
        )
    cands, pens = _add_forced(units, cands, pens, x, first_avail, full_avail)

    m = len(cands)
    total = [math.inf] * m
    back = [0] * m
    total[0] = 0.0
    # Per break: where its line's ink starts, and the prefix sums there.
    sidx = [next_ink[c] for c in cands]
    lead = [0.0] * m
    st_at = [0] * m
    lt_at = [0] * m
    lg_at = [0] * m
    avail_at = [full_avail] * m
    avail_at[0] = first_avail
    for i in range(m):
        s = sidx[i]
        if s < n:
            cut = first_cut if i == 0 else start_cut[s]
            lead[i] = x[s] + gap_before[s] + cut
            st_at[i] = st[s + 1]
            lt_at[i] = lt[s + 1]
            lg_at[i] = lg[s + 1]
        else:
            lead[i] = x[n]
    stretch_em = MAX_STRETCH * em
    loose_em = LOOSE_STRETCH * em
    latin_em = LATIN_STRETCH * em
    gap_shrink = GAP_SHRINK * em
    active: deque[int] = deque([0])
    for j in range(1, m):
        brk = cands[j]
        e = prev_ink[brk]
        last = brk >= n
        shrink = 0.0
        if e > 0:
            end = units[e - 1]
            if end.kind == "mark" and end.width0 >= 0.9 * em and text[end.start] in CLOSING_MARKS:
                shrink = end.width - (end.width0 - half)
        pen2 = pens[j] * pens[j]
        xe = x[e]
        ste = st[e]
        lte = lt[e]
        lge = lg[e]
        best = math.inf
        best_i = j - 1
        # Drop breaks whose line to b is overfull: it only gets wider for later b.
        while len(active) > 1:
            i = active[0]
            squeeze = shrink + gap_shrink * (lge - lg_at[i])
            if sidx[i] < e and xe - lead[i] - squeeze > avail_at[i] + 1e-6:
                active.popleft()
                continue
            break
        for i in active:
            s = sidx[i]
            if s >= e:
                continue  # an empty line (only spaces)
            avail = avail_at[i]
            spare = avail - (xe - lead[i])
            stop = False
            squeeze = shrink + gap_shrink * (lge - lg_at[i])
            if spare < -squeeze - 1e-6:
                if i != j - 1:
                    continue
                badness = LOOSE_BADNESS * 10  # one unit wider than a line: it overflows
            elif last:
                badness = 0.0
                if balance:
                    badness = 100.0 * (spare / avail) ** 2 if i > 0 else 0.0
            elif not justify:
                badness = (100.0 if balance else 50.0) * (max(spare, 0.0) / avail) ** 2
                stop = spare > 0.6 * avail  # shorter lines from later starts: none better
            elif spare < 0:
                # Squeezed: the line's last mark first, then its Han/Latin gaps.
                badness = 25.0 * (min(-spare, shrink) / half) ** 2
                if -spare > shrink + 1e-9 and squeeze > shrink + 1e-9:
                    badness += 60.0 * ((-spare - shrink) / (squeeze - shrink)) ** 2
            else:
                room = latin_em * (lte - lt_at[i])
                if spare <= room:
                    badness = 10.0 * (spare / room) ** 2 if room else 0.0
                else:
                    gaps = ste - st_at[i]
                    per = (spare - room) / gaps if gaps else math.inf
                    if per > loose_em + 1e-9:
                        # Flush left, the fuller the better: a line half empty is worse
                        # than two a fifth empty each.
                        badness = LOOSE_BADNESS + 6000.0 * (spare / avail) ** 2
                        stop = True  # later starts give shorter lines: all as loose
                    elif per > stretch_em + 1e-9:
                        # Justified wide: better than a line ending ems short.
                        r = per / stretch_em
                        badness = 300.0 + 100.0 * r * r * r
                    else:
                        r = per / stretch_em
                        badness = 100.0 * r * r * r
            d = total[i] + (1.0 + badness) ** 2 + pen2
            if last and i > 0:
                d += _runt(text, units, s, e, balance)
            if d <= best + 1e-9:  # on a tie, the earlier lines fuller
                best, best_i = d, i
            if stop:
                break
        if best == math.inf:
            best = total[j - 1] + (1.0 + LOOSE_BADNESS * 10) ** 2 + pen2
            best_i = j - 1
        total[j] = best
        back[j] = best_i
        active.append(j)
        if len(active) > MAX_ACTIVE:
            active.popleft()
    out: list[int] = []
    j = m - 1
    while j > 0:
        out.append(cands[j])
        j = back[j]
    out.reverse()
    return out


def _split_glued_words(
    text: str,
    widths: Sequence[float],
    units: list[_Unit],
    cands: Sequence[int],
    x: Sequence[float],
    first_limit: float,
    limit: float,
) -> bool:
    """Cut the Latin words of spans wider than a line into characters, each cut a forced
    break (`（000000000000。”` in a column of 8 em). True when anything was cut."""
    wide: list[int] = []
    for k in range(1, len(cands)):
        if x[cands[k]] - x[cands[k - 1]] > (first_limit if k == 1 else limit) + 1e-6:
            wide.extend(
                f
                for f in range(cands[k - 1], cands[k])
                if units[f].kind == "latin" and units[f].end - units[f].start > 1
            )
    if not wide:
        return False
    for f in reversed(wide):
        u = units[f]
        pieces = []
        for c in range(u.start, u.end):
            piece = _Unit(c, c + 1, "latin", float(widths[c]))
            piece.splittable = c + 1 < u.end
            piece.cut = PENALTY_FORCED
            pieces.append(piece)
        pieces[0].tight = u.tight
        units[f : f + 1] = pieces
    return True


def _add_forced(
    units: Sequence[_Unit],
    cands: list[int],
    pens: list[float],
    x: Sequence[float],
    first_limit: float,
    limit: float,
) -> tuple[list[int], list[float]]:
    """Add a forced break at every unit boundary of a span between allowed breaks that is
    wider than a line (a run of marks, a key fact in a very narrow column)."""
    out_c: list[int] = []
    out_p: list[float] = []
    for k in range(len(cands)):
        if k and x[cands[k]] - x[cands[k - 1]] > (first_limit if k == 1 else limit) + 1e-6:
            for f in range(cands[k - 1] + 1, cands[k]):
                if units[f].kind != "space":
                    out_c.append(f)
                    out_p.append(PENALTY_FORCED)
        out_c.append(cands[k])
        out_p.append(pens[k])
    return out_c, out_p


def _runt(text: str, units: Sequence[_Unit], s: int, e: int, balance: bool) -> float:
    """The cost of a paragraph's last line units[s:e] for being too short to stand."""
    words = 0
    chars = 0
    for u in units[s:e]:
        if u.kind in ("mark", "space"):
            continue
        words += 1
        chars += u.end - u.start
        if words > 3:
            return 0.0
    if balance:
        return BALANCED_RUNT_PENALTY**2 if chars <= 3 and words <= 3 else 0.0
    if words == 1 and chars <= 2 and units[s].kind != "latin":
        return RUNT_PENALTY**2
    return 0.0


def _strip_spaces(line: list[_Unit]) -> list[_Unit]:
    a, b = 0, len(line)
    while a < b and line[a].kind == "space":
        a += 1
    while b > a and line[b - 1].kind == "space":
        b -= 1
    return line[a:b]


def _pairs(text: str, line: Sequence[_Unit], em: float) -> tuple[list[float], list[bool]]:
    """For each pair of neighbouring units of line: the gap between them (a quarter em
    between Han and a word, else 0) and whether justification may widen it."""
    gaps: list[float] = []
    ok: list[bool] = []
    quarter = HAN_GAP * em
    for a, b in itertools.pairwise(line):
        if a.kind == "han" and b.kind == "han":
            gaps.append(0.0)
            ok.append(not b.tight)
        else:
            gaps.append(quarter if _han_latin(a, b, text) else 0.0)
            ok.append(_stretchable(text, a, b))
    return gaps, ok


def _stretch_plan(
    text: str,
    line: Sequence[_Unit],
    spare: float,
    em: float,
    limit: float = LOOSE_STRETCH,
    pairs: tuple[list[float], list[bool]] | None = None,
) -> list[float] | None:
    """Extra space after each unit of line but the last that spreads spare, or None.

    Han/Latin gaps take up to LATIN_STRETCH first; the rest is shared evenly by every
    stretchable gap, at most limit each (MAX_STRETCH where the breaks allow, LOOSE_STRETCH
    at most). None when that is not enough (a river). A line a little too long (spare
    below 0) narrows its Han/Latin gaps by up to GAP_SHRINK each instead.
    """
    gap, ok = pairs if pairs is not None else _pairs(text, line, em)
    n = len(line) - 1
    plan = [0.0] * max(n, 0)
    if spare < -1e-6:
        narrow = [k for k in range(n) if gap[k] > 0.0]
        if not narrow or -spare > GAP_SHRINK * em * len(narrow) + 1e-6:
            return None
        for k in narrow:
            plan[k] = spare / len(narrow)
        return plan
    if spare <= 1e-9:
        return plan
    gaps = sum(ok)
    if not gaps or spare > (limit * gaps + LATIN_STRETCH * n) * em + 1e-9:
        return None  # more than any plan can take
    latin = [k for k in range(n) if ok[k] and gap[k] > 0.0]
    if latin:
        each = min(LATIN_STRETCH * em, spare / len(latin))
        for k in latin:
            plan[k] = each
        spare -= each * len(latin)
    per = spare / gaps
    if per > limit * em + 1e-9:
        return None
    for k in range(n):
        if ok[k]:
            plan[k] += per
    return plan


def _stretchable(text: str, a: _Unit, b: _Unit) -> bool:
    """May justification widen the gap between units a and b?

    Not inside a date set tight, not before a closing mark nor after an opening one
    ("example ，" would read as a stray comma), not inside a range of numbers (9:00—12:00).
    """
    if {a.kind, b.kind} == {"latin", "dash"}:
        return False
    return not b.tight and text[b.start] not in NO_START and text[a.end - 1] not in NO_END


def _place(
    text: str,
    widths: Sequence[float],
    units: list[_Unit],
    a: int,
    b: int,
    offset: float,
    avail: float,
    em: float,
    justify: bool,
) -> SetLine:
    line = _strip_spaces(units[a:b])
    if not line:
        return SetLine(units[a].start, units[a].start, "", (), offset, False)
    pairs = _pairs(text, line, em)
    gap = pairs[0]
    natural = sum(u.width for u in line) + sum(gap)
    last = line[-1]
    if natural > avail + 1e-6 and _full_width(last, em) and text[last.start] in CLOSING_MARKS:
        # Too long: the last mark gives up (part of) its blank half first.
        give = min(natural - avail, last.width - (last.width0 - COMPRESS * em))
        if give > 0:
            last.width -= give
            natural -= give
    justified = False
    # Spare space goes between units, but not everywhere (see _stretch_plan).
    extra = [0.0] * (len(line) - 1)
    if justify and len(line) > 1:
        plan = _stretch_plan(text, line, avail - natural, em, pairs=pairs)
        if plan is not None and any(pairs[1]):
            extra = plan
            justified = True
    elif natural > avail + 1e-6 and len(line) > 1:
        plan = _stretch_plan(text, line, avail - natural, em, pairs=pairs)
        if plan is not None:
            extra = plan
    runs: list[list[float]] = []  # [start, end, x, natural end x]
    x = offset
    for k, u in enumerate(line):
        if k:
            x += gap[k - 1] + extra[k - 1]
        draw_x = x + u.draw_shift
        if runs and int(runs[-1][1]) == u.start and abs(runs[-1][3] - draw_x) < 0.01:
            runs[-1][1] = u.end
            runs[-1][3] = draw_x + u.width0
        else:
            runs.append([u.start, u.end, draw_x, draw_x + u.width0])
        x += u.width
    start, end = line[0].start, line[-1].end
    return SetLine(
        start,
        end,
        text[start:end],
        tuple((int(r[0]), int(r[1]), r[2]) for r in runs),
        x,
        justified,
    )


# --- balanced lines for titles ------------------------------------------------------------

# Where a title reads well broken, as penalties (0 best). A small table of the shapes
# official titles take ([机关][关于][事由][的通知]), not a dictionary: any other break
# between Han characters costs PLAIN_BREAK, enough that a good point a few characters
# off balance wins over a balanced break in the middle of a word.
_TITLE_AFTER = re.compile(r"(关于|[0-9]年度?|[0-9]月|[0-9]日|季度)$")
_TITLE_BEFORE = re.compile(
    r"(的(通知|通告|公告|报告|决定|意见|方案|办法|规定|细则|函|批复|请示|说明|公示|决议|"
    r"纪要|安排|实施方案|工作方案)|关于)"
)
_ORG_SUFFIXES = (
    "政府",
    "委员会",
    "办公室",
    "办事处",
    "中心",
    "管委会",
    "党委",
    "指挥部",
    "领导小组",
)
_TITLE_BEFORE_SOFT = re.compile(r"(工作|[和及与暨并])")
PLAIN_BREAK = 4.0
"""Penalty of a break between two Han characters at no natural point."""
IMBALANCE = 0.5
"""Penalty per em of difference between the longest and the shortest line."""
BALANCE_MAX_CHARS = 160
"""Longer text is not searched for natural break points (each costs a look back)."""
MIN_TITLE_LINE = 3
"""No line of a balanced title has fewer characters (no one- or two-character stub)."""


def title_break_penalty(text: str, p: int) -> float:
    """How well a title reads broken before text[p]: 0 at a natural point, PLAIN_BREAK mid-word.

    Natural points: at a space or after punctuation (0); after 关于 and before 关于 (0);
    after a year, month or day following digits, 2025年 / 2025年度, and after 季度 (0);
    before 的通知, 的报告 and the other document kinds (0); next to brackets and quotes
    (0.5); after an organisation name ending in 政府, 委员会, 办公室, 中心 … when no further
    suffix follows (1); before 工作 and before 和 及 与 (1.5); between Han and Latin or
    digits (3); elsewhere between Han characters PLAIN_BREAK, one more at an odd count from
    the start of the Han run or the last natural point (most words have two characters, so
    even counts fall between words more often), two more inside a common word (保|险).
    """
    before, after = text[:p], text[p:]
    if not before or not after:
        return 0.0
    a, b = before[-1], after[0]
    if a.isspace() or a in "，、：；,;:！？!?":
        return 0.0
    if _TITLE_AFTER.search(before) and not (a == "年" and b == "度"):
        return 0.0
    if _TITLE_BEFORE.match(after):
        return 0.0
    if a in CLOSING_MARKS or b in OPENING_MARKS:
        return 0.5
    if before.endswith(_ORG_SUFFIXES) and not after.startswith(_ORG_SUFFIXES):
        return 1.0
    if _TITLE_BEFORE_SOFT.match(after):
        return 1.5
    if _is_han(a) and _is_han(b):
        # Most words are two characters long: inside a run of Han text, a break an even
        # number of characters from the run's start more often falls between words.
        # The run starts after a non-Han character or a natural point (2026年|第四季度).
        run = 0
        while run < len(before) and _is_han(before[-1 - run]):
            if run and _TITLE_AFTER.search(before[: len(before) - run]):
                break
            run += 1
        inside_word = 2.0 if a + b in _WORD_PAIRS else 0.0
        return PLAIN_BREAK + (run % 2) + inside_word
    return 3.0


def balance_lines(
    text: str, widths: Sequence[float], measure: float, em: float, *, max_combos: int = 6000
) -> list[SetLine]:
    """A title in as few lines as break_lines needs, broken at natural points, evenly.

    Among the allowed breaks (kinsoku holds, Latin words stay whole) choose the ones with
    the least title_break_penalty plus IMBALANCE per em between the longest and shortest
    line, with no line wider than the measure and none shorter than MIN_TITLE_LINE
    characters. Without such a choice, the narrowest measure that needs no more lines.
    Text longer than a title (more than BALANCE_MAX_CHARS) is broken by break_lines with
    balance, whose work stays linear.
    """
    if len(text) > BALANCE_MAX_CHARS:
        return break_lines(text, widths, measure, em, justify=False, balance=True)
    full = break_lines(text, widths, measure, em, justify=False)
    n = len(full)
    if n <= 1:
        return full
    units = _units(text, widths)
    cuts = [
        k
        for k in range(1, len(units))
        if units[k].kind != "space" and _can_break(text, units[k - 1], units[k])
    ]
    penalty = {k: title_break_penalty(text, units[k].start) for k in cuts}
    best: tuple[float, tuple[int, ...]] | None = None
    if math.comb(len(cuts), n - 1) <= max_combos:
        for combo in itertools.combinations(cuts, n - 1):
            bounds = (0, *combo, len(units))
            ok = True
            line_widths = []
            for a, b in itertools.pairwise(bounds):
                line = _strip_spaces(units[a:b])
                chars = sum(u.end - u.start for u in line)
                w = _natural(line, em, text)
                if chars < MIN_TITLE_LINE or w > measure + 1e-6:
                    ok = False
                    break
                line_widths.append(w)
            if not ok:
                continue
            cost = sum(penalty[k] for k in combo)
            cost += IMBALANCE * (max(line_widths) - min(line_widths)) / em
            if best is None or cost < best[0] - 1e-9:
                best = (cost, combo)
    if best is None:
        return _narrowest(text, widths, measure, em, n)
    bounds = (0, *best[1], len(units))
    return [
        _place(text, widths, units, a, b, 0.0, measure, em, False)
        for a, b in itertools.pairwise(bounds)
    ]


def _narrowest(
    text: str, widths: Sequence[float], measure: float, em: float, n: int
) -> list[SetLine]:
    """The narrowest measure that still needs only n lines."""
    lo, hi = sum(widths) / n, measure
    best = break_lines(text, widths, measure, em, justify=False)
    for _ in range(10):
        mid = (lo + hi) / 2
        trial = break_lines(text, widths, mid, em, justify=False)
        if len(trial) <= n:
            best, hi = trial, mid
        else:
            lo = mid
    return best
