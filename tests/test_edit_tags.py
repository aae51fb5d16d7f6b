"""Words, edit tags and the pool's marked input: what the edit corrector learns and applies."""

from __future__ import annotations

import pytest

from lmcor_cli.candidates import Candidate
from lmcor_cli.correctors.base import Correction
from lmcor_cli.correctors.pool_input import APPEND_MARKERS, END_MARKER, REPLACE_MARKERS, RULE_MARKER, build_input
from lmcor_cli.correctors.tags import BASE_TAGS, KEEP, gold_tags, tag_edit, transform
from lmcor_cli.correctors.words import apply_edits, diff_edits, split_words

pytest.importorskip("lemminflect")

VOCAB = frozenset({"$APPEND_the", "$APPEND_,", "$APPEND_to", "$REPLACE_an"} | set(BASE_TAGS))


def pieces(text: str) -> list[str]:
    return [text]


def round_trip(source: str, target: str, pool: list[Candidate] = ()) -> str:
    model_input = build_input(source, list(pool), pieces, "<bos>")
    tags = gold_tags(source, target, model_input.words, model_input.proposals, VOCAB)
    edits = [tag_edit(t, s, model_input.words, source, model_input.proposals) for s, t in enumerate(tags) if t]
    return apply_edits(source, [e for e in edits if e])


def test_code_like_tokens_are_single_words() -> None:
    words = [w.text for w in split_words("Pass --window=3 to `run()`, see docs/guide.md and os.path.join here.")]
    assert words == ["Pass", "--window=3", "to", "`run()`", ",", "see", "docs/guide.md", "and", "os.path.join", "here",
                     "."]


@pytest.mark.parametrize(("source", "target"), [
    ("This release make the installer faster.", "This release makes the installer faster."),
    ("We have rewrote it.", "We have rewritten it."),
    ("He go to school.", "He goes to school."),
    ("I like cat and dogs.", "I like cats and dogs."),
    ("the cat sat.", "The cat sat."),
    ("I saw a apple.", "I saw an apple."),
    ("She went school.", "She went to school."),
    ("I like the the cat.", "I like the cat."),
    ("Yes I agree.", "Yes, I agree."),
])
def test_tags_turn_the_source_into_the_target(source: str, target: str) -> None:
    assert round_trip(source, target) == target


def test_a_pool_edit_is_taken_whole() -> None:
    source, target = "I recieve the mail every day.", "I receive the mail every day."
    pool = [Candidate(target, "greedy"), Candidate(target, "sample"), Candidate(source, "sample")]
    model_input = build_input(source, pool, pieces, "<bos>")
    tags = gold_tags(source, target, model_input.words, model_input.proposals, VOCAB)
    assert tags[2] == "$TAKE_1"  # "$REPLACE_receive" is not in the vocabulary, the pool's edit is
    assert round_trip(source, target, pool) == target


def test_marked_input_shows_votes_rule_and_position() -> None:
    source = "He go home."
    pool = [Candidate("He goes home.", "greedy"), Candidate("He goes home.", "sample"),
            Candidate("He goes home.", "rule"), Candidate("He go home now.", "sample")]
    model_input = build_input(source, pool, pieces, "<bos>")
    assert model_input.pieces == ["<bos>", "He", " go", REPLACE_MARKERS[2], RULE_MARKER, " goes", END_MARKER, " home",
                                  APPEND_MARKERS[1], " now", END_MARKER, "."]
    assert [model_input.pieces[p] for p in model_input.slot_positions] == ["<bos>", "He", " go", " home", "."]


def test_long_inputs_drop_proposals_before_words() -> None:
    source = "one two three four five six."
    pool = [Candidate("One Two three four five six.", "greedy")]
    model_input = build_input(source, pool, pieces, "<bos>", max_pieces=9)
    assert len(model_input.pieces) <= 9 and len(model_input.slot_positions) == len(model_input.words) + 1
    assert sum(len(p) for p in model_input.proposals) <= 1


def test_transformations_keep_case_and_refuse_non_words() -> None:
    assert transform("$VERB_VBZ", "Make") == "Makes"
    assert transform("$NOUN_PL", "file") == "files"
    assert transform("$VERB_VBZ", "--flag") is None
    assert transform("$CASE_UPPER", "Already") is None


def test_keep_makes_no_edit_and_diff_edits_round_trip() -> None:
    words = split_words("A b.")
    assert tag_edit(KEEP, 1, words, "A b.", [[], [], [], []]) is None
    for source, target in [("It  is here .", "It is there ."), ("x", "y z"), ("Hello world.", "world.")]:
        assert apply_edits(source, [e for _, _, e in diff_edits(source, target)]).split() == target.split()
        assert Correction.between(source, target).text.split() == target.split()
