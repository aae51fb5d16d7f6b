from __future__ import annotations

import pytest

from lmcor_cli.candidates import Candidate
from lmcor_cli.pool import corrector_pool
from lmcor_cli.rules.harper import harper_fix
from lmcor_cli.rules.spelling import best_suggestion, edit_distance, word_frequencies


@pytest.mark.parametrize("a, b, distance", [
    ("", "", 0), ("", "abc", 3), ("kitten", "sitting", 3), ("teh", "the", 1), ("recieve", "receive", 1),
    ("helpd", "helped", 1), ("abc", "abc", 0), ("ca", "abc", 3),
])
def test_edit_distance_counts_adjacent_swaps_as_one(a, b, distance):
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance


def test_frequency_list_is_the_english_one():
    counts = word_frequencies()
    assert len(counts) > 80_000
    assert counts["the"] > counts["thee"] > 0


def test_closest_suggestion_wins_then_the_most_common():
    # Harper's own order for "ther": the closest three are all one edit away; "the" is commonest.
    assert best_suggestion("ther", ["thee", "their", "the"]) == 2
    # Fewer edits beat frequency: "prefered" is one edit from "preferred", two from "prefer".
    assert best_suggestion("prefered", ["prefer", "preferred"]) == 1
    # Case does not count as an edit.
    assert best_suggestion("Ther", ["Thee", "The"]) == 1
    assert best_suggestion("word", []) == 0


def test_harper_fix_can_rank_spelling_suggestions():
    # Harper suggests "held", "help", "helped" for "helpd", in that order; "help" is commoner.
    sentence = "He helpd me."
    first, frequent = harper_fix(sentence), harper_fix(sentence, frequent_spelling=True)
    assert first == "He held me."
    assert frequent not in (sentence, first)
    assert harper_fix("She recieved it.", frequent_spelling=True) == "She received it."


def test_pool_adds_both_harper_fixes_once_each():
    source = "He helpd me yesterday."
    pool = corrector_pool(source, [Candidate(source, "greedy")])
    rules = [c.text for c in pool if c.origin == "rule"]
    assert rules == list(dict.fromkeys(rules))
    assert harper_fix(source) in rules and harper_fix(source, frequent_spelling=True) in rules
