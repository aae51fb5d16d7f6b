"""What a documentation writer never wants changed, whatever the model says: decided per edit.

The sentence-level guard (``guard.py``) rejects a rewrite that changes what a sentence
says; this one drops single edits that damage correct technical prose and keeps the rest:

- the colon that ends a line (it introduces a list or a code block);
- a sentence's final punctuation after code;
- code-like tokens — ``--flags``, paths, dotted names, inline code, URLs — even outside backticks;
- words that look like names or terms and that the spelling list does not know (capitalised,
  mixed case, digits, inner hyphens), and the project's own words;
- words the spelling list does not know, unless the edit only respells them slightly;
- content words an edit would delete, or two of them replaced at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from lmcor_cli import project_rules
from lmcor_cli.correctors.base import Edit
from lmcor_cli.correctors.words import Word, is_code_like, split_words
from lmcor_cli.rules.spelling import edit_distance, word_frequencies

FUNCTION_WORDS = frozenset(
    """a an the this that these those some any each every no of in on at to for with from by about into onto over under
    as than then so and or but nor if because while although though when where which who whom whose what whether
    is are was were be been being am do does did done doing have has had having will would shall should can could
    may might must it its it's they them their there here he him his she her we us our you your i me my one ones
    not also too very just only even still yet already more most much many such other another both either neither
    all own same up out off down again further once how why ever""".split()
)
# Refusals a writer may overrule (``--unsafe-fixes``): judgments about words (an unknown word
# respelt, a content word deleted). The others protect structure, code, names and terms, always.
OVERRIDABLE = ("unknown word ", "content word deleted")
_LETTERS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_TERM_SHAPE = re.compile(r".*(?:[a-z][A-Z]|[A-Z]{2}|\d|\w-\w|_).*")


def rejection(source: str, edit: Edit, words: Sequence[Word] | None = None) -> str | None:
    """Why this edit may not be made to ``source``, or None."""
    words = list(words) if words is not None else split_words(source)
    touched = [w for w in words if _touches(edit, w)]
    stripped = source.rstrip()
    if stripped.endswith(":"):
        colon = len(stripped) - 1
        if edit.start <= colon < edit.end or edit.start == edit.end == colon + 1:
            return "line-final colon"
    if (words and words[-1].text in ".!?:;" and len(words) > 1 and is_code_like(words[-2].text)
            and _touches(edit, words[-1])):
        return "final punctuation after code"
    if any(is_code_like(w.text) for w in touched):
        return "code-like token"
    if any(is_code_like(w.text) for w in split_words(edit.replacement)):
        return "code-like token"
    for word in touched:
        if _looks_like_term(word.text) and not (_case_only(edit, word) and not _TERM_SHAPE.fullmatch(word.text)):
            return f"term {word.text!r}"
    rules = project_rules.current()
    if rules.words and any(rules.word_uses(w.text) for w in touched):
        return "project word"
    unknown = _unknown_rewritten(edit, touched)
    if unknown:
        return f"unknown word {unknown!r}"
    if _deleted_content(source, edit, words, touched):
        return "content word deleted"
    return None


def allowed(source: str, edits: Sequence[Edit]) -> tuple[list[Edit], list[tuple[Edit, str]]]:
    """The edits the guard lets through, and the rejected ones with their reasons."""
    words = split_words(source)
    kept, rejected = [], []
    for edit in edits:
        reason = rejection(source, edit, words)
        if reason:
            rejected.append((edit, reason))
        else:
            kept.append(edit)
    return kept, rejected


def overridable(reason: str) -> bool:
    """Whether ``--unsafe-fixes`` may make an edit refused for this reason."""
    return reason.startswith(OVERRIDABLE)


def _touches(edit: Edit, word: Word) -> bool:
    if edit.start == edit.end:  # an insertion touches a word only from inside it
        return word.start < edit.start < word.end
    return edit.start < word.end and word.start < edit.end


def _looks_like_term(word: str) -> bool:
    """All capitals (a keyword, an acronym); or capitalised, mixed case, digits, inner hyphens or
    underscores, and not a word the spelling list knows (a name, a product, an identifier)."""
    if len(word) > 1 and word.isupper() and word.isalpha():  # ALTER TABLE, NULL, HTTP: keywords and acronyms
        return True
    if re.search(r"[a-z][A-Z]|\d|_", word):  # camelCase, v2, snake_case: identifiers, whatever the dictionary says
        return True
    if not (_TERM_SHAPE.fullmatch(word) or word[:1].isupper()):
        return False
    return "-" in word or word.lower() not in word_frequencies()


def _unknown_rewritten(edit: Edit, touched: Sequence[Word]) -> str | None:
    """A word the spelling list does not know may only be respelt, into a word a few letters
    away (``_respelling``): spelling suggestions for technical words are dictionary words that
    look alike (cuda → coda, varchar → archer, sysroot → shoot), the damage seen on real
    documentation, while a learner's misspelling is close to a common word (hte → the)."""
    known = word_frequencies()
    if not known:
        return None
    new = [w.text for w in split_words(edit.replacement)]
    for word in touched:
        text = word.text
        if not text.isalpha() or text.lower() in known or text in new:
            continue
        if not any(_respelling(text.lower(), n.lower()) for n in new if _LETTERS.fullmatch(n)):
            return text
    return None


@lru_cache(maxsize=1)
def _frequency_ranks() -> dict[str, int]:
    counts = word_frequencies()
    return {word: rank for rank, word in enumerate(sorted(counts, key=counts.__getitem__, reverse=True))}


def _respelling(unknown: str, word: str) -> bool:
    """Whether ``word`` is a plausible respelling of an unknown word.  Four letters or fewer
    (mostly tools and acronyms: git, nvcc, uic): one edit away from one of the 2,000 most
    common words.  Longer: a quarter of its letters away, or a third into one of the 10,000
    most common words."""
    if unknown == re.sub(r"['’]", "", word):  # dont → don't
        return True
    distance = edit_distance(unknown, word)
    rank = _frequency_ranks().get(word)
    if len(unknown) <= 4:
        return distance <= 1 and rank is not None and rank < 2000
    common = rank is not None and rank < 10000
    return distance <= max(1, len(unknown) // 4) or (common and distance <= len(unknown) // 3)


def _case_only(edit: Edit, word: Word) -> bool:
    return edit.start == word.start and edit.end == word.end and edit.replacement.lower() == word.text.lower()


def _content(words: Sequence[str]) -> list[str]:
    return [w.lower() for w in words if w[:1].isalpha() and w.lower() not in FUNCTION_WORDS]


def _deleted_content(source: str, edit: Edit, words: Sequence[Word], touched: Sequence[Word]) -> bool:
    """An edit that leaves out a content word (not a repeated one, not one it re-forms), or
    replaces two of them."""
    old = _content([w.text for w in touched])
    every_new = [w.text.lower() for w in split_words(edit.replacement)]
    new = _content(every_new)
    shorter = len(new) < len(old)
    lost = 0
    for word in old:
        if word in new:
            new.remove(word)
        elif any(_same_stem(word, n) or edit_distance(word, n) <= 2 for n in every_new):
            shorter = shorter and not any(edit_distance(word, n) <= 2 for n in every_new)  # respelt, not lost
        elif not _repeated(word, words, touched):
            lost += 1
    # One content word may be replaced (a wrong word choice); fewer content words, or two
    # replaced at once, is a rewrite of what the sentence says.
    return lost >= 2 or (lost >= 1 and shorter)


def _same_stem(a: str, b: str) -> bool:
    return a[:4] == b[:4] and len(a) > 3


def _repeated(word: str, words: Sequence[Word], touched: Sequence[Word]) -> bool:
    """"the the", "is is": deleting one copy of a doubled word loses nothing."""
    index = {id(w): i for i, w in enumerate(words)}
    for w in touched:
        i = index[id(w)]
        neighbours = [words[j].text.lower() for j in (i - 1, i + 1) if 0 <= j < len(words)]
        if w.text.lower() == word and word in neighbours:
            return True
    return False
