"""``--stdin-filename``: piped text treated as the file it stands for (editors, pre-commit)."""

from __future__ import annotations

import json

from conftest import RULES, run_lmcor


def test_the_suffix_picks_the_syntax(tmp_path):
    text = b".. note:: This are a directive.\n\nThis are prose.\n"
    as_rst = run_lmcor("fix", "-", "--stdin-filename", "docs/x.rst", "-g", RULES, input=text, cwd=tmp_path)
    assert as_rst.stdout == b".. note:: This are a directive.\n\nThis is prose.\n"
    as_md = run_lmcor("fix", "--stdin-filename", "docs/x.md", "-g", RULES, input=text, cwd=tmp_path)
    assert as_md.stdout == b".. note:: This is a directive.\n\nThis is prose.\n"


def test_the_configuration_is_searched_from_the_files_folder(tmp_path):
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / ".lmcor.toml").write_text('words = ["dont"]\n')
    text = b"I dont know.\n"
    assert run_lmcor("fix", "-", "-g", RULES, input=text, cwd=tmp_path).stdout == b"I don't know.\n"
    named = run_lmcor("fix", "-", "--stdin-filename", "project/docs/a.md", "-g", RULES, input=text, cwd=tmp_path)
    assert named.returncode == 0 and named.stdout == text


def test_ignored_names_come_back_unchanged(tmp_path):
    (tmp_path / ".lmcor.toml").write_text('ignore = ["CHANGELOG.md"]\n')
    text = "This are \u00e9 bad.\r\n".encode()
    result = run_lmcor("fix", "-", "--stdin-filename", "CHANGELOG.md", "-g", RULES, input=text, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == text
    check = run_lmcor("fix", "--check", "--stdin-filename", "CHANGELOG.md", "-g", RULES, input=text, cwd=tmp_path)
    assert check.returncode == 0 and check.stdout == b""


def test_reports_and_messages_use_the_name(tmp_path):
    result = run_lmcor("fix", "--format", "json", "--stdin-filename", "notes/a.md", "-g", RULES,
                       input=b"This are bad.\n", cwd=tmp_path)
    assert json.loads(result.stdout)["file"] == "notes/a.md"
    check = run_lmcor("fix", "--check", "--stdin-filename", "notes/a.md", "-g", RULES, input=b"This are bad.\n",
                      cwd=tmp_path)
    assert check.returncode == 1 and b"would fix notes/a.md" in check.stderr


def test_only_with_piped_input(tmp_path):
    (tmp_path / "a.md").write_text("This are bad.\n")
    result = run_lmcor("fix", "a.md", "--stdin-filename", "b.md", "-g", RULES, cwd=tmp_path)
    assert result.returncode == 2 and b"--stdin-filename" in result.stderr and b"Traceback" not in result.stderr
