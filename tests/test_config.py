from __future__ import annotations

from pathlib import Path

import pytest

from signage.core.config import Settings, load_settings, parse_size, with_content
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
