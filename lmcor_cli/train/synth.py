"""Stage 2: synthetic (source, candidates → target) triples from clean English sentences.

Clean sentences are corrupted with learner-like errors (articles, prepositions,
agreement, verb forms, spelling, punctuation, word order, missing words, casing) and
given a candidate pool that looks like our generator's: mostly copies of the source
(the default 270M model returns the source unchanged about 80% of the time), some
partial fixes, the target, over-corrections and the odd piece of garbage, in random
order after the greedy slot.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from lmcor_cli.candidates import Candidate
from lmcor_cli.train.error_model import misspell, reinflect

ARTICLES = ["a", "an", "the"]
PREPOSITIONS = ["in", "on", "at", "to", "for", "of", "with", "from", "by", "about", "into"]
AGREEMENT = {"is": "are", "are": "is", "was": "were", "were": "was", "has": "have", "have": "has",
             "does": "do", "do": "does", "this": "these", "these": "this", "that": "those", "those": "that"}
FUNCTION_WORDS = {"a", "an", "the", "to", "of", "is", "are", "that", "it", "in", "and", "be", "for"}


def corrupt(sentence: str, rng: random.Random, max_errors: int = 3) -> str:
    """Introduce 1..max_errors learner-like errors (the result may rarely equal the input)."""
    words = sentence.split()
    for _ in range(rng.randint(1, max_errors)):
        if len(words) < 3:
            break
        i = rng.randrange(len(words))
        word = words[i]
        bare = word.lower().strip(".,;:!?")
        kind = rng.random()
        if bare in ARTICLES and kind < 0.5:
            words[i] = rng.choice([a for a in ARTICLES if a != bare]) if rng.random() < 0.6 else ""
        elif bare in PREPOSITIONS and kind < 0.6:
            words[i] = word.replace(bare, rng.choice([p for p in PREPOSITIONS if p != bare]), 1)
        elif bare in AGREEMENT and kind < 0.7:
            words[i] = word.replace(bare, AGREEMENT[bare], 1)
        elif kind < 0.25:
            words[i] = misspell(word, rng)
        elif kind < 0.4:
            words[i] = reinflect(word, rng)
        elif kind < 0.5 and bare in FUNCTION_WORDS:
            words[i] = ""
        elif kind < 0.6 and i + 1 < len(words) and word.isalpha() and words[i + 1].isalpha():
            words[i], words[i + 1] = words[i + 1], words[i]
        elif kind < 0.7 and word.endswith(","):
            words[i] = word[:-1]
        elif kind < 0.78:
            words.insert(i, rng.choice(ARTICLES))
        elif kind < 0.86 and i == 0:
            words[i] = word[:1].lower() + word[1:]
        elif kind < 0.93 and word[-1:] in ".!?":
            words[i] = word[:-1] + rng.choice(["", " ."])
        else:
            words[i] = misspell(word, rng)
        words = [w for w in " ".join(words).split()]
    return " ".join(words)


def partial_fix(source: str, target: str, rng: random.Random) -> str:
    """Undo some, not all, of the differences between source and target."""
    import difflib

    src, tgt = source.split(), target.split()
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, src, tgt, autojunk=False).get_opcodes():
        out.extend(tgt[j1:j2] if tag == "equal" or rng.random() < 0.5 else src[i1:i2])
    return " ".join(out)


CLEAN_TARGET_SHARE = 0.12  # made-up errors: the generator finds the whole fix now and then
LEARNER_TARGET_SHARE = 0.05  # real errors: it rarely does


def synthetic_pool(
    source: str, target: str, others: list[str], rng: random.Random, k: int = 5,
    target_share: float = CLEAN_TARGET_SHARE,
) -> list[Candidate]:
    """K candidates shaped like the default generator's: greedy first, mostly copies.

    ``target_share`` is how often a draw is the target itself; for real learner sentences it
    is lower, as the generator rarely finds the whole correction of a real error.
    """
    def draw() -> str:
        r = rng.random()
        if r < 0.74 - target_share:
            return source
        if r < 0.89 - target_share:
            return partial_fix(source, target, rng)
        if r < 0.89:
            return target
        if r < 0.96:
            return corrupt(target, rng, 1)  # an over-correction: a fresh error elsewhere
        return rng.choice(others) if others else source  # garbage: another sentence

    texts = [draw() for _ in range(k)]
    return [Candidate(t, "greedy" if i == 0 else "sample") for i, t in enumerate(texts)]


def write_synth(  # type: ignore[no-untyped-def]
    clean: list[str], out: Path, n: int, seed: int, pairs: list[tuple[str, str]] = (), on_progress=lambda k: None,
    corruptor: Callable[[str, random.Random], str] | None = None, pair_share: float = 0.5, keep_share: float = 0.15,
) -> int:
    """Append synthetic records to ``out`` until it holds ``n`` (resumable: counts what is there).

    A record is either a clean sentence with made-up errors or, when ``pairs`` are given (half
    the time if there are clean sentences too), a real learner sentence and its correction:
    real errors, with only the candidate pool made up.  ``pair_share`` of the records are learner
    pairs (when there are clean sentences too); ``keep_share`` of the clean ones stay uncorrupted,
    so a corrector learns to leave correct text alone.
    """
    import json

    from lmcor_cli.pool import corrector_pool

    out.parent.mkdir(parents=True, exist_ok=True)
    done = sum(1 for _ in out.open(encoding="utf-8")) if out.exists() else 0
    rng = random.Random(seed + done)
    others = clean[:1000] or [target for _, target in pairs[:1000]]
    on_progress(done)
    with out.open("a", encoding="utf-8") as handle:
        for index in range(done, n):
            if pairs and (not clean or rng.random() < pair_share):
                source, target = pairs[rng.randrange(len(pairs))]
                share = LEARNER_TARGET_SHARE
            else:
                target = clean[rng.randrange(len(clean))]
                source = target if rng.random() < keep_share else (corruptor or corrupt)(target, rng)
                share = CLEAN_TARGET_SHARE
            pool = corrector_pool(source, synthetic_pool(source, target, others, rng, target_share=share))
            record = {"id": f"synth-{index}", "source": source, "references": [target],
                      "candidates": [c.to_json() for c in pool]}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            if index % 100 == 0:
                handle.flush()
            on_progress(1)
    return n - done
