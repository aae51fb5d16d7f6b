"""``lmcor eval``: score systems on GEC data (GLEU and M2 P/R/F0.5)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from lmcor_cli import project_rules
from lmcor_cli.cache import ResultCache, cache_key
from lmcor_cli.candidates import Candidate
from lmcor_cli.config import Settings
from lmcor_cli.console import Env
from lmcor_cli.data import Example, load_dataset, natural
from lmcor_cli.engine import Engine
from lmcor_cli.engine_factory import build_engine, cached_fluency, generator_spec, resolve_device
from lmcor_cli.errors import UsageError
from lmcor_cli.evaluate import systems as S
from lmcor_cli.evaluate.gleu import corpus_gleu
from lmcor_cli.evaluate.m2 import corpus_m2, edits_from_reference
from lmcor_cli.evaluate.report import (
    SystemResult,
    as_json,
    plot,
    print_table,
    require_matplotlib,
)
from lmcor_cli.evaluate.tokens import is_tokenized, tokenize
from lmcor_cli.generate.base import (
    GeneratorSpec,
    check_generator,
    close_generator,
    generator_id,
    open_generator,
)
from lmcor_cli.models import cache_dir
from lmcor_cli.progress import JobProgress
from lmcor_cli.prompt import load_prompt
from lmcor_cli.rules.harper import available as harper_available
from lmcor_cli.rules.harper import harper_fix

POOL_BATCH = 24


def run_eval(
    data: list[Path], systems: list[str], limit: int | None, prompts: int, k: int, output_format: str,
    plot_path: Path | None, hypotheses: Path | None, settings: Settings, env: Env,
) -> int:
    unknown = sorted(set(systems) - set(S.ALL_SYSTEMS))
    if unknown:
        raise UsageError(f"unknown system(s): {', '.join(unknown)}; choose from {', '.join(S.ALL_SYSTEMS)}")
    if prompts < 1 or k < 1:
        raise UsageError("--prompts and --candidates must be at least 1")
    if plot_path:
        require_matplotlib()
    device = resolve_device(settings.device, env)
    spec = generator_spec(settings, device, prompt_variant=0)
    if set(systems) & S.NEEDS_POOLS:
        check_generator(spec, env.warn)
    cache = ResultCache(cache_dir() / "results.sqlite3", notice=env.warn) if settings.cache else None
    # The same Engine as lmcor fix decides what the corrector's output becomes (pools come from the cache).
    engine = build_engine(replace(settings, cache=False), env) if set(systems) & S.NEEDS_CORRECTOR else None
    if engine is not None and "lmcor" in systems and engine.fluency:
        engine.fluency_source = cached_fluency(spec, cache)
    for path in data:
        examples = load_dataset(path, limit)
        results = _evaluate(examples, systems, prompts, k, hypotheses, spec, engine, cache, env)
        if output_format == "json":
            print(as_json(str(path), len(examples), results))
        else:
            print_table(env.stdout_console(), str(path), len(examples), results)
        if plot_path:
            target = (plot_path if len(data) == 1
                      else plot_path.with_name(f"{plot_path.stem}-{path.stem}{plot_path.suffix}"))
            plot(target, str(path), results)
    if cache:
        cache.close()
    return 0


def _evaluate(
    examples: list[Example], systems: list[str], prompts: int, k: int, hypotheses: Path | None,
    spec: GeneratorSpec, engine: Engine | None, cache: ResultCache | None, env: Env,
) -> list[SystemResult]:
    dev = DevSet(examples)
    originals, sources, references, score_form, score = (dev.originals, dev.sources, dev.references, dev.score_form,
                                                         dev.score)

    results: list[SystemResult] = []
    pools: dict[int, list[list[Candidate]]] = {}
    if set(systems) & S.NEEDS_POOLS:
        for variant in range(prompts):
            pools[variant] = candidate_pools(sources, replace(spec, prompt=load_prompt(variant)), k, cache, env)

    def timed(name: str, make: Callable[[], list[str]], note: str | None = None) -> None:
        started = time.perf_counter()
        outputs = make()
        results.append(SystemResult(name, [score(outputs)], note=note, seconds=time.perf_counter() - started))

    for system in systems:
        if system == "identity":
            timed("identity", lambda: list(sources))
        elif system == "harper":
            if not harper_available():
                results.append(SystemResult("harper", [], note="harper-py not installed"))
            else:
                timed("harper", lambda: [harper_fix(s) for s in sources])
        elif system == "llm":
            results.append(_per_prompt("llm", pools, lambda p: S.llm_outputs(sources, p), score))
        elif system == "oracle":
            timed("oracle", lambda: S.oracle_outputs(sources, originals, pools[0], references, score_form),
                  note=f"best of {k}")
        elif system == "vote":
            timed("vote", lambda: S.vote_outputs(sources, pools[0]), note="MBR")
        elif system in S.NEEDS_CORRECTOR and (engine is None or engine.corrector is None):
            results.append(SystemResult(system, [], note="no corrector"))
        elif system == "corrector":
            assert engine is not None
            timed("corrector", lambda: _decided(engine, sources, [[] for _ in sources], rules=False),
                  note="no candidates")
        elif system == "lmcor-llm":  # the pool without Harper's fixes as candidates
            assert engine is not None
            results.append(_per_prompt("lmcor-llm", pools, lambda p: _decided(engine, sources, p, rules=False), score))
        elif system == "lmcor":
            assert engine is not None
            results.append(_per_prompt("lmcor", pools, lambda p: _decided(engine, sources, p), score))
    if hypotheses:
        lines = hypotheses.read_text(encoding="utf-8").splitlines()
        if len(lines) < len(examples):
            raise UsageError(f"{hypotheses}: {len(lines)} lines for {len(examples)} sentences")
        results.append(SystemResult(hypotheses.stem,
                                    [score_raw(lines[: len(examples)], originals, references, dev.gold)]))
    return results


class DevSet:
    """A data set as the systems see it (natural text) and as it is scored (its own tokenisation)."""

    def __init__(self, examples: list[Example]):
        self.originals = [e.source for e in examples]
        self.tokenized = is_tokenized(self.originals)
        self.sources = [e.source for e in natural(examples)]
        self.references = [e.references for e in examples]
        self.gold = [e.gold_edits or [edits_from_reference(e.source, r) for r in e.references] for e in examples]

    def score_form(self, i: int, output: str) -> str:
        """What gets scored: the data's own tokenisation; an unchanged sentence is the source itself."""
        if output == self.sources[i]:
            return self.originals[i]
        return tokenize(output) if self.tokenized else output

    def score(self, outputs: list[str]) -> dict[str, float]:
        scores = score_raw([self.score_form(i, o) for i, o in enumerate(outputs)], self.originals, self.references,
                           self.gold)
        scores["changed"] = round(100 * sum(o != s for o, s in zip(outputs, self.sources)) / max(len(self.sources), 1),
                                  2)
        return scores


def score_raw(lines: list[str], originals: list[str], references: list[list[str]], gold) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Score a user's own system output as it is (it should follow the data's tokenisation)."""
    p, r, f = corpus_m2(originals, lines, gold)
    return {"gleu": round(100 * corpus_gleu(originals, lines, references), 2),
            "precision": round(100 * p, 2), "recall": round(100 * r, 2), "f0.5": round(100 * f, 2)}


def _per_prompt(name: str, pools: dict[int, list[list[Candidate]]], make, score) -> SystemResult:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    runs = [score(make(pools[variant])) for variant in sorted(pools)]
    return SystemResult(name, runs, seconds=time.perf_counter() - started)


def _decided(engine: Engine, sources: list[str], pools: list[list[Candidate]], rules: bool = True) -> list[str]:
    """What lmcor fix would output for each sentence, given its pool (``rules=False``: without
    Harper's fixes among the candidates)."""
    with project_rules.applied(engine.rules):
        return [outcome.output for outcome in engine.decide_pooled(sources, pools, engine.pools(sources, pools, rules))]


def candidate_pools(sources: list[str], spec: GeneratorSpec, k: int, cache: ResultCache | None,
           env: Env) -> list[list[Candidate]]:
    """K candidates per source for one prompt variant, from the cache where possible."""
    gen_id = generator_id(spec)
    keys = [cache_key("pool", gen_id, k, s) for s in sources]
    pools: list[list[Candidate] | None] = [cache.get_pool(key) if cache else None for key in keys]
    missing = [i for i, pool in enumerate(pools) if pool is None]
    if missing:
        generator = open_generator(spec)
        with JobProgress(env, f"candidates (prompt {spec.prompt.variant})", len(missing), transient=True) as progress:
            for start in range(0, len(missing), POOL_BATCH):
                batch = missing[start : start + POOL_BATCH]
                made = generator.candidates([sources[i] for i in batch], k)
                for i, pool in zip(batch, made):
                    pools[i] = pool
                if cache:
                    cache.put_pools([(keys[i], pool) for i, pool in zip(batch, made)])
                progress.advance(len(batch))
        close_generator(generator)
    return [pool or [] for pool in pools]
