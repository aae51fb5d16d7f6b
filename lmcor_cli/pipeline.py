"""The data path: read → segment → generate candidates → correct → reassemble.

``fix_document`` yields the document back as output pieces, in order, as soon as each
paragraph is done, so callers can stream.  Concatenating the pieces gives the input
exactly, except inside the spans of sentences that were rewritten.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from lmcor_cli import guard, interrupt, project_rules
from lmcor_cli.cache import CachedResult, ResultCache, cache_key
from lmcor_cli.candidates import Candidate
from lmcor_cli.correct import Corrector
from lmcor_cli.errors import LmcorError, ModelError
from lmcor_cli.generate.base import Generator, fluency_scorer
from lmcor_cli.ignore import Switches, is_blocked
from lmcor_cli.pool import clean_pool, corrector_fallback, corrector_pool, greedy_choice
from lmcor_cli.project_rules import ProjectRules
from lmcor_cli.segment import Sentence, iter_chunks, paragraphs


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


@dataclass
class Rewrite:
    """A rewritten sentence, located in the document."""

    sentence: Sentence
    outcome: Outcome
    replacement: str
    byte_start: int
    byte_end: int


@dataclass
class Piece:
    """A run of output text, and the rewrites it contains."""

    text: str
    rewrites: list[Rewrite] = field(default_factory=list)


@dataclass
class Timings:
    generator_s: float = 0.0
    corrector_s: float = 0.0
    sentences: int = 0
    cached: int = 0
    failed: int = 0  # sentences the generator could not serve (kept as they were)
    latencies: list[float] = field(default_factory=list)  # seconds per computed sentence


def guard_reason(source: str, proposal: str) -> str | None:
    return guard.rejection_reason(source, proposal) if proposal != source else None


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
    ):
        self._make_generator = make_generator
        self._make_corrector = make_corrector
        self._generator: Generator | None = None
        self._corrector: Corrector | None = None
        self._corrector_loaded = False
        self.k = k
        self.fluency = fluency  # pass the generator's fluency scorer to the corrector
        self.cache = cache
        self.rules = rules  # the project's words and dialect: Harper and the guard judge by them
        self.key_prefix: tuple[object, ...] = (generator_id, corrector_id, k) + ((rules.key(),) if rules.key() else ())
        self.timings = Timings()

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            self._generator = self._make_generator()
        return self._generator

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
                outcomes[index] = Outcome(text, hit.output, hit.candidates, "cache")
                self.timings.cached += 1
            else:
                missing.append(index)
        if missing:
            computed = self._compute([texts[i] for i in missing])
            for index, outcome in zip(missing, computed):
                outcomes[index] = outcome
            if self.cache:
                self.cache.put_many(
                    [(keys[i], CachedResult(o.output, o.candidates)) for i, o in zip(missing, computed) if not o.failed]
                )
        self.timings.sentences += len(texts)
        return [o for o in outcomes if o is not None]

    def _compute(self, texts: list[str]) -> list[Outcome]:
        with project_rules.applied(self.rules):
            return self._compute_under_rules(texts)

    def _compute_under_rules(self, texts: list[str]) -> list[Outcome]:
        started = time.perf_counter()
        try:
            raw = self.generator.candidates(texts, self.k)
        except LmcorError:
            raise
        except Exception as exc:  # a plugin or runtime failure: report it, never a traceback
            raise ModelError(f"generator failed: {type(exc).__name__}: {exc}") from exc
        self.timings.generator_s += time.perf_counter() - started
        corrector = self.corrector
        if corrector is not None:
            pools = [corrector_pool(text, pool) for text, pool in zip(texts, raw)]
        else:
            pools = [clean_pool(text, pool) for text, pool in zip(texts, raw)]
        generated = time.perf_counter()
        if corrector is not None:
            proposals = corrector.correct(texts, pools, fluency_scorer(self.generator) if self.fluency else None)
            system = "corrector"
        else:
            proposals = [greedy_choice(text, pool) for text, pool in zip(texts, pools)]
            system = "greedy"
        finished = time.perf_counter()
        self.timings.corrector_s += finished - generated
        per_sentence = (finished - started) / len(texts)
        self.timings.latencies.extend([per_sentence] * len(texts))
        outcomes = []
        for text, pool, proposal, candidates in zip(texts, pools, proposals, raw):
            reason = guard_reason(text, proposal)
            if not pool and candidates:
                reason = f"no candidate passed; the first: {guard.rejection_reason(text, candidates[0].text.strip())}"
            output, chosen_by = proposal, system
            if reason:
                output = corrector_fallback(text, pool) if corrector is not None else text
                chosen_by = "greedy"
            failed = any(c.origin == "error" for c in candidates)
            self.timings.failed += failed
            outcomes.append(
                Outcome(text, output, pool, chosen_by if output != text else "unchanged", reason, per_sentence, failed)
            )
        return outcomes


FIRST_BATCH_SENTENCES = 12
MAX_BATCH_SENTENCES = 60
"""Sentences sent to the models together.  The first paragraph goes alone, so the first
output appears quickly; then batches double from 12 sentences up to 60 (one greedy group
in llama.cpp's 63 sequences): a few large groups decode faster than many small ones (the
bench sample's 101 clean sentences at K=5 took ~15-20% longer in batches of 12 than in one
call), and a long document still streams, 60 sentences at a time."""


@dataclass
class _Span:
    """A contiguous run of a chunk: either a prose paragraph or the text between paragraphs."""

    chunk: str
    start: int
    end: int
    byte_start: int
    sentences: list[Sentence] = field(default_factory=list)


def _spans(lines: Iterable[str], syntax: str, notice: Callable[[str], None]) -> Iterator[_Span]:
    """The whole document as consecutive spans, with byte offsets, chunk by chunk; sentences
    in passages the writer switched off (``ignore``) are not targets."""
    byte_pos = 0
    switches = Switches(syntax)
    for chunk in iter_chunks(lines, syntax):
        blocked = switches.blocked(chunk)
        text = chunk.text
        pos = 0
        for paragraph in paragraphs(chunk, syntax):
            for sentence in paragraph.sentences:
                if sentence.too_long:
                    notice(f"kept a {len(sentence.words)}-word sentence verbatim (longer than the models handle)")
            if paragraph.start > pos:
                yield _Span(text, pos, paragraph.start, byte_pos)
                byte_pos += len(text[pos : paragraph.start].encode("utf-8"))
            targets = [s for s in paragraph.sentences if s.rewritable and not is_blocked(s, blocked)]
            yield _Span(text, paragraph.start, paragraph.end, byte_pos, targets)
            byte_pos += len(text[paragraph.start : paragraph.end].encode("utf-8"))
            pos = paragraph.end
        if pos < len(text):
            yield _Span(text, pos, len(text), byte_pos)
            byte_pos += len(text[pos:].encode("utf-8"))


def fix_document(
    lines: Iterable[str],
    syntax: str,
    engine: Engine,
    on_sentences: Callable[[int], None] = lambda n: None,
    notice: Callable[[str], None] = lambda message: None,
) -> Iterator[Piece]:
    """Yield the corrected document in order, a batch of paragraphs at a time."""
    pending: list[_Span] = []
    waiting = 0
    batch = 0  # the first paragraph goes alone
    for span in _spans(lines, syntax, notice):
        pending.append(span)
        waiting += len(span.sentences)
        if waiting and waiting >= batch:
            yield from _flush(pending, engine, on_sentences, notice)
            pending, waiting = [], 0
            batch = min(max(2 * batch, FIRST_BATCH_SENTENCES), MAX_BATCH_SENTENCES)
        elif not waiting:
            yield from _flush(pending, engine, on_sentences, notice)
            pending = []
    yield from _flush(pending, engine, on_sentences, notice)


def _flush(
    spans: list[_Span], engine: Engine, on_sentences: Callable[[int], None], notice: Callable[[str], None]
) -> Iterator[Piece]:
    targets = [s for span in spans for s in span.sentences]
    outcomes = iter(engine.correct([s.text for s in targets]) if targets else [])
    interrupt.check()
    on_sentences(len(targets))
    for span in spans:
        yield from _render(span, [(s, next(outcomes)) for s in span.sentences], notice)


def _render(span: _Span, results: list[tuple[Sentence, Outcome]], notice: Callable[[str], None]) -> Iterator[Piece]:
    text = span.chunk
    emitted = span.start
    byte_pos = span.byte_start
    for sentence, outcome in results:
        if outcome.rejected:
            kept = "kept" if outcome.output == sentence.text else "used the greedy candidate for"
            notice(f"{kept} {_excerpt(sentence.text)}: the rewrite failed the guard ({outcome.rejected})")
        if outcome.output == sentence.text:
            continue
        replacement = sentence.render(outcome.output)
        if replacement == sentence.source:
            continue
        yield Piece(text[emitted : sentence.start])
        byte_pos += len(text[emitted : sentence.start].encode("utf-8"))
        byte_end = byte_pos + len(sentence.source.encode("utf-8"))
        yield Piece(replacement, [Rewrite(sentence, outcome, replacement, byte_pos, byte_end)])
        byte_pos, emitted = byte_end, sentence.end
    if emitted < span.end:
        yield Piece(text[emitted : span.end])


def _excerpt(text: str, width: int = 40) -> str:
    return repr(text if len(text) <= width else text[: width - 1] + "…")
