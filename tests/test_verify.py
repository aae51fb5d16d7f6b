"""The self-check every output passes before it is written (black's idea, for prose)."""

from __future__ import annotations

import io

import pytest
from generators import Rules

from lmcor_cli.errors import InternalError
from lmcor_cli.pipeline import Engine, Outcome, Piece, Rewrite, fix_document
from lmcor_cli.segment import iter_chunks, paragraphs
from lmcor_cli.verify import OutputCheck

TEXT = "Intro stays.\n\n> This are\n> bad, she go\n> home.\n\nThe end.\n"


def _lines(text: str) -> list[str]:
    return list(io.StringIO(text, newline=""))


def _checked(pieces: list[Piece]) -> str:
    check = OutputCheck("doc.md", _lines(TEXT))
    list(check.lines())  # the pipeline has read the whole input
    return "".join(piece.text for piece in check.verified(pieces))


def _quote_rewrite(replacement: str) -> list[Piece]:
    """The document's pieces with the quoted sentence replaced by ``replacement``."""
    chunk = next(iter(iter_chunks(_lines(TEXT), "markdown")))
    sentence = paragraphs(chunk, "markdown")[1].sentences[0]
    outcome = Outcome(sentence.text, " ".join(replacement.split()), [], "greedy")
    rewrite = Rewrite(sentence, outcome, replacement, sentence.start, sentence.end)
    return [Piece(TEXT[: sentence.start]), Piece(replacement, [rewrite]), Piece(TEXT[sentence.end :])]


def test_the_real_pipeline_passes():
    engine = Engine(Rules, lambda: None, "test-rules", "none", 1, cache=None)
    check = OutputCheck("doc.md", _lines(TEXT))
    out = "".join(piece.text for piece in check.verified(fix_document(check.lines(), "markdown", engine)))
    assert out == TEXT.replace("This are", "This is").replace("she go", "she goes")


def test_a_rewrite_keeping_its_line_breaks_and_markers_passes():
    out = _checked(_quote_rewrite("This is\n> bad, she goes\n> home."))
    assert out == "Intro stays.\n\n> This is\n> bad, she goes\n> home.\n\nThe end.\n"


@pytest.mark.parametrize("replacement", ["This is\n> bad, she goes home.", "This is\nbad, she goes\n> home.",
                                         "This is bad, she goes home."])
def test_a_rewrite_losing_a_line_break_or_marker_stops_the_output(replacement):
    with pytest.raises(InternalError, match="lose a line break or block-quote marker"):
        _checked(_quote_rewrite(replacement))


def test_changed_text_outside_the_rewrites_stops_the_output():
    pieces = _quote_rewrite("This is\n> bad, she goes\n> home.")
    pieces[0] = Piece(pieces[0].text.replace("Intro", "intro"))
    with pytest.raises(InternalError, match="outside the rewritten sentences"):
        _checked(pieces)


def test_output_ending_early_stops_it():
    with pytest.raises(InternalError, match="end before the input"):
        _checked(_quote_rewrite("This is\n> bad, she goes\n> home.")[:2])
