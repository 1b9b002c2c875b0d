from __future__ import annotations

import os
from pathlib import Path

import pytest

from signage.core.model import ContentError
from signage.core.paths import is_ignored, list_files, natural_key, resolve_inside
from signage.core.yamlsafe import YamlError, load_yaml_text


@pytest.mark.parametrize(
    "name",
    [
        ".hidden.jpg",
        "~$通知.docx",
        "notice.txt~",
        "x.tmp",
        "photo.jpg.part",
        ".x.swp",
        ".~lock.通知.docx#",
        "Thumbs.db",
        "desktop.ini",
        "DESKTOP.INI",
    ],
)
def test_temporary_and_hidden_names_are_ignored(name: str) -> None:
    assert is_ignored(name)


@pytest.mark.parametrize("name", ["通知.txt", "photo.jpg", "a~b.txt", "tmp.txt"])
def test_ordinary_names_are_not_ignored(name: str) -> None:
    assert not is_ignored(name)


def test_resolve_refuses_escapes(tmp_path: Path) -> None:
    (tmp_path / "slides").mkdir()
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    os.symlink(outside, tmp_path / "slides" / "escape")
    os.symlink(tmp_path / "slides" / "loop", tmp_path / "slides" / "loop")
    for rel, words in [
        ("../etc/passwd", "outside"),
        ("/etc/passwd", "absolute"),
        ("slides/escape/x.jpg", "outside"),
        ("slides/loop", "loop"),
    ]:
        with pytest.raises(ContentError, match=words):
            resolve_inside(tmp_path, rel)
    assert resolve_inside(tmp_path, "slides/a.txt") == (tmp_path / "slides" / "a.txt").resolve()


def test_list_files_in_natural_order_skipping_junk(tmp_path: Path) -> None:
    s = tmp_path / "slides"
    (s / "b").mkdir(parents=True)
    for name in ["10.jpg", "2.jpg", "Thumbs.db", ".x.txt", "b/1.txt"]:
        (s / name).write_bytes(b"x")
    os.symlink(s, s / "b" / "self")  # a loop back to an ancestor: walked once
    assert list_files(tmp_path, "slides") == ["slides/2.jpg", "slides/10.jpg", "slides/b/1.txt"]
    assert natural_key("2.jpg") < natural_key("10.jpg")


def test_yaml_alias_bomb_and_timestamps() -> None:
    assert load_yaml_text("d: 2026-12-01") == {"d": "2026-12-01"}
    bomb = (
        "a: &a [x, x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
            for i in range(24)
        )
        + "z: ["
        + ", ".join(["*y"] * 60)
        + "]\n"
    )
    with pytest.raises(YamlError, match="alias"):
        load_yaml_text(bomb)
