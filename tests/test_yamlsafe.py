"""YAML from untrusted files: every failure a YamlError, with the bounds of core/yamlsafe.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from signage.core import yamlsafe
from signage.core.yamlsafe import (
    YamlError,
    brief,
    compose_yaml_text,
    load_yaml_file,
    load_yaml_text,
    node_value,
)
from tests.hostile_files import alias_bomb, nested


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("items: " + nested(500), 1),
        ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)), 40),
        ("- " * 300 + "x", 1),
    ],
)
def test_deep_nesting_is_refused_with_its_line(text: str, line: int) -> None:
    with pytest.raises(YamlError) as err:
        load_yaml_text(text)
    assert err.value.code == "yaml-too-complex"
    assert "nested more than 40" in err.value.message
    assert err.value.line == line


def test_nesting_within_the_limit_is_fine() -> None:
    value = load_yaml_text("a: " + nested(30))["a"]
    for _ in range(29):
        (value,) = value
    assert value == []


def test_an_alias_bomb_under_the_alias_cap_is_refused_before_it_is_built() -> None:
    text = alias_bomb(levels=12, width=8)  # 96 aliases, 8**12 values
    assert text.count("*") == 96 <= yamlsafe.MAX_ALIASES
    for loader in (load_yaml_text, compose_yaml_text):
        with pytest.raises(YamlError) as err:
            loader(text)
        assert err.value.code == "yaml-too-complex" and "alias bomb" in err.value.message


def test_a_long_string_repeated_by_aliases_counts_its_characters() -> None:
    text = 'a: &a "' + "x" * 200_000 + '"\nb: [' + ", ".join(["*a"] * 6) + "]\n"
    with pytest.raises(YamlError, match="expands to more than"):
        load_yaml_text(text)
    assert len(load_yaml_text(text.replace(", ".join(["*a"] * 6), "*a, *a"))["b"]) == 2


def test_a_structure_that_contains_itself_is_refused() -> None:
    for text in ("a: &x [1, *x]", "a: &m {self: *m}"):
        with pytest.raises(YamlError, match="refers to the list or mapping it is inside"):
            load_yaml_text(text)


def test_too_many_values_are_refused_early() -> None:
    with pytest.raises(YamlError) as err:
        load_yaml_text("agenda:\n" + "  - x\n" * 30_000)
    assert err.value.code == "yaml-too-complex" and "20,000" in err.value.message


def test_every_failure_is_a_yaml_error() -> None:
    for text in ("a: " + "9" * 5000, "a: !!binary '!'", "? [a]\n: 1", "a: !!python/name:os.system"):
        try:
            load_yaml_text(text)
        except YamlError as err:
            assert err.message
        # (!!binary of bad base64 is a YamlError too; a value that loads is fine as well)


def test_numbers_are_plain_decimals() -> None:
    got = load_yaml_text("end: 16:30\nno: 010\nhex: 0x1F\nn: -3\nf: 1.5\nsci: 1e5\nbig: 1_000\n")
    assert got == {
        "end": "16:30",
        "no": "010",
        "hex": "0x1F",
        "n": -3,
        "f": 1.5,
        "sci": "1e5",
        "big": "1_000",
    }


def test_node_value_of_a_composed_node_stays_bounded() -> None:
    root = compose_yaml_text("a: &a [1, 2]\nb: [*a, *a]\n")
    assert root is not None
    assert node_value(root) == {"a": [1, 2], "b": [[1, 2], [1, 2]]}


def test_brief_quotes_without_expanding() -> None:
    huge = [["x" * 1000] * 1000] * 1000
    text = brief(huge)
    assert len(text) < 200 and text.startswith("[[")


def test_yaml_files_are_read_without_blocking_and_size_checked_first(tmp_path: Path) -> None:
    fifo = tmp_path / "signage.yaml"
    os.mkfifo(fifo)
    with pytest.raises(YamlError) as err:
        load_yaml_file(fifo)  # would block for ever in read_bytes()
    assert err.value.code == "not-a-file"
    sparse = tmp_path / "big.yaml"
    with sparse.open("wb") as fh:
        fh.truncate(50 * 10**9)
    with pytest.raises(YamlError) as err:
        load_yaml_file(sparse)
    assert err.value.code == "too-large"
    empty = tmp_path / "empty.yaml"
    empty.write_bytes(b"")
    assert load_yaml_file(empty) is None


def test_the_loader_is_pyyamls_safe_loader() -> None:
    assert issubclass(yamlsafe._BoundedLoader, yaml.SafeLoader)
    with pytest.raises(YamlError):
        load_yaml_text("!!python/object/apply:os.system ['true']")
