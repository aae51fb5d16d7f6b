"""What flows between the generator and the corrector: candidates and their origins, and
the generator's fluency scores."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

FluencyScorer = Callable[[Sequence[str]], list[float]]
"""Texts → the generator's summed log-probability of each (no prompt)."""


@dataclass(frozen=True)
class Candidate:
    """One proposed rewrite of a sentence and the system that proposed it."""

    text: str
    origin: str  # "greedy", "sample", "rule" ...

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "origin": self.origin}
