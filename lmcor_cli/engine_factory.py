"""Settings → an Engine with lazily loaded models and the result cache."""

from __future__ import annotations

from pathlib import Path

from lmcor_cli.cache import ResultCache, cached_scorer
from lmcor_cli.candidates import FluencyScorer
from lmcor_cli.config import Settings
from lmcor_cli.console import Env
from lmcor_cli.correctors import Corrector, CorrectorInfo, inspect_corrector, open_corrector
from lmcor_cli.engine import Engine, GateReader
from lmcor_cli.errors import ModelError, UsageError
from lmcor_cli.generate.base import (
    PLUGIN_PREFIX,
    GeneratorSpec,
    check_generator,
    fluency_scorer,
    generator_id,
    is_server,
    open_generator,
)
from lmcor_cli.models import cache_dir, default_corrector, gguf_id
from lmcor_cli.prompt import load_prompt

DEFAULT_CANDIDATES_WITH_CORRECTOR = 5


def resolve_device(requested: str, env: Env) -> str:
    """``auto`` → cuda when both runtimes can use a GPU; ``cuda`` falls back with a notice."""
    if requested not in ("auto", "cpu", "cuda"):
        raise UsageError(f"--device must be auto, cpu or cuda, not {requested!r}")
    if requested == "cpu":
        return "cpu"
    import ctranslate2

    has_gpu = ctranslate2.get_cuda_device_count() > 0
    if requested == "cuda" and not has_gpu:
        env.warn("no CUDA device available; running on the CPU")
    return "cuda" if has_gpu else "cpu"


def corrector_info(settings: Settings) -> CorrectorInfo | None:
    choice = settings.corrector
    if choice == "none":
        return None
    if choice == "auto":
        shipped = default_corrector()
        return inspect_corrector(shipped) if shipped else None
    return inspect_corrector(Path(choice))


def can_score(spec: GeneratorSpec) -> bool:
    """Servers and plugins propose candidates only; the llama.cpp generator also scores texts."""
    return not (is_server(spec.name) or spec.name.startswith(PLUGIN_PREFIX))


def fluency_applies(settings: Settings, info: CorrectorInfo | None, spec: GeneratorSpec) -> bool:
    """Whether rank mode uses the generator's fluency scores: asked for, a fluency weight set
    in the corrector folder, and a generator that can score."""
    return bool(settings.fluency and info and info.meta.fluency_weights and can_score(spec))


def cached_fluency(spec: GeneratorSpec, cache: ResultCache | None) -> FluencyScorer | None:
    """The in-process generator's fluency scorer, asked once per text and model across runs
    (``eval`` and ``train ranker`` score thousands of options); ``None`` where it cannot score."""
    scorer = fluency_scorer(open_generator(spec)) if can_score(spec) else None
    return cached_scorer(scorer, cache, gguf_id(spec.name)) if scorer else None


def generator_spec(settings: Settings, device: str = "cpu", prompt_variant: int | None = None) -> GeneratorSpec:
    """The generator the settings name, with a prompt variant (default: the configured one)."""
    return GeneratorSpec(
        name=settings.generator,
        prompt=load_prompt(settings.prompt_variant if prompt_variant is None else prompt_variant),
        threads=settings.threads,
        device=device,
        jobs=settings.jobs,
        rules_first=settings.rules_first,
        sample_all=settings.sample_all,
    )


def build_engine(settings: Settings, env: Env) -> Engine:
    """Check what can be checked cheaply now (files exist, formats match); load later."""
    device = resolve_device(settings.device, env)
    info = corrector_info(settings)
    k = settings.candidates or (DEFAULT_CANDIDATES_WITH_CORRECTOR if info else 1)
    spec = generator_spec(settings, device)
    check_generator(spec, env.warn)
    cache = ResultCache(cache_dir() / "results.sqlite3", notice=env.warn) if settings.cache else None
    # Constructing a Corrector loads nothing; the model is read on its first batch.
    corrector = open_corrector(info, device=device, threads=settings.threads, beam_size=settings.beam_size,
                               min_confidence=settings.min_confidence,
                               min_error_probability=settings.min_error_probability) if info else None
    fluency = fluency_applies(settings, info, spec)  # the cache key says whether it was used
    gate = gate_threshold(settings, info)
    return Engine(
        make_generator=lambda: open_generator(spec, warn=env.warn),
        make_corrector=lambda: corrector,
        generator_id=generator_id(spec),
        corrector_id=(corrector.id + ("|fluency" if fluency else "")) if corrector else "none",
        fluency=fluency,
        k=k,
        cache=cache,
        rules=settings.rules,
        gate=gate,
        unsafe_fixes=settings.unsafe_fixes,
        gatekeeper=gatekeeper(info, corrector, device, settings.threads) if gate else None,  # 0 or None: no gate
        sample_gate=sample_gate(settings, info) if gate else None,
    )


def gate_threshold(settings: Settings, info: CorrectorInfo | None) -> float | None:
    """The configured gate, else the corrector's own (tuned by ``train tune-tagger`` or
    ``train tune-gate``); None where no edit corrector can read sentences for it."""
    if info is None or (info.meta.architecture != "edit-tagger" and not info.meta.gate_model):
        return None
    return settings.gate if settings.gate is not None else info.meta.gate


def sample_gate(settings: Settings, info: CorrectorInfo | None) -> float | None:
    """The configured sample gate, else the corrector's own; None (or 0): the generator samples
    where its greedy candidate changed the sentence."""
    if info is None:
        return None
    chosen = settings.sample_gate if settings.sample_gate is not None else info.meta.sample_gate
    return chosen or None


def gatekeeper(info: CorrectorInfo | None, corrector: Corrector | None, device: str,
               threads: int) -> GateReader | None:
    """The edit corrector that reads each sentence alone for the gate: the corrector itself,
    or the one its ``lmcor.json`` names (``gate_model``, relative to its folder)."""
    if info is None:
        return None
    if info.meta.architecture == "edit-tagger":
        return corrector  # type: ignore[return-value]
    if not info.meta.gate_model:
        return None
    reader = inspect_corrector(info.path / info.meta.gate_model)
    if reader.meta.architecture != "edit-tagger":
        raise ModelError(f"corrector {info.path}: its gate_model {reader.path} is not an edit corrector")
    return open_corrector(reader, device=device, threads=threads)  # type: ignore[return-value]
