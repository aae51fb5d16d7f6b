"""The per-sentence engine: cache → generator → pool → corrector → guards → outcome.

One Engine serves ``lmcor fix``, the LSP, ``lmcor bench`` and ``lmcor eval``, so every
command makes the same decision for the same sentence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from lmcor_cli import edit_guard, guard, project_rules
from lmcor_cli.cache import CachedResult, ResultCache, cache_key
from lmcor_cli.candidates import Candidate, FluencyScorer
from lmcor_cli.correctors import Correction, Corrector, Edit
from lmcor_cli.correctors.words import apply_edits, overlaps
from lmcor_cli.errors import LmcorError, ModelError
from lmcor_cli.generate.base import Generator, fluency_scorer
from lmcor_cli.memory import return_freed_memory
from lmcor_cli.pool import clean_pool, corrector_fallback, corrector_pool, greedy_choice
from lmcor_cli.project_rules import ProjectRules
from lmcor_cli.rules.harper import available as harper_available
from lmcor_cli.rules.harper import build_linter_in_background, harper_fix


@dataclass
class Outcome:
    """What happened to one sentence."""

    source: str
    output: str
    candidates: list[Candidate]
    system: str  # "corrector", "greedy", "cache", "unchanged"
    rejected: str | None = None  # why the guard turned the proposal down, if it did
    seconds: float = 0.0
    failed: bool = False  # the generator could not produce candidates: not cached
    edits: list[Edit] = field(default_factory=list)  # the changes made, each with its confidence and origin
    refused: list[tuple[Edit, str]] = field(default_factory=list)  # edits the faithfulness guard dropped, and why
    unsafe: list[Edit] = field(default_factory=list)  # fixes not made: too unsure, or overruling the guard's judgment


@dataclass
class Timings:
    load_s: float = 0.0  # loading models: the generator, the gate's model, Harper's linter
    generator_s: float = 0.0
    corrector_s: float = 0.0
    sentences: int = 0
    cached: int = 0
    gated: int = 0  # sentences the corrector found clean (and Harper too): no generator run
    failed: int = 0  # sentences the generator could not serve (kept as they were)
    changed: int = 0  # sentences changed
    fixes: int = 0  # edits made
    unsafe: int = 0  # unsafe fixes found and not made (``--unsafe-fixes`` makes them)
    latencies: list[float] = field(default_factory=list)  # seconds per computed sentence


class GateReader(Protocol):
    """What the gate needs of a model: an id, and each sentence's probability of holding an error."""

    id: str

    def load(self) -> None: ...

    def error_probabilities(self, sources: Sequence[str]) -> list[float]: ...


def guard_reason(source: str, proposal: str) -> str | None:
    return guard.rejection_reason(source, proposal) if proposal != source else None


def harper_silent(text: str) -> bool:
    """Harper (where it is installed) would change nothing in ``text``."""
    return not harper_available() or harper_fix(text, frequent_spelling=True) == text


class Engine:
    """Turns sentences into outcomes: cache, then generator, then corrector, then guard.

    Models are built on first need, so a fully cached run never loads one.
    """

    def __init__(
        self,
        make_generator: Callable[[], Generator],
        make_corrector: Callable[[], Corrector | None],
        generator_id: str,
        corrector_id: str,
        k: int,
        cache: ResultCache | None,
        fluency: bool = False,
        rules: ProjectRules = ProjectRules(),
        gate: float | None = None,
        unsafe_fixes: bool = False,
        gatekeeper: GateReader | None = None,
        sample_gate: float | None = None,
    ):
        self._make_generator = make_generator
        self._make_corrector = make_corrector
        self._generator: Generator | None = None
        self._corrector: Corrector | None = None
        self._corrector_loaded = False
        self.k = k
        self.fluency = fluency  # pass the generator's fluency scorer to the corrector
        self.fluency_source: FluencyScorer | None = None  # a scorer to use instead of the generator's (eval caches one)
        self.cache = cache
        self.rules = rules  # the project's words and dialect: Harper and the guard judge by them
        self.gate = gate  # below this error probability (and with Harper silent) a sentence skips the generator
        self.gatekeeper = gatekeeper  # the edit corrector that reads each sentence alone for the gate
        self._gate_loaded = False
        # Below this error probability (the gate's reading), a sentence gets the greedy candidate
        # alone; None: the generator samples where its greedy candidate changed the sentence.
        self.sample_gate = sample_gate
        self.unsafe_fixes = unsafe_fixes  # make the unsafe fixes too
        self.key_prefix: tuple[object, ...] = ((generator_id, corrector_id, k) + ((rules.key(),) if rules.key() else ())
                                               + ((f"gate={gate}|{gatekeeper.id}|sample_gate={sample_gate}",)
                                                  if gate is not None and gatekeeper else ())
                                               + (("unsafe-fixes",) if unsafe_fixes else ()))
        self.timings = Timings()

    @property
    def generator(self) -> Generator:
        """Built and loaded on first need (the load is timed as such, not as generation)."""
        if self._generator is None:
            started = time.perf_counter()
            generator = self._make_generator()
            load = getattr(generator, "load", None)
            if load is not None:
                load()
            self._generator = generator
            self.timings.load_s += time.perf_counter() - started
        return self._generator

    @property
    def generator_loaded(self) -> bool:
        return self._generator is not None

    @property
    def corrector(self) -> Corrector | None:
        if not self._corrector_loaded:
            self._corrector = self._make_corrector()
            self._corrector_loaded = True
        return self._corrector

    def correct(self, texts: list[str]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(texts)
        keys = [cache_key(*self.key_prefix, text) for text in texts]
        missing = []
        for index, (text, key) in enumerate(zip(texts, keys)):
            hit = self.cache.get(key) if self.cache else None
            if hit is not None:
                outcomes[index] = Outcome(text, hit.output, hit.candidates, "cache", edits=hit.edits,
                                          unsafe=hit.unsafe)
                self.timings.cached += 1
            else:
                missing.append(index)
        if missing:
            computed = self._compute([texts[i] for i in missing])
            for index, outcome in zip(missing, computed):
                outcomes[index] = outcome
            if self.cache:
                self.cache.put_many(
                    [(keys[i], CachedResult(o.output, o.candidates, o.edits, o.unsafe))
                     for i, o in zip(missing, computed) if not o.failed]
                )
        self.timings.sentences += len(texts)
        done = [o for o in outcomes if o is not None]
        self.timings.changed += sum(o.output != o.source for o in done)
        self.timings.fixes += sum(len(o.edits) for o in done if o.output != o.source)
        self.timings.unsafe += sum(len(o.unsafe) for o in done)
        return done

    def _compute(self, texts: list[str]) -> list[Outcome]:
        with project_rules.applied(self.rules):
            return self._compute_under_rules(texts)

    def _compute_under_rules(self, texts: list[str]) -> list[Outcome]:
        started = time.perf_counter()
        doubts = self.doubts(texts)  # timed as the corrector's work
        gated = self.gated(texts, doubts)
        wanted = [i for i, skip in enumerate(gated) if not skip]
        generating = time.perf_counter()
        try:
            answered = []
            if wanted:
                generator = self.generator  # loaded on first need: timed as loading, not generating
                generating = time.perf_counter()
                answered = self._candidates(generator, [texts[i] for i in wanted],
                                            None if doubts is None else [doubts[i] for i in wanted])
        except LmcorError:
            raise
        except Exception as exc:  # a plugin or runtime failure: report it, never a traceback
            raise ModelError(f"generator failed: {type(exc).__name__}: {exc}") from exc
        made = iter(answered)
        raw = [[] if skip else next(made) for skip in gated]
        self.timings.generator_s += time.perf_counter() - generating
        outcomes = self.decide_pooled(texts, raw, self.pools(texts, raw), gated)
        per_sentence = (time.perf_counter() - started) / len(texts)
        self.timings.latencies.extend([per_sentence] * len(texts))
        for outcome in outcomes:
            outcome.seconds = per_sentence
            self.timings.failed += outcome.failed
        return outcomes

    def doubts(self, texts: list[str]) -> list[float] | None:
        """Each sentence's probability of holding an error, read alone by the gate's model (an
        edit corrector); None where there is no gate."""
        if self.gate is None or self.gatekeeper is None:
            return None
        self._load_gate()
        started = time.perf_counter()
        doubts = self.gatekeeper.error_probabilities(texts)
        return_freed_memory()  # the read's activation buffers, before the generator's peak
        self.timings.corrector_s += time.perf_counter() - started
        return doubts

    def gated(self, texts: list[str], doubts: list[float] | None = None) -> list[bool]:
        """Which sentences skip the generator: those the gatekeeper (an edit corrector), reading
        them alone, finds clean with confidence (error probability below ``gate``) and Harper
        leaves as they are.  ``doubts``: the gatekeeper's reading, where it was read already."""
        doubts = self.doubts(texts) if doubts is None else doubts
        if doubts is None or self.gate is None:
            return [False] * len(texts)
        started = time.perf_counter()
        gated = [p < self.gate and harper_silent(text) for text, p in zip(texts, doubts)]
        self.timings.corrector_s += time.perf_counter() - started
        self.timings.gated += sum(gated)
        return gated

    def _candidates(self, generator: Generator, sentences: list[str],
                    doubts: list[float] | None) -> list[list[Candidate]]:
        """K candidates per sentence; with the gate's reading and a ``sample_gate``, the K−1
        samples only for the sentences it doubts that much (a generator that samples
        adaptively, ``generate/adaptive.py``; any other gets K for each)."""
        where = getattr(generator, "candidates_where", None)
        if doubts is None or self.sample_gate is None or where is None:
            return generator.candidates(sentences, self.k)
        return where(sentences, self.k, [p >= self.sample_gate for p in doubts])  # type: ignore[no-any-return]

    def _load_gate(self) -> None:
        """The gate's model, with Harper's linter built on a thread meanwhile (both needed for
        the first verdict), timed as loading."""
        if self._gate_loaded or self.gatekeeper is None:
            return
        started = time.perf_counter()
        linter = build_linter_in_background() if harper_available() else None
        try:
            self.gatekeeper.load()
        finally:
            if linter is not None:
                linter.join()
        self._gate_loaded = True
        self.timings.load_s += time.perf_counter() - started

    def decide(self, texts: list[str], raw: list[list[Candidate]]) -> list[Outcome]:
        """Given each sentence's raw candidates: the pool, the corrector's edits, the guards'
        verdicts and the output.  ``lmcor fix`` and ``lmcor eval`` both decide here (call it
        under the project rules: ``project_rules.applied``)."""
        return self.decide_pooled(texts, raw, self.pools(texts, raw))

    def pools(self, texts: list[str], raw: list[list[Candidate]], rules: bool = True) -> list[list[Candidate]]:
        """What the corrector reads: the sane candidates, and Harper's fixes (unless ``rules`` is off)."""
        if self.corrector is None:
            return [clean_pool(text, pool) for text, pool in zip(texts, raw)]
        return [corrector_pool(text, pool, rules=rules) for text, pool in zip(texts, raw)]

    def decide_pooled(self, texts: list[str], raw: list[list[Candidate]], pools: list[list[Candidate]],
                      gated: list[bool] | None = None) -> list[Outcome]:
        """``decide`` with the pools already built (tuning re-decides the same pools many times);
        the gate's verdicts are taken (``gated``) or made here."""
        gated = self.gated(texts) if gated is None else gated
        if any(gated):
            kept = [i for i, skip in enumerate(gated) if not skip]
            decided = iter(self.decide_pooled([texts[i] for i in kept], [raw[i] for i in kept],
                                              [pools[i] for i in kept], [False] * len(kept)))
            return [Outcome(text, text, [], "gate") if skip else next(decided) for text, skip in zip(texts, gated)]
        corrector = self.corrector
        started = time.perf_counter()
        if corrector is not None:
            fluency = (self.fluency_source or fluency_scorer(self.generator)) if self.fluency else None
            corrections = corrector.correct(texts, pools, fluency) if texts else []
            system = "corrector"
        else:
            corrections = [Correction.between(text, greedy_choice(text, pool), "greedy")
                           for text, pool in zip(texts, pools)]
            system = "greedy"
        self.timings.corrector_s += time.perf_counter() - started
        outcomes = []
        for text, pool, correction, candidates in zip(texts, pools, corrections, raw):
            # The whole proposal must pass the sentence guard, then each edit the faithfulness guard.
            reason = guard_reason(text, correction.text)
            edits, refused = edit_guard.allowed(text, correction.edits)
            unsafe = [u for u in unsafe_fixes(text, edits, refused, correction.unsure)
                      if not guard_reason(text, apply_edits(text, [e.char_edit for e in [*edits, u]]))]
            if self.unsafe_fixes:
                edits, unsafe = sorted(edits + unsafe, key=lambda e: (e.start, e.end)), []
                reason = None  # the sentence guard judges what is now proposed
            proposal = apply_edits(text, [e.char_edit for e in edits])
            reason = reason or guard_reason(text, proposal)
            if not pool and candidates:
                reason = f"no candidate passed; the first: {guard.rejection_reason(text, candidates[0].text.strip())}"
            chosen_by = system
            if reason:  # the greedy candidate, which passed the guard, with its safe edits only
                fallback = corrector_fallback(text, pool) if corrector is not None else text
                edits, _ = edit_guard.allowed(text, Correction.between(text, fallback, "greedy").edits)
                proposal = apply_edits(text, [e.char_edit for e in edits])
                if guard_reason(text, proposal):
                    edits, proposal = [], text
                chosen_by = "greedy"
                unsafe = [u for u in unsafe if not any(overlaps(u.char_edit, e.char_edit) for e in edits)]
            failed = any(c.origin == "error" for c in candidates)
            outcomes.append(Outcome(text, proposal, pool, chosen_by if proposal != text else "unchanged", reason,
                                    failed=failed, edits=edits, refused=refused, unsafe=unsafe))
        return outcomes


def unsafe_fixes(source: str, made: list[Edit], refused: list[tuple[Edit, str]], unsure: list[Edit]) -> list[Edit]:
    """The fixes ``--unsafe-fixes`` adds: edits the guard refused on a judgment about words (an
    unknown word respelt, a deleted content word), then the corrector's unsure edits the guard allows
    or refuses only on such a judgment; none overlapping another or the edits made."""
    chosen: list[Edit] = []
    candidates = [edit for edit, why in refused if edit_guard.overridable(why)]
    for edit in unsure:
        why = edit_guard.rejection(source, edit)
        if why is None or edit_guard.overridable(why):
            candidates.append(edit)
    for edit in candidates:
        if not any(overlaps(edit.char_edit, other.char_edit) for other in made + chosen):
            chosen.append(edit)
    return sorted(chosen, key=lambda e: (e.start, e.end))
