from __future__ import annotations

import json

from conftest import RULES, run_lmcor

from lmcor_cli.models import default_corrector

KEYS = {"sentences_per_s", "first_output_s", "p50_s", "p95_s", "peak_rss_mb", "load_s", "generator_s", "corrector_s",
        "other_s", "raw_s", "greedy_raw_s", "overhead", "vs_greedy", "k_cost_ratio", "gate", "gated_share", "runs",
        "sentences_per_s_runs", "vs_greedy_runs", "spread", "changed", "fixes", "gate_read_per_s",
        "corrector_alone_per_s", "corrector_pool_per_s"}


def test_bench_json_reports_every_key_on_the_shipped_sample():
    result = run_lmcor("bench", "-g", RULES, "--format", "json", "-k", "3", "--repeat", "3")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert KEYS <= set(report)
    runs = report["sentences_per_s_runs"]
    assert report["runs"] == len(runs) == 3 and report["sentences_per_s"] == sorted(runs)[1]  # the median run
    assert report["spread"] == round((max(runs) - min(runs)) / report["sentences_per_s"], 3)
    assert report["vs_greedy"] in report["vs_greedy_runs"]
    assert report["sentences"] == 101 and report["candidates"] == 3
    assert report["gate"] is None and report["gated_share"] == 0.0  # no edit corrector: no gate
    assert report["sentences_per_s"] > 0 and report["peak_rss_mb"] > 10
    assert report["p50_s"] <= report["p95_s"]
    total = report["load_s"] + report["generator_s"] + report["corrector_s"] + report["other_s"]
    assert abs(total - report["pipeline_s"]) < 0.05


def test_bench_on_a_user_file(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("This are one. It have two.\n")
    report = json.loads(run_lmcor("bench", str(doc), "-g", RULES, "--format", "json", "--repeat", "1").stdout)
    assert report["sentences"] == 2 and report["file"] == str(doc) and report["runs"] == 1
    assert report["changed"] == 2 and report["fixes"] == 2  # "are" → "is", "have" → "has": one edit each


def test_bench_clean_runs_the_corrected_twin_of_the_sample():
    report = json.loads(run_lmcor("bench", "--clean", "-g", RULES, "--format", "json", "-k", "1").stdout)
    assert report["file"] == "clean.md" and report["sentences"] == 101  # sentence for sentence the same guide
    both = run_lmcor("bench", "--clean", "README.md", "-g", RULES)
    assert both.returncode == 2 and b"not both" in both.stderr


def test_bench_times_the_gate_read_and_says_a_ranking_corrector_has_nothing_to_do_alone(tmp_path):
    """With the shipped corrector (it ranks pools; an edit corrector reads sentences for its gate):
    the gate's read speed is reported, and no speed for the corrector without candidates."""
    doc = tmp_path / "doc.md"
    doc.write_text("This are one. The second sentence is fine.\n")
    result = run_lmcor("bench", str(doc), "-g", RULES, "-c", str(default_corrector()), "-k", "1",
                       "--format", "json", "--repeat", "1")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["gate"] is not None and report["gate_read_per_s"] > 0
    assert report["corrector_alone_per_s"] is None and report["corrector_pool_per_s"] > 0
