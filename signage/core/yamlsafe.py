"""YAML from untrusted files: the safe loader with bounds on size, depth and expansion.

Every file a member of staff can write (playlists, meetings, front matter, the content's
`signage.yaml`) goes through here, and every way such a file can fail comes out as a
`YamlError` with a plain message and, where there is one, the line:

- the text is at most `MAX_YAML_BYTES`;
- nesting is at most `MAX_DEPTH` levels (PyYAML composes recursively: a few hundred `[`
  would otherwise end in RecursionError);
- at most `MAX_NODES` nodes are composed, so a file of 100,000 list items is refused after
  a fraction of a second instead of being built;
- the *expanded* size is bounded: PyYAML shares aliased nodes instead of copying them, but
  anything that walks the result (validation, a message quoting a value, json.dumps) pays
  for every expansion. Each node costs one, each scalar its length too, and an alias costs
  what the node it names costs, so a "billion laughs" kept under any alias count is refused
  before it is constructed. An alias inside the node it names (a recursive structure) is
  refused too: nothing staff write needs one, and a walk over it never ends;
- anything else the parser or the constructors raise (a 5,000-digit integer is a
  ValueError) becomes a YamlError as well.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

MAX_YAML_BYTES = 1_000_000
MAX_ALIASES = 100
MAX_DEPTH = 40
"""Levels of nesting; a playlist needs five."""
MAX_NODES = 20_000
"""Lists, mappings and values in one file; a long playlist has a few thousand. Composing
costs about 20 µs a node in pure Python, so this bounds the time too."""
MAX_EXPANDED = 1_000_000
"""Nodes plus characters of the document with every alias expanded."""

YAML_SYNTAX = "yaml-syntax"
YAML_TOO_COMPLEX = "yaml-too-complex"


class YamlError(Exception):
    def __init__(self, message: str, line: int | None = None, code: str = YAML_SYNTAX) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.code = code
        """"yaml-syntax" for a mistake in the writing, "yaml-too-complex" for a file refused
        by the bounds above."""


def _too_complex(message: str, mark: Any) -> YamlError:
    line = int(mark.line) + 1 if mark is not None else None
    return YamlError(message, line, YAML_TOO_COMPLEX)


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, counting as it composes (see the module docstring)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.aliases = 0
        self.depth = 0
        self.nodes = 0
        self.expanded = 0
        self.cost: dict[int, int] = {}
        """id(node) -> its expanded cost, for every anchored node composed so far."""

    def _spend(self, amount: int, mark: Any) -> None:
        self.expanded += amount
        if self.expanded > MAX_EXPANDED:
            raise _too_complex(
                f"the file expands to more than {MAX_EXPANDED:,} values and characters "
                "(through & and * references): refused as a possible alias bomb",
                mark,
            )

    def compose_node(self, parent: Any, index: Any) -> Any:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _too_complex(
                    f"too many aliases (more than {MAX_ALIASES}): refused as a possible alias bomb",
                    mark,
                )
            node = super().compose_node(parent, index)
            cost = self.cost.get(id(node))
            if cost is None:
                raise _too_complex(
                    "an alias (*) refers to the list or mapping it is inside: "
                    "a structure that never ends is refused",
                    mark,
                )
            self._spend(cost, mark)
            return node
        self.depth += 1
        self.nodes += 1
        if self.depth > MAX_DEPTH:
            raise _too_complex(f"the file is nested more than {MAX_DEPTH} levels deep", mark)
        if self.nodes > MAX_NODES:
            raise _too_complex(f"the file has more than {MAX_NODES:,} items and values", mark)
        before = self.expanded
        anchored = self.peek_event().anchor  # type: ignore[no-untyped-call]
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        own = 1 + (len(node.value) if isinstance(node, yaml.ScalarNode) else 0)
        self._spend(own, mark)
        if anchored is not None:
            self.cost[id(node)] = self.expanded - before
        return node


def _plain_resolvers(
    resolvers: dict[Any, list[tuple[str, Any]]],
) -> dict[Any, list[tuple[str, Any]]]:
    """PyYAML's implicit types, less the surprises of YAML 1.1 in staff-written files.

    Dates stay strings: "2026-12-01" and "2026-12-01 09:00" are read by our own parser in
    local time, instead of PyYAML's mix of date objects and naive/UTC datetimes. Booleans
    are only true/false (as in YAML 1.2): `on:` in `display: {on: …}` must stay the word "on",
    and a notice titled "No" must not become False. Numbers are only plain decimals (as in
    YAML 1.2's core schema): `结束时间: 16:30` is the text "16:30", not 990 (base 60), and
    `编号: 010` is "010", not 8 (octal).
    """
    replaced = (
        "tag:yaml.org,2002:timestamp",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
    )
    out: dict[Any, list[tuple[str, Any]]] = {}
    for first, entries in resolvers.items():
        kept = [(tag, regexp) for tag, regexp in entries if tag not in replaced]
        if first is not None and first in "tTfF":
            kept.append(("tag:yaml.org,2002:bool", _BOOL))
        if first is not None and first in "-+0123456789":
            kept.append(("tag:yaml.org,2002:int", _INT))
        if first is not None and first in "-+0123456789.":
            kept.append(("tag:yaml.org,2002:float", _FLOAT))
        out[first] = kept
    return out


_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(
    r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$|^[-+]?\.(?:inf|Inf|INF)$"
)
_BoundedLoader.yaml_implicit_resolvers = _plain_resolvers(
    dict(yaml.SafeLoader.yaml_implicit_resolvers)
)


def _syntax_error(err: yaml.MarkedYAMLError) -> YamlError:
    problem, context = err.problem_mark, err.context_mark
    what = err.problem or "syntax error"
    if problem is not None and context is not None and context.line < problem.line:
        # An unclosed [ { or quote: the parser notices lines later, but the mistake is
        # where it opened, so that is the line staff are sent to.
        return YamlError(
            f"YAML syntax error: {_opened(err.context)} (line {context.line + 1}) is not closed: "
            f"{what} (line {problem.line + 1})",
            context.line + 1,
        )
    mark = problem or context
    return YamlError(f"YAML syntax error: {what}", mark.line + 1 if mark is not None else None)


def _opened(context: str | None) -> str:
    text = context or "a bracket or quote"
    for prefix in ("while parsing ", "while scanning "):
        text = text.removeprefix(prefix)
    return text


def _parse(text: str, step: Callable[[_BoundedLoader], Any]) -> Any:
    """Run one loader step with the bounds; every failure becomes a YamlError."""
    if len(text) > MAX_YAML_BYTES:
        raise YamlError(
            f"the file is too large for a settings file ({len(text)} characters)",
            code=YAML_TOO_COMPLEX,
        )
    loader = _BoundedLoader(text)
    try:
        return step(loader)
    except YamlError:
        raise
    except yaml.MarkedYAMLError as err:
        raise _syntax_error(err) from None
    except yaml.YAMLError as err:
        raise YamlError(f"YAML error: {err}") from None
    except RecursionError:
        raise YamlError("the file is nested too deeply", code=YAML_TOO_COMPLEX) from None
    except (ValueError, TypeError, OverflowError, UnicodeError) as err:
        # A constructor's own limits (int() of 5,000 digits) or a value it cannot take.
        raise YamlError(f"YAML error: {_brief_text(str(err))}") from None
    finally:
        loader.dispose()


def yaml_text(raw: bytes) -> str | None:
    """The text of a YAML file as Windows editors save it; None if it is not text.

    Notepad's "Unicode" is UTF-16 with a byte-order mark, its "UTF-8" has one too and its
    "ANSI" is GBK on a Chinese PC; WPS writes UTF-8. A UTF-16 file read as GBK would be
    refused as "not text", which sends staff to change the wrong thing.
    """
    encodings: tuple[str, ...]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.lstrip("\ufeff")
    return None


_ASCII_KEY_FULL_WIDTH = re.compile(
    r"^([ \t]*(?:-[ \t]+)?)([A-Za-z_][A-Za-z0-9_]*)[ \t\u3000]*：[ \t\u3000]*", re.MULTILINE
)
"""`name：大厅`: a settings key (always ASCII) then a full-width colon, typed by a Chinese input
method. Only spaces and tabs around it, so that blank lines are never scanned twice."""


def forgive_full_width_colons(text: str) -> str:
    """'priority：5' → 'priority: 5' (also after a list's '- ') for a line that starts with an
    ASCII key; values, comments and Chinese text are left as they are. Linear in the text."""
    return _ASCII_KEY_FULL_WIDTH.sub(r"\1\2: ", text)


def load_yaml_text(text: str) -> Any:
    """Parse one YAML document; YamlError carries a plain message and the 1-based line."""
    return _parse(text, lambda loader: loader.get_single_data())


def load_yaml_file(path: Path) -> Any:
    """A YAML file: a regular file (not a FIFO or a device) of at most MAX_YAML_BYTES, read
    no further than that, in UTF-8 or GBK. None for an empty file."""
    from signage.core.model import ContentError
    from signage.core.paths import read_regular_file

    try:
        raw = read_regular_file(path, MAX_YAML_BYTES)
    except ContentError as err:
        # too-large, not-a-file, permission-denied …: the reading's own problem, not YAML's.
        raise YamlError(
            f"cannot read the file: {err.message}", code=err.code or YAML_SYNTAX
        ) from None
    text = yaml_text(raw)
    if text is None:
        raise YamlError("the file is not text (neither UTF-8, UTF-16 nor GBK)")
    return load_yaml_text(text)


def compose_yaml_text(text: str) -> yaml.Node | None:
    """Parse one YAML document into nodes, which keep their line marks (`node.start_mark`).

    Validators walk the nodes so that every problem can name its line; `node_value` turns a
    node into plain Python. None for an empty document. Errors as in `load_yaml_text`; the
    bounds on depth and expansion hold for the nodes, so `node_value` of any of them is
    bounded too.
    """
    node: yaml.Node | None = _parse(text, lambda loader: loader.get_single_node())
    return node


def node_line(node: yaml.Node) -> int:
    """The 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def node_value(node: yaml.Node) -> Any:
    """The plain Python value of a composed node, built by the same safe constructor."""
    loader = _BoundedLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as err:
        raise YamlError(f"YAML error: {err}", node_line(node)) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as err:
        raise YamlError(f"YAML error: {_brief_text(str(err))}", node_line(node)) from None
    finally:
        loader.dispose()


_REPR = reprlib.Repr()
_REPR.maxlevel = 2
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxdict = 4


def brief(value: object) -> str:
    """A value from a file, quoted for a message: repr cut short without expanding it whole
    (a list of a thousand aliased lists is shown as its first few items), at most 120
    characters."""
    return _brief_text(_REPR.repr(value), 120)


def _brief_text(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
