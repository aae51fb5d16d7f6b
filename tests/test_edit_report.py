"""Each edit located in the document: spans, byte ranges and fixes that reproduce the rewrite,
and the kind of each edit in words."""

from __future__ import annotations

import re

import pytest

from lmcor_cli.candidates import Candidate
from lmcor_cli.correctors import Correction, Edit
from lmcor_cli.edit_kinds import kind_of
from lmcor_cli.edit_report import located_edits, support
from lmcor_cli.engine import Outcome
from lmcor_cli.pipeline import Piece, Rewrite
from lmcor_cli.positions import located
from lmcor_cli.segment import Sentence


def _located(doc: str, first_word: int, output: str, candidates=()):
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", doc)][first_word:]
    sentence = Sentence(doc, words)
    outcome = Outcome(sentence.text, output, list(candidates), "corrector",
                      edits=Correction.between(sentence.text, output).edits)
    replacement = sentence.render(output)
    start = len(doc[: sentence.start].encode())
    rewrite = Rewrite(sentence, outcome, replacement, start, start + len(sentence.source.encode()))
    [found] = located([Piece(doc[: sentence.start]), Piece(replacement, [rewrite]), Piece(doc[sentence.end :])])
    return found


def _apply(raw: bytes, item) -> bytes:
    return raw[: item.fix.byte_start] + item.fix_text.encode() + raw[item.fix.byte_end :]


@pytest.mark.parametrize("output", [
    "This release makes the installer faster and fixes two crashes.",  # replacements on both lines
    "This release make installer faster, and fix two crash.",  # a deletion, an insertion before punctuation
    "Release make the installer faster and fix two crash.",  # the first word deleted
    "So this release make the installer much faster and fix two crash.",  # insertions at the start, mid-line
])
def test_each_fix_alone_makes_its_edit_and_keeps_the_line_breaks(output) -> None:
    doc = "Intro é.\nThis release make\n  the installer faster and fix two crash.\n"
    found = _located(doc, 2, output)
    raw = doc.encode()
    items = located_edits(found)
    assert items
    for item in items:
        fixed = _apply(raw, item).decode()
        assert fixed.startswith("Intro é.\n") and "\n  " in fixed  # the line break and its indent stay
        alone = Correction(found.rewrite.outcome.source, [item.edit]).text
        assert " ".join(fixed.split()[2:]) == alone


def test_highlight_covers_only_the_changed_word() -> None:
    doc = "😀 Title.\r\nWe has\r\nthree cats.\n"
    found = _located(doc, 2, "We have three cats.")
    [item] = located_edits(found)
    assert (item.original, item.replacement, item.kind) == ("has", "have", "subject–verb agreement")
    assert (item.highlight.start.line, item.highlight.start.column(), item.highlight.end.column()) == (1, 3, 6)
    assert doc.encode()[item.highlight.byte_start : item.highlight.byte_end] == b"has"


def test_support_names_the_candidates_and_harper() -> None:
    source = "She go home."
    pool = [Candidate("She goes home.", "greedy"), Candidate("She goes home now.", "sample"),
            Candidate("She went home.", "sample"), Candidate("She goes home.", "rule")]
    [edit] = Correction.between(source, "She goes home.").edits
    assert support(source, edit.trimmed(source), pool) == "2 of 3 candidates and Harper"
    lonely = Edit(0, 3, "He", origin="corrector")
    assert support(source, lonely, pool) == "the corrector alone"


@pytest.mark.parametrize(("original", "replacement", "kind"), [
    ("make", "makes", "subject–verb agreement"), ("is", "are", "subject–verb agreement"),
    ("rewrote", "rewritten", "verb form"), ("item", "items", "noun number"), ("a", "the", "article"),
    ("", "the", "article"), ("at", "on", "preposition"), ("recieve", "receive", "spelling"),
    ("the", "The", "capitalisation"), (",", ";", "punctuation"), ("very", "", "unnecessary word"),
    ("", "very", "missing word"), ("he", "they", "pronoun"), ("big", "large", "word choice"),
    ("went to", "go into", "rewording"), ("home went", "went home", "word order"),
])
def test_kinds(original, replacement, kind) -> None:
    assert kind_of(original, replacement) == kind
