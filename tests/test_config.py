from __future__ import annotations

import pytest

from lmcor_cli.config import Settings, common_folder, load_settings, project_settings
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
    [("candidates = 'five'\n", "non-negative integer"), ("colour = 1\n", "unknown lmcor setting"),
     ("x = [\n", "invalid TOML"), ("fluency = 'no'\n", "must be true or false")],
)
def test_bad_config_is_a_usage_error(tmp_path, content, message):
    (tmp_path / ".lmcor.toml").write_text(content)
    with pytest.raises(UsageError, match=message):
        load_settings(tmp_path)


def test_common_folder_of_the_inputs(tmp_path, monkeypatch):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "c").mkdir()
    monkeypatch.chdir(tmp_path)
    assert common_folder() == tmp_path.resolve()
    assert common_folder(["-"]) == tmp_path.resolve()
    assert common_folder(["a/b/x.md", "a/c/y.md"]) == (tmp_path / "a").resolve()
    assert common_folder(["a/b"]) == (tmp_path / "a" / "b").resolve()  # a folder stands for itself
    assert common_folder(["a/b/missing/z.md"]) == (tmp_path / "a" / "b" / "missing").resolve()


def test_the_search_stops_at_the_project_root(tmp_path):
    (tmp_path / ".lmcor.toml").write_text("candidates = 3\n")
    (tmp_path / ".lmcor-words").write_text("outside\n")
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / ".git").mkdir()
    settings = load_settings(repo / "docs")
    assert settings.config_file is None and settings.candidates is None and settings.words == ()
    (repo / "pyproject.toml").write_text("[tool.lmcor]\ncandidates = 4\n")  # the root's own file counts
    assert load_settings(repo / "docs").candidates == 4
    hg = tmp_path / "hg"
    (hg / ".hg").mkdir(parents=True)
    assert load_settings(hg).config_file is None


def test_a_pyproject_without_the_table_is_passed_over(tmp_path):
    (tmp_path / ".lmcor.toml").write_text("candidates = 3\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    assert load_settings(sub).candidates == 3


def test_a_project_config_applies_to_its_files_from_anywhere(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / ".lmcor.toml").write_text('candidates = 3\nignore = ["docs/*.md", "CHANGELOG.md"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = project_settings(["../project/docs/a.md", "../project/README.md"])
    assert settings.candidates == 3 and settings.config_file == (project / ".lmcor.toml").resolve()
    assert project_settings([]).config_file is None
    monkeypatch.chdir(project / "docs")
    here = project_settings(["a.md"], candidates=5)
    assert here.candidates == 5
    # Globs are relative to the configuration file's folder, wherever lmcor runs.
    assert here.ignores("a.md") and here.ignores(project / "docs" / "a.md")
    assert here.ignores("../sub/CHANGELOG.md")  # a bare name matches in any folder
    assert not here.ignores("../README.md") and not here.ignores("-")


@pytest.mark.parametrize(
    "flags, message",
    [({"candidates": 20}, "--candidates must be between 1 and 16"), ({"candidates": 0}, "--candidates must be between"),
     ({"device": "gpu"}, "--device must be 'auto', 'cpu' or 'cuda', not 'gpu'"),
     ({"syntax": "html"}, "--syntax must be 'auto', 'markdown' or 'text'"),
     ({"dialect": "en-AU"}, "--dialect must be 'en-US' or 'en-GB'"),
     ({"threads": -1}, "--threads must be a non-negative")],
)
def test_flags_are_checked_as_the_file_is(flags, message):
    with pytest.raises(UsageError, match=message):
        Settings().with_overrides(**flags)


@pytest.mark.parametrize(
    "content, message",
    [("candidates = 17\n", "'candidates' must be between 1 and 16"),
     ("candidates = true\n", "'candidates' must be a non-negative"),
     ("syntax = 'html'\n", "'syntax' must be 'auto', 'markdown' or 'text', not 'html'"),
     ("device = 'tpu'\n", "'device' must be"), ("ignore = 'CHANGELOG.md'\n", "'ignore' must be a list of glob strings"),
     ("generator = 3\n", "'generator' must be a string"), ("[tool]\n", "unknown lmcor setting"),
     ("min_confidence = 1.5\n", "'min_confidence' must be a number from 0 to 1"),
     ("min_error_probability = 'high'\n", "'min_error_probability' must be a number from 0 to 1"),
     ("sample_gate = 2\n", "'sample_gate' must be a number from 0 to 1")],
)
def test_every_file_value_is_checked(tmp_path, content, message):
    (tmp_path / ".lmcor.toml").write_text(content)
    with pytest.raises(UsageError, match=message) as raised:
        load_settings(tmp_path)
    assert str(raised.value).startswith(str(tmp_path.resolve() / ".lmcor.toml")) and "\n" not in str(raised.value)



def test_edit_corrector_knobs_come_from_the_file(tmp_path):
    (tmp_path / ".lmcor.toml").write_text("min_confidence = 0.8\nmin_error_probability = 0\n"
                                          "gate = 0.2\nsample_gate = 0.4\n")
    settings = load_settings(tmp_path)
    assert settings.min_confidence == 0.8 and settings.min_error_probability == 0
    assert settings.gate == 0.2 and settings.sample_gate == 0.4


def test_the_command_line_choices_are_the_checked_ones():
    from lmcor_cli.config import DEVICES, SYNTAXES
    from lmcor_cli.options import Device, Dialect, Syntax
    from lmcor_cli.project_rules import DIALECTS

    for choices, values in ((Device, DEVICES), (Syntax, SYNTAXES), (Dialect, DIALECTS)):
        assert tuple(choice.value for choice in choices) == values
