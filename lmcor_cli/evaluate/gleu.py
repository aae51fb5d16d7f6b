"""GLEU for grammatical error correction, by the JFLEG authors' procedure.

Napoles et al. (2015, updated 2016), as in the JFLEG repository's ``eval/gleu.py``: for
each of 500 iterations one reference per sentence is drawn (``random.seed(j * 101)``),
n-gram statistics (orders 1-4) that reward n-grams shared with the reference and
penalise n-grams kept from the source that the reference changed are summed over
the corpus, and the corpus score is the mean GLEU over the iterations.  Input is
whitespace-tokenised.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence

import numpy as np

ORDER = 4
ITERATIONS = 500


def _ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) + 1 - n))


def sentence_stats(source: list[str], hypothesis: list[str], reference: list[str]) -> list[int]:
    """(hyp length, ref length, then numerator and denominator for n = 1..4)."""
    stats = [len(hypothesis), len(reference)]
    for n in range(1, ORDER + 1):
        h = _ngrams(hypothesis, n)
        s = _ngrams(source, n)
        r = _ngrams(reference, n)
        s_not_r = Counter({k: v for k, v in s.items() if k not in r})
        stats.append(max(sum((h & r).values()) - sum((h & s_not_r).values()), 0))
        stats.append(max(len(hypothesis) + 1 - n, 0))
    return stats


def gleu_from_stats(stats: Sequence[float], smooth: bool = False) -> float:
    if smooth:
        stats = [s if s != 0 else 1 for s in stats]
    if any(s == 0 for s in stats):
        return 0.0
    c, r = stats[0], stats[1]
    log_precision = sum(math.log(x / y) for x, y in zip(stats[2::2], stats[3::2])) / ORDER
    return math.exp(min(0.0, 1 - r / c) + log_precision)


def reference_draws(ref_counts: Sequence[int], iterations: int = ITERATIONS) -> np.ndarray:
    """Which reference each sentence uses in each iteration (the official seeding)."""
    draws = np.empty((iterations, len(ref_counts)), dtype=np.int64)
    for j in range(iterations):
        random.seed(j * 101)
        draws[j] = [random.randint(0, count - 1) for count in ref_counts]
    return draws


def corpus_gleu(
    sources: Sequence[str], hypotheses: Sequence[str], references: Sequence[Sequence[str]], iterations: int = ITERATIONS
) -> float:
    """Corpus GLEU in [0, 1] (multiply by 100 for the usual figure)."""
    if not (len(sources) == len(hypotheses) == len(references)):
        raise ValueError("sources, hypotheses and references must align")
    if not sources:
        return 0.0
    max_refs = max(len(refs) for refs in references)
    table = np.zeros((len(sources), max_refs, 2 + 2 * ORDER), dtype=np.int64)
    for i, (src, hyp, refs) in enumerate(zip(sources, hypotheses, references)):
        s, h = src.split(), hyp.split()
        for k, ref in enumerate(refs):
            table[i, k] = sentence_stats(s, h, ref.split())
    draws = reference_draws([len(refs) for refs in references], iterations)
    totals = table[np.arange(len(sources))[None, :], draws].sum(axis=1)  # iterations × stats
    return float(np.mean([gleu_from_stats(row.tolist()) for row in totals]))
