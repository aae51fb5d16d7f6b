"""The whole `lmcor train` chain on tiny data: synth → vocab → fit (resume) → export → fix."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys

import pytest
from conftest import RULES, run_lmcor

pytest.importorskip("torch")
pytest.importorskip("transformers")

CLEAN = """The cat sits on the mat and looks at the door.
She goes to the market every morning with her friends.
The results of the survey were published in the spring.
We have received your message and will answer it soon.
This library provides a simple way to read the files.
The function returns a list of values for each key in the table.
"""


def test_candidates_stage_is_resumable(tmp_path):
    data = tmp_path / "data.jsonl"
    rows = [{"id": str(i), "source": f"This are sentence {i} .", "references": [f"This is sentence {i} ."]}
            for i in range(5)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "cands.jsonl"
    first = run_lmcor("train", "candidates", str(data), "-o", str(out), "-g", RULES, "-k", "2", "--prompts", "2")
    assert first.returncode == 0, first.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 5 and {r["prompt"] for r in records} <= {"gec-v1/0", "gec-v1/1"}
    assert records[0]["source"] == records[0]["source"].replace(" .", ".")  # natural text, detokenised
    with out.open("a") as handle:
        handle.write('{"id": "torn')  # a killed run's last line
    again = run_lmcor("train", "candidates", str(data), "-o", str(out), "-g", RULES, "-k", "2")
    assert b"0 new, 5 already done" in again.stderr
    assert len(out.read_text().splitlines()) == 5


def test_candidates_stage_closes_each_prompts_generator_before_the_next_loads(tmp_path):
    data = tmp_path / "data.jsonl"
    rows = [{"id": str(i), "source": f"This are sentence {i} .", "references": [f"This is sentence {i} ."]}
            for i in range(12)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    log = tmp_path / "lifecycle"
    result = run_lmcor("train", "candidates", str(data), "-o", str(tmp_path / "out.jsonl"),
                       "-g", "py:generators:Lifecycle", "-k", "2", "--prompts", "3",
                       env={"LMCOR_TEST_LIFECYCLE": str(log)})
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == ["open", "close"] * 3


def test_candidates_stage_takes_a_slice_of_its_inputs(tmp_path):
    """A held-out share for `train ranker`: the sentences after those a corrector trained on."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("".join(json.dumps({"id": str(i), "source": f"This are a{i}.", "references": [f"This is a{i}."]})
                             + "\n" for i in range(3)))
    second.write_text("".join(json.dumps({"id": str(i), "source": f"This are b{i}.", "references": [f"This is b{i}."]})
                              + "\n" for i in range(3)))
    out = tmp_path / "held-out.jsonl"
    result = run_lmcor("train", "candidates", str(first), str(second), "-o", str(out), "-g", RULES, "-k", "1",
                       "--skip", "2", "--limit", "3")
    assert result.returncode == 0, result.stderr
    assert sorted(json.loads(line)["id"] for line in out.read_text().splitlines()) == ["a:2", "b:0", "b:1"]
    nothing = run_lmcor("train", "candidates", str(first), "-o", str(out), "-g", RULES, "--skip", "3")
    assert nothing.returncode == 2 and b"no sentences left after skipping 3" in nothing.stderr


def test_candidates_stage_refuses_to_resume_another_generators_file(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"id": "1", "source": "This are one.", "references": ["This is one."]}) + "\n")
    out = tmp_path / "cands.jsonl"
    out.write_text(json.dumps({"id": "data:0", "source": "It have two.", "references": ["It has two."],
                               "prompt": "gec-v1/0", "generator": "other-model|gec-v1/0|t=0.6",
                               "candidates": []}) + "\n")
    result = run_lmcor("train", "candidates", str(data), "-o", str(out), "-g", RULES, "-k", "2", "--prompts", "1")
    assert result.returncode == 2
    assert b"holds candidates from other-model|gec-v1/0|t=0.6, not test-rules" in result.stderr
    assert len(out.read_text().splitlines()) == 1  # nothing appended


def test_synth_from_learner_pairs_keeps_real_errors_and_the_dev_share_out(tmp_path):
    from lmcor_cli.train.pairs import is_dev

    data = tmp_path / "learners.jsonl"
    rows = [{"id": str(i), "source": f"She go to school number {i} .",
             "references": [f"She goes to school number {i} ."]}
            for i in range(200)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "synth.jsonl"
    made = run_lmcor("train", "synth", "--pairs", str(data), "--n", "300", "-o", str(out))
    assert made.returncode == 0, made.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 300
    held_out = {f"She go to school number {i}." for i in range(200) if is_dev(f"learners:{i}")}
    assert held_out  # the fixture is big enough to have a dev share
    for record in records:
        number = record["source"].split()[-1].rstrip(".")
        assert record["source"] == f"She go to school number {number}."  # the learner's own error, untouched
        assert record["references"] == [f"She goes to school number {number}."]
        assert record["source"] not in held_out
        assert {c["origin"] for c in record["candidates"]} <= {"greedy", "sample", "rule"}


def test_train_chain_produces_a_working_corrector(tmp_path):
    clean = tmp_path / "clean.txt"
    clean.write_text(CLEAN)
    synth = tmp_path / "synth.jsonl"
    assert run_lmcor("train", "synth", "--clean", str(clean), "--n", "120", "-o", str(synth)).returncode == 0
    assert len(synth.read_text().splitlines()) == 120
    real = tmp_path / "real.jsonl"
    real.write_text("".join(synth.read_text().splitlines(keepends=True)[:40]))
    assert run_lmcor("train", "vocab", str(synth), "-o", str(tmp_path / "spm"), "--size", "300").returncode == 0
    fit_args = ["train", "fit", "--real", str(real), "--synth", str(synth), "--vocab", str(tmp_path / "spm.model"),
                "-o", str(tmp_path / "fit"), "--d-model", "32", "--layers", "1", "--batch-size", "8",
                "--eval-every", "10"]
    # Ctrl-C ends training between two steps and leaves a checkpoint to resume from.
    first = subprocess.Popen([sys.executable, "-m", "lmcor_cli", *fit_args, "--max-steps", "100000"],
                             stderr=subprocess.PIPE, text=True)
    assert first.stderr is not None
    for line in first.stderr:
        if "step 50 loss" in line:
            break
    first.send_signal(signal.SIGINT)
    _, rest = first.communicate(timeout=120)
    assert first.returncode == 130, rest
    stopped_at = int(re.search(r"stopped by signal at step (\d+)", rest).group(1))
    # The saved architecture wins over the command line, so the checkpoint always fits the model.
    resumed = run_lmcor(*fit_args, "--max-steps", str(stopped_at + 10), "--d-model", "48", timeout=300)
    assert f"resumed at step {stopped_at} ".encode() in resumed.stderr, resumed.stderr
    summary = json.loads((tmp_path / "fit" / "summary.json").read_text())
    assert summary["steps"] == stopped_at + 10
    out = tmp_path / "model"
    exported = run_lmcor("train", "export", "--fit", str(tmp_path / "fit"), "--vocab", str(tmp_path / "spm.model"),
                         "-o", str(out), "--name", "tiny", timeout=300)
    assert exported.returncode == 0, exported.stderr
    assert {"model.bin", "spm.model", "lmcor.json", "MODEL_CARD.md", "SHA256SUMS"} <= {p.name for p in out.iterdir()}
    fixed = run_lmcor("fix", "-c", str(out), "-g", RULES, "--format", "json", "-", input=b"This are a test.\n")
    assert fixed.returncode == 0, fixed.stderr
    for line in fixed.stdout.decode().splitlines():
        # The corrector ran; a rewrite the guard turns down falls back to the greedy candidate.
        assert json.loads(line)["system"] in ("corrector", "greedy")


def test_edit_script_corrector_started_from_another_run(tmp_path):
    clean = tmp_path / "clean.txt"
    clean.write_text(CLEAN)
    synth = tmp_path / "synth.jsonl"
    assert run_lmcor("train", "synth", "--clean", str(clean), "--n", "60", "-o", str(synth)).returncode == 0
    assert run_lmcor("train", "vocab", str(synth), "-o", str(tmp_path / "spm"), "--size", "300").returncode == 0
    # Synthetic data only (no real candidates): a stable share of its clean sentences is the dev set.
    common = ["--synth", str(synth), "--vocab", str(tmp_path / "spm.model"), "--batch-size", "8", "--eval-every", "5"]
    text = run_lmcor("train", "fit", *common, "-o", str(tmp_path / "text"), "--d-model", "32", "--layers", "1",
                     "--max-steps", "5", timeout=300)
    assert text.returncode == 0, text.stderr
    assert re.search(rb"\d+ training and [1-9]\d* dev pairs", text.stderr)
    missing = run_lmcor("train", "fit", *common, "-o", str(tmp_path / "bad"), "--init-from", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and b"not a 'train fit' run folder" in missing.stderr
    # The new run takes the first one's shape (not the default d-model) and its weights.
    edits = run_lmcor("train", "fit", *common, "-o", str(tmp_path / "edits"), "--output-format", "edits",
                      "--init-from", str(tmp_path / "text"), "--max-steps", "5", timeout=300)
    assert edits.returncode == 0, edits.stderr
    assert b"started from the weights of" in edits.stderr
    saved = json.loads((tmp_path / "edits" / "fit_config.json").read_text())
    assert saved["d_model"] == 32 and saved["output_format"] == "edits"
    out = tmp_path / "model"
    exported = run_lmcor("train", "export", "--fit", str(tmp_path / "edits"), "--vocab", str(tmp_path / "spm.model"),
                         "-o", str(out), "--name", "tiny-edits", timeout=300)
    assert exported.returncode == 0, exported.stderr
    assert json.loads((out / "lmcor.json").read_text())["output_format"] == "edits"
    fixed = run_lmcor("fix", "-c", str(out), "-g", RULES, "-", input=b"This are a test of the edits.\n")
    assert fixed.returncode == 0, fixed.stderr
    assert len(fixed.stdout.decode().splitlines()) == 1
