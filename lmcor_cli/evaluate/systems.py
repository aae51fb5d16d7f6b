"""The baseline systems ``lmcor eval`` compares with lmcor, all run on natural text, sharing
candidate pools (lmcor itself runs through the Engine, as in ``lmcor fix``)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence

from lmcor_cli.candidates import Candidate
from lmcor_cli.evaluate.gleu import gleu_from_stats, sentence_stats
from lmcor_cli.pool import clean_pool, greedy_choice

ALL_SYSTEMS = ("identity", "harper", "llm", "oracle", "vote", "corrector", "lmcor-llm", "lmcor")
DEFAULT_SYSTEMS = tuple(s for s in ALL_SYSTEMS if s != "lmcor-llm")  # lmcor-llm: an ablation, on request
NEEDS_POOLS = {"llm", "oracle", "vote", "lmcor-llm", "lmcor"}
NEEDS_CORRECTOR = {"corrector", "lmcor-llm", "lmcor"}


def sentence_gleu(source: str, hypothesis: str, references: Sequence[str]) -> float:
    """Smoothed sentence GLEU, averaged over references (JFLEG's sentence-level score)."""
    s, h = source.split(), hypothesis.split()
    return sum(gleu_from_stats(sentence_stats(s, h, r.split()), smooth=True) for r in references) / len(references)


def llm_outputs(sources: Sequence[str], pools: Sequence[list[Candidate]]) -> list[str]:
    return [greedy_choice(s, clean_pool(s, pool)) for s, pool in zip(sources, pools)]


def oracle_outputs(
    sources: Sequence[str], originals: Sequence[str], pools: Sequence[list[Candidate]],
    references: Sequence[Sequence[str]], score_form: Callable[[int, str], str],
) -> list[str]:
    """Per sentence, the candidate closest to the references: the ceiling for any selector."""
    outputs = []
    for i, (source, pool, refs) in enumerate(zip(sources, pools, references)):
        options = [c.text for c in clean_pool(source, pool)] or [source]
        outputs.append(max(options, key=lambda o: sentence_gleu(originals[i], score_form(i, o), refs)))
    return outputs


def vote_outputs(sources: Sequence[str], pools: Sequence[list[Candidate]]) -> list[str]:
    """Minimum Bayes risk: the candidate most similar, on average, to all the others."""
    outputs = []
    for source, pool in zip(sources, pools):
        texts = [c.text for c in pool if c.text.strip()]
        sane = {c.text for c in clean_pool(source, pool)}
        if not sane:
            outputs.append(source)
            continue
        def support(option: str) -> float:
            return sum(difflib.SequenceMatcher(None, option.split(), other.split(), autojunk=False).ratio()
                       for other in texts)
        outputs.append(max((t for t in texts if t in sane), key=support))
    return outputs
