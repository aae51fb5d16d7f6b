"""The edit corrector end to end on a tiny real model: train tagger → export-tagger → CTranslate2
encoder + numpy head → corrections, through the API and through lmcor fix / eval."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import RULES, run_lmcor
from tiny_models import build_tiny_causal_lm

from lmcor_cli.candidates import Candidate
from lmcor_cli.correctors import inspect_corrector, open_corrector

pytest.importorskip("torch")
pytest.importorskip("transformers")

CLEAN = "\n".join([
    "The cat sits on the mat every morning.", "She walks to the station before work.",
    "We wrote the report together last week.", "They have finished the new release notes.",
    "He reads a book about old ships.", "The server stores each file in a folder.",
] * 4)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edit")
    tiny_lm = build_tiny_causal_lm(folder / "lm", layers=2)
    (folder / "clean.txt").write_text(CLEAN)
    synth = folder / "synth.jsonl"
    made = run_lmcor("train", "synth", "--clean", str(folder / "clean.txt"), "--n", "60", "-o", str(synth))
    assert made.returncode == 0, made.stderr
    run = folder / "run"
    args = ["train", "tagger", str(synth), "--init", str(tiny_lm), "--layers", "2", "--kept-pieces", "330",
            "--word-tags", "40", "--batch-size", "8", "--eval-every", "2", "-o", str(run)]
    first = run_lmcor(*args, "--max-steps", "2", timeout=300)
    assert first.returncode == 0, first.stderr
    resumed = run_lmcor(*args, "--max-steps", "3", timeout=300)
    assert resumed.returncode == 0 and b"resumed at step 2" in resumed.stderr, resumed.stderr
    out = folder / "model"
    exported = run_lmcor("train", "export-tagger", "--run", str(run), "-o", str(out), "--name", "tiny-edit")
    assert exported.returncode == 0, exported.stderr
    return out


def test_folder_is_an_edit_tagger(exported) -> None:
    info = inspect_corrector(exported)
    assert info.meta.architecture == "edit-tagger" and info.name == "tiny-edit"
    tags = json.loads((exported / "tags.json").read_text())
    assert tags[0] == "$KEEP" and np.load(exported / "head.npz")["weight"].shape[0] == len(tags)


def test_unsure_corrector_keeps_the_text(exported) -> None:
    corrector = open_corrector(inspect_corrector(exported), min_confidence=1.01)
    sources = ["the cat sit on the mat.", ""]
    corrections = corrector.correct(sources, [[Candidate("The cat sits on the mat.", "greedy")], []])
    assert [c.text for c in corrections] == sources and all(not c.edits for c in corrections)


def test_tags_are_applied_through_the_encoder(exported, tmp_path) -> None:
    """A head that always says $CASE_UPPER capitalises every word: the encoder output reaches the
    head and each slot's tag lands on its own word."""
    forced = tmp_path / "forced"
    forced.mkdir()
    for item in exported.iterdir():
        (forced / item.name).write_bytes(item.read_bytes())
    tags = json.loads((forced / "tags.json").read_text())
    head = np.load(forced / "head.npz")
    bias = np.full(len(tags), -50.0, dtype=np.float32)
    bias[tags.index("$CASE_UPPER")] = 50.0
    np.savez(forced / "head.npz", weight=np.zeros_like(head["weight"]), bias=bias)
    corrector = open_corrector(inspect_corrector(forced))
    [correction] = corrector.correct(["the cat sat on `code` here."], [[]])
    assert correction.text == "The Cat Sat On `code` Here."
    assert all(e.tag == "$CASE_UPPER" and e.origin == "corrector" and e.confidence > 0.99 for e in correction.edits)


def test_fix_runs_the_edit_corrector_and_keeps_bytes(exported, tmp_path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_bytes(b"# Title\n\nThe cat sits on the mat.  It is fine.\n\n```\ncode the\n```\n")
    result = run_lmcor("fix", str(doc), "-c", str(exported), "-g", RULES, "--no-cache")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"# Title\n\n") and result.stdout.endswith(b"```\ncode the\n```\n")


def test_engine_drops_the_edits_the_guard_refuses(exported, tmp_path) -> None:
    """Through lmcor fix: a head that capitalises every word may fix "the" at the start, but the
    faithfulness guard keeps the term "fooBar" and the flag "--dry-run" as written."""
    forced = tmp_path / "forced"
    forced.mkdir()
    for item in exported.iterdir():
        (forced / item.name).write_bytes(item.read_bytes())
    tags = json.loads((forced / "tags.json").read_text())
    bias = np.full(len(tags), -50.0, dtype=np.float32)
    bias[tags.index("$CASE_UPPER")] = 50.0
    np.savez(forced / "head.npz", weight=np.zeros_like(np.load(exported / "head.npz")["weight"]), bias=bias)
    result = run_lmcor("fix", "-", "-c", str(forced), "-g", RULES, "--no-cache", "--format", "json",
                       input=b"the tool reads fooBar with --dry-run.\n")
    assert result.returncode == 0, result.stderr
    [record] = [json.loads(line) for line in result.stdout.decode().splitlines() if line.strip()]
    assert record["replacement"].startswith("The ") and "fooBar" in record["replacement"]
    assert "--dry-run" in record["replacement"]


def test_tune_tagger_stores_the_chosen_threshold(exported, tmp_path) -> None:
    folder = tmp_path / "tuned"
    folder.mkdir()
    for item in exported.iterdir():
        (folder / item.name).write_bytes(item.read_bytes())
    data = tmp_path / "dev.jsonl"
    data.write_text(json.dumps({"id": "1", "source": "She go home .", "references": ["She goes home ."]}) + "\n")
    clean = tmp_path / "clean.jsonl"
    clean.write_text(json.dumps({"id": "1", "source": "The cat sits.", "references": ["The cat sits."]}) + "\n")
    result = run_lmcor("train", "tune-tagger", str(data), "-c", str(folder), "--clean", str(clean), "-g", RULES,
                       "--grid", "0.2,1.0", env={"LMCOR_CACHE_DIR": str(tmp_path / "cache")}, timeout=300)
    assert result.returncode == 0, result.stderr
    chosen = json.loads(result.stdout)["chosen"]["min_confidence"]
    assert chosen in (0.2, 1.0) and json.loads((folder / "lmcor.json").read_text())["min_confidence"] == chosen
    assert inspect_corrector(folder).id != inspect_corrector(exported).id  # SHA256SUMS refreshed


def _copy(folder, to):
    to.mkdir()
    for item in folder.iterdir():
        (to / item.name).write_bytes(item.read_bytes())
    return to


def _sure_of_every_word(exported, to):
    """A copy whose head says $KEEP at every word, whatever it reads: no edits, error probability ~0."""
    sure = _copy(exported, to)
    tags = json.loads((sure / "tags.json").read_text())
    bias = np.full(len(tags), -50.0, dtype=np.float32)
    bias[tags.index("$KEEP")] = 50.0
    np.savez(sure / "head.npz", weight=np.zeros_like(np.load(exported / "head.npz")["weight"]), bias=bias)
    return sure


def test_pool_scorer_is_fitted_and_decides_the_pools_edits(exported, tmp_path) -> None:
    folder = _copy(exported, tmp_path / "scored")
    records = []
    for i, (source, right, wrong) in enumerate([
        ("She go home now.", "She goes home now.", "She went home now."),
        ("He walk to work.", "He walks to work.", "He walked to work."),
        ("The cats sits here.", "The cat sits here.", "The cats sat here."),
    ] * 4):
        records.append({"id": str(i), "source": source, "references": [right], "generator": "g",
                        "candidates": [{"text": right, "origin": "greedy"}, {"text": wrong, "origin": "sample"}]})
    pools = tmp_path / "pools.jsonl"
    pools.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    result = run_lmcor("train", "pool-scorer", str(pools), "-c", str(folder), timeout=300)
    assert result.returncode == 0, result.stderr
    saved = json.loads((folder / "pool_scorer.json").read_text())
    assert saved["proposals"] >= 24 and 0 < saved["right"] < saved["proposals"]
    assert inspect_corrector(folder).id != inspect_corrector(exported).id  # SHA256SUMS refreshed

    weights = dict.fromkeys(saved["weights"], 0.0)
    pool = [Candidate("She goes home now.", "greedy")]
    for bias, expected in ((8.0, "She goes home now."), (-8.0, "She go home now.")):
        (folder / "pool_scorer.json").write_text(json.dumps({"weights": {**weights, "bias": bias}}))
        corrector = open_corrector(inspect_corrector(folder), min_confidence=1.01)  # no edits of its own
        [correction] = corrector.correct(["She go home now."], [pool])
        assert correction.text == expected
        assert all(e.origin == "pool" and e.confidence > 0.99 and e.tag == "$TAKE_1" for e in correction.edits)


def test_unreadable_pool_scorer_is_a_one_line_error(exported, tmp_path) -> None:
    folder = _copy(exported, tmp_path / "broken")
    (folder / "pool_scorer.json").write_text("{\"weights\": {}}")
    result = run_lmcor("fix", "-", "-c", str(folder), "-g", RULES, "--no-cache", input=b"She go home now.\n")
    assert result.returncode != 0
    assert b"pool_scorer.json" in result.stderr and b"Traceback" not in result.stderr


def test_gate_skips_the_generator_for_sentences_found_clean(exported, tmp_path) -> None:
    """A head sure that every word is right gates every sentence Harper leaves alone: the
    generator is asked only about the sentence Harper would change."""
    sure = _sure_of_every_word(exported, tmp_path / "sure")
    calls = tmp_path / "calls.txt"
    text = b"The cat sits on the mat. The dog sleeps by the door. This are teh best days.\n"
    args = ["fix", "-", "-c", str(sure), "-g", RULES, "--no-cache"]
    gated = run_lmcor(*args, "--gate", "0.5", input=text, env={"LMCOR_TEST_CALLS": str(calls)})
    assert gated.returncode == 0, gated.stderr
    assert calls.read_text() == "1\n"  # one call, for one sentence
    calls.unlink()
    ungated = run_lmcor(*args, "--gate", "0", input=text, env={"LMCOR_TEST_CALLS": str(calls)})
    assert ungated.returncode == 0 and calls.read_text() == "3\n"
    assert gated.stdout == ungated.stdout  # this head keeps everything either way


def test_unsure_edits_are_unsafe_fixes(exported, tmp_path) -> None:
    """A head that says $CASE_UPPER (0.6) over $KEEP (0.4) at every word: below --min-confidence 0.9
    its edits are unsure, so lmcor fix keeps the text, --check counts them as unsafe fixes, and
    --unsafe-fixes makes them (the guard still keeps the flag as written)."""
    unsure = _copy(exported, tmp_path / "unsure")
    tags = json.loads((unsure / "tags.json").read_text())
    bias = np.full(len(tags), -50.0, dtype=np.float32)
    bias[tags.index("$CASE_UPPER")], bias[tags.index("$KEEP")] = np.log(0.6), np.log(0.4)
    np.savez(unsure / "head.npz", weight=np.zeros_like(np.load(exported / "head.npz")["weight"]), bias=bias)
    [correction] = open_corrector(inspect_corrector(unsure), min_confidence=0.9).correct(["the cat sat here."], [[]])
    assert not correction.edits and [e.tag for e in correction.unsure] == ["$CASE_UPPER"] * 4
    assert all(abs(e.confidence - 0.6) < 1e-3 for e in correction.unsure)
    text = b"the cat sat with --dry-run here.\n"
    args = ["fix", "-", "-c", str(unsure), "-g", RULES, "--no-cache", "--min-confidence", "0.9"]
    kept = run_lmcor(*args, input=text)
    assert kept.returncode == 0 and kept.stdout == text, kept.stderr
    check = run_lmcor(*args, "--check", input=text)
    assert check.returncode == 0 and check.stderr.decode().splitlines()[-1].startswith("lmcor: no safe fixes; ")
    made = run_lmcor(*args, "--unsafe-fixes", input=text)
    assert made.returncode == 0 and made.stdout.startswith(b"The ") and b"--dry-run" in made.stdout, made.stderr


def test_tune_tagger_chooses_the_highest_gate_within_its_cost(exported, tmp_path) -> None:
    """A head sure that every word is right makes no edit, so gating costs nothing: the highest gate
    tried is chosen and stored, and each row reports the share gated and the gate's misses (none
    here: Harper flags the sentence with a gold edit, so the gate never skips it)."""
    sure = _sure_of_every_word(exported, tmp_path / "sure")
    data = tmp_path / "dev.jsonl"
    rows = [{"id": "1", "source": "She walk home .", "references": ["She walks home ."]},
            {"id": "2", "source": "The cat sits .", "references": ["The cat sits ."]}]
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_lmcor("train", "tune-tagger", str(data), "-c", str(sure), "-g", RULES, "--grid", "0.5",
                       "--gate-grid", "0.1,0.5", env={"LMCOR_CACHE_DIR": str(tmp_path / "cache")}, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["chosen"]["gate"] == 0.5 and json.loads((sure / "lmcor.json").read_text())["gate"] == 0.5
    [low, high] = report["gate_grid"]
    measured = high[str(data)]
    assert measured["gated_share"] == 0.5 and measured["misses"] == 0.0 and measured["gleu_cost"] == 0.0
    assert low["worst_f0.5_cost"] == high["worst_f0.5_cost"] == 0.0


def test_tune_gate_lets_an_edit_corrector_gate_another_corrector(exported, tiny_corrector, tmp_path) -> None:
    """A corrector that cannot read a sentence alone gets a gate read by an edit corrector: tune-gate
    stores the gate and the gate model (relative to its folder), and lmcor fix then asks the
    generator only about the sentence Harper would change."""
    sure = _sure_of_every_word(exported, tmp_path / "sure")
    served = _copy(tiny_corrector, tmp_path / "served")
    data = tmp_path / "dev.jsonl"
    rows = [{"id": "1", "source": "She walk home .", "references": ["She walks home ."]},
            {"id": "2", "source": "The cat sits .", "references": ["The cat sits ."]}]
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    tuned = run_lmcor("train", "tune-gate", str(data), "-c", str(served), "--gate-model", str(sure), "-g", RULES,
                      "--grid", "0.1,0.5", env={"LMCOR_CACHE_DIR": str(tmp_path / "cache")}, timeout=300)
    assert tuned.returncode == 0, tuned.stderr
    meta = json.loads((served / "lmcor.json").read_text())
    assert meta["gate"] == 0.5 and meta["gate_model"] == "../sure"
    assert "min_confidence" not in meta and "passes" not in meta  # an edit corrector's knobs: nothing here reads them
    assert b'"gate": 0.5' in tuned.stderr and b"min_confidence" not in tuned.stderr  # says what it chose
    calls = tmp_path / "calls.txt"
    text = b"The cat sits on the mat. The dog sleeps by the door. This are teh best days.\n"
    fixed = run_lmcor("fix", "-", "-c", str(served), "-g", RULES, "--no-cache", input=text,
                      env={"LMCOR_TEST_CALLS": str(calls)})
    assert fixed.returncode == 0, fixed.stderr
    assert calls.read_text() == "1\n"
    not_an_edit_corrector = run_lmcor("train", "tune-gate", str(data), "-c", str(served), "--gate-model",
                                      str(tiny_corrector), "-g", RULES)
    assert not_an_edit_corrector.returncode == 2 and b"not an edit corrector" in not_an_edit_corrector.stderr


def test_tune_gate_tries_sample_gates_on_pools_sampled_for_every_sentence(exported, tiny_corrector, tmp_path) -> None:
    """With --sample-grid the pools are sampled for every sentence and each sample gate is
    simulated on them: every (gate, sample gate) pair gets a row with its sampled share and the
    pools' oracle; 0 (the default sampling) is always tried, and the highest pair within the
    cost is stored (a head sure of every word doubts nothing, so no sentence is sampled; gate 0
    lets every sentence through)."""
    sure = _sure_of_every_word(exported, tmp_path / "sure")
    served = _copy(tiny_corrector, tmp_path / "served")
    data = tmp_path / "dev.jsonl"
    rows = [{"id": "1", "source": "It have a bug .", "references": ["It has a bug ."]},
            {"id": "2", "source": "The cat sits .", "references": ["The cat sits ."]}]
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    tuned = run_lmcor("train", "tune-gate", str(data), "-c", str(served), "--gate-model", str(sure), "-g", RULES,
                      "--grid", "0", "--sample-grid", "0.5", env={"LMCOR_CACHE_DIR": str(tmp_path / "cache")},
                      timeout=300)
    assert tuned.returncode == 0, tuned.stderr
    report = json.loads(tuned.stdout)
    assert [(r["gate"], r["sample_gate"]) for r in report["gate_grid"]] == [(0.0, 0.0), (0.0, 0.5)]
    default, doubting = (r[str(data)] for r in report["gate_grid"])
    assert default["sampled_share"] == 0.5 and doubting["sampled_share"] == 0.0  # the rules rewrite one of two
    assert {"oracle_gleu", "oracle_f0.5"} <= set(doubting)
    # Each lever's cost apart: the default sampling costs nothing against itself; gate 0 gates nothing.
    assert default["sampling_gleu_cost"] == default["sampling_f0.5_cost"] == 0.0
    assert doubting["gleu_cost"] == doubting["f0.5_cost"] == 0.0
    assert doubting["total_f0.5_cost"] == doubting["sampling_f0.5_cost"]
    meta = json.loads((served / "lmcor.json").read_text())
    assert meta["gate"] == 0.0 and report["chosen"]["sample_gate"] == meta["sample_gate"] in (None, 0.5)
    bad = run_lmcor("train", "tune-gate", str(data), "-c", str(served), "--gate-model", str(sure), "-g", RULES,
                    "--sample-grid", "2")
    assert bad.returncode == 2 and b"probabilities" in bad.stderr


def test_sampled_pools_cut_samples_by_doubt_or_by_the_greedy_change() -> None:
    from lmcor_cli.candidates import Candidate
    from lmcor_cli.commands.train_tagger import sampled_pools

    sources = ["She walk home.", "The cat sits."]
    raw = [[Candidate("She walks home.", "greedy"), Candidate("She walked home.", "sample")],
           [Candidate("The cat sits.", "greedy"), Candidate("The cats sit.", "sample")]]
    assert sampled_pools(sources, raw, [0.2, 0.9], 0.5) == [raw[0][:1], raw[1]]
    assert sampled_pools(sources, raw, [0.2, 0.9], 0.0) == [raw[0], raw[1][:1]]


def test_a_missing_gate_model_is_a_clear_error_that_gate_0_steps_around(exported, tiny_corrector, tmp_path) -> None:
    """A corrector whose gate model is gone cannot gate (one-line error, exit 3); ``--gate 0``
    turns the gate off and loads nothing for it. tune-gate refuses to serve an edit corrector,
    which gates itself."""
    served = _copy(tiny_corrector, tmp_path / "served")
    meta = json.loads((served / "lmcor.json").read_text())
    (served / "lmcor.json").write_text(json.dumps({**meta, "gate": 0.5, "gate_model": "../gone"}))
    text = b"The cat sits on the mat.\n"
    broken = run_lmcor("fix", "-", "-c", str(served), "-g", RULES, "--no-cache", input=text)
    assert broken.returncode == 3 and len(broken.stderr.decode().strip().splitlines()) == 1, broken.stderr
    off = run_lmcor("fix", "-", "-c", str(served), "-g", RULES, "--no-cache", "--gate", "0", input=text)
    assert off.returncode == 0 and off.stdout == text, off.stderr
    data = tmp_path / "dev.jsonl"
    data.write_text(json.dumps({"id": "1", "source": "The cat sits .", "references": ["The cat sits ."]}) + "\n")
    itself = run_lmcor("train", "tune-gate", str(data), "-c", str(exported), "--gate-model", str(exported),
                       "-g", RULES)
    assert itself.returncode == 2 and b"is an edit corrector" in itself.stderr
