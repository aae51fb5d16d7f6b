"""Metrics checked against the reference scripts' figures and hand computation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmcor_cli.data import load_dataset
from lmcor_cli.evaluate.gleu import corpus_gleu, gleu_from_stats, sentence_stats
from lmcor_cli.evaluate.m2 import Counts, corpus_m2, edits_from_reference, scores, sentence_counts
from lmcor_cli.evaluate.tokens import detokenize, is_tokenized, tokenize

FIXTURES = Path(__file__).parent / "fixtures"


def test_gleu_matches_the_jfleg_script_on_a_fixture():
    rows = [json.loads(line) for line in (FIXTURES / "gleu" / "fixture.jsonl").read_text().splitlines()]
    hyp = (FIXTURES / "gleu" / "hyp.txt").read_text().splitlines()
    sources = [r["source"] for r in rows]
    references = [r["references"] for r in rows]
    # Figures printed by the JFLEG authors' eval/gleu.py (500 iterations) on these files.
    assert corpus_gleu(sources, hyp, references) == pytest.approx(0.33285819770151276, abs=1e-4)
    assert corpus_gleu(sources, sources, references) == pytest.approx(0.0, abs=1e-9)


def test_sentence_stats_by_hand():
    src, hyp, ref = "a b c".split(), "a b d".split(), "a b d".split()
    # unigrams: h∩r = 3, h∩(s−r) = 0 → 3/3; bigrams 2/2; trigrams 1/1; 4-grams 0/0
    assert sentence_stats(src, hyp, ref) == [3, 3, 3, 3, 2, 2, 1, 1, 0, 0]
    assert gleu_from_stats([3, 3, 3, 3, 2, 2, 1, 1, 0, 0]) == 0.0
    assert gleu_from_stats([3, 3, 3, 3, 2, 2, 1, 1, 0, 0], smooth=True) == pytest.approx(1.0)


def test_m2_by_hand_on_a_fixture():
    examples = load_dataset(FIXTURES / "m2" / "tiny.m2")
    hyp = (FIXTURES / "m2" / "tiny.hyp").read_text().splitlines()
    # 1: goes ✓ (1/1/1). 2: likes ✓ + inserted "the" ✗ (1/2/1). 3: no edits; annotator 1
    # (one gold edit) maximises F (0/0/1). 4: "." → "!" against no gold (0/1/0).
    counts = [sentence_counts(e.source, h, e.gold_edits[0]) for e, h in zip(examples, hyp)]
    assert counts[0] == Counts(1, 1, 1) and counts[1] == Counts(1, 2, 1) and counts[3] == Counts(0, 1, 0)
    p, r, f = corpus_m2([e.source for e in examples], hyp, [e.gold_edits for e in examples])
    assert (p, r) == pytest.approx((2 / 4, 2 / 3))
    assert f == pytest.approx(1.25 * 0.5 * (2 / 3) / (0.25 * 0.5 + 2 / 3))


def test_m2_conventions():
    assert scores(Counts(0, 0, 5)) == (1.0, 0.0, 0.0)  # no edits proposed: precision 1
    assert scores(Counts(0, 0, 0))[2] == 1.0


def test_m2_merges_adjacent_edits_to_match_gold():
    gold = [(1, 3, "has a", ("have an",))]
    assert sentence_counts("I has a apple .", "I have an apple .", gold) == Counts(1, 1, 1)


def test_edits_from_reference():
    assert edits_from_reference("I has a apple .", "I have an apple .") == [(1, 3, "has a", ("have an",))]
    assert edits_from_reference("same words .", "same words .") == []


def test_m2_reader_keeps_annotators_and_alternatives(tmp_path):
    path = tmp_path / "x.m2"
    path.write_text("S a b c\nA 1 2|||X|||B||bee|||REQUIRED|||-NONE-|||0\nA 2 3|||Y|||-NONE-|||REQUIRED|||-NONE-|||1\n")
    [example] = load_dataset(path)
    assert example.gold_edits == [[(1, 2, "b", ("B", "bee"))], [(2, 3, "c", ("",))]]
    assert example.references == ["a B c", "a b"]


@pytest.mark.parametrize(
    "tokenized",
    ["I do n't know , he said .", "It 's 3.5 km ( about 2 miles ) away !", 'She said " yes " to it .'],
)
def test_detokenize_round_trip(tokenized):
    assert tokenize(detokenize(tokenized)) == tokenized


def test_detokenize_examples():
    assert detokenize("I do n't know , he said .") == "I don't know, he said."
    assert is_tokenized(["a b .", "c , d ."]) and not is_tokenized(["Hello, world.", "Fine."])
