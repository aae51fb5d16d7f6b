"""One error boundary for every command: a one-line message and the documented exit code."""

from __future__ import annotations

import json

import pytest
from conftest import run_lmcor

BAD_CONFIG = 'candidates = "five"\n'
ROWS = [{"id": "1", "source": "This are a test .", "references": ["This is a test ."]}]


@pytest.fixture
def project(tmp_path):
    folder = tmp_path.resolve()
    (folder / "doc.md").write_text("This are bad.\n")
    (folder / "data.jsonl").write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    return folder


@pytest.mark.parametrize("args", [
    ["fix", "doc.md"],
    ["eval", "data.jsonl", "-s", "identity"],
    ["bench", "doc.md"],
    ["models", "list"],
    ["train", "candidates", "data.jsonl", "-o", "out.jsonl"],
    ["train", "ranker", "--real", "data.jsonl"],
])
def test_a_bad_config_is_one_line_and_exit_2_under_every_command(project, args):
    (project / ".lmcor.toml").write_text(BAD_CONFIG)
    result = run_lmcor(*args, cwd=project)
    assert result.returncode == 2
    assert result.stderr.decode() == (f"lmcor: error: {project / '.lmcor.toml'}: 'candidates' must be a non-negative "
                                      "integer\n")


def test_bench_on_a_missing_file(project):
    result = run_lmcor("bench", "missing.md", cwd=project)
    assert result.returncode == 2
    assert result.stderr.decode() == "lmcor: error: missing.md: no such file\n"


def test_a_file_error_nothing_checked_first_is_one_line(project):
    result = run_lmcor("eval", "data.jsonl", "-s", "identity", "--hypotheses", "missing.txt", cwd=project)
    assert result.returncode == 2
    assert result.stderr.decode() == "lmcor: error: missing.txt: No such file or directory\n"


def test_an_unexpected_error_is_one_line_exit_123_and_the_file_is_kept(project):
    before = (project / "doc.md").read_bytes()
    result = run_lmcor("fix", "-i", "-g", "py:generators:Broken", "doc.md", cwd=project)
    assert result.returncode == 123
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lmcor: error: internal error: TypeError: ")
    assert (project / "doc.md").read_bytes() == before
    assert sorted(p.name for p in project.iterdir()) == ["data.jsonl", "doc.md"]
    debug = run_lmcor("fix", "-g", "py:generators:Broken", "doc.md", cwd=project, env={"LMCOR_DEBUG": "1"})
    assert debug.returncode == 1 and b"Traceback" in debug.stderr
