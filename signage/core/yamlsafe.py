"""YAML from untrusted files: the safe loader, a size cap, and a cap on aliases.

PyYAML's safe loader shares aliased nodes instead of copying them, but anything that walks
the result (validation, json.dumps) still pays for every expansion, so a "billion laughs"
file is refused before it is constructed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

MAX_YAML_BYTES = 1_000_000
MAX_ALIASES = 100


class YamlError(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _CountingLoader(yaml.SafeLoader):
    aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlError(
                    f"too many aliases (more than {MAX_ALIASES}): refused as a possible alias bomb",
                    mark.line + 1,
                )
        return super().compose_node(parent, index)


def _plain_resolvers(
    resolvers: dict[Any, list[tuple[str, Any]]],
) -> dict[Any, list[tuple[str, Any]]]:
    """PyYAML's implicit types, less two surprises for staff-written files.

    Dates stay strings: "2026-12-01" and "2026-12-01 09:00" are read by our own parser in
    local time, instead of PyYAML's mix of date objects and naive/UTC datetimes. Booleans
    are only true/false (as in YAML 1.2): `on:` in `display: {on: …}` must stay the word "on",
    and a notice titled "No" must not become False.
    """
    out: dict[Any, list[tuple[str, Any]]] = {}
    for first, entries in resolvers.items():
        kept = [
            (tag, regexp)
            for tag, regexp in entries
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
        ]
        if first is not None and first in "tTfF":
            kept.append(("tag:yaml.org,2002:bool", _BOOL))
        out[first] = kept
    return out


_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_CountingLoader.yaml_implicit_resolvers = _plain_resolvers(
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


def _parse(text: str, step: Callable[[_CountingLoader], Any]) -> Any:
    """Run one loader step with the size cap; every YAML error becomes a YamlError."""
    if len(text) > MAX_YAML_BYTES:
        raise YamlError(f"the file is too large for a settings file ({len(text)} characters)")
    loader = _CountingLoader(text)
    try:
        return step(loader)
    except YamlError:
        raise
    except yaml.MarkedYAMLError as err:
        raise _syntax_error(err) from None
    except yaml.YAMLError as err:
        raise YamlError(f"YAML error: {err}") from None
    finally:
        loader.dispose()


def load_yaml_text(text: str) -> Any:
    """Parse one YAML document; YamlError carries a plain message and the 1-based line."""
    return _parse(text, lambda loader: loader.get_single_data())


def load_yaml_file(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise YamlError(f"cannot read the file: {err.strerror or err}") from None
    if len(raw) > MAX_YAML_BYTES:
        raise YamlError(f"the file is too large for a settings file ({len(raw)} bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise YamlError("the file is not text (neither UTF-8 nor GBK)") from None
    return load_yaml_text(text)


def compose_yaml_text(text: str) -> yaml.Node | None:
    """Parse one YAML document into nodes, which keep their line marks (`node.start_mark`).

    Validators walk the nodes so that every problem can name its line; `node_value` turns a
    node into plain Python. None for an empty document. Errors as in `load_yaml_text`.
    """
    node: yaml.Node | None = _parse(text, lambda loader: loader.get_single_node())
    return node


def node_line(node: yaml.Node) -> int:
    """The 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def node_value(node: yaml.Node) -> Any:
    """The plain Python value of a composed node, built by the same safe constructor.

    Meant for scalars and small collections: an aliased structure is expanded here.
    """
    loader = _CountingLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as err:
        raise YamlError(f"YAML error: {err}", node_line(node)) from None
    finally:
        loader.dispose()
