from __future__ import annotations

import pytest

from lmcor_cli.config import Settings, load_settings
from lmcor_cli.errors import UsageError


def test_defaults_without_config(tmp_path):
    settings = load_settings(tmp_path)
    assert settings.corrector == "auto" and settings.candidates is None and settings.threads >= 1


def test_pyproject_table_is_found_from_a_subfolder(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.lmcor]\ncandidates = 3\nignore = ["CHANGELOG.md"]\n')
    sub = tmp_path / "docs" / "deep"
    sub.mkdir(parents=True)
    settings = load_settings(sub)
    assert settings.candidates == 3 and settings.ignore == ("CHANGELOG.md",)
    assert settings.config_file == tmp_path / "pyproject.toml"


def test_dedicated_file_wins_and_corrector_path_is_relative_to_it(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lmcor]\ncandidates = 3\n")
    (tmp_path / ".lmcor.toml").write_text('corrector = "models/mine"\n')
    settings = load_settings(tmp_path)
    assert settings.candidates is None
    assert settings.corrector == str(tmp_path / "models" / "mine")


def test_environment_overrides_the_file(tmp_path, monkeypatch):
    (tmp_path / ".lmcor.toml").write_text('corrector = "models/mine"\ngenerator = "a.gguf"\n')
    monkeypatch.setenv("LMCOR_CORRECTOR", "none")
    monkeypatch.setenv("LMCOR_GENERATOR", "")  # empty: not set
    settings = load_settings(tmp_path)
    assert settings.corrector == "none" and settings.generator == "a.gguf"


def test_flags_override_config():
    assert Settings(candidates=3).with_overrides(candidates=7, generator=None).candidates == 7


@pytest.mark.parametrize(
    "content, message",
    [("candidates = 'five'\n", "non-negative integer"), ("colour = 1\n", "unknown lmcor setting"), ("x = [\n", "invalid TOML"),
     ("fluency = 'no'\n", "must be true or false")],
)
def test_bad_config_is_a_usage_error(tmp_path, content, message):
    (tmp_path / ".lmcor.toml").write_text(content)
    with pytest.raises(UsageError, match=message):
        load_settings(tmp_path)
