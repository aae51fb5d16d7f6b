"""What every corrector does: sources and their candidate pools in, corrections with their edits out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from lmcor_cli.candidates import Candidate, FluencyScorer
from lmcor_cli.correctors.words import CharEdit, apply_edits, diff_edits


@dataclass(frozen=True)
class Edit:
    """One change to a source sentence, located by characters."""

    start: int
    end: int
    replacement: str
    confidence: float | None = None  # the model's probability, where it has one
    origin: str = "corrector"  # "pool" (a candidate proposed it), "corrector" (the model on its own)
    tag: str = ""  # the edit corrector's tag ("$VERB_VBZ", ...)

    @property
    def char_edit(self) -> CharEdit:
        return CharEdit(self.start, self.end, self.replacement)

    def trimmed(self, text: str) -> Edit:
        """The same change without the spacing both sides share ("␣are" → "␣is" is "are" → "is"):
        what a reader should see highlighted."""
        start, end, new = self.start, self.end, self.replacement
        while start < end and new and text[start] == new[0] and text[start].isspace():
            start, new = start + 1, new[1:]
        while start < end and new and text[end - 1] == new[-1] and text[end - 1].isspace():
            end, new = end - 1, new[:-1]
        return replace(self, start=start, end=end, replacement=new)


@dataclass
class Correction:
    source: str
    edits: list[Edit] = field(default_factory=list)
    # Edits the corrector proposed with too little confidence to make by default: the
    # unsafe fixes that ``--unsafe-fixes`` makes and ``--check`` counts.
    unsure: list[Edit] = field(default_factory=list)

    @property
    def text(self) -> str:
        return apply_edits(self.source, [e.char_edit for e in self.edits])

    @classmethod
    def between(cls, source: str, output: str, origin: str = "corrector") -> Correction:
        """A whole-sentence corrector's answer as edits: the word-level differences."""
        if output == source:
            return cls(source)
        return cls(source,
                   [Edit(e.start, e.end, e.replacement, origin=origin) for _, _, e in diff_edits(source, output)])


class Corrector(Protocol):
    id: str

    def correct(self, sources: Sequence[str], pools: Sequence[Sequence[Candidate]],
                fluency: FluencyScorer | None = None) -> list[Correction]: ...
