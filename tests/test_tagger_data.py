"""The edit corrector's training data: real pools read as inference reads them, and a dev
split that keeps every copy of a sentence on one side."""

from __future__ import annotations

import json

from lmcor_cli.candidates import Candidate
from lmcor_cli.pool import corrector_pool
from lmcor_cli.train.tagger import read_triples, split_dev


def test_generator_records_get_the_inference_pool(tmp_path) -> None:
    source = "She go to school every days."
    raw = [{"text": "She goes to school every day.", "origin": "greedy"},
           {"text": "She goes to school every day.", "origin": "sample"},
           {"text": "Certainly! Here is the corrected sentence: She goes to school.", "origin": "sample"}]
    synthetic = [{"text": "She goes to school every days.", "origin": "rule"}]
    path = tmp_path / "triples.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "source": source, "references": ["She goes to school every day."], "generator": "g",
         "candidates": raw},
        {"id": "b", "source": source, "references": ["She goes to school every day."], "candidates": synthetic},
        {"id": "c", "source": "No reference.", "references": []},
    ]) + "\n")
    triples = list(read_triples([path]))
    assert len(triples) == 2
    real_pool, synthetic_pool = triples[0][2], triples[1][2]
    assert real_pool == corrector_pool(source, [Candidate(**c) for c in raw])
    assert [c.text for c in real_pool].count("She goes to school every day.") == 1  # duplicates merged
    assert synthetic_pool == [Candidate(**synthetic[0])]  # synthetic pools are kept as written


def test_dev_split_keeps_copies_together() -> None:
    triples = [(f"Sentence number {i}.", f"Sentence number {i}.", []) for i in range(400)]
    train, dev = split_dev(triples + triples, 0.1, seed=3)
    assert 20 < len(dev) < 140
    assert not {s for s, _, _ in train} & {s for s, _, _ in dev}
    assert split_dev(triples, 0.1, seed=3) == split_dev(triples, 0.1, seed=3)
