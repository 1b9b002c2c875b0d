from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signage.core import paths
from signage.core.model import ContentError
from signage.core.paths import (
    is_ignored,
    list_files,
    natural_key,
    read_regular_file,
    resolve_inside,
    walk_files,
)
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


# Names built from the patterns' own pieces, so that near misses are common.
_PIECES = st.sampled_from(
    [
        ".",
        "~",
        "$",
        "tmp",
        "part",
        "swp",
        "lock",
        "#",
        "thumbs",
        "db",
        "desktop",
        "ini",
        "sync-conflict-",
        "通知",
        "a",
        "x",
    ]
)


@given(st.lists(_PIECES, max_size=6).map("".join))
def test_ignored_names_are_exactly_those_the_patterns_match(name: str) -> None:
    expected = any(fnmatch.fnmatchcase(name.lower(), p) for p in paths.IGNORED_PATTERNS)
    assert is_ignored(name) == expected


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


# --- the walk: one set of rules for the whole tree and for a folder inside it ------------------


def _tree(root: Path) -> Path:
    slides = root / "slides"
    (slides / "a" / "b").mkdir(parents=True)
    (slides / "a" / "b" / "x.txt").write_text("x")
    (slides / "1.txt").write_text("1")
    return slides


def test_a_link_back_into_the_tree_is_refused_the_same_from_the_top_and_from_inside(
    tmp_path: Path,
) -> None:
    slides = _tree(tmp_path)
    (slides / "again").symlink_to(".")
    (slides / "a" / "up").symlink_to("..")
    (slides / "copy").symlink_to("a")
    whole = walk_files(tmp_path, "slides")
    assert whole.files == ("slides/1.txt", "slides/a/b/x.txt")
    problems = {p.path: p.code for p in whole.problems}
    assert problems == {
        "slides/a/up": "link-loop",
        "slides/again": "link-loop",
        "slides/copy": "duplicate-folder",
    }
    for rel, code in problems.items():  # an event naming the folder walks it the same way
        inside = walk_files(tmp_path, rel)
        assert inside.files == () and [(p.path, p.code) for p in inside.problems] == [(rel, code)]
    assert walk_files(tmp_path, "slides/a").files == ("slides/a/b/x.txt",)


def test_slides_may_be_a_link_inside_the_root_never_out_of_it(tmp_path: Path) -> None:
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "n.txt").write_text("n")
    (tmp_path / "slides").symlink_to("2026")
    assert walk_files(tmp_path, "slides").files == ("slides/n.txt",)
    (tmp_path / "slides").unlink()
    (tmp_path / "slides").symlink_to("/")
    out = walk_files(tmp_path, "slides")
    assert out.files == () and [(p.path, p.code) for p in out.problems] == [
        ("slides", "outside-root")
    ]
    # The content root itself may be a link the administrator made.
    real = tmp_path / "real"
    _tree(real)
    (tmp_path / "content").symlink_to("real")
    assert walk_files(tmp_path / "content", "slides").files == ("slides/1.txt", "slides/a/b/x.txt")


def test_a_folder_link_out_of_the_root_is_listed_for_the_reader_to_refuse(tmp_path: Path) -> None:
    slides = _tree(tmp_path)
    (slides / "etc").symlink_to("/etc")
    assert "slides/etc" in walk_files(tmp_path, "slides").files
    assert walk_files(tmp_path, "slides/etc").files == ("slides/etc",)


def test_one_depth_rule_for_the_walk_and_for_a_single_path(tmp_path: Path) -> None:
    folder = tmp_path / "slides"
    for i in range(paths.MAX_DEPTH + 3):
        folder = folder / str(i)
    folder.mkdir(parents=True)
    deepest_ok = "slides/" + "/".join(str(i) for i in range(paths.MAX_DEPTH)) + "/ok.txt"
    (tmp_path / deepest_ok).write_text("ok")
    too_deep = "slides/" + "/".join(str(i) for i in range(paths.MAX_DEPTH + 1)) + "/no.txt"
    (tmp_path / too_deep).write_text("no")
    out = walk_files(tmp_path, "slides")
    assert out.files == (deepest_ok,)
    assert [p.code for p in out.problems] == ["too-deep"]
    assert out.problems[0].path == too_deep.rsplit("/", 1)[0]
    resolve_inside(tmp_path, deepest_ok)
    with pytest.raises(ContentError) as err:
        resolve_inside(tmp_path, too_deep)
    assert err.value.code == "too-deep"


def test_the_walk_stops_at_its_entry_limit_with_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paths, "MAX_ENTRIES", 10)
    slides = tmp_path / "slides"
    slides.mkdir()
    for i in range(25):
        (slides / f"{i}.txt").write_text("x")
    out = walk_files(tmp_path, "slides")
    assert len(out.files) <= 10
    assert [(p.path, p.code) for p in out.problems] == [("slides", "too-many-files")]


def test_read_regular_file_never_blocks_and_reads_no_more_than_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(ContentError) as err:
        read_regular_file(fifo, 100)  # a blocking open() would wait for a writer for ever
    assert err.value.code == "not-a-file"
    sparse = tmp_path / "huge.txt"
    with sparse.open("wb") as fh:
        fh.truncate(10**12)
    with pytest.raises(ContentError) as err:
        read_regular_file(sparse, 100)
    assert err.value.code == "too-large"
    (tmp_path / "ok.txt").write_bytes(b"12345")
    assert read_regular_file(tmp_path / "ok.txt", 5) == b"12345"
    with pytest.raises(ContentError):
        read_regular_file(tmp_path / "ok.txt", 4)


def test_a_reason_never_carries_a_dump_of_the_file() -> None:
    # A zip member named with 60 KB of junk, quoted by the Word reader's complaint.
    junk = "word/" + "\x00\x87PK\x05\x06" * 10_000
    err = ContentError(f"the Word document is damaged and cannot be read ({junk})", code="x")
    assert len(err.message) <= 400 and str(err) == err.message
    assert err.message.isprintable() and err.message.endswith("…")
    assert ContentError("第 3 行：缺少冒号").message == "第 3 行：缺少冒号"


def test_a_link_swapped_in_after_the_path_was_resolved_is_not_followed(tmp_path: Path) -> None:
    """Check then open by name: a file (or a folder above it) turned into a link between the
    two led the read outside the folder (4 of 25 tries, found by a helper)."""
    root = tmp_path / "content"
    (root / "slides" / "t").mkdir(parents=True)
    outside = tmp_path / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    target = root / "slides" / "t" / "a.txt"
    target.write_text("notice", encoding="utf-8")
    real = resolve_inside(root, "slides/t/a.txt")
    assert read_regular_file(real, 1000, real=True) == b"notice"
    target.unlink()
    target.symlink_to(outside)  # the file itself
    with pytest.raises(ContentError) as err:
        read_regular_file(real, 1000, real=True)
    assert err.value.code == "outside-root"
    target.unlink()
    target.write_text("notice", encoding="utf-8")
    (root / "slides" / "t").rename(root / "slides" / "t2")
    (root / "slides" / "t").symlink_to(tmp_path)  # a folder above it
    (tmp_path / "a.txt").write_text("outside", encoding="utf-8")
    with pytest.raises(ContentError) as err:
        read_regular_file(real, 1000, real=True)
    assert err.value.code == "outside-root"
    assert read_regular_file(real, 1000) == b"outside"  # what the old open did


@pytest.mark.parametrize(
    ("name", "ext"),
    [
        ("slides/通知.TXT", ".txt"),
        ("slides/通知.txt ", ".txt"),
        ("slides/通知.txt.", ".txt"),
        ("slides/照片.jpg\u3000", ".jpg"),
        ("slides/无扩展名", ""),
        ("slides/ . ", ""),
    ],
)
def test_the_extension_is_what_a_windows_pc_shows(name: str, ext: str) -> None:
    """`尾随空格.txt ` was told 不支持这种文件格式 while Explorer showed a .txt."""
    assert paths.extension(name) == ext


def test_a_notice_whose_name_ends_in_a_space_is_read(tmp_path: Path) -> None:
    from signage.core.config import Settings
    from signage.formats.registry import read_slide

    (tmp_path / "slides").mkdir()
    (tmp_path / "slides" / "通知.txt ").write_text("停水通知\n\n明天停水。\n", encoding="utf-8")
    slide = read_slide(tmp_path, "slides/通知.txt ", Settings(content=tmp_path))
    assert slide.kind == "notice" and slide.title == "停水通知"
