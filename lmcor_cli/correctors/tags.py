"""Edit tags, GECToR-style: one tag per word slot says what to do with that word.

Slot 0 stands before the first word (only appends apply there); slot i+1 is word i.
Tags:

- ``$KEEP``; ``$DELETE``;
- ``$REPLACE_w`` / ``$APPEND_w`` for the words ``w`` of the tag vocabulary;
- transformations that work on any word: ``$CASE_UPPER``, ``$CASE_LOWER``, ``$VERB_<Penn tag>``
  (another form of the same verb), ``$NOUN_SG`` / ``$NOUN_PL``;
- ``$TAKE_1`` / ``$TAKE_2``: apply the first or second edit the candidate pool proposed at this
  slot (``pool_input``), whatever it is: that is how the corrector combines candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from lmcor_cli.correctors.words import CLOSING, CharEdit, Word, diff_edits

KEEP = "$KEEP"
DELETE = "$DELETE"
TAKES = ("$TAKE_1", "$TAKE_2")
CASES = ("$CASE_UPPER", "$CASE_LOWER")
VERB_FORMS = ("VB", "VBD", "VBG", "VBN", "VBZ")
VERBS = tuple(f"$VERB_{t}" for t in VERB_FORMS)
NOUNS = ("$NOUN_SG", "$NOUN_PL")
BASE_TAGS = (KEEP, DELETE, *TAKES, *CASES, *VERBS, *NOUNS)
IGNORE = -100  # a slot whose gold edit no tag can express: no loss there


@lru_cache(maxsize=65536)
def _lemmas(word: str, upos: str) -> tuple[str, ...]:
    from lemminflect import getAllLemmas

    return tuple(lemma for lemmas in getAllLemmas(word, upos=upos).values() for lemma in lemmas)


@lru_cache(maxsize=65536)
def _inflect(lemma: str, tag: str) -> str | None:
    from lemminflect import getInflection

    forms = getInflection(lemma, tag=tag)
    return forms[0] if forms else None


def _match_case(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if template[:1].isupper() else word


def transform(tag: str, word: str) -> str | None:
    """A transformation tag applied to ``word``; None where it does not apply."""
    if tag == "$CASE_UPPER":
        return word[:1].upper() + word[1:] if word[:1].islower() else None
    if tag == "$CASE_LOWER":
        return word[:1].lower() + word[1:] if word[:1].isupper() else None
    if tag.startswith("$VERB_"):
        return _reform(word, "VERB", tag[len("$VERB_") :])
    if tag in NOUNS:
        return _reform(word, "NOUN", "NN" if tag == "$NOUN_SG" else "NNS")
    return None


def _reform(word: str, upos: str, penn: str) -> str | None:
    if not word.isalpha():
        return None
    for lemma in _lemmas(word.lower(), upos):
        form = _inflect(lemma, penn)
        if form and form != word.lower():
            return _match_case(word, form)
    return None


def word_tag(source: str, target: str, vocab: frozenset[str]) -> str | None:
    """The tag that turns one word into another, if there is one (transformations first)."""
    if target.lower() == source.lower():
        for tag in CASES:
            if transform(tag, source) == target:
                return tag
        return None
    for tag in (*VERBS, *NOUNS):
        if transform(tag, source) == target:
            return tag
    replace = f"$REPLACE_{target}"
    return replace if replace in vocab else None


class TagVocabulary:
    """Tag names ↔ ids; the word tags are those seen often enough in training."""

    def __init__(self, tags: Sequence[str]):
        self.tags = list(tags)
        self.ids = {tag: i for i, tag in enumerate(self.tags)}
        self.names = frozenset(self.tags)

    def __len__(self) -> int:
        return len(self.tags)


def gold_tags(source: str, target: str, words: Sequence[Word], proposals: Sequence[Sequence[CharEdit]],
              vocab: frozenset[str]) -> list[str | None]:
    """One tag per slot (None: an edit no tag can express) that turns source into target.

    ``proposals[s]`` are the pool's edits at slot s (``pool_input.proposals``); a gold edit the
    pool proposed is a ``$TAKE``.  A multi-word insertion gets its first word only: the next
    pass appends the rest, as in GECToR."""
    tags: list[str | None] = [KEEP] * (len(words) + 1)
    for i1, i2, edit in diff_edits(source, target, words):
        slot = i1 if i1 == i2 else i1 + 1  # an insertion belongs to the word before it
        taken = next((TAKES[r] for r, p in enumerate(proposals[slot][: len(TAKES)]) if p == edit), None)
        if taken:
            tags[slot] = taken
            continue
        if i1 == i2:  # insertion: append its first word
            first = _first_word(edit.replacement)
            tags[slot] = f"$APPEND_{first}" if f"$APPEND_{first}" in vocab else None
            continue
        old = [w.text for w in words[i1:i2]]
        if not edit.replacement.strip():
            for s in range(i1 + 1, i2 + 1):
                tags[s] = DELETE
            continue
        new_words = _words_of(edit.replacement)  # beyond the old words' count: left to the next pass
        for k in range(i2 - i1):
            s = i1 + 1 + k
            if k < len(new_words):
                tags[s] = word_tag(old[k], new_words[k], vocab)
            else:
                tags[s] = DELETE
    return tags


def _words_of(text: str) -> list[str]:
    from lmcor_cli.correctors.words import split_words

    return [w.text for w in split_words(text)]


def _first_word(inserted: str) -> str:
    words = _words_of(inserted)
    return words[0] if words else inserted.strip()


def tag_edit(tag: str, slot: int, words: Sequence[Word], text: str,
             proposals: Sequence[Sequence[CharEdit]]) -> CharEdit | None:
    """The character edit a predicted tag makes at a slot, or None if it cannot apply there."""
    if tag == KEEP:
        return None
    if tag in TAKES:
        rank = TAKES.index(tag)
        return proposals[slot][rank] if rank < len(proposals[slot]) else None
    if tag.startswith("$APPEND_"):
        new = tag[len("$APPEND_") :]
        if slot == 0:
            return CharEdit(words[0].start, words[0].start, new + " ") if words else None
        at = words[slot - 1].end
        return CharEdit(at, at, new if new[:1] in CLOSING else " " + new)
    if slot == 0:
        return None
    word = words[slot - 1]
    if tag == DELETE:
        if slot > 1:
            return CharEdit(words[slot - 2].end, word.end, "")
        end = words[1].start if len(words) > 1 else word.end
        return CharEdit(word.start, end, "")
    if tag.startswith("$REPLACE_"):
        new = tag[len("$REPLACE_") :]
        if new == word.text:
            return None
        if slot > 1 and new[:1] in CLOSING:  # "word ," is written "word,"
            return CharEdit(words[slot - 2].end, word.end, new)
        if slot > 1 and word.start == words[slot - 2].end and new[:1].isalnum():  # "x," → "x and"
            return CharEdit(word.start, word.end, " " + new)
        return CharEdit(word.start, word.end, new)
    new = transform(tag, word.text)
    return CharEdit(word.start, word.end, new) if new else None
