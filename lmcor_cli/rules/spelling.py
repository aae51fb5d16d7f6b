"""Which of a spell checker's suggestions to take: the closest, then the most common word.

Harper lists its spelling suggestions in its own order and its first is often a rare word
("helpd" → "held", "ther" → "thee").  Learners' misspellings are usually one or two edits
from a common word, so ranking Harper's suggestions by edit distance and then by word
frequency (SymSpell's English list: Google Books n-grams ∩ SCOWL, MIT) picks the intended
word more often.  Only the choice changes: Harper still decides what is misspelt, so
technical words Harper knows are never "corrected" into common ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

FREQUENCY_FILE = "frequency_dictionary_en_82_765.txt"


@lru_cache(maxsize=1)
def word_frequencies() -> dict[str, int]:
    """Word → corpus count; empty where symspellpy's list cannot be read, and the ranking then
    keeps Harper's order."""
    try:
        text = (resources.files("symspellpy") / FREQUENCY_FILE).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return {}
    counts = {}
    for line in text.splitlines():
        word, _, count = line.partition(" ")
        if count.isdigit():
            counts[word] = int(count)
    return counts


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def best_suggestion(word: str, suggestions: Sequence[str]) -> int:
    """Index of the suggestion to apply: fewest edits, then most frequent, then Harper's order."""
    counts = word_frequencies()
    if not counts or not suggestions:
        return 0
    lowered = word.lower()
    return min(range(len(suggestions)),
               key=lambda i: (edit_distance(lowered, suggestions[i].lower()), -counts.get(suggestions[i].lower(), 0),
                              i))
