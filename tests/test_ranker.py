"""Rank mode's learned weights: the fit finds a real signal, and `lmcor train ranker` stores
weights a real (tiny) CTranslate2 corrector then ranks with."""

from __future__ import annotations

import hashlib
import json
import random
import shutil

import pytest
from conftest import RULES, run_lmcor
from tiny_models import build_tiny_corrector

from lmcor_cli.candidates import Candidate
from lmcor_cli.correctors import inspect_corrector, open_corrector
from lmcor_cli.errors import ModelError
from lmcor_cli.rank_features import FEATURES, best_option
from lmcor_cli.train.ranker import fit_weights


def _row(lints: float, logprob: float) -> dict[str, float]:
    return {**dict.fromkeys(FEATURES, 0.0), "lints": lints, "logprob": logprob}


def test_fit_learns_that_the_best_option_has_fewer_lints():
    rng = random.Random(0)
    rows, gains = [], []
    for _ in range(200):
        lints = [rng.randint(0, 4) for _ in range(3)]
        rows.append([_row(n, rng.uniform(-20, -5)) for n in lints])  # likelihood is noise here
        gains.append([-n for n in lints])
    weights = fit_weights(rows, gains)
    assert weights["lints"] < 0 and abs(weights["logprob"]) < abs(weights["lints"])
    assert best_option([_row(3, -5.0), _row(0, -19.0), _row(2, -6.0)], weights) == 1


def test_train_ranker_stores_weights_the_corrector_uses(tmp_path, tiny_corrector):
    folder = tmp_path / "ranker"
    shutil.copytree(tiny_corrector, folder)
    meta = json.loads((folder / "lmcor.json").read_text())
    (folder / "lmcor.json").write_text(json.dumps({**meta, "mode": "rank"}))
    sums = "".join(f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}\n"
                   for n in ("lmcor.json", "model.bin"))
    (folder / "SHA256SUMS").write_text(sums)
    records = tmp_path / "candidates.jsonl"
    with records.open("w") as out:
        for i in range(12):
            source = f"She go to school number {i}."
            fixed = source.replace("go", "goes")
            candidates = [{"text": fixed, "origin": "greedy"}, {"text": source + " Yes.", "origin": "sample"}]
            out.write(json.dumps({"id": f"t{i}", "source": source, "references": [fixed],
                                  "candidates": candidates}) + "\n")
    # The default generator (real Gemma) scores each option's fluency for the second weight set.
    result = run_lmcor("train", "ranker", "--real", str(records), "--skip", "2", "--limit", "8", "-c", str(folder))
    assert result.returncode == 0, result.stderr
    assert b"rank weights from 8 sentences" in result.stderr
    meta = json.loads((folder / "lmcor.json").read_text())
    weights = meta["rank_weights"]
    assert set(weights) == set(FEATURES) - {"lm"}
    assert set(meta["fluency_weights"]) == set(FEATURES)
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    info = inspect_corrector(folder)
    assert info.meta.rank_weights == weights
    source = "She go to school number 99."
    pool = [Candidate(source.replace("go", "goes"), "greedy"), Candidate(source + " Yes.", "sample")]
    assert open_corrector(info).correct([source], [pool])[0].text in {c.text for c in pool} | {source}
    fixed = run_lmcor("fix", "-g", RULES, "-c", str(folder), "-", input=b"This are wrong.\n")
    assert fixed.returncode == 0 and fixed.stdout.decode() in ("This are wrong.\n", "This is wrong.\n")
    again = run_lmcor("train", "ranker", "--real", str(records), "--skip", "2", "--no-fluency", "-c", str(folder))
    assert again.returncode == 0, again.stderr
    assert "fluency_weights" not in json.loads((folder / "lmcor.json").read_text())  # stale with the new weights


def test_fluency_weights_apply_only_with_a_scorer(tmp_path, tiny_corrector):
    folder = tmp_path / "fluency"
    shutil.copytree(tiny_corrector, folder)
    meta = json.loads((folder / "lmcor.json").read_text())
    # Ranking alone prefers the source; with a scorer, the fluency set decides.
    (folder / "lmcor.json").write_text(json.dumps({**meta, "mode": "rank", "rank_weights": {"is_source": 1.0},
                                                   "fluency_weights": {"lm": 1.0}}))
    corrector = open_corrector(inspect_corrector(folder))
    source, fixed = "She go home.", "She goes home."
    pool = [Candidate(fixed, "greedy"), Candidate("She went home.", "sample")]
    scored: list[list[str]] = []

    def fluency(texts):  # type: ignore[no-untyped-def]
        scored.append(list(texts))
        return [0.0 if t == fixed else -10.0 for t in texts]

    assert [c.text for c in corrector.correct([source], [pool])] == [source]
    assert [c.text for c in corrector.correct([source], [pool], fluency)] == [fixed]
    assert sorted(scored[0]) == sorted([fixed, "She went home.", source])  # each distinct option once


def test_unknown_feature_in_fluency_weights_is_a_model_error(tmp_path, tiny_corrector):
    folder = tmp_path / "bad-fluency"
    shutil.copytree(tiny_corrector, folder)
    meta = json.loads((folder / "lmcor.json").read_text())
    (folder / "lmcor.json").write_text(json.dumps({**meta, "mode": "rank", "fluency_weights": {"perplexity": 1.0}}))
    with pytest.raises(ModelError, match="unknown rank features perplexity"):
        inspect_corrector(folder)


def test_train_ranker_with_nothing_left_is_a_usage_error(tmp_path, tiny_corrector):
    records = tmp_path / "candidates.jsonl"
    records.write_text(json.dumps({"id": "a", "source": "x", "references": ["x"], "candidates": []}) + "\n")
    result = run_lmcor("train", "ranker", "--real", str(records), "--skip", "5", "-c", str(tiny_corrector))
    assert result.returncode == 2 and b"no training sentences left" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_rank_mode_scores_only_sentences_with_a_choice(tmp_path, tiny_corrector):
    folder = tmp_path / "rank"
    shutil.copytree(tiny_corrector, folder)
    meta = json.loads((folder / "lmcor.json").read_text())
    (folder / "lmcor.json").write_text(json.dumps({**meta, "mode": "rank"}))
    corrector = open_corrector(inspect_corrector(folder))
    clean, wrong = "The cat sleeps.", "She go home."
    pools = [[Candidate(clean, "greedy")], [Candidate("She goes home.", "greedy"), Candidate(wrong, "sample")], []]
    scored: list[list[str]] = []
    original = corrector.option_rows

    def spy(sources, *args, **kwargs):  # type: ignore[no-untyped-def]
        scored.append(list(sources))
        return original(sources, *args, **kwargs)

    corrector.option_rows = spy  # type: ignore[method-assign]
    outputs = [c.text for c in corrector.correct([clean, wrong, "Fine."], pools)]
    assert scored == [[wrong]]
    assert outputs[0] == clean and outputs[2] == "Fine." and outputs[1] in {"She goes home.", wrong}
    assert [c.text for c in corrector.correct([clean], [[Candidate(clean, "greedy")]])] == [clean]


def test_rank_mode_scores_a_sentence_longer_than_the_position_table(tmp_path):
    folder = build_tiny_corrector(tmp_path / "short-positions", positions=40)
    meta = json.loads((folder / "lmcor.json").read_text())
    (folder / "lmcor.json").write_text(json.dumps({**meta, "mode": "rank"}))
    source = " ".join(["She go to school and they plays outside."] * 12)
    pool = [Candidate(source.replace("She go", "She goes"), "greedy")]
    # A learned position table ends at 40: scoring all of these options would fail in CTranslate2.
    assert open_corrector(inspect_corrector(folder)).correct([source], [pool])[0].text in {source, pool[0].text}
