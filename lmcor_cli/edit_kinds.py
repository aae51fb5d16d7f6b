"""What kind of change an edit is, in words a writer knows ("article", "verb form", …).

Reports name each edit's kind so a reader can judge it at a glance and review mode can
accept "all of this kind".  The kind comes from the words before and after the edit (and the
edit corrector's tag where it has one), so whole-sentence correctors' edits get one too.
"""

from __future__ import annotations

from functools import lru_cache

from lmcor_cli.correctors.words import split_words
from lmcor_cli.rules.spelling import edit_distance, word_frequencies

ARTICLES = frozenset({"a", "an", "the"})
PREPOSITIONS = frozenset({
    "about", "above", "across", "after", "against", "along", "among", "around", "at", "before", "behind", "below",
    "beside", "between", "by", "during", "for", "from", "in", "inside", "into", "near", "of", "off", "on", "onto",
    "out", "over", "since", "through", "throughout", "to", "toward", "towards", "under", "until", "up", "upon",
    "with", "within", "without",
})
AGREEMENT_PAIRS = frozenset({
    frozenset(p) for p in (("is", "are"), ("was", "were"), ("has", "have"), ("does", "do"), ("doesn't", "don't"),
                           ("isn't", "aren't"), ("wasn't", "weren't"), ("hasn't", "haven't"))
})
PRONOUNS = frozenset({
    "i", "me", "my", "mine", "you", "your", "yours", "he", "him", "his", "she", "her", "hers", "it", "its", "we",
    "us", "our", "ours", "they", "them", "their", "theirs", "this", "that", "these", "those", "who", "whom", "which",
})
KINDS = ("spelling", "capitalisation", "punctuation", "article", "preposition", "subject–verb agreement",
         "verb form", "noun number", "pronoun", "missing word", "unnecessary word", "word order", "word choice",
         "spacing", "rewording")


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(word_frequencies())


@lru_cache(maxsize=65536)
def _lemmas(word: str) -> frozenset[str]:
    from lemminflect import getAllLemmas

    return frozenset(lemma for lemmas in getAllLemmas(word.lower()).values() for lemma in lemmas)


def _agreement(a: str, b: str, lemmas: frozenset[str]) -> bool:
    """One word is a verb's third-person singular and the other its plain present."""
    from lemminflect import getInflection

    for lemma in lemmas:
        third = set(getInflection(lemma, tag="VBZ"))
        plain = set(getInflection(lemma, tag="VBP")) | {lemma}
        if (a in third and b in plain) or (b in third and a in plain):
            return True
    return False


def _pos(word: str) -> set[str]:
    from lemminflect import getAllLemmas

    return set(getAllLemmas(word.lower()))


def kind_of(original: str, replacement: str, tag: str = "") -> str:
    """The kind of the change ``original`` → ``replacement`` (both as the sentence shows them)."""
    if tag in ("$CASE_UPPER", "$CASE_LOWER"):
        return "capitalisation"
    if tag.startswith("$NOUN_"):
        return "noun number"
    old = [w.text for w in split_words(original)]
    new = [w.text for w in split_words(replacement)]
    if old == new:
        return "spacing"
    if "".join(old) == "".join(new):
        return "spacing"
    if [w.lower() for w in old] == [w.lower() for w in new]:
        return "capitalisation"
    if all(not any(c.isalnum() for c in w) for w in old + new):
        return "punctuation"
    old_words = [w for w in old if any(c.isalnum() for c in w)]
    new_words = [w for w in new if any(c.isalnum() for c in w)]
    if old_words == new_words:
        return "punctuation"
    if sorted(w.lower() for w in old_words) == sorted(w.lower() for w in new_words):
        return "word order"
    if not old_words or not new_words:
        words = {w.lower() for w in old_words + new_words}
        if words <= ARTICLES:
            return "article"
        if words <= PREPOSITIONS:
            return "preposition"
        return "missing word" if not old_words else "unnecessary word"
    if len(old_words) == 1 and len(new_words) == 1:
        return _word_kind(old_words[0], new_words[0], tag)
    return "rewording"


def _word_kind(old: str, new: str, tag: str) -> str:
    a, b = old.lower(), new.lower()
    if frozenset((a, b)) in AGREEMENT_PAIRS:
        return "subject–verb agreement"
    if {a, b} <= ARTICLES:
        return "article"
    if {a, b} <= PREPOSITIONS:
        return "preposition"
    if {a, b} <= PRONOUNS:
        return "pronoun"
    shared = _lemmas(a) & _lemmas(b)
    if shared or tag.startswith("$VERB_"):
        both = _pos(a) & _pos(b)
        if "NOUN" in both and "VERB" not in both:
            return "noun number"
        if "VERB" in both and _agreement(a, b, shared):
            return "subject–verb agreement"
        if "NOUN" in both and "VERB" not in both:
            return "noun number"
        return "verb form"
    known = _known()
    if a.isalpha() and a not in known and edit_distance(a, b) <= max(1, len(a) // 3):
        return "spelling"
    if edit_distance(a, b) <= 1 and len(a) > 3:
        return "spelling"
    return "word choice"
