"""The few-shot prompt: a versioned package data file and its variants.

The pool of examples lives in ``prompts/<version>.txt``.  Variant 0 is the first five
examples in file order; variant ``k`` draws five in a seeded random order, which is how
``lmcor eval --prompts P`` measures robustness to the choice and order of examples.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

PROMPT_VERSION = "gec-v1"
SHOTS = 5
SOURCE_LABEL = "Sentence:"
TARGET_LABEL = "Corrected:"


@dataclass(frozen=True)
class FewShotPrompt:
    """A prompt prefix shared by every sentence, and the per-sentence suffix."""

    version: str
    variant: int
    prefix: str

    @property
    def id(self) -> str:
        return f"{self.version}/{self.variant}"

    def for_sentence(self, sentence: str) -> str:
        return f"{self.prefix}{SOURCE_LABEL} {sentence}\n{TARGET_LABEL}"


@lru_cache(maxsize=None)
def _pool(version: str) -> tuple[str, list[tuple[str, str]]]:
    text = files("lmcor_cli").joinpath("prompts", f"{version}.txt").read_text(encoding="utf-8")
    blocks = [block.strip() for block in text.strip().split("\n\n")]
    instruction, examples = blocks[0], []
    for block in blocks[1:]:
        source, target = block.split("\n")
        examples.append((source.removeprefix(SOURCE_LABEL).strip(), target.removeprefix(TARGET_LABEL).strip()))
    return instruction, examples


@lru_cache(maxsize=None)
def load_prompt(variant: int = 0, version: str = PROMPT_VERSION) -> FewShotPrompt:
    """Build prompt ``variant`` (0 = the default) from the example pool."""
    instruction, examples = _pool(version)
    chosen = examples[:SHOTS] if variant == 0 else random.Random(variant).sample(examples, SHOTS)
    shots = "".join(f"{SOURCE_LABEL} {s}\n{TARGET_LABEL} {t}\n\n" for s, t in chosen)
    return FewShotPrompt(version=version, variant=variant, prefix=f"{instruction}\n\n{shots}")
