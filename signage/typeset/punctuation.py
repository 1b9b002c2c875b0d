"""Half-width punctuation typed inside Chinese text, set in its full-width form.

Text from WPS, phones and Notepad often has `( ) : ; , ! ?` where `（ ） ： ； ， ！ ？`
are meant (`单位:`, `巴特尔(2人)`, `定于1月12日(星期二)`). Set half-width between Han
characters, such a mark looks like a stray speck. In Chinese context each becomes its
full-width form, one character for one, so that positions and emphasis spans still hold
and the text stays NFKC-equal to the file's; in Latin context (`8:30`, `1,875.00`, `(A)`,
`e-mail: x@y.cn`, URLs) it is left as typed.
"""

from __future__ import annotations

import unicodedata

FULL = {"(": "（", ")": "）", ":": "：", ";": "；", ",": "，", "!": "！", "?": "？"}


def _chinese(ch: str) -> bool:
    """Han, kana, or full-width/CJK punctuation: the marks of Chinese context."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x3000 <= o <= 0x303F
        or 0xFF01 <= o <= 0xFF60
        or 0x20000 <= o <= 0x3FFFF
        or 0xF900 <= o <= 0xFAFF
        or ch in "“”‘’…—·・"
    )


def _neighbour(text: str, i: int, step: int) -> str:
    """The nearest character to text[i] in direction step that is not a space, or ""."""
    j = i + step
    while 0 <= j < len(text) and text[j] in " \t":
        j += step
        if abs(j - i) > 8:
            return ""
    return text[j] if 0 <= j < len(text) else ""


def widen_punctuation(text: str) -> str:
    """text with `( ) : ; , ! ?` in Chinese context replaced by their full-width forms.

    A colon, semicolon, comma, ! or ? is in Chinese context after a Chinese character, or
    before one unless a letter or digit precedes it (`650,其中` widens, `8:30` does not).
    A pair of brackets widens when it holds a Chinese character or touches one outside
    (`(2人)`, `电话(0470-8814644)`); `(A)` among Latin words stays. Same length as text.
    """
    if not any(c in FULL for c in text):
        return text
    out = list(text)
    n = len(text)
    # Brackets: match pairs with a stack (linear); decide each pair as a whole.
    opens: list[int] = []
    pairs: list[tuple[int, int]] = []
    lone: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            opens.append(i)
        elif ch == ")":
            if opens:
                pairs.append((opens.pop(), i))
            else:
                lone.append(i)
    lone.extend(opens)
    # Prefix count of Chinese characters, to ask "any inside?" in constant time.
    chinese = [0] * (n + 1)
    for i, ch in enumerate(text):
        chinese[i + 1] = chinese[i] + (1 if _chinese(ch) else 0)
    for a, b in pairs:
        inside = chinese[b] - chinese[a + 1] > 0
        outside = _chinese(_neighbour(text, a, -1) or "a") or _chinese(
            _neighbour(text, b, 1) or "a"
        )
        if inside or outside:
            out[a], out[b] = "（", "）"
    for i in lone:
        before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
        if (before and _chinese(before)) or (after and _chinese(after)):
            out[i] = FULL[text[i]]
    for i, ch in enumerate(text):
        if ch not in FULL or ch in "()":
            continue
        before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
        if before and _chinese(before):
            out[i] = FULL[ch]
        elif (
            after
            and _chinese(after)
            and (not before or not before.isalnum() or (before.isdigit() and ch != ":"))
        ):
            # Before Chinese: widen unless a word or number runs into it (`Email:`),
            # but a number then a clause (`650,其中`) is Chinese punctuation.
            out[i] = FULL[ch]
    return "".join(out)


def nfkc_equal(a: str, b: str) -> bool:
    """Do a and b read the same once compatibility forms are folded (full-width → ASCII)?"""
    return unicodedata.normalize("NFKC", a) == unicodedata.normalize("NFKC", b)
