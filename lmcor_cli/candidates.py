"""What flows between the generator and the corrector: candidates and their origins."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """One proposed rewrite of a sentence and the system that proposed it."""

    text: str
    origin: str  # "greedy", "sample", "rule" ...

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "origin": self.origin}
