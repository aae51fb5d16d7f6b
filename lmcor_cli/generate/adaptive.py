"""Sample the extra candidates only where they can matter.

Five candidates cost about four times one, and on well-edited prose they are wasted.  So the
greedy candidate comes first for every sentence, and the K−1 samples only for the sentences
that need them: those the caller names (the engine names those its gate's model doubts,
``Engine.sample_gate``), else those whose greedy candidate changed something.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lmcor_cli.candidates import Candidate


def needs_samples(sentence: str, greedy: Candidate) -> bool:
    """The greedy rewrite (of the sentence or of Harper's fix of it) differs from the sentence."""
    return greedy.text.strip() != sentence.strip()


class AdaptiveSampling:
    """Wraps any generator; ``id``, fluency scores and ``close`` are the wrapped one's own.
    Uses the generator's ``samples`` where it has one, so nothing is decoded twice, and its
    ``candidates_each`` (a count per sentence, one call) where the counts are known first."""

    def __init__(self, inner: Any):
        self.inner = inner

    def candidates(self, sentences: Sequence[str], k: int) -> list[list[Candidate]]:
        return self.candidates_where(sentences, k)

    def candidates_where(self, sentences: Sequence[str], k: int,
                         sample: Sequence[bool] | None = None) -> list[list[Candidate]]:
        """The greedy candidate of every sentence, and the K−1 samples of those ``sample``
        marks (by default: those whose greedy candidate changed them)."""
        if k <= 1:
            return self.inner.candidates(sentences, k)
        if sample is not None:  # known beforehand: each sentence decoded once, greedy and samples together
            each = getattr(self.inner, "candidates_each", None)
            if each is not None:  # in one call, where the generator can
                return [list(pool) for pool in each(sentences, [k if mark else 1 for mark in sample])]
            pools: list[list[Candidate]] = [[] for _ in sentences]
            for wanted, count in ((True, k), (False, 1)):
                chosen = [i for i, mark in enumerate(sample) if bool(mark) == wanted]
                if chosen:
                    for i, pool in zip(chosen, self.inner.candidates([sentences[i] for i in chosen], count)):
                        pools[i] = list(pool)
            return pools
        pools = [list(pool) for pool in self.inner.candidates(sentences, 1)]
        todo = [i for i, (sentence, pool) in enumerate(zip(sentences, pools))
                if pool and needs_samples(sentence, pool[0])]
        if todo:
            subset = [sentences[i] for i in todo]
            samples = getattr(self.inner, "samples", None)
            extra = samples(subset, k - 1) if samples else [pool[1:] for pool in self.inner.candidates(subset, k)]
            for i, more in zip(todo, extra):
                pools[i].extend(more)
        return pools

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
