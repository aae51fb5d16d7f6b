"""The document side of the data path: read → segment → batch → (the Engine) → reassemble.

``fix_document`` yields the document back as output pieces, in order, as soon as each
paragraph is done, so callers can stream.  Concatenating the pieces gives the input
exactly, except inside the spans of sentences that were rewritten.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from lmcor_cli import interrupt
from lmcor_cli.engine import Engine, Outcome, Timings
from lmcor_cli.segment import Sentence, iter_chunks, paragraphs
from lmcor_cli.switches import Switches, is_blocked

__all__ = ["Engine", "Outcome", "Piece", "Rewrite", "fix_document"]


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


FIRST_BATCH_SENTENCES = 12
MAX_BATCH_SENTENCES = 60
"""Sentences sent to the generator together.  The first paragraph goes alone, so the first
output appears quickly; then batches double from 12 sentences up to 60 (one greedy group
in llama.cpp's 63 sequences): a few large groups decode faster than many small ones (the
bench sample's 101 clean sentences at K=5 took ~15-20% longer in batches of 12 than in one
call; greedy decoding took 199 ms a sentence in groups of 3, 132 in groups of 60), and a
long document still streams."""
MAX_SPREAD = 4
"""Where the gate and the cache spare most sentences the generator, a batch holds more of the
document (up to this many times the generator's batch), so the generator's groups stay large."""


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
    in passages the writer switched off (``switches.py``) are not targets."""
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
    batch = generated = 0  # the first paragraph goes alone
    for span in _spans(lines, syntax, notice):
        pending.append(span)
        waiting += len(span.sentences)
        if waiting and waiting >= batch:
            yield from _flush(pending, engine, on_sentences, notice)
            pending, waiting = [], 0
            generated = min(max(2 * generated, FIRST_BATCH_SENTENCES), MAX_BATCH_SENTENCES)
            batch = document_batch(generated, engine.timings)
        elif not waiting:
            yield from _flush(pending, engine, on_sentences, notice)
            pending = []
    yield from _flush(pending, engine, on_sentences, notice)


def document_batch(generated: int, timings: Timings) -> int:
    """How many of the document's sentences to send together so that about ``generated`` of
    them reach the generator, judging by the share that has reached it so far."""
    if not timings.sentences:
        return generated
    reached = (timings.sentences - timings.gated - timings.cached) / timings.sentences
    return math.ceil(generated / max(reached, 1 / MAX_SPREAD))


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
