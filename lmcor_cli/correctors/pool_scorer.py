"""The edit corrector's second stage: which of the pool's edits to take, scored one by one.

The tagger sees the pool only through its markers, and trusts them as far as its training
pools taught it to.  This stage, in the manner of ESC (Qorib et al., 2022), gives each
edit the pool proposes a probability of being right from what is known about it: how many
of the LLM's candidates made it, whether Harper did, the tagger's own probabilities at that
word, and the kind of edit.  It is a logistic regression fitted on real pools that the
tagger never trained on (``lmcor train pool-scorer``), stored as ``pool_scorer.json`` in
the corrector folder; the corrector then takes the pool's edits best-first, without
overlaps, and keeps its own edits where the pool proposed nothing.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from lmcor_cli.correctors.pool_input import ModelInput, Proposal
from lmcor_cli.correctors.tags import KEEP, TAKES, tag_edit
from lmcor_cli.correctors.words import split_words
from lmcor_cli.errors import ModelError
from lmcor_cli.rules.spelling import word_frequencies

SCORER_FILE = "pool_scorer.json"
FEATURES = (
    "bias", "votes_0", "votes_1", "votes_2", "votes_3_4", "votes_5", "rule", "logit_take", "logit_keep",
    "logit_same", "insertion", "deletion", "punctuation", "case", "multiword", "unknown_word",
)
DIRECT_TAGS = 8  # the tagger's most probable tags searched for one that makes the same edit


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def proposal_features(source: str, model_input: ModelInput, probs: np.ndarray, tags: Sequence[str], slot: int,
                      rank: int, proposal: Proposal) -> list[float]:
    """What the scorer knows about the ``rank``-th edit the pool proposes at ``slot``."""
    row = probs[slot]
    edit = proposal.edit
    same = 0.0
    for tag_id in np.argsort(-row)[:DIRECT_TAGS]:
        tag = tags[tag_id]
        if tag != KEEP and tag not in TAKES and tag_edit(tag, slot, model_input.words, source,
                                                         model_input.proposals) == edit:
            same += float(row[tag_id])
    old = source[edit.start : edit.end]
    new = edit.replacement
    old_words, new_words = split_words(old), split_words(new)
    changed = (old + new).strip()
    known = _known_words()
    votes = proposal.votes
    return [
        1.0,
        float(votes == 0), float(votes == 1), float(votes == 2), float(votes in (3, 4)), float(votes >= 5),
        float(proposal.rule),
        _logit(float(row[tags.index(TAKES[rank])])),
        _logit(float(row[tags.index(KEEP)])),
        _logit(same),
        float(proposal.insertion),
        float(not new.strip()),
        float(bool(changed) and not any(c.isalnum() for c in changed)),
        float(old.lower() == new.lower() and old != new),
        float(max(len(old_words), len(new_words)) > 1),
        float(any(w.text.isalpha() and w.text.lower() not in known for w in old_words)),
    ]


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    return frozenset(word_frequencies())


@dataclass(frozen=True)
class PoolScorer:
    weights: np.ndarray

    @classmethod
    def read(cls, folder: Path) -> PoolScorer | None:
        """The folder's scorer, or None where it has none."""
        path = folder / SCORER_FILE
        if not path.is_file():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            weights = [float(raw["weights"][name]) for name in FEATURES]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"corrector {folder}: unreadable {SCORER_FILE} ({exc})") from None
        return cls(np.array(weights, dtype=np.float64))

    def write(self, folder: Path, **details: object) -> None:
        """``pool_scorer.json`` in ``folder``, written beside it and renamed into place."""
        text = json.dumps({"features": list(FEATURES), "weights": dict(zip(FEATURES, self.weights.tolist())),
                           **details}, indent=2)
        temp = folder / f".{SCORER_FILE}.tmp"
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, folder / SCORER_FILE)

    def probability(self, features: Sequence[float]) -> float:
        return float(1.0 / (1.0 + np.exp(-np.dot(self.weights, features))))


def fit_logistic(features: np.ndarray, labels: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method, the bias unpenalised (the first column is 1)."""
    weights = np.zeros(features.shape[1])
    penalty = np.full(features.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-features @ weights))
        gradient = features.T @ (p - labels) + penalty * weights
        hessian = (features * (p * (1 - p))[:, None]).T @ features + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights
