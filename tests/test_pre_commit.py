"""The shipped .pre-commit-hooks.yaml, run by the real pre-commit tool in a temporary repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RULES

REPO = Path(__file__).resolve().parent.parent


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_hook_fails_on_prose_errors_and_passes_when_clean(tmp_path):
    pre_commit = Path(sys.executable).with_name("pre-commit")
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    _git(project, "config", "user.email", "t@example.com")
    _git(project, "config", "user.name", "t")
    (project / ".lmcor.toml").write_text(f'generator = "{RULES}"\n')
    (project / "bad.md").write_text("This are wrong.\n")
    (project / "good.txt").write_text("This is right.\n")
    (project / "code.py").write_text("# This are a comment in code, not checked.\n")
    _git(project, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    command = [str(pre_commit), "try-repo", str(REPO), "lmcor", "--all-files"]
    failing = subprocess.run(command, cwd=project, capture_output=True, env=env, timeout=1200)
    output = failing.stdout.decode() + failing.stderr.decode()
    assert failing.returncode == 1, output
    assert "would fix bad.md" in output and "code.py" not in output.split("lmcor (grammar check)")[-1]
    (project / "bad.md").write_text("This is wrong.\n")
    _git(project, "add", ".")
    passing = subprocess.run(command, cwd=project, capture_output=True, env=env, timeout=1200)
    assert passing.returncode == 0, passing.stdout.decode() + passing.stderr.decode()
