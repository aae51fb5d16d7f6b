"""``lmcor eval`` end to end on tiny fixtures."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RULES, run_lmcor

FIXTURES = Path(__file__).parent / "fixtures"


def _data(tmp_path: Path) -> Path:
    rows = [
        {"id": "1", "source": "This are a test .", "references": ["This is a test .", "This is one test ."]},
        {"id": "2", "source": "It have four legs .", "references": ["It has four legs ."]},
        {"id": "3", "source": "The cat sleeps .", "references": ["The cat sleeps ."]},
    ]
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_json_report_schema_and_values(tmp_path, tiny_corrector):
    data = _data(tmp_path)
    result = run_lmcor(
        "eval", str(data), "-g", RULES, "-c", str(tiny_corrector), "--format", "json", "-k", "2", "--prompts", "2",
        "-s", "identity,llm,oracle,vote,corrector,lmcor",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["dataset"] == str(data) and report["n"] == 3
    by_system = {r["system"]: r for r in report["results"]}
    assert list(by_system) == ["identity", "llm", "oracle", "vote", "corrector", "lmcor"]
    for record in report["results"]:
        assert set(record) >= {"system", "gleu", "precision", "recall", "f0.5", "prompts", "std"}
    assert by_system["identity"]["precision"] == 100.0 and by_system["identity"]["recall"] == 0.0
    # The rule generator fixes both errors, exactly as the first references do.
    assert by_system["llm"]["precision"] == 100.0 and by_system["llm"]["recall"] == 100.0
    assert by_system["llm"]["gleu"] > by_system["identity"]["gleu"]
    assert by_system["llm"]["prompts"] == 2 and by_system["llm"]["std"]["gleu"] == 0.0
    assert by_system["oracle"]["gleu"] >= by_system["llm"]["gleu"]
    # The tiny corrector's random outputs never pass the guard: the greedy candidates are used
    # instead, and without candidates (corrector alone) the sources are kept.
    assert by_system["lmcor"]["gleu"] == by_system["llm"]["gleu"]
    assert by_system["corrector"]["gleu"] == by_system["identity"]["gleu"]


def test_hypotheses_file_and_m2_data(tmp_path):
    hyp = FIXTURES / "m2" / "tiny.hyp"
    result = run_lmcor("eval", str(FIXTURES / "m2" / "tiny.m2"), "-s", "identity", "--hypotheses", str(hyp),
                       "--format", "json")
    assert result.returncode == 0, result.stderr
    records = {r["system"]: r for r in json.loads(result.stdout)["results"]}
    assert records["tiny"]["precision"] == 50.0 and records["tiny"]["recall"] == 66.67


def test_hypotheses_alone_are_scored_without_running_any_system(tmp_path):
    """No generator or corrector is touched: both point at nothing here."""
    missing = {"LMCOR_GENERATOR": str(tmp_path / "missing.gguf"), "LMCOR_CORRECTOR": str(tmp_path / "missing")}
    hyp = FIXTURES / "m2" / "tiny.hyp"
    result = run_lmcor("eval", str(FIXTURES / "m2" / "tiny.m2"), "--hypotheses", str(hyp), "--format", "json",
                       env=missing)
    assert result.returncode == 0, result.stderr
    assert [r["system"] for r in json.loads(result.stdout)["results"]] == ["tiny"]


def test_table_and_plot(tmp_path):
    png = tmp_path / "chart.png"
    result = run_lmcor("eval", str(_data(tmp_path)), "-s", "identity,llm", "-g", RULES, "--plot", str(png))
    assert result.returncode == 0, result.stderr
    assert "identity" in result.stdout.decode() and "GLEU" in result.stdout.decode()
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_bad_system_name_is_a_usage_error(tmp_path):
    result = run_lmcor("eval", str(_data(tmp_path)), "-s", "identity,gpt9")
    assert result.returncode == 2 and b"unknown system" in result.stderr

