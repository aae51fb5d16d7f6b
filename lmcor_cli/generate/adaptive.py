"""Sample the extra candidates only where they can matter.

Five candidates cost about four times one, and on well-edited prose they are wasted: when
the greedy rewrite leaves the user's sentence as it was (and, with rules first, Harper
found nothing either), the samples rarely hold a fix the corrector would pick.  So the
greedy candidate comes first for every sentence, and the K−1 samples only for sentences
whose greedy candidate changed something.
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
    Uses the generator's ``samples`` where it has one, so nothing is decoded twice."""

    def __init__(self, inner: Any):
        self.inner = inner

    def candidates(self, sentences: Sequence[str], k: int) -> list[list[Candidate]]:
        if k <= 1:
            return self.inner.candidates(sentences, k)
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
