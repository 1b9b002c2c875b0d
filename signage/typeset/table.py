"""Columns for a table: widths, and where each cell goes, numbers on their decimal point.

Pure geometry over measured widths: the caller passes a function that measures a piece of
text (bold or not) at the table's size. A column of numbers is right-aligned on the decimal
point (`1,875.00` over `930.00`, `12.50` over `6.2`); other columns start flush left; the
space left over goes between the columns, up to MAX_GAP, and the table is centred.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MIN_GAP = 0.6
"""Least space between two columns, in em."""
MAX_GAP = 2.5
NUMBER = re.compile(r"^[+-]?[0-9][0-9,]*(?:\.[0-9]+)?%?$")

Measure = Callable[[str, bool], float]
"""(text, bold) -> advance in pixels."""


@dataclass(frozen=True)
class TablePlan:
    left: float
    """The table's left edge, relative to the measure's."""
    xs: tuple[float, ...]
    """Each column's left edge, relative to the measure's."""
    widths: tuple[float, ...]
    numeric: tuple[bool, ...]
    whole: tuple[float, ...]
    """For a column of numbers: the width of the widest part before the decimal point."""
    width: float


def head_lines(head: str) -> tuple[str, ...]:
    """A column head on one or two lines: the unit in brackets goes under the label
    (种植面积 over （亩）), so that the head is not wider than the numbers below it."""
    cut = head.find("（")
    if cut > 0 and head.endswith("）"):
        return head[:cut], head[cut:]
    return (head,) if head else ()


def is_number(cell: str) -> bool:
    return bool(NUMBER.match(cell))


def _parts(cell: str) -> tuple[str, str]:
    dot = cell.find(".")
    return (cell, "") if dot < 0 else (cell[:dot], cell[dot:])


def plan_table(
    rows: Sequence[Sequence[str]],
    bold_rows: Sequence[bool],
    heads: Sequence[str],
    measure_w: float,
    em: float,
    advance: Measure,
) -> TablePlan | None:
    """Column positions for rows (and heads, set bold) within measure_w, or None when the
    columns do not fit side by side at this size."""
    if not rows:
        return None
    ncols = max(len(r) for r in rows)
    widths: list[float] = []
    numeric: list[bool] = []
    whole: list[float] = []
    for c in range(ncols):
        cells = [(r[c] if c < len(r) else "", b) for r, b in zip(rows, bold_rows, strict=True)]
        # A heading row from the file (bold) may hold words over a column of numbers.
        values = [(t, b) for t, b in cells if t and not b]
        is_num = bool(values) and all(is_number(t) for t, _ in values)
        w = 0.0
        int_w = 0.0
        frac_w = 0.0
        for t, b in cells:
            if not t:
                continue
            if is_num and not b:
                a, f = _parts(t)
                int_w = max(int_w, advance(a, False))
                frac_w = max(frac_w, advance(f, False) if f else 0.0)
            else:
                w = max(w, advance(t, b))
        head = heads[c] if c < len(heads) else ""
        for part in head_lines(head):
            w = max(w, advance(part, True))
        widths.append(max(w, int_w + frac_w))
        numeric.append(is_num)
        # Decimal points line up where the widest fraction still ends at the right edge.
        whole.append(widths[-1] - frac_w)
    total = sum(widths)
    if ncols > 1:
        need = total + MIN_GAP * em * (ncols - 1)
        if need > measure_w + 1e-6:
            return None
        gap = min(MAX_GAP * em, (measure_w - total) / (ncols - 1))
    else:
        if total > measure_w + 1e-6:
            return None
        gap = 0.0
    width = total + gap * (ncols - 1)
    left = (measure_w - width) / 2
    xs: list[float] = []
    x = left
    for w in widths:
        xs.append(x)
        x += w + gap
    return TablePlan(left, tuple(xs), tuple(widths), tuple(numeric), tuple(whole), width)


def cell_x(plan: TablePlan, column: int, cell: str, bold: bool, advance: Measure) -> float:
    """Where a cell's text starts: numbers on the column's decimal point, a column of
    numbers' head (or a bold heading cell over one) right-aligned, other text flush left."""
    x = plan.xs[column]
    if not plan.numeric[column]:
        return x
    if bold or not is_number(cell):
        return x + plan.widths[column] - advance(cell, bold)
    whole, _ = _parts(cell)
    return x + plan.whole[column] - advance(whole, False)
