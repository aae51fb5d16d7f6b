"""``lmcor train tagger`` and ``lmcor train export-tagger``: the edit corrector's stages."""

from __future__ import annotations

import json
import time
from pathlib import Path

from lmcor_cli.candidates import Candidate
from lmcor_cli.console import Env
from lmcor_cli.errors import UsageError


def run_fit_tagger(triple_files: list[Path], out: Path, limit: int | None, config, env: Env) -> int:  # type: ignore[no-untyped-def]
    from lmcor_cli.train.tagger import fit_tagger, read_triples, split_dev

    missing = [str(p) for p in triple_files if not p.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    triples = list(read_triples(triple_files))[:limit]
    if not triples:
        raise UsageError("no training triples: pass 'train synth' or 'train candidates' output files")
    train, dev = split_dev(triples, config.dev_share, config.seed)
    started = time.perf_counter()

    def log(message: str) -> None:
        env.stderr.print(f"lmcor: [{time.perf_counter() - started:7.0f} s] {message}", markup=False)

    summary = fit_tagger(train, dev, out, config, log)
    log(f"done: {json.dumps(summary)}")
    return 0


def run_export_tagger(run: Path, out: Path, name: str, card: Path | None, env: Env) -> int:
    import torch
    from transformers import Gemma3TextConfig, Gemma3TextModel

    from lmcor_cli.correctors.schema import EDIT_TAGGER_KNOBS, CorrectorMeta
    from lmcor_cli.train.tagger import TaggerModel
    from lmcor_cli.train.tagger_export import export_tagger

    best = run / "best"
    if not (best / "tagger.pt").is_file():
        raise UsageError(f"{run}: no trained weights (run 'lmcor train tagger' first)")
    kept = json.loads((run / "vocabulary.json").read_text(encoding="utf-8"))
    tags = json.loads((run / "tags.json").read_text(encoding="utf-8"))
    config = Gemma3TextConfig.from_pretrained(str(best))
    config.use_bidirectional_attention = True
    model = TaggerModel(Gemma3TextModel(config), len(tags))
    model.load_state_dict(torch.load(best / "tagger.pt", map_location="cpu"))
    meta = CorrectorMeta(name=name, architecture="edit-tagger", max_input_tokens=None)
    previous = out / "lmcor.json"
    if previous.is_file():  # keep the knobs a tuning run stored
        old = json.loads(previous.read_text(encoding="utf-8"))
        for key in EDIT_TAGGER_KNOBS:
            if key in old:
                setattr(meta, key, old[key])
    export_tagger(model, kept, tags, run / "spm.model", out, meta, card=card)
    size = sum(f.stat().st_size for f in out.iterdir()) / 1e6
    env.stderr.print(f"lmcor: exported {name} → {out} ({size:.1f} MB)", markup=False)
    return 0


def run_fit_pool_scorer(triple_files: list[Path], corrector_path: Path, l2: float, threads: int, env: Env) -> int:
    """Fit the pool scorer (``correctors/pool_scorer.py``) on real pools the tagger did not
    train on: each proposed edit is labelled by whether the reference makes it."""
    import numpy as np

    from lmcor_cli.correctors import inspect_corrector
    from lmcor_cli.correctors.edit_tagger import EditCorrector
    from lmcor_cli.correctors.pool_scorer import FEATURES, SCORER_FILE, PoolScorer, fit_logistic
    from lmcor_cli.correctors.words import diff_edits
    from lmcor_cli.train.export import refresh_checksums
    from lmcor_cli.train.tagger import read_triples

    missing = [str(p) for p in triple_files if not p.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    info = inspect_corrector(corrector_path)
    if info.meta.architecture != "edit-tagger":
        raise UsageError(f"{corrector_path}: the pool scorer belongs to an edit corrector")
    corrector = EditCorrector(info, threads=threads)
    triples = [t for t in read_triples(triple_files) if t[2]]
    if not triples:
        raise UsageError("no triples with candidate pools: pass 'train candidates' output files")
    started = time.perf_counter()
    rows: list[list[float]] = []
    labels: list[float] = []
    for start in range(0, len(triples), 256):
        chunk = triples[start : start + 256]
        table = corrector.proposal_features([s for s, _, _ in chunk], [pool for _, _, pool in chunk])
        for (source, target, _), proposals in zip(chunk, table):
            gold = {edit for _, _, edit in diff_edits(source, target)}
            for proposal, features in proposals:
                rows.append(features)
                labels.append(float(proposal.edit in gold))
    if not rows or len(set(labels)) < 2:
        raise UsageError("the pools propose too few edits (or none that is right) to fit a scorer")
    features, truth = np.array(rows), np.array(labels)
    weights = fit_logistic(features, truth, l2)
    scorer = PoolScorer(weights)
    scorer.write(corrector_path, sentences=len(triples), proposals=len(rows), right=int(truth.sum()),
                 l2=l2, files=[p.name for p in triple_files])
    refresh_checksums(corrector_path, added=(SCORER_FILE,))
    predicted = 1 / (1 + np.exp(-features @ weights)) >= 0.5
    env.stderr.print(
        f"lmcor: pool scorer from {len(rows)} proposals in {len(triples)} sentences ({truth.mean():.1%} right; "
        f"{(predicted == truth.astype(bool)).mean():.1%} classified as the reference does) → "
        f"{corrector_path / SCORER_FILE} ({time.perf_counter() - started:.0f} s)", markup=False)
    env.stderr.print("lmcor: weights " + ", ".join(f"{n} {w:+.2f}" for n, w in zip(FEATURES, weights)), markup=False)
    return 0


def run_tune_tagger(data: list[Path], clean: list[Path], confidences: list[float], max_changed: float,  # type: ignore[no-untyped-def]
                    k: int, settings, env: Env, pool_probabilities: list[float] = (), gates: list[float] = (),
                    max_gate_cost: tuple[float, float] = (0.3, 0.5)) -> int:
    """Choose the edit corrector's ``min_confidence`` (and, where it has a pool scorer, its
    ``min_pool_probability``): the best mean of GLEU and F0.5 on ``data`` among the values
    that change at most ``max_changed`` % of the ``clean`` sentences (whose references are
    the sentences themselves).  Pools come from the result cache (or the generator), built
    once; each value re-decides them through the Engine, guards included.  Then the gate
    (``gate_grid``) with the thresholds chosen."""
    from dataclasses import replace
    from itertools import product

    from lmcor_cli import project_rules
    from lmcor_cli.correctors.edit_tagger import EditCorrector

    engine, sets = _tuning_sets(data, clean, k, settings, env)
    corrector = engine.corrector
    if not isinstance(corrector, EditCorrector):
        raise UsageError("tune-tagger needs an edit corrector (--corrector FOLDER)")
    base = corrector.meta
    scored_pools = corrector.has_pool_scorer
    rows: list[dict[str, object]] = []
    for confidence, pool_probability in product(confidences, (pool_probabilities if scored_pools else ()) or
                                                (base.min_pool_probability,)):
        corrector.meta = replace(base, min_confidence=confidence, min_pool_probability=pool_probability)
        with project_rules.applied(engine.rules):
            scores = {path: dev.score([o.output for o in engine.decide_pooled(dev.sources, raw, pools)])
                      for path, dev, raw, pools in sets}
        objective = sum((scores[p]["gleu"] or 0) + scores[p]["f0.5"] for p in data) / (2 * len(data))
        row = {"min_confidence": confidence, "min_pool_probability": pool_probability,
               **{str(p): s for p, s in scores.items()}, "objective": objective,
               "clean_changed": max((scores[p]["changed"] for p in clean), default=0.0)}
        rows.append(row)
        env.stderr.print(f"lmcor: min_confidence {confidence}, min_pool_probability {pool_probability}: "
                         f"{json.dumps(row)}", markup=False)
    allowed = [r for r in rows if r["clean_changed"] <= max_changed] or [min(rows, key=lambda r: r["clean_changed"])]
    best = max(allowed, key=lambda r: r["objective"])  # type: ignore[arg-type,return-value]
    meta = replace(base, min_confidence=float(best["min_confidence"]),  # type: ignore[arg-type]
                   min_pool_probability=float(best["min_pool_probability"]))  # type: ignore[arg-type]
    corrector.meta = meta
    engine.gatekeeper = corrector
    (gate, _), gate_rows = (_choose_gate(engine, sets, data, gates, max_gate_cost, env) if gates
                            else ((meta.gate, None), []))
    meta = replace(meta, gate=gate)
    _store(meta, corrector.info.path, env)
    print(json.dumps({"chosen": {"min_confidence": meta.min_confidence,
                                 "min_pool_probability": meta.min_pool_probability, "gate": meta.gate},
                      "grid": rows, "gate_grid": gate_rows}))
    return 0


def run_tune_gate(data: list[Path], clean: list[Path], gate_model: Path, gates: list[float],  # type: ignore[no-untyped-def]
                  max_gate_cost: tuple[float, float], k: int, settings, env: Env,
                  sample_gates: list[float] = ()) -> int:
    """Give a corrector that cannot read a sentence alone (rank mode) an edit corrector's gate:
    the highest value in ``gates`` that costs at most ``max_gate_cost`` on each dev set; the
    corrector's ``lmcor.json`` gets ``gate`` and ``gate_model`` (relative to its folder).  With
    ``sample_gates``, the pools are sampled for every sentence and each sample gate is tried
    too (0: samples where the greedy candidate changed the sentence, the default without one):
    the highest pair within the cost, the gate first, against no gate and that default."""
    import os
    from dataclasses import replace

    from lmcor_cli.correctors import inspect_corrector, open_corrector
    from lmcor_cli.engine_factory import corrector_info, resolve_device

    reader = inspect_corrector(gate_model)
    if reader.meta.architecture != "edit-tagger":
        raise UsageError(f"--gate-model {gate_model}: not an edit corrector")
    info = corrector_info(settings)
    if info is None:
        raise UsageError("tune-gate needs a corrector folder (--corrector FOLDER)")
    if info.meta.architecture == "edit-tagger":
        raise UsageError(f"{info.path} is an edit corrector: it reads sentences for its own gate (train tune-tagger)")
    if sample_gates:
        settings = replace(settings, sample_all=True)
        sample_gates = sorted({0.0, *sample_gates})
    engine, sets = _tuning_sets(data, clean, k, settings, env)
    device = resolve_device(settings.device, env)
    engine.gatekeeper = open_corrector(reader, device=device, threads=settings.threads)  # type: ignore[assignment]
    (gate, sample_gate), rows = _choose_gate(engine, sets, data, gates, max_gate_cost, env, sample_gates)
    relative = os.path.relpath(gate_model.resolve(), info.path.resolve())
    meta = replace(info.meta, gate=gate, gate_model=relative if gate is not None else None,
                   sample_gate=(sample_gate or None) if sample_gates and gate is not None else info.meta.sample_gate)
    _store(meta, info.path, env)
    print(json.dumps({"chosen": {"gate": meta.gate, "gate_model": meta.gate_model, "sample_gate": meta.sample_gate},
                      "gate_grid": rows}))
    return 0


def engine_cache(settings, env: Env):  # type: ignore[no-untyped-def]
    from lmcor_cli.cache import ResultCache
    from lmcor_cli.models import cache_dir

    return ResultCache(cache_dir() / "results.sqlite3", notice=env.warn) if settings.cache else None


def _tuning_sets(data: list[Path], clean: list[Path], k: int, settings, env: Env):  # type: ignore[no-untyped-def]
    """An engine with neither result cache nor gate (a rank corrector's fluency scores come from
    the cache, asked once per text across runs), and each data and clean set with its raw pools
    (from the result cache, or the generator at prompt 0) and the pools its corrector reads."""
    from dataclasses import replace

    from lmcor_cli import project_rules
    from lmcor_cli.commands.eval import DevSet, candidate_pools
    from lmcor_cli.data import load_dataset
    from lmcor_cli.engine_factory import build_engine, cached_fluency, generator_spec, resolve_device

    engine = build_engine(replace(settings, cache=False, min_confidence=None, gate=0.0), env)
    engine.gate = None  # chosen after the thresholds, on what they decide
    spec = generator_spec(settings, resolve_device(settings.device, env), prompt_variant=0)
    cache = engine_cache(settings, env)
    if engine.fluency:  # build_engine decided it applies (a rank corrector with fluency weights)
        engine.fluency_source = cached_fluency(spec, cache)
    sets = []
    for path in [*data, *clean]:
        dev = DevSet(load_dataset(path))
        raw = candidate_pools(dev.sources, spec, k, cache, env)
        with project_rules.applied(engine.rules):
            sets.append((path, dev, raw, engine.pools(dev.sources, raw)))
    return engine, sets


def _choose_gate(engine, sets, data: list[Path], gates: list[float], max_cost: tuple[float, float],  # type: ignore[no-untyped-def]
                 env: Env, sample_gates: list[float] = (),
                 ) -> tuple[tuple[float | None, float | None], list[dict[str, object]]]:
    """The highest gate within the cost (then, where sample gates are tried, the highest sample
    gate with it), and every row of the grid."""
    from lmcor_cli import project_rules

    with project_rules.applied(engine.rules):
        rows = gate_grid(engine, sets, gates, data, sample_gates)
    for row in rows:
        env.stderr.print(f"lmcor: gate {row['gate']}, sample gate {row['sample_gate']}: {json.dumps(row)}",
                         markup=False)
    within = [(r["gate"], r["sample_gate"] or 0.0) for r in rows
              if r["worst_gleu_cost"] <= max_cost[0] and r["worst_f0.5_cost"] <= max_cost[1]]
    if not within:
        return (None, None), rows
    gate, sample_gate = max(within)  # type: ignore[type-var]
    return (gate, sample_gate if sample_gates else None), rows  # type: ignore[return-value]


def _store(meta, folder: Path, env: Env) -> None:  # type: ignore[no-untyped-def]
    from lmcor_cli.correctors.schema import EDIT_TAGGER_KNOBS, GATE_KNOBS, META_FILE
    from lmcor_cli.train.export import refresh_checksums

    meta.write(folder)
    refresh_checksums(folder)
    chosen = {key: value for key, value in meta.to_json().items() if key in (*EDIT_TAGGER_KNOBS, *GATE_KNOBS)}
    env.stderr.print(f"lmcor: chose {json.dumps(chosen)} → {folder / META_FILE}", markup=False)


def sampled_pools(sources: list[str], raw: list[list[Candidate]], doubts: list[float],
                  sample_gate: float) -> list[list[Candidate]]:
    """The pools a generator sampling by ``sample_gate`` gives, cut from pools sampled for every
    sentence (samples are seeded by sentence, so they are the same): the samples where the
    doubt reaches the sample gate (0: where the greedy candidate changed the sentence)."""
    from lmcor_cli.generate.adaptive import needs_samples

    def wanted(source: str, pool: list[Candidate], doubt: float) -> bool:
        return doubt >= sample_gate if sample_gate else bool(pool) and needs_samples(source, pool[0])

    return [pool if wanted(s, pool, p) else pool[:1] for s, pool, p in zip(sources, raw, doubts)]


def gate_grid(engine, sets, gates: list[float], judged: list[Path],  # type: ignore[no-untyped-def]
              sample_gates: list[float] = ()) -> list[dict[str, object]]:
    """Per gate value (and sample gate) and set: the share of sentences it lets skip the
    generator, its misses (the share of sentences with gold edits that it skipped), the share
    of the others sampled, the scores and the pools' oracle and, on the ``judged`` sets, what
    each lever costs in GLEU and F0.5 with the same corrector: the gate against no gate with the
    same sampling (``gleu_cost``, ``f0.5_cost``), the sample gate's sampling against the default
    (sample gate 0), both without a gate (``sampling_*``), and both together (``total_*``); a
    row's ``worst_*`` is the largest of the three over the judged sets.  A gated sentence is
    kept as it is and the others are decided alone, so each set is decided once per sample
    gate (call under the project rules)."""
    from lmcor_cli.engine import harper_silent
    from lmcor_cli.evaluate.systems import oracle_outputs

    readings = []
    for path, dev, raw, pools in sets:
        doubts = engine.gatekeeper.error_probabilities(dev.sources)
        silent = [harper_silent(text) for text in dev.sources]
        needs = [any(edits for edits in gold) for gold in dev.gold]
        readings.append((doubts, silent, needs))
    rows = []
    baseline: dict[Path, dict[str, float]] = {}
    for sample_gate in sample_gates or [None]:
        decided = []
        for (path, dev, raw, pools), (doubts, silent, needs) in zip(sets, readings):
            if sample_gate is not None:
                raw = sampled_pools(dev.sources, raw, doubts, sample_gate)
                pools = engine.pools(dev.sources, raw)
            outputs = [o.output for o in engine.decide_pooled(dev.sources, raw, pools, [False] * len(raw))]
            oracle = dev.score(oracle_outputs(dev.sources, dev.originals, pools, dev.references, dev.score_form))
            sampled = [len(pool) > 1 for pool in raw]
            ungated = dev.score(outputs)
            baseline.setdefault(path, ungated)  # the first sample gate: 0, or none tried
            decided.append((path, dev, doubts, silent, needs, outputs, sampled, oracle, ungated))
        for gate in gates:
            row: dict[str, object] = {"gate": gate, "sample_gate": sample_gate}
            costs = []
            for path, dev, doubts, silent, needs, outputs, sampled, oracle, ungated in decided:
                gated = [p < gate and quiet for p, quiet in zip(doubts, silent)]
                scores = dev.score([s if skip else o for s, skip, o in zip(dev.sources, gated, outputs)])
                cost = _cost(ungated, scores)
                sampling, total = _cost(baseline[path], ungated), _cost(baseline[path], scores)
                if path in judged:
                    costs.extend([cost, sampling, total])
                generated = [not skip for skip in gated]
                row[str(path)] = {"gated_share": round(sum(gated) / max(len(gated), 1), 3),
                                  "misses": round(sum(g and n for g, n in zip(gated, needs)) / max(sum(needs), 1), 3),
                                  "sampled_share": round(sum(s and g for s, g in zip(sampled, generated))
                                                         / max(sum(generated), 1), 3),
                                  "gleu": scores["gleu"], "f0.5": scores["f0.5"], "changed": scores["changed"],
                                  "gleu_cost": cost[0], "f0.5_cost": cost[1],
                                  "sampling_gleu_cost": sampling[0], "sampling_f0.5_cost": sampling[1],
                                  "total_gleu_cost": total[0], "total_f0.5_cost": total[1],
                                  "oracle_gleu": oracle["gleu"], "oracle_f0.5": oracle["f0.5"]}
            row["worst_gleu_cost"] = max((c[0] for c in costs), default=0.0)
            row["worst_f0.5_cost"] = max((c[1] for c in costs), default=0.0)
            rows.append(row)
    return rows


def _cost(before: dict[str, float], after: dict[str, float]) -> tuple[float, float]:
    """GLEU and F0.5 lost from ``before`` to ``after`` (negative: gained)."""
    return round(before["gleu"] - after["gleu"], 2), round(before["f0.5"] - after["f0.5"], 2)
