from __future__ import annotations

from pathlib import Path

import pytest

from signage.core.config import (
    Settings,
    load_settings,
    parse_size,
    with_content,
)
from signage.core.model import Problem
from signage.formats.registry import MAX_TEXT_BYTES
from signage.workers.jobs import ReadSettings, State


def layered(
    content: Path, machine: Path | None, overrides: dict[str, object] | None = None
) -> tuple[Settings, list[Problem]]:
    """All the layers, the content's signage.yaml read by the job a worker runs."""
    settings, problems = load_settings(content, machine, overrides)
    result = ReadSettings(str(content), "signage.yaml", MAX_TEXT_BYTES).run(State())
    return with_content(settings, result.values), problems + list(result.problems)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_layers_defaults_content_machine_flags(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(
        content / "signage.yaml",
        "organisation: 青山镇人民政府\ndefaults: {duration: 20, fit: cover}\n",
    )
    machine = write(tmp_path / "machine.yaml", "rotation: 90\norganisation: 青山镇便民服务中心\n")
    settings, problems = layered(content, machine, {"windowed": True})
    assert problems == []
    assert settings.organisation == "青山镇便民服务中心"  # machine beats content
    assert settings.default_duration == 20 and settings.default_fit == "cover"
    assert settings.rotation == 90 and settings.windowed
    assert settings.content == content


def test_content_cannot_name_commands_or_machine_settings(tmp_path: Path) -> None:
    write(
        tmp_path / "signage.yaml",
        "display:\n  off_command: rm -rf /\nstatus_file: /etc/passwd\nrotation: 90\n",
    )
    settings, problems = layered(tmp_path, None)
    assert settings.display_off_command == ()
    assert settings.status_file is None and settings.rotation == 0
    messages = " ".join(p.message for p in problems)
    assert "display.off_command: may only be set in the machine configuration" in messages
    assert "status_file: unknown setting (only the machine configuration may set it)" in messages


def test_machine_config_names_commands_and_content_root(tmp_path: Path) -> None:
    content = tmp_path / "srv"
    content.mkdir()
    machine = write(
        tmp_path / "m.yaml",
        f"content: {content}\ndisplay:\n  off_command: cec-ctl --standby\n"
        "  on_command: [cec-ctl, --image-view-on]\n",
    )
    settings, problems = load_settings(None, machine)
    assert problems == []
    assert settings.content == content
    assert settings.display_off_command == ("cec-ctl", "--standby")
    assert settings.display_on_command == ("cec-ctl", "--image-view-on")


def test_bad_values_are_problems_with_the_value_quoted(tmp_path: Path) -> None:
    write(tmp_path / "signage.yaml", "theme: {background: blue}\ndefaults: {fit: stretch}\n")
    settings, problems = layered(tmp_path, None)
    assert settings.theme == Settings().theme
    assert any("'blue' is not a colour" in p.message for p in problems)
    assert any("'stretch'" in p.message for p in problems)
    assert all(p.path == "signage.yaml" for p in problems)


def test_broken_yaml_is_a_problem_with_its_line(tmp_path: Path) -> None:
    write(tmp_path / "signage.yaml", "organisation: a\ntheme: [\n")
    settings, problems = layered(tmp_path, None)
    assert settings.organisation == Settings().organisation
    assert len(problems) == 1 and problems[0].line is not None


@pytest.mark.parametrize("text", ["1920x", "axb", "10x10", "99999x100"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text)):
        parse_size(text)


def test_parse_size() -> None:
    assert parse_size("1080X1920") == (1080, 1920)


# --- the machine configuration: errors with their line, the last good copy ------------------

from signage.core.config import (  # noqa: E402
    DEFAULT_CONTENT,
    LAST_GOOD_NAME,
    config_usable,
    read_machine_config,
)


def test_a_typo_in_the_machine_configuration_is_an_error_with_its_line(tmp_path: Path) -> None:
    # Seen: `contnet:` for `content:` made the player play its working directory.
    machine = write(tmp_path / "m.yaml", "screen: lobby-1\ncontnet: /srv/signage\n")
    settings, problems = load_settings(None, machine)
    assert [(p.line, p.code) for p in problems] == [(2, "machine-config")]
    assert "contnet: unknown setting (did you mean 'content'?)" in problems[0].message
    assert not config_usable(problems)
    assert settings.content == Path(".") and settings.screen != "lobby-1"  # nothing applied


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("content: /srv/a\nrotation: 45\n", 2, "rotation: 45 is not 0, 90, 180 or 270"),
        ("content: /srv/a\nscreen: a: b\n", 2, "YAML syntax error"),
        ("content: /srv/a\nscreen: a\nscreen: b\n", 3, "'screen' is given twice"),
        ("- content: /srv/a\n", 1, "should be settings"),
        ("content: /srv/a\ndisplay: {on: [{days: workdays}], of_command: x}\n", 2, "display."),
    ],
)
def test_every_kind_of_machine_error_names_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    _, problems, _ = read_machine_config(write(tmp_path / "m.yaml", text))
    assert problems and problems[0].line == line, problems
    assert words in problems[0].message
    assert {p.code for p in problems} == {"machine-config"}


def test_without_content_the_machine_plays_the_installed_folder(tmp_path: Path) -> None:
    machine = write(tmp_path / "m.yaml", "screen: lobby-1\n")
    settings, problems = load_settings(None, machine)
    assert problems == [] and settings.content == DEFAULT_CONTENT


def test_the_last_good_configuration_stands_in_for_a_broken_one(tmp_path: Path) -> None:
    state = tmp_path / "state"
    content = tmp_path / "srv"
    content.mkdir()
    good = f"content: {content}\nstate_dir: {state}\nscreen: lobby-1\nrotation: 90\n"
    machine = write(tmp_path / "m.yaml", good)
    settings, problems = load_settings(None, machine, remember=True)
    assert problems == [] and (state / LAST_GOOD_NAME).read_text("utf-8") == good
    # Someone edits it and leaves a YAML error: the copy is used, and that is said.
    write(machine, good.replace("rotation: 90", "rotation: 90\n  size: [1920"))
    settings, problems = load_settings(None, machine, remember=True)
    assert config_usable(problems)
    assert settings.content == content and settings.rotation == 90
    assert [p.code for p in problems] == ["machine-config", "config-last-good"]
    assert str(state / LAST_GOOD_NAME) in problems[1].message
    # The broken file never replaces the good copy.
    assert (state / LAST_GOOD_NAME).read_text("utf-8") == good


def test_the_last_good_copy_is_found_in_the_state_directories_given(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / LAST_GOOD_NAME).write_text("content: /srv/kept\n", "utf-8")
    machine = write(tmp_path / "m.yaml", "contnet: /srv/x\n")
    settings, problems = load_settings(None, machine, state_dirs=[state])
    assert config_usable(problems) and settings.content == Path("/srv/kept")
    # A copy that is itself broken is no stand-in.
    (state / LAST_GOOD_NAME).write_text("contnet: /srv/kept\n", "utf-8")
    _, problems = load_settings(None, machine, state_dirs=[state])
    assert not config_usable(problems)


def test_a_machine_configuration_saved_as_unicode_in_notepad_is_read(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes("screen: 大厅\r\ncontent: /srv/signage\r\n".encode("utf-16"))
    values, problems, _ = read_machine_config(path)
    assert problems == []
    assert values is not None and values["screen"] == "大厅"


def test_the_contents_signage_yaml_saved_as_unicode_is_read(tmp_path: Path) -> None:
    (tmp_path / "signage.yaml").write_bytes("organisation: 青山镇人民政府\r\n".encode("utf-16"))
    result = ReadSettings(str(tmp_path), "signage.yaml", MAX_TEXT_BYTES).run(State())
    assert result.problems == ()
    assert result.values["organisation"] == "青山镇人民政府"


def test_full_width_colons_in_the_contents_signage_yaml_are_forgiven(tmp_path: Path) -> None:
    (tmp_path / "signage.yaml").write_text("organisation：青山镇人民政府\n", encoding="utf-8")
    result = ReadSettings(str(tmp_path), "signage.yaml", MAX_TEXT_BYTES).run(State())
    assert result.problems == ()
    assert result.values["organisation"] == "青山镇人民政府"
