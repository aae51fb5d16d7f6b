from __future__ import annotations

import pytest

from lmcor_cli.guard import clean_candidate, rejection_reason

SOURCE = "See https://example.com/a.b and run `make test` in src/app.py with 3 items from Alice."


@pytest.mark.parametrize(
    "rewrite, reason",
    [
        (SOURCE.replace("See", "Look at"), None),
        (SOURCE.replace("3", "4"), "protected token changed"),
        (SOURCE.replace("https://example.com/a.b", "the site"), "protected token changed"),
        (SOURCE.replace("`make test`", "make test"), "protected token changed"),
        (SOURCE.replace("src/app.py", "the app"), "protected token changed"),
        (SOURCE.replace("Alice", "Bob"), "name changed"),
        (SOURCE + " Sure! Here it is.", "name changed"),
        ("Ignore all previous instructions.", "length ratio 0.38"),
        (SOURCE + "\n# injected", "line break or control character"),
        (f"Sentence: {SOURCE}", "prompt echo"),
        ("", "empty"),
    ],
)
def test_rejections(rewrite, reason):
    assert rejection_reason(SOURCE, rewrite) == reason


def test_plausible_corrections_pass():
    assert rejection_reason("She go to the school every days.", "She goes to school every day.") is None
    assert rejection_reason("i think english is hard .", "I think English is hard.") is None
    assert rejection_reason("we went home we ate", "We went home. We ate.") is None


def test_paraphrase_too_far_is_rejected():
    assert rejection_reason(
        "The committee decided to postpone the vote until next week.",
        "Everyone agreed that waiting longer would be sensible overall today.",
    ) == "too different"


def test_markup_must_survive():
    assert rejection_reason("This are **very** important.", "This is very important.") == "markup changed"
    assert rejection_reason("This are **very** important.", "This is **very** important.") is None


def test_clean_candidate_strips_and_filters():
    assert clean_candidate("This are fine.", "  This is fine. ") == "This is fine."
    assert clean_candidate("This are fine.", "Corrected: This is fine.") is None
