"""Learner errors as the M2 annotations have them: which words get changed, into what, how often.

Each gold edit read backwards is a corruption: the corrected words ``c`` became the
learner's words ``o``.  Counting those against how often ``c`` appears in the corrected
text gives P(o | c) for articles, prepositions, verb forms, agreement, punctuation and the
rest; missing words (``M:`` edits) are deletions of ``c``; unnecessary ones (``U:``) are
insertions of ``o``; spelling edits (``R:SPELL``/``R:ORTH`` and the like) are a per-word
rate of character noise.  ``corrupt`` applies the table to clean text, so synthetic
errors arrive at the real rates instead of hand-set ones.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lmcor_cli.evaluate.tokens import detokenize, tokenize

MAX_SPAN = 2  # corrected phrases of up to this many words are keyed; longer edits are rare and specific
MIN_COUNT = 2  # a confusion seen once is more likely an annotation accident than a pattern
CHARACTER_TYPES = {"SPELL", "ORTH"}
# Word-form errors of any word: a table keyed by word sees only the frequent ones.
INFLECTION_TYPES = {"NOUN:NUM", "VERB:SVA", "VERB:FORM", "VERB:TENSE", "NOUN:INFL", "VERB:INFL"}
KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


@dataclass
class ErrorModel:
    """P(learner words | corrected words), deletion and insertion rates, spelling noise."""

    confusions: dict[str, dict[str, float]] = field(default_factory=dict)  # c -> {o: P(o | c)}; o "" = deleted
    insertions: dict[str, float] = field(default_factory=dict)  # o -> P(o inserted before a word)
    spelling_rate: float = 0.0  # per word
    inflection_rate: float = 0.0  # per word: a wrong ending (number, agreement, tense)
    clean_share: float = 0.0  # sentences with no edit at all
    types: dict[str, int] = field(default_factory=dict)  # edit counts per M2 type, for the record


@dataclass(frozen=True)
class TypedEdit:
    start: int
    end: int
    kind: str
    correction: str


def read_m2(path: Path) -> Iterator[tuple[list[str], list[TypedEdit]]]:
    """(source tokens, the first annotator's edits) per sentence of an M2 file."""
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.strip().split("\n")
        if not lines or not lines[0].startswith("S "):
            continue
        edits = []
        for line in lines[1:]:
            fields = line[2:].split("|||")
            start, end = (int(x) for x in fields[0].split())
            if fields[1] == "noop" or start < 0 or fields[5].strip() != "0":
                continue
            edits.append(TypedEdit(start, end, fields[1], "" if fields[2] == "-NONE-" else fields[2].split("||")[0]))
        yield lines[0][2:].split(), edits


def _corrected(tokens: list[str], edits: list[TypedEdit]) -> list[str]:
    out = list(tokens)
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out[edit.start : edit.end] = edit.correction.split()
    return out


def _ngrams(tokens: list[str]) -> Iterator[str]:
    for n in range(1, MAX_SPAN + 1):
        for i in range(len(tokens) - n + 1):
            yield " ".join(tokens[i : i + n]).lower()


def estimate(paths: Iterable[Path]) -> ErrorModel:
    """Count the reversed edits of the given M2 files into an ``ErrorModel``."""
    pair_counts: dict[str, Counter[str]] = defaultdict(Counter)
    inserted: Counter[str] = Counter()
    occurrences: Counter[str] = Counter()
    types: Counter[str] = Counter()
    words = spelling = inflection = sentences = clean = 0
    for path in paths:
        for tokens, edits in read_m2(path):
            sentences += 1
            clean += not edits
            corrected = _corrected(tokens, edits)
            words += len(corrected)
            occurrences.update(_ngrams(corrected))
            for edit in edits:
                types[edit.kind] += 1
                original = " ".join(tokens[edit.start : edit.end])
                kind = edit.kind.split(":", 1)[-1]
                if kind in CHARACTER_TYPES:
                    spelling += 1
                    continue
                if kind in INFLECTION_TYPES:
                    inflection += 1
                if not edit.correction:
                    if original and len(original.split()) <= MAX_SPAN:
                        inserted[original.lower()] += 1
                elif len(edit.correction.split()) <= MAX_SPAN and len(original.split()) <= MAX_SPAN + 1:
                    pair_counts[edit.correction.lower()][original] += 1
    confusions = {}
    for correct, counter in pair_counts.items():
        kept = {o: n / occurrences[correct] for o, n in counter.items() if n >= MIN_COUNT and occurrences[correct]}
        if kept:
            confusions[correct] = {o: min(p, 0.5) for o, p in kept.items()}
    return ErrorModel(
        confusions=confusions,
        insertions={o: n / max(words, 1) for o, n in inserted.items() if n >= MIN_COUNT},
        spelling_rate=spelling / max(words, 1),
        inflection_rate=inflection / max(words, 1),
        clean_share=clean / max(sentences, 1),
        types=dict(types.most_common()),
    )


SCALES = (1.0, 3.0)
"""Each synthetic sentence's error rate is the learners' times a factor drawn from this range:
at the real rate a third of sentences would have no error at all."""


def corruptor_from(paths: Iterable[Path]) -> tuple[Callable[[str, random.Random], str], ErrorModel]:
    """A ``(sentence, rng) -> corrupted`` function for ``train synth``, and the model it uses."""
    model = estimate(paths)
    return (lambda sentence, rng: corrupt(sentence, model, rng, scale=rng.uniform(*SCALES))), model


def misspell(word: str, rng: random.Random) -> str:
    """One character-level slip (swap, drop, double, replace) inside a word of 4+ letters."""
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(("swap", "drop", "double", "replace"))
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice(KEYBOARD) + word[i + 1 :]


def reinflect(word: str, rng: random.Random) -> str:
    """A wrong ending: -ed/-ing/-s swapped, dropped or added."""
    lower = word.lower()
    if not word.isalpha() or len(word) < 3:
        return word
    if lower.endswith("ed") and len(lower) > 4:
        return word[:-2] + rng.choice(("", "ing", "s"))
    if lower.endswith("ing") and len(lower) > 5:
        return word[:-3] + rng.choice(("", "ed", "s"))
    if lower.endswith("s") and not lower.endswith("ss") and len(lower) > 3:
        return word[:-1]
    return word + "s"


def _match_case(template: str, text: str) -> str:
    return text[:1].upper() + text[1:] if template[:1].isupper() and text else text


def corrupt(sentence: str, model: ErrorModel, rng: random.Random, scale: float = 1.0) -> str:
    """Learner-like errors at the model's rates (``scale`` multiplies them: heavier or lighter writers)."""
    tokens = tokenize(sentence).split()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for word, p in model.insertions.items():
            if rng.random() < p * scale:
                out.append(word)
                break
        replaced = False
        for n in range(MAX_SPAN, 0, -1):  # the longer phrase first: "have been" before "have"
            span = " ".join(tokens[i : i + n])
            options = model.confusions.get(span.lower()) if i + n <= len(tokens) else None
            if not options:
                continue
            r = rng.random() / scale
            for original, p in options.items():
                if r < p:
                    out.extend(_match_case(span, original).split())
                    i += n
                    replaced = True
                    break
                r -= p
            if replaced:
                break
        if replaced:
            continue
        token = tokens[i]
        r = rng.random() / scale
        if r < model.spelling_rate:
            token = misspell(token, rng)
        elif r < model.spelling_rate + model.inflection_rate:
            token = reinflect(token, rng)
        out.append(token)
        i += 1
    return detokenize(" ".join(out))
