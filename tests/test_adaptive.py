"""Adaptive sampling: the extra candidates only where the greedy one changed the sentence, or where
the caller says."""

from __future__ import annotations

import pytest
from generators import Rules

from lmcor_cli.generate.adaptive import AdaptiveSampling


class CountingRules(Rules):
    """The rule generator, recording which sentences it was asked for and how many candidates."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[tuple[str, ...], int]] = []

    def candidates(self, sentences, k):  # type: ignore[no-untyped-def]
        self.asked.append((tuple(sentences), k))
        return super().candidates(sentences, k)


def test_samples_only_sentences_whose_greedy_candidate_changed_them():
    inner = CountingRules()
    sentences = ["This are wrong.", "All is well here.", "It have a bug."]
    pools = AdaptiveSampling(inner).candidates(sentences, 5)
    assert [len(pool) for pool in pools] == [5, 1, 5]
    assert inner.asked == [(tuple(sentences), 1), (("This are wrong.", "It have a bug."), 5)]
    full = Rules().candidates(sentences, 5)
    assert pools[0] == full[0] and pools[2] == full[2]  # the same pool as without the wrapper
    assert pools[1] == full[1][:1]


def test_k1_is_passed_through_and_clean_text_needs_one_call():
    inner = CountingRules()
    AdaptiveSampling(inner).candidates(["All is well.", "Nothing to fix."], 5)
    AdaptiveSampling(inner).candidates(["This are wrong."], 1)
    assert inner.asked == [(("All is well.", "Nothing to fix."), 1), (("This are wrong.",), 1)]


def test_the_sentences_named_get_samples_in_one_call_each_with_the_same_pools():
    """The engine names the sentences its gate's model doubts: those get greedy and samples in one
    call, the others greedy alone in another, whatever the greedy candidate did."""
    inner = CountingRules()
    sentences = ["This are wrong.", "All is well here.", "It have a bug."]
    pools = AdaptiveSampling(inner).candidates_where(sentences, 5, [False, True, False])
    assert inner.asked == [(("All is well here.",), 5), (("This are wrong.", "It have a bug."), 1)]
    full = Rules().candidates(sentences, 5)
    assert pools == [full[0][:1], full[1], full[2][:1]]
    inner.asked.clear()
    AdaptiveSampling(inner).candidates_where(sentences, 5, [False, False, False])
    assert inner.asked == [(tuple(sentences), 1)]


class CountingEach(CountingRules):
    """The rule generator with ``candidates_each``: a count per sentence, recorded."""

    def candidates_each(self, sentences, counts):  # type: ignore[no-untyped-def]
        self.asked.append((tuple(sentences), tuple(counts)))
        return [super(CountingRules, self).candidates([s], n)[0] for s, n in zip(sentences, counts)]


def test_a_generator_with_candidates_each_decodes_the_named_sentences_in_one_call():
    inner = CountingEach()
    sentences = ["This are wrong.", "All is well here.", "It have a bug."]
    pools = AdaptiveSampling(inner).candidates_where(sentences, 5, [False, True, False])
    assert inner.asked == [(tuple(sentences), (1, 5, 1))]
    full = Rules().candidates(sentences, 5)
    assert pools == [full[0][:1], full[1], full[2][:1]]


@pytest.mark.model
def test_llamacpp_candidates_each_are_its_candidates():
    """Sentences decoded together with different counts get the candidates each would get
    alone (the same greedy text, the same seeded samples)."""
    from lmcor_cli.generate.base import GeneratorSpec, open_generator
    from lmcor_cli.prompt import load_prompt

    spec = GeneratorSpec(name="gemma3-270m", prompt=load_prompt(0), threads=1, sample_all=True, rules_first=False)
    generator = open_generator(spec)
    try:
        sentences = ["She go to school every days.", "The results was published in march.", "He have two cat."]
        mixed = generator.candidates_each(sentences, [3, 1, 2])
        alone = [generator.candidates([s], n)[0] for s, n in zip(sentences, [3, 1, 2])]
    finally:
        generator.close()
    assert [[c.origin for c in pool] for pool in mixed] == [["greedy", "sample", "sample"], ["greedy"],
                                                            ["greedy", "sample"]]
    assert [[c.text for c in pool] for pool in mixed] == [[c.text for c in pool] for pool in alone]


@pytest.mark.model
def test_llamacpp_samples_are_the_candidates_it_would_have_sampled():
    from lmcor_cli.generate.base import GeneratorSpec, open_generator
    from lmcor_cli.prompt import load_prompt

    spec = GeneratorSpec(name="gemma3-270m", prompt=load_prompt(0), threads=1, sample_all=True, rules_first=False)
    generator = open_generator(spec)
    try:
        sentences = ["She go to school every days.", "The results was published in march."]
        together = generator.candidates(sentences, 3)
        alone = generator.samples(sentences, 2)
    finally:
        generator.close()
    assert [[c.origin for c in pool] for pool in alone] == [["sample", "sample"]] * 2
    assert [[c.text for c in pool[1:]] for pool in together] == [[c.text for c in pool] for pool in alone]
