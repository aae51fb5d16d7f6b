"""The edit corrector's input: the source, with the candidate pool's edits marked on it.

Five candidates written out in full would make the input six sentences long, and the
encoder's cost grows with length.  Most candidates copy most of the source, so the pool is
given as what it changes: after the word where a candidate's edit starts comes a marker
(replace or append, and how many of the LLM's candidates proposed it, and whether Harper
did), the proposed words, and an end marker.  One function builds this for training and
for inference, so the model sees the same thing in both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lmcor_cli.candidates import Candidate
from lmcor_cli.correctors.words import CharEdit, Word, diff_edits, split_words

MAX_VOTES = 5
REPLACE_MARKERS = tuple(f"<r{n}>" for n in range(MAX_VOTES + 1))
APPEND_MARKERS = tuple(f"<a{n}>" for n in range(MAX_VOTES + 1))
RULE_MARKER = "<rule>"
DELETED_MARKER = "<del>"
END_MARKER = "</e>"
MARKERS = (*REPLACE_MARKERS, *APPEND_MARKERS, RULE_MARKER, DELETED_MARKER, END_MARKER)
PROPOSALS_PER_SLOT = 2
LLM_ORIGINS = {"greedy", "sample"}


@dataclass(frozen=True)
class Proposal:
    edit: CharEdit
    votes: int  # LLM candidates that made this edit
    rule: bool  # Harper's fix made it too
    insertion: bool


@dataclass
class ModelInput:
    pieces: list[str]
    slot_positions: list[int]  # per slot, the piece whose hidden state is tagged
    words: list[Word]
    proposals: list[list[CharEdit]]  # per slot, the pool's edits in marker order ($TAKE_1, $TAKE_2)
    marked: list[list[Proposal]]  # the same, with their support (LLM votes, Harper)


def pool_proposals(source: str, words: Sequence[Word], pool: Sequence[Candidate]) -> list[list[Proposal]]:
    """Per slot, the distinct edits the candidates make there, the best supported first."""
    found: dict[tuple[int, CharEdit], list[int]] = {}  # (slot, edit) -> [votes, rule, first seen]
    for rank, candidate in enumerate(pool):
        if candidate.text == source:
            continue
        for i1, i2, edit in diff_edits(source, candidate.text, words):
            slot = i1 if i1 == i2 else i1 + 1
            entry = found.setdefault((slot, edit), [0, 0, rank, int(i1 == i2)])
            if candidate.origin in LLM_ORIGINS:
                entry[0] += 1
            else:
                entry[1] = 1
    slots: list[list[Proposal]] = [[] for _ in range(len(words) + 1)]
    ordered = sorted(found.items(), key=lambda item: (-(item[1][0] + 0.5 * item[1][1]), item[1][2]))
    for (slot, edit), (votes, rule, _, insertion) in ordered:
        if len(slots[slot]) < PROPOSALS_PER_SLOT:
            slots[slot].append(Proposal(edit, min(votes, MAX_VOTES), bool(rule), bool(insertion)))
    return slots


def build_input(source: str, pool: Sequence[Candidate], encode: Callable[[str], list[str]], bos: str,
                max_pieces: int = 160) -> ModelInput:
    """``bos``, then each word's pieces, each followed by the pool's proposals at its slot.
    Proposals are dropped (the best supported kept) when the input would pass ``max_pieces``."""
    words = split_words(source)
    slots = pool_proposals(source, words, pool) if pool else [[] for _ in range(len(words) + 1)]
    word_pieces = [encode((" " if i and word.start > words[i - 1].end else "") + word.text)
                   for i, word in enumerate(words)]
    budget = max_pieces - 1 - sum(len(p) for p in word_pieces)
    marked: list[list[Proposal]] = []
    marker_pieces: dict[int, list[str]] = {}
    for proposals in slots:
        kept = []
        for proposal in proposals:
            block = _marker(proposal, encode)
            if len(block) <= budget:
                kept.append(proposal)
                marker_pieces[id(proposal)] = block
                budget -= len(block)
        marked.append(kept)
    pieces = [bos]
    positions = [0]
    for slot, kept in enumerate(marked):
        if slot:
            positions.append(len(pieces))
            pieces.extend(word_pieces[slot - 1])
        pieces.extend(piece for proposal in kept for piece in marker_pieces[id(proposal)])
    kept_edits = [[proposal.edit for proposal in kept] for kept in marked]
    if len(pieces) > max_pieces:  # a very long sentence: its last words go untagged
        pieces = pieces[:max_pieces]
        positions = [p for p in positions if p < max_pieces]
    return ModelInput(pieces, positions, words, kept_edits, marked)


def _marker(proposal: Proposal, encode: Callable[[str], list[str]]) -> list[str]:
    markers = APPEND_MARKERS if proposal.insertion else REPLACE_MARKERS
    head = [markers[proposal.votes]] + ([RULE_MARKER] if proposal.rule else [])
    words = proposal.edit.replacement.strip()
    return head + (encode(" " + words) if words else [DELETED_MARKER]) + [END_MARKER]
