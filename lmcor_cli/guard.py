"""Candidate sanity and the faithfulness guard.

A rewrite may fix grammar, spelling and wording; it may not change what the sentence
says or refers to.  So a rewrite is rejected (the source sentence is kept) when it
drops, adds or alters a protected token — numbers, URLs, e-mail addresses, inline
code, file paths, names, Markdown markup, a project word — respells a word into the
dialect the project does not write (``project_rules``, ``dialects``), or differs from the
source more than any correction plausibly would.  The same checks clean the candidate pool.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

from lmcor_cli import dialects, project_rules
from lmcor_cli.prompt import SOURCE_LABEL, TARGET_LABEL

_URL = r"(?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\.)[^\s<>()\"'`]+[^\s<>()\"'`.,;:!?]"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_CODE = r"`+[^`]*`+"
_PATH = (r"(?:~|\.{1,2})?/[\w.\-/]+|\b[\w\-]+(?:/[\w.\-]+)+"
         r"|\b[\w\-]+\.(?:md|py|txt|rst|json|toml|yaml|yml|js|ts|sh|cfg|ini|html|css|c|h|rs|go)\b")
_NUMBER = r"\w*\d+(?:[.,:]\d+)*\w*"
_PROTECTED = re.compile("|".join(f"(?:{p})" for p in (_URL, _EMAIL, _CODE, _PATH, _NUMBER)))
_MARKUP = re.compile(r"[*_\[\]()<>`|#~\\]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

MAX_LENGTH_RATIO = 1.6
MIN_LENGTH_RATIO = 0.6
MIN_WORD_SIMILARITY = 0.5
MIN_CHAR_SIMILARITY = 0.6
MAX_WORDS_CHANGED = 3  # words a correction may add or drop, at least ...
MAX_CHANGED_FRACTION = 0.4  # ... or this share of the sentence's words


def protected_tokens(text: str) -> list[str]:
    """Numbers (and words with digits), URLs, e-mails, code and paths, in order: reordering them
    ("from 3 to 5" → "from 5 to 3") changes the meaning as surely as altering them."""
    return [match.group(0) for match in _PROTECTED.finditer(text)]


def markup(text: str) -> Counter[str]:
    return Counter(_MARKUP.findall(_PROTECTED.sub(" ", text)))


def names(text: str) -> set[str]:
    """Capitalised words that are not the first word of the sentence, nor "I"."""
    words = _WORD.findall(_PROTECTED.sub(" ", text))
    return {w for w in words[1:] if w[0].isupper() and w != "I"}


def word_similarity(a: str, b: str) -> float:
    """Similarity of the lower-cased word sequences (1.0 = same words)."""
    return difflib.SequenceMatcher(None, a.lower().split(), b.lower().split(), autojunk=False).ratio()


def word_changes(a: str, b: str) -> tuple[int, int, int]:
    """Words added, words dropped, and the largest change in one place (a run of new or lost words)."""
    a_words, b_words = a.lower().split(), b.lower().split()
    added = dropped = largest = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a_words, b_words, autojunk=False).get_opcodes():
        if tag != "equal":
            added += j2 - j1
            dropped += i2 - i1
            largest = max(largest, j2 - j1, i2 - i1)
    return added, dropped, largest


def rejection_reason(source: str, rewrite: str) -> str | None:
    """Why ``rewrite`` may not replace ``source``, or None if it may (under the project rules
    in force: ``project_rules.applied``)."""
    if not rewrite.strip():
        return "empty"
    if "\n" in rewrite or "\r" in rewrite or _CONTROL.search(rewrite):
        return "line break or control character"
    if SOURCE_LABEL in rewrite or TARGET_LABEL in rewrite:
        return "prompt echo"
    ratio = len(rewrite) / max(len(source), 1)
    if len(source) >= 20 and not MIN_LENGTH_RATIO <= ratio <= MAX_LENGTH_RATIO:
        return f"length ratio {ratio:.2f}"
    if protected_tokens(source) != protected_tokens(rewrite):
        return "protected token changed"
    if markup(source) != markup(rewrite):
        return "markup changed"
    rules = project_rules.current()
    kept = rules.word_uses(rewrite)
    if any(kept[word] < count for word, count in rules.word_uses(source).items()):
        return "project word changed"
    respelt = dialects.respellings(source, rewrite, rules.dialect)
    if respelt:
        return f"respelt for the other dialect ({', '.join(respelt)}; the project writes {rules.dialect})"
    # A new capitalised word is fine only as a capitalisation fix of a source word ("english" → "English").
    capitalised_source = {w[0].upper() + w[1:] for w in _WORD.findall(source)}
    missing = names(source) - set(_WORD.findall(rewrite))
    added = names(rewrite) - names(source) - capitalised_source
    if missing or added:
        return "name changed"
    if len(source.split()) >= 4 and word_similarity(source, rewrite) < MIN_WORD_SIMILARITY:
        return "too different"
    added_words, dropped_words, largest = word_changes(source, rewrite)
    limit = max(MAX_WORDS_CHANGED, round(MAX_CHANGED_FRACTION * len(source.split())))
    if added_words > limit or dropped_words > limit:
        return f"{added_words} words added, {dropped_words} dropped"
    if largest > MAX_WORDS_CHANGED + 1:
        return f"{largest} words changed in one place"
    if difflib.SequenceMatcher(None, source.lower(), rewrite.lower(), autojunk=False).ratio() < MIN_CHAR_SIMILARITY:
        return "too different"
    return None


def clean_candidate(source: str, candidate: str) -> str | None:
    """A generator output trimmed to one sentence, or None if it is not a sane rewrite."""
    candidate = candidate.strip()
    return candidate if rejection_reason(source, candidate) is None else None
