"""The per-edit faithfulness guard: damage seen on real documentation is refused, fixes pass."""

from __future__ import annotations

import pytest

from lmcor_cli import project_rules
from lmcor_cli.correctors.base import Correction
from lmcor_cli.edit_guard import allowed, overridable
from lmcor_cli.project_rules import ProjectRules


def verdicts(source: str, target: str) -> list[str | None]:
    correction = Correction.between(source, target)
    kept, refused = allowed(source, correction.edits)
    reasons = {id(e): r for e, r in refused}
    return [reasons.get(id(e)) for e in correction.edits]


@pytest.mark.parametrize(("source", "target", "reason"), [
    ("Run it with the following options:", "Run it with the following options.", "line-final colon"),
    ("It is set by `foo`.", "It is set by `foo`", "final punctuation after code"),
    ("Pass --window to set the size.", "Pass –window to set the size.", "code-like token"),
    ("Edit docs/setup.md first.", "Edit docs/setup.rst first.", "code-like token"),
    ("Use git-worktree to add trees.", "Use Gt-worktree to add trees.", "term 'git-worktree'"),
    ("Cryptcat is a tool.", "Crypt is a tool.", "term 'Cryptcat'"),
    ("Call fooOnly first.", "Call foo only first.", "term 'fooOnly'"),
    ("Call fooOnly first.", "Call FooOnly first.", "term 'fooOnly'"),
    ("It determines how a place expression from the environment is borrowed.", "It determines how a place is borrowed.",
     "content word deleted"),
    ("Tests can require a single fixture here.", "Tests can depend on multiple fixtures here.", "content word deleted"),
    ("The major version of cuda as reported by nvcc.", "The major version of coda as reported by nice.",
     "unknown word 'cuda'"),
    ("It is set in the sysroot folder.", "It is set in the shoot folder.", "unknown word 'sysroot'"),
    ("Run ALTER TABLE first.", "Run AALLTER TABLE first.", "term 'ALTER'"),
    ("Note that render() returns text.", "Note that Render() returns text.", "code-like token"),
])
def test_damage_is_refused(source: str, target: str, reason: str) -> None:
    assert reason in verdicts(source, target)


@pytest.mark.parametrize(("source", "target"), [
    ("This release make the installer faster.", "This release makes the installer faster."),
    ("We have rewrote it.", "We have rewritten it."),
    ("I like the the cat.", "I like the cat."),
    ("the cat is here.", "The cat is here."),
    ("She go to school every day.", "She goes to school every day."),
    ("Read this list:", "Read this list:"),
    ("We need new tecnologies.", "We need new technologies."),
    ("It is becouse of rain.", "It is because of rain."),
    ("I dont know.", "I don't know."),
    ("we use python here.", "We use Python here."),
])
def test_fixes_pass(source: str, target: str) -> None:
    assert all(v is None for v in verdicts(source, target))


def test_project_words_are_kept() -> None:
    with project_rules.applied(ProjectRules(words=("frobnicate",))):
        assert verdicts("We frobnicate data.", "We fabricate data.") == ["project word"]


@pytest.mark.parametrize(("reason", "expected"), [
    ("unknown word 'cuda'", True), ("content word deleted", True), ("line-final colon", False),
    ("final punctuation after code", False), ("code-like token", False), ("term 'Cryptcat'", False),
    ("project word", False),
])
def test_only_judgments_about_words_can_be_overruled(reason: str, expected: bool) -> None:
    """--unsafe-fixes may make what the guard refused on a judgment about a word, never what
    protects structure, code, names and terms, or the project's words."""
    assert overridable(reason) is expected
