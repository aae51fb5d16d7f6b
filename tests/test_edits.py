"""Edit scripts: exact round trips, and a bad script can only be ignored, never garble a sentence."""

from __future__ import annotations

import pytest

from lmcor_cli.correctors.edit_script import apply_edit_script, edit_script

PAIRS = [
    ("There can not be no bothering and no hazzle.", "There cannot be any bothering and hassle."),
    ("the cat the cat sat on mat", "the cat sat on the mat"),
    ("He go to school .", "He goes to school."),
    ("a b a b", "a b x a b"),
    ("Fine as it is.", "Fine as it is."),
    ("word", "A word"),
    ("Do it now", "Do it now please"),
]


@pytest.mark.parametrize("source, target", PAIRS)
def test_round_trip(source, target):
    assert apply_edit_script(source, edit_script(source, target)) == target


def test_scripts_are_short_and_name_only_the_changes():
    assert edit_script("He go to school .", "He goes to school.") == "go<sep> goes<sep> school .<sep> school."
    assert edit_script("Fine as it is.", "Fine as it is.") == ""


def test_ambiguous_words_get_left_context():
    # The second "the cat" is the one to delete: the script must not match the first.
    script = edit_script("the cat the cat sat", "the cat sat")
    assert apply_edit_script("the cat the cat sat", script) == "the cat sat"


@pytest.mark.parametrize(
    "script, expected",
    [
        ("", "He go to school."),
        ("nonexistent<sep> words", "He go to school."),  # old words not in the sentence: skipped
        ("<sep><sep><sep>", "He go to school."),  # empty old words: skipped
        ("go<sep>", "He to school."),  # a deletion, as written
        ("go", "He go to school."),  # a cut-off script: an unpaired field is dropped
        ("zzz<sep> a<sep> go<sep> goes", "He goes to school."),  # the bad pair alone is skipped
        ("school.<sep> school!<sep> go<sep> goes", "He go to school!"),  # pairs apply in order only
    ],
)
def test_bad_or_partial_scripts_are_skipped_not_applied_blindly(script, expected):
    assert apply_edit_script("He go to school.", script) == expected
