"""The data path: read → segment → generate candidates → correct → reassemble.

``fix_document`` yields the document back as output pieces, in order, as soon as each
paragraph is done, so callers can stream.  Concatenating the pieces gives the input
exactly, except inside the spans of sentences that were rewritten.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from lmcor_cli import guard
from lmcor_cli.cache import CachedResult, ResultCache, cache_key
from lmcor_cli.candidates import Candidate
from lmcor_cli.correct import Corrector
from lmcor_cli.errors import LmcorError, ModelError
from lmcor_cli.generate.base import Generator
from lmcor_cli.segment import Sentence, iter_chunks, paragraphs


@dataclass
class Outcome:
    """What happened to one sentence."""

    source: str
    output: str
    candidates: list[Candidate]
    system: str  # "corrector", "greedy", "cache", "unchanged"
    rejected: str | None = None  # why the guard kept the source, if it did
    seconds: float = 0.0


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
    latencies: list[float] = field(default_factory=list)  # seconds per computed sentence


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
    ):
        self._make_generator = make_generator
        self._make_corrector = make_corrector
        self._generator: Generator | None = None
        self._corrector: Corrector | None = None
        self._corrector_loaded = False
        self.k = k
        self.cache = cache
        self.key_prefix = (generator_id, corrector_id, k)
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
                    [(keys[i], CachedResult(o.output, o.candidates)) for i, o in zip(missing, computed)]
                )
        self.timings.sentences += len(texts)
        return [o for o in outcomes if o is not None]

    def _compute(self, texts: list[str]) -> list[Outcome]:
        started = time.perf_counter()
        try:
            raw = self.generator.candidates(texts, self.k)
        except LmcorError:
            raise
        except Exception as exc:  # a plugin or runtime failure: report it, never a traceback
            raise ModelError(f"generator failed: {type(exc).__name__}: {exc}") from exc
        self.timings.generator_s += time.perf_counter() - started
        pools = [clean_pool(text, pool) for text, pool in zip(texts, raw)]
        corrector = self.corrector
        generated = time.perf_counter()
        if corrector is not None:
            proposals = corrector.correct(texts, pools)
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
            output = text if reason else proposal
            outcomes.append(Outcome(text, output, pool, system if output != text else "unchanged", reason, per_sentence))
        return outcomes


def greedy_choice(source: str, pool: list[Candidate]) -> str:
    """Without a corrector: the greedy candidate if it survived the guard, else the source."""
    return next((c.text for c in pool if c.origin == "greedy"), source)


def guard_reason(source: str, proposal: str) -> str | None:
    return guard.rejection_reason(source, proposal) if proposal != source else None


def clean_pool(source: str, pool: list[Candidate]) -> list[Candidate]:
    """Sane, distinct candidates, in generator order."""
    seen: set[str] = set()
    clean = []
    for candidate in pool:
        text = guard.clean_candidate(source, candidate.text)
        if text is not None and text not in seen:
            seen.add(text)
            clean.append(Candidate(text, candidate.origin))
    return clean


def fix_document(
    lines: Iterable[str],
    syntax: str,
    engine: Engine,
    on_sentences: Callable[[int], None] = lambda n: None,
    notice: Callable[[str], None] = lambda message: None,
) -> Iterator[Piece]:
    """Yield the corrected document piece by piece, paragraph by paragraph."""
    byte_base = 0
    for chunk in iter_chunks(lines, syntax):
        text = chunk.text
        cursor, byte_cursor = 0, byte_base

        def advance(to: int) -> int:
            nonlocal cursor, byte_cursor
            byte_cursor += len(text[cursor:to].encode("utf-8"))
            cursor = to
            return byte_cursor

        emitted = 0
        for paragraph in paragraphs(chunk, syntax):
            for sentence in paragraph.sentences:
                if sentence.too_long:
                    notice(f"kept a {len(sentence.words)}-word sentence verbatim (longer than the models handle)")
            targets = [s for s in paragraph.sentences if s.rewritable]
            outcomes = engine.correct([s.text for s in targets]) if targets else []
            on_sentences(len(targets))
            for sentence, outcome in zip(targets, outcomes):
                if outcome.rejected:
                    notice(f"kept {_excerpt(sentence.text)}: the rewrite failed the guard ({outcome.rejected})")
                if outcome.output == sentence.text:
                    continue
                replacement = sentence.render(outcome.output)
                if replacement == sentence.source:
                    continue
                yield Piece(text[emitted : sentence.start])
                start = advance(sentence.start)
                end = advance(sentence.end)
                yield Piece(replacement, [Rewrite(sentence, outcome, replacement, start, end)])
                emitted = sentence.end
            if emitted < paragraph.end:
                yield Piece(text[emitted : paragraph.end])
                emitted = paragraph.end
        yield Piece(text[emitted:])
        byte_base += len(text.encode("utf-8"))


def _excerpt(text: str, width: int = 40) -> str:
    return repr(text if len(text) <= width else text[: width - 1] + "…")
