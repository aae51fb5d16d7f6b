"""Words with their places in the sentence, and character edits on them.

The edit corrector tags words, not pieces or characters.  A word here is a run of word
characters (with inner apostrophes and hyphens), a code-like token taken whole (inline
code, a URL, an e-mail address, a path, a ``--flag``), or one punctuation mark.  Each word
keeps its character span, so an edit touches only its own characters and everything else in
the sentence, spacing included, stays as the writer typed it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_CODE = r"`+[^`]*`+"
_URL = r"(?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\.)[^\s<>()\"'`]+[^\s<>()\"'`.,;:!?]"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_FLAG = r"(?<!\w)--?[A-Za-z][\w-]*(?:=\S*[^\s.,;:!?)])?"
_PATH = r"(?:~|\.{1,2})?/[\w.\-/]+|\w[\w\-]*(?:/[\w.\-]+)+"
_DOTTED = r"\w+(?:\.\w+)+(?:\(\))?"  # os.path.join, e.g, v1.2.3, foo()
_WORD = r"\w+(?:['’\-]\w+)*(?:\(\))?"
_PUNCT = r"\.{3}|--|[^\w\s]"
_TOKEN = re.compile("|".join(f"(?:{p})" for p in (_CODE, _URL, _EMAIL, _FLAG, _PATH, _DOTTED, _WORD, _PUNCT)))

CLOSING = frozenset(".,;:!?)]}'’\"”%")


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class CharEdit:
    """Replace ``text[start:end]`` with ``replacement`` (an insertion has start == end)."""

    start: int
    end: int
    replacement: str


def split_words(text: str) -> list[Word]:
    return [Word(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def is_code_like(word: str) -> bool:
    """Inline code, URLs, paths, flags, dotted names, calls: things prose edits never touch."""
    if word.endswith("()"):
        return True
    return bool(re.fullmatch("|".join((_CODE, _URL, _EMAIL, _FLAG, _PATH, _DOTTED)), word)) and not re.fullmatch(
        r"[A-Za-z]\.(?:[A-Za-z]\.?)+", word  # e.g / i.e / U.S. are words
    )


def apply_edits(text: str, edits: Iterable[CharEdit]) -> str:
    """``text`` with non-overlapping edits applied (the caller resolves overlaps)."""
    out: list[str] = []
    cursor = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(text[cursor : edit.start])
        out.append(edit.replacement)
        cursor = edit.end
    out.append(text[cursor:])
    return "".join(out)


def overlaps(a: CharEdit, b: CharEdit) -> bool:
    """Two edits clash when their spans share a character, or when they insert at the same point."""
    if a.start == a.end and b.start == b.end:
        return a.start == b.start
    return a.start < b.end and b.start < a.end or (a.start == a.end and b.start < a.start < b.end) or (
        b.start == b.end and a.start < b.start < a.end
    )


def diff_edits(source: str, target: str, source_words: Sequence[Word] | None = None) -> list[tuple[int, int, CharEdit]]:
    """The word-level differences between two sentences as (first word, end word, edit) on the
    source: an insertion before word i is (i, i, ...), taking the target's own spacing."""
    import difflib

    src = list(source_words) if source_words is not None else split_words(source)
    tgt = split_words(target)
    result = []
    matcher = difflib.SequenceMatcher(None, [w.text for w in src], [w.text for w in tgt], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:  # replace or delete words i1..i2-1
            if j1 < j2 and i1 > 0 and j1 > 0:  # with the target's spacing before the new words
                edit = CharEdit(src[i1 - 1].end, src[i2 - 1].end, target[tgt[j1 - 1].end : tgt[j2 - 1].end])
            elif j1 < j2:
                edit = CharEdit(src[i1].start, src[i2 - 1].end, target[tgt[j1].start : tgt[j2 - 1].end])
            elif i1 > 0:  # a deletion takes the space before it
                edit = CharEdit(src[i1 - 1].end, src[i2 - 1].end, "")
            else:
                edit = CharEdit(src[0].start, src[i2].start if i2 < len(src) else src[i2 - 1].end, "")
        elif i1 > 0:  # insert after word i1-1, with the target's spacing
            edit = CharEdit(src[i1 - 1].end, src[i1 - 1].end, target[tgt[j1 - 1].end : tgt[j2 - 1].end])
        else:  # insert before the first word
            start = src[0].start if src else len(source)
            edit = CharEdit(start, start,
                            target[tgt[0].start : tgt[j2].start] if j2 < len(tgt) else target[tgt[0].start :])
        result.append((i1, i2, edit))
    return result
