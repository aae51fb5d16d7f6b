"""``lmcor bench``: the fix pipeline timed end to end, beside raw llama.cpp generation.

Definitions (all wall-clock, one process, cache off):
- ``sentences_per_s``: sentences / pipeline time, model loading included (what a user waits).
- ``first_output_s``: from start until the first corrected paragraph is written.
- ``p50_s`` / ``p95_s``: per-sentence latency (each batch's time shared by its sentences).
- ``load_s`` / ``generator_s`` / ``corrector_s`` / ``other_s``: where the pipeline time went
  (``load_s``: loading the models — generator with its few-shot prefix, the gate's model,
  Harper's linter — a cost per process, not per sentence).
- ``raw_s``: the same generator producing the same K candidates for the same sentences in
  one call, nothing around it (no segmentation, guard, corrector, output).
- ``greedy_raw_s``: the same, the greedy candidate alone.
- ``overhead``: (pipeline time − load) / ``raw_s``; ``vs_greedy``: (pipeline time − load) /
  ``greedy_raw_s`` (below 1: lmcor is faster than its generator's greedy pass alone could be).
- ``k_cost_ratio``: raw time with K candidates / raw time with the greedy one alone.
- ``runs``: the whole measurement is repeated (pipeline, then raw generator, alternated, since
  timings on a shared VM drift by 15-40 % within minutes); the figures are the run with the
  median ``sentences_per_s``, and ``sentences_per_s_runs``, ``vs_greedy_runs`` and ``spread``
  ((fastest − slowest) / median) show how far the runs agree.
- ``gate`` / ``gated_share``: an edit corrector's gate, and the share of sentences it let skip
  the generator (found clean, read alone, with Harper silent).
- ``peak_rss_mb``: the process's peak resident memory after the first pipeline run (later
  runs would add the raw generator's peak to it).
- ``changed`` / ``fixes``: sentences the run changed and edits it made (on the clean twin,
  every one is a false alarm).
- ``gate_read_per_s``: the gate's model reading the sentences alone, on one thread (what every
  sentence pays); ``corrector_alone_per_s``: the corrector on the sentences without candidates
  (null for a ranking corrector, which has nothing to rank then); ``corrector_pool_per_s``: the
  corrector with the raw run's pools, as built for it.
"""

from __future__ import annotations

import io
import resource
import time
from collections.abc import Callable
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

from lmcor_cli.candidates import Candidate
from lmcor_cli.config import Settings
from lmcor_cli.console import Env
from lmcor_cli.correctors import CorrectorInfo, open_corrector
from lmcor_cli.engine_factory import (
    build_engine,
    corrector_info,
    gate_threshold,
    gatekeeper,
    generator_spec,
    resolve_device,
)
from lmcor_cli.generate.base import close_generator, open_generator
from lmcor_cli.pipeline import fix_document
from lmcor_cli.pool import corrector_pool
from lmcor_cli.segment import iter_chunks, paragraphs, syntax_for
from lmcor_cli.textio import open_source

SAMPLE = "bench.md"  # a user guide full of learner errors
CLEAN_SAMPLE = "clean.md"  # the same guide, corrected: what a well-edited document costs


def sample_text(clean: bool = False) -> tuple[str, str]:
    name = CLEAN_SAMPLE if clean else SAMPLE
    return name, files("lmcor_cli").joinpath("samples", name).read_text(encoding="utf-8")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _read(path: Path) -> str:
    """The file's text, refused as ``lmcor fix`` refuses it (missing, a folder, binary, not UTF-8)."""
    source = open_source(str(path))
    try:
        return "".join(source.lines())
    finally:
        source.close()


def run_bench(path: Path | None, k: int, settings: Settings, env: Env, clean: bool = False,
              repeat: int = 3) -> dict[str, object]:
    """``repeat`` runs, each the pipeline then the raw generator (so drift hits both alike);
    the median run's figures, and every run's speed and greedy ratio for the spread."""
    name, text = (str(path), _read(path)) if path else sample_text(clean)
    syntax = syntax_for(name, settings.syntax)
    settings = replace(settings, cache=False, candidates=k)
    sentences = [
        s.text
        for chunk in iter_chunks(io.StringIO(text, newline=""), syntax)
        for p in paragraphs(chunk, syntax)
        for s in p.sentences
        if s.rewritable
    ]
    runs = []
    raw_pools: list[list[Candidate]] = []
    for _ in range(max(repeat, 1)):
        run = _pipeline_run(text, syntax, settings, env)
        raw_s, greedy_s, raw_pools = _raw_run(settings, env, sentences, k)
        run.update(raw_s=round(raw_s, 2), greedy_raw_s=round(greedy_s, 2),
                   overhead=round((run["pipeline_s"] - run["load_s"]) / raw_s, 3) if raw_s else 0.0,
                   vs_greedy=round((run["pipeline_s"] - run["load_s"]) / greedy_s, 3) if greedy_s else 0.0,
                   k_cost_ratio=round(raw_s / greedy_s, 3) if greedy_s else 0.0)
        runs.append(run)
    speeds = sorted(run["sentences_per_s"] for run in runs)
    median = sorted(runs, key=lambda run: run["sentences_per_s"])[(len(runs) - 1) // 2]  # the slower middle one
    info = corrector_info(settings)
    alone, pooled = corrector_speed(info, sentences, raw_pools)
    gate_read = gate_speed(info, settings, sentences)
    return {
        "file": name,
        "candidates": k,
        "threads": settings.threads,
        "runs": len(runs),
        **median,
        "peak_rss_mb": runs[0]["peak_rss_mb"],  # the process's peak after one pipeline run, before any raw run
        "sentences_per_s_runs": [run["sentences_per_s"] for run in runs],
        "spread": round((speeds[-1] - speeds[0]) / median["sentences_per_s"], 3) if median["sentences_per_s"] else 0.0,
        "vs_greedy_runs": [run["vs_greedy"] for run in runs],
        "gate_read_per_s": gate_read,
        "corrector_alone_per_s": alone,
        "corrector_pool_per_s": pooled,
    }


def _pipeline_run(text: str, syntax: str, settings: Settings, env: Env) -> dict[str, float | int | str | None]:
    """One timed ``lmcor fix`` of the text with fresh models (model loading included)."""
    engine = build_engine(settings, env)
    started = time.perf_counter()
    first_output = None
    sink = io.StringIO()
    for piece in fix_document(io.StringIO(text, newline=""), syntax, engine):
        sink.write(piece.text)
        if first_output is None and engine.timings.sentences:
            first_output = time.perf_counter() - started
    pipeline_s = time.perf_counter() - started
    timings = engine.timings
    if engine.generator_loaded:
        close_generator(engine.generator)  # one model in memory at a time
    return {
        "sentences": timings.sentences,
        "corrector": engine.key_prefix[1],
        "sentences_per_s": round(timings.sentences / pipeline_s, 3),
        "gate": engine.gate,
        "gated_share": round(timings.gated / timings.sentences, 3) if timings.sentences else 0.0,
        "changed": timings.changed,  # sentences the run changed: on the clean twin, each one is a false alarm
        "fixes": timings.fixes,
        "first_output_s": round(first_output or pipeline_s, 3),
        "p50_s": round(_percentile(timings.latencies, 0.5), 3),
        "p95_s": round(_percentile(timings.latencies, 0.95), 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "pipeline_s": round(pipeline_s, 2),
        "load_s": round(timings.load_s, 2),
        "generator_s": round(timings.generator_s, 2),
        "corrector_s": round(timings.corrector_s, 2),
        "other_s": round(pipeline_s - timings.load_s - timings.generator_s - timings.corrector_s, 2),
    }


def _raw_run(settings: Settings, env: Env, sentences: list[str],
             k: int) -> tuple[float, float, list[list[Candidate]]]:
    """The generator alone on the same sentences: K candidates, then the greedy one alone."""
    spec = generator_spec(settings, resolve_device(settings.device, env))
    raw = open_generator(spec)
    raw.candidates(["Warm up the model ."], 1)
    started = time.perf_counter()
    pools = raw.candidates(sentences, k)
    raw_s = time.perf_counter() - started
    started = time.perf_counter()
    raw.candidates(sentences, 1)
    greedy_s = time.perf_counter() - started
    close_generator(raw)
    return raw_s, greedy_s, pools


def corrector_speed(info: CorrectorInfo | None, sentences: list[str],
                    raw_pools: list[list[Candidate]]) -> tuple[float | None, float]:
    """The corrector by itself on one thread, in sentences per second: on the sources alone (None
    for a ranking corrector: without candidates it has nothing to do), and with their K-candidate
    pools (as built for it, Harper's fixes included, not timed)."""
    if info is None or not sentences:
        return 0.0, 0.0
    corrector = open_corrector(info, threads=1)
    corrector.correct(sentences[:2], [[], []])  # load and warm up
    pools = [corrector_pool(s, p) for s, p in zip(sentences, raw_pools)]
    alone = None if info.meta.mode == "rank" else _rate(lambda: corrector.correct(sentences, [[] for _ in sentences]),
                                                         len(sentences))
    return alone, _rate(lambda: corrector.correct(sentences, pools), len(sentences))


def gate_speed(info: CorrectorInfo | None, settings: Settings, sentences: list[str]) -> float | None:
    """The gate's model reading the sentences alone on one thread, in sentences per second;
    None where the corrector has no gate."""
    if info is None or not gate_threshold(settings, info) or not sentences:
        return None
    reader = gatekeeper(info, open_corrector(info, threads=1), "cpu", 1)  # opening loads nothing yet
    if reader is None:
        return None
    reader.error_probabilities(sentences[:2])  # load and warm up
    return _rate(lambda: reader.error_probabilities(sentences), len(sentences))


def _rate(work: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    work()
    return round(count / (time.perf_counter() - started), 1)
