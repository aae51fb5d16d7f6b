"""The edit corrector end to end on a tiny real model: train tagger → export-tagger → CTranslate2
encoder + numpy head → corrections, through the API and through lmcor fix / eval."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lmcor_cli.candidates import Candidate
from lmcor_cli.correctors import inspect_corrector, open_corrector
from conftest import RULES, run_lmcor
from tiny_models import build_tiny_causal_lm

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
