"""The corrector's candidate pool: the LLM's sane candidates plus Harper's rule-based fixes.

One definition for inference and training.  Harper (offline, rule-based) is strong on
spelling where a small LLM is weak; it fixes both the source and the LLM's greedy output,
and each addition is tagged ``rule`` so the corrector knows where it came from.
"""

from __future__ import annotations

from lmcor_cli import guard
from lmcor_cli.candidates import Candidate
from lmcor_cli.rules.harper import available as harper_available
from lmcor_cli.rules.harper import harper_fix


def greedy_choice(source: str, pool: list[Candidate]) -> str:
    """Without a corrector: the greedy candidate if it survived the guard, else the source."""
    return next((c.text for c in pool if c.origin == "greedy"), source)


def corrector_fallback(source: str, pool: list[Candidate]) -> str:
    """When the corrector's rewrite fails the guard: the greedy candidate, which passed it."""
    return greedy_choice(source, pool)


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


def corrector_pool(source: str, llm_pool: list[Candidate], rules: bool = True) -> list[Candidate]:
    pool = clean_pool(source, llm_pool)
    if rules and harper_available():
        greedy = greedy_choice(source, pool)
        fixes = [harper_fix(text, frequent) for frequent in (False, True) for text in (source, greedy)]
        pool = clean_pool(source, pool + [Candidate(fix, "rule") for fix in fixes])
    return pool
