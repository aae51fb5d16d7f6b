"""A project's word list and dialect: the guard keeps them, Harper learns them (through the CLI)."""

from __future__ import annotations

import pytest
from conftest import RULES, run_lmcor

from lmcor_cli import project_rules
from lmcor_cli.config import load_settings
from lmcor_cli.errors import UsageError
from lmcor_cli.guard import rejection_reason
from lmcor_cli.project_rules import ProjectRules
from lmcor_cli.rules.harper import harper_fix

AMERICAN = "py:generators:American"
HARPER = "py:generators:HarperFix"


def test_the_guard_keeps_project_words_as_written():
    with project_rules.applied(ProjectRules(words=("dont", "LMCor"))):
        assert rejection_reason("I dont know.", "I don't know.") == "project word changed"
        assert rejection_reason("Use LMCor here.", "Use Lmcor here.") == "project word changed"
        assert rejection_reason("Use LMCor here .", "Use LMCor here.") is None
    assert rejection_reason("I dont know.", "I don't know.") is None  # outside the project's rules


@pytest.mark.parametrize(
    "dialect, source, rewrite, verdict",
    [
        ("en-GB", "The colour are nice.", "The color is nice.",
         "respelt for the other dialect (color; the project writes en-GB)"),
        ("en-GB", "We organise it.", "We organize it.",
         "respelt for the other dialect (organize; the project writes en-GB)"),
        ("en-GB", "The color are nice.", "The colour is nice.", None),  # towards the project's dialect
        ("en-US", "The color are nice.", "The colour is nice.",
         "respelt for the other dialect (colour; the project writes en-US)"),
        ("en-US", "The colour are nice.", "The color is nice.", None),
    ],
)
def test_the_guard_refuses_respelling_into_the_other_dialect(dialect, source, rewrite, verdict):
    with project_rules.applied(ProjectRules(dialect=dialect)):
        assert rejection_reason(source, rewrite) == verdict


def test_harper_checks_the_projects_dialect_and_knows_its_words():
    assert harper_fix("The color is nice.") == "The color is nice."
    with project_rules.applied(ProjectRules(dialect="en-GB")):
        assert harper_fix("The color is nice.") == "The colour is nice."
    assert harper_fix("We frobnicate daily.") != "We frobnicate daily."
    with project_rules.applied(ProjectRules(words=("frobnicate",))):
        assert harper_fix("We frobnicate daily.") == "We frobnicate daily."


def test_words_come_from_the_config_and_the_words_file_beside_it(tmp_path):
    (tmp_path / ".lmcor.toml").write_text('words = ["LMCor"]\ndialect = "en-GB"\n')
    (tmp_path / ".lmcor-words").write_text("# our words\ndont\n\nfrobnicate\n")
    settings = load_settings(tmp_path)
    assert settings.words == ("LMCor", "dont", "frobnicate") and settings.dialect == "en-GB"


def test_a_words_file_counts_without_a_config(tmp_path):
    (tmp_path / ".lmcor-words").write_text("dont\n")
    sub = tmp_path / "docs"
    sub.mkdir()
    assert load_settings(sub).words == ("dont",)


@pytest.mark.parametrize(
    "content, message",
    [('dialect = "en-AU"\n', "'dialect' must be 'en-US' or 'en-GB'"),
     ('words = "dont"\n', "'words' must be a list of strings")],
)
def test_bad_rules_are_a_usage_error(tmp_path, content, message):
    (tmp_path / ".lmcor.toml").write_text(content)
    with pytest.raises(UsageError, match=message):
        load_settings(tmp_path)


def test_cli_never_changes_a_project_word(tmp_path):
    doc = "I dont know. This are bad.\n"
    assert (run_lmcor("fix", "-", "-g", RULES, input=doc.encode(), cwd=tmp_path).stdout
            == b"I don't know. This is bad.\n")
    (tmp_path / ".lmcor-words").write_text("dont\n")
    result = run_lmcor("fix", "-", "-v", "-g", RULES, input=doc.encode(), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == b"I dont know. This is bad.\n"
    assert b"project word changed" in result.stderr


def test_cli_dialect_flag_and_config_keep_british_spelling(tmp_path):
    doc = b"This are the colours we organise.\n"
    assert run_lmcor("fix", "-", "-g", AMERICAN, input=doc, cwd=tmp_path).stdout == b"This is the colors we organize.\n"
    assert run_lmcor("fix", "-", "-g", AMERICAN, "--dialect", "en-GB", input=doc, cwd=tmp_path).stdout == doc
    (tmp_path / ".lmcor.toml").write_text('dialect = "en-GB"\n')
    # the run before cached it
    result = run_lmcor("fix", "-", "-v", "--no-cache", "-g", AMERICAN, input=doc, cwd=tmp_path)
    assert result.stdout == doc and b"respelt for the other dialect (colors, organize" in result.stderr
    # the flag wins
    assert run_lmcor("fix", "-", "-g", AMERICAN, "--dialect", "en-US", input=doc, cwd=tmp_path).stdout != doc


def test_cli_passes_the_dialect_and_words_to_harper(tmp_path):
    assert (run_lmcor("fix", "-", "-g", HARPER, input=b"The color is nice.\n", cwd=tmp_path).stdout
            == b"The color is nice.\n")
    result = run_lmcor("fix", "-", "-g", HARPER, "--dialect", "en-GB", input=b"The color is nice.\n", cwd=tmp_path)
    assert result.stdout == b"The colour is nice.\n"
    assert (run_lmcor("fix", "-", "-g", HARPER, input=b"We frobnicate daily.\n", cwd=tmp_path).stdout
            != b"We frobnicate daily.\n")
    (tmp_path / ".lmcor.toml").write_text('words = ["frobnicate"]\n')
    result = run_lmcor("fix", "-", "-v", "-g", HARPER, input=b"We frobnicate daily.\n", cwd=tmp_path)
    assert result.stdout == b"We frobnicate daily.\n"
    assert b"guard" not in result.stderr  # Harper knew the word: nothing for the guard to refuse


def test_cli_rejects_an_unknown_dialect(tmp_path):
    result = run_lmcor("fix", "-", "--dialect", "en-AU", "-g", RULES, input=b"This are bad.\n", cwd=tmp_path)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
