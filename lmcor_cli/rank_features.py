"""What rank mode weighs for each option besides the corrector's likelihood.

A small corrector scores fluent rewrites and near-copies of the source alike; Harper's lint
count says which options still have errors it can see.  Weights are learned on held-out
training sentences by ``lmcor train ranker`` and stored in the corrector's ``lmcor.json``.
A second weight set adds the generator's fluency score of each option (``lm``: its summed
log-probability with no prompt), used when the generator runs in-process and can score.
"""

from __future__ import annotations

from collections.abc import Sequence

from lmcor_cli.rules import harper

FEATURES = ("logprob", "logprob_mean", "is_source", "from_rule", "length_change", "lints", "lints_added", "lm")
DEFAULT_WEIGHTS = {"logprob": 1.0}  # a corrector exported without a learned ranker: the likeliest option wins


def lint_count(text: str) -> int:
    """Harper's lints with a suggestion on the text (0 where harper-py cannot be imported)."""
    return harper.lint_count(text) if harper.available() else 0


def option_features(source: str, options: Sequence[str], rule_texts: set[str], log_probs: Sequence[Sequence[float]],
                    lints: bool = True, fluency: Sequence[float] | None = None) -> list[dict[str, float]]:
    """One feature row per option; ``log_probs`` are the corrector's per-token scores of each,
    ``fluency`` the generator's score of each (0 without one)."""
    source_lints = lint_count(source) if lints else 0
    rows = []
    for index, (option, scores) in enumerate(zip(options, log_probs)):
        option_lints = lint_count(option) if lints else 0
        rows.append({
            "logprob": float(sum(scores)),
            "logprob_mean": float(sum(scores)) / max(1, len(scores)),
            "is_source": float(option == source),
            "from_rule": float(option in rule_texts),
            "length_change": (len(option.split()) - len(source.split())) / max(1, len(source.split())),
            "lints": float(option_lints),
            "lints_added": float(option_lints - source_lints),
            "lm": float(fluency[index]) if fluency is not None else 0.0,
        })
    return rows


def needs_lints(weights: dict[str, float]) -> bool:
    return bool(weights.get("lints") or weights.get("lints_added"))


def needs_fluency(weights: dict[str, float]) -> bool:
    return bool(weights.get("lm"))


def best_option(rows: Sequence[dict[str, float]], weights: dict[str, float]) -> int:
    """Index of the highest weighted score (ties: the first, i.e. the earlier candidate)."""
    scores = [sum(weights.get(name, 0.0) * value for name, value in row.items()) for row in rows]
    return scores.index(max(scores))
