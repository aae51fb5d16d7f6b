"""Each edit of a rewritten sentence, located in the document, with its kind and its support.

Reports (JSON, SARIF, GitHub, the LSP) show edits, not sentences: a reader sees the changed
words highlighted and takes or leaves each change.  An edit is made on the sentence as the
models read it (its words joined by single spaces); here it is mapped back to the
document's own characters.  Its *fix* covers whole words and is rendered with the
document's separators (a line break inside stays where it was), so applying the fixes one
by one gives the same text as the whole-sentence rewrite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lmcor_cli.candidates import Candidate
from lmcor_cli.correctors import Correction, Edit
from lmcor_cli.correctors.words import diff_edits
from lmcor_cli.edit_kinds import kind_of
from lmcor_cli.positions import Located, Position, position_after
from lmcor_cli.segment import render_aligned

LLM_ORIGINS = ("greedy", "sample")


@dataclass(frozen=True)
class Span:
    """A stretch of the document: 0-based positions and UTF-8 byte offsets in the file."""

    start: Position
    end: Position
    byte_start: int
    byte_end: int


@dataclass(frozen=True)
class LocatedEdit:
    found: Located  # the sentence it belongs to
    edit: Edit  # on the sentence's text, trimmed to what changes
    original: str  # the sentence's words it changes, as the models read them
    replacement: str  # what they become
    kind: str  # "article", "verb form", ...
    support: str  # who proposed it, in words
    highlight: Span  # the changed words (the words around an insertion)
    fix: Span  # whole words: replace this span's text ...
    fix_text: str  # ... with this, to make the edit


def outcome_edits(found: Located) -> list[Edit]:
    """The sentence's edits; a cached result keeps only its text, so its edits are recovered
    (without confidence) from the difference."""
    outcome = found.rewrite.outcome
    return outcome.edits or Correction.between(outcome.source, outcome.output, origin="cache").edits


def located_edits(found: Located) -> list[LocatedEdit]:
    sentence = found.rewrite.sentence
    outcome = found.rewrite.outcome
    text = sentence.text
    words = [sentence.chunk_text[a:b] for a, b in sentence.words]
    separators = sentence.separators()
    starts = []  # each word's start in ``text`` (words joined by single spaces)
    at = 0
    for word in words:
        starts.append(at)
        at += len(word) + 1
    ends = [start + len(word) for start, word in zip(starts, words)]

    def chunk_offset(offset: int) -> int:
        j = max(i for i in range(len(words)) if starts[i] <= offset or i == 0)
        return sentence.words[j][0] + min(max(offset - starts[j], 0), len(words[j]))

    result = []
    for raw in sorted(outcome_edits(found), key=lambda e: (e.start, e.end)):
        edit = raw.trimmed(outcome.source)
        first = max(i for i in range(len(words)) if starts[i] <= edit.start or i == 0)
        last = min(i for i in range(len(words)) if ends[i] >= edit.end or i == len(words) - 1)
        last = max(last, first)
        while True:  # whole words around the edit: enough to keep a word and each line break in them
            new_text = text[starts[first] : edit.start] + edit.replacement + text[edit.end : ends[last]]
            fix_text = render_aligned(words[first : last + 1], separators[first:last], new_text.split())
            kept = fix_text != sentence.chunk_text[sentence.words[first][0] : sentence.words[last][1]]
            if (new_text.split() and kept) or (first == 0 and last == len(words) - 1):
                break
            first, last = (first, last + 1) if last < len(words) - 1 else (first - 1, last)
        fix = _span(found, sentence.words[first][0], sentence.words[last][1])
        original = text[edit.start : edit.end]
        changes_words = bool(original.strip()) and bool(edit.replacement.strip())
        highlight = _span(found, chunk_offset(edit.start), chunk_offset(edit.end)) if changes_words else fix
        result.append(LocatedEdit(found, edit, original, edit.replacement,
                                  kind_of(original, edit.replacement, edit.tag),
                                  support(outcome.source, edit, outcome.candidates), highlight, fix, fix_text))
    return result


def _span(found: Located, a: int, b: int) -> Span:
    """Chunk offsets ``a``..``b`` inside the sentence as a document span."""
    rewrite = found.rewrite
    source = rewrite.sentence.source
    begin = rewrite.sentence.start
    before, inside = source[: a - begin], source[a - begin : b - begin]
    start = position_after(found.start, before)
    byte_start = rewrite.byte_start + len(before.encode("utf-8"))
    return Span(start, position_after(start, inside), byte_start, byte_start + len(inside.encode("utf-8")))


def support(source: str, edit: Edit, candidates: Sequence[Candidate]) -> str:
    """Who proposed the edit: "3 of 5 candidates and Harper", "Harper", "the corrector alone"."""
    llm = [c for c in candidates if c.origin in LLM_ORIGINS]
    made = [c for c in candidates if _makes(source, c.text, edit)]
    votes = sum(1 for c in made if c.origin in LLM_ORIGINS)
    harper = any(c.origin == "rule" for c in made)
    parts = []
    if votes:
        parts.append(f"{votes} of {len(llm)} candidate{'s' if len(llm) != 1 else ''}")
    if harper:
        parts.append("Harper")
    if parts:
        return " and ".join(parts)
    return "the corrector alone" if edit.origin == "corrector" else "the corrector"


def _makes(source: str, candidate: str, edit: Edit) -> bool:
    if candidate == source:
        return False
    wanted = (edit.start, edit.end, edit.replacement)
    for _, _, change in diff_edits(source, candidate):
        trimmed = Edit(change.start, change.end, change.replacement).trimmed(source)
        if (trimmed.start, trimmed.end, trimmed.replacement) == wanted:
            return True
    return False
