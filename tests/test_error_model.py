"""Synthetic errors at the rates real M2 annotations have (gold edits read backwards)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from conftest import run_lmcor

from lmcor_cli.train.error_model import corrupt, estimate

M2 = """S He go to school every day .
A 1 2|||R:VERB:SVA|||goes|||REQUIRED|||-NONE-|||0

S She go to work by bus .
A 1 2|||R:VERB:SVA|||goes|||REQUIRED|||-NONE-|||0
A 3 4|||R:NOUN|||the office|||REQUIRED|||-NONE-|||1

S I bought apple at market .
A 2 2|||M:DET|||an|||REQUIRED|||-NONE-|||0
A 4 4|||M:DET|||the|||REQUIRED|||-NONE-|||0

S I bought an apple at the the market .
A 6 7|||U:DET||||||REQUIRED|||-NONE-|||0

S We went their yesterday and it was beatiful .
A 2 3|||R:OTHER|||there|||REQUIRED|||-NONE-|||0
A 7 8|||R:SPELL|||beautiful|||REQUIRED|||-NONE-|||0

S This is fine .
A -1 -1|||noop|||-NONE-|||REQUIRED|||-NONE-|||0
"""


def write_m2(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.m2"
    path.write_text(M2, encoding="utf-8")
    return path


def test_estimate_counts_reversed_edits_against_their_occurrences(tmp_path):
    model = estimate([write_m2(tmp_path)])
    # "goes" appears twice in the corrected text and was "go" both times (annotator 1 is ignored).
    assert model.confusions["goes"] == {"go": 0.5}  # capped at one half: never always wrong
    assert "there" not in model.confusions  # seen once: too little to be a pattern
    assert model.clean_share == 1 / 6
    assert model.types["M:DET"] == 2 and model.types["R:SPELL"] == 1
    words = sum(len(s.split()) for s in ["He goes to school every day .", "She goes to work by bus .",
                                          "I bought an apple at the market .", "I bought an apple at the market .",
                                          "We went there yesterday and it was beautiful .", "This is fine ."])
    assert abs(model.spelling_rate - 1 / words) < 1e-9


def test_corrupt_applies_the_learned_confusions_in_natural_text(tmp_path):
    model = estimate([write_m2(tmp_path)])
    rng = random.Random(0)
    outputs = {corrupt("He goes home, and she goes too.", model, rng) for _ in range(200)}
    assert "He go home, and she goes too." in outputs
    assert "He goes home, and she goes too." in outputs  # most of the time nothing happens
    assert all("  " not in o and not o.endswith(" .") for o in outputs)  # detokenised again


def test_train_synth_errors_from_m2_through_the_cli(tmp_path):
    clean = tmp_path / "clean.txt"
    clean.write_text("She goes to the office every morning by bus.\nHe goes to school with his brother every day.\n")
    out = tmp_path / "synth.jsonl"
    made = run_lmcor("train", "synth", "--clean", str(clean), "--errors-from", str(write_m2(tmp_path)), "--n", "60",
                     "-o", str(out))
    assert made.returncode == 0, made.stderr.decode()
    assert b"error model from 1 M2 file(s)" in made.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 60
    assert any(" go " in r["source"] for r in records)
    missing = run_lmcor("train", "synth", "--clean", str(clean), "--errors-from", str(tmp_path / "nope.m2"),
                        "-o", str(out))
    assert missing.returncode == 2 and b"Traceback" not in missing.stderr
