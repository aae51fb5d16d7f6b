"""PTB-style tokenisation and its inverse.

GEC data sets are tokenised ("do n't go , please ."); users' text is not.  lmcor runs
every system on natural text — detokenised sources, as a user would type them — and
tokenises the outputs again only to score them against the tokenised references.
"""

from __future__ import annotations

import re

_CONTRACTION = re.compile(r"(?i) (n't|'s|'re|'ve|'ll|'d|'m)\b")
_BEFORE = re.compile(r" ([.,!?;:%)\]}]|\.\.\.)(?= |$)")
_AFTER = re.compile(r"(^| )([(\[{$]) ")
_QUOTE = re.compile(r'``|\'\'|"')

_SPLIT_CONTRACTION = re.compile(r"(?i)\b(\w+)(n't)\b|\b(\w+)('s|'re|'ve|'ll|'d|'m)\b")
_PUNCT = re.compile(r"""(\.\.\.|[,;:!?"()\[\]{}%$]|\.(?=\s|$))""")


def is_tokenized(sentences: list[str]) -> bool:
    """Most sentences have a space before their final punctuation."""
    if not sentences:
        return False
    hits = sum(1 for s in sentences if re.search(r" [.,!?]\s*$| , ", s))
    return hits >= 0.5 * len(sentences)


def detokenize(text: str) -> str:
    text = _CONTRACTION.sub(r"\1", text)
    text = re.sub(r"(?i)\b(ca|wo|do|does|did|is|are|was|were|have|has|had|could|would|should|must|need) n't\b",
                  r"\1n't", text)
    text = _attach_quotes(text)
    text = _BEFORE.sub(r"\1", text)
    text = _BEFORE.sub(r"\1", text)
    text = _AFTER.sub(r"\1\2", text)
    return text.strip()


def _attach_quotes(text: str) -> str:
    tokens = text.split(" ")
    opening = True
    out: list[str] = []
    glue_next = False
    for token in tokens:
        if _QUOTE.fullmatch(token):
            if opening:
                out.append('"')
                glue_next = True
            else:
                if out:
                    out[-1] += '"'
                else:
                    out.append('"')
            opening = not opening
            continue
        if glue_next and out:
            out[-1] += token
            glue_next = False
        else:
            out.append(token)
    return " ".join(out)


def tokenize(text: str) -> str:
    """Split punctuation and English contractions off words, PTB style."""
    words = []
    for word in text.split():
        if re.match(r"^(https?://|www\.)", word) or re.fullmatch(r"(?:[A-Za-z]\.){2,}", word):
            words.append(word)
            continue
        word = re.sub(r"(?<=\d)([.,:])(?=\d)", "\0\\1\0", word)  # keep 3.5 and 1,000 intact
        word = _PUNCT.sub(r" \1 ", word)
        word = word.replace("\0 ", "").replace(" \0", "").replace("\0", "")
        word = _SPLIT_CONTRACTION.sub(lambda m: f"{m[1]} {m[2]}" if m[1] else f"{m[3]} {m[4]}", word)
        words.append(word)
    return " ".join(" ".join(words).split())
