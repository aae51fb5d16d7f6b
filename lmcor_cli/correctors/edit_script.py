"""Edit scripts: a corrector can answer with the changes only, not the whole sentence.

A small model trained from scratch copies long sentences badly (it drops or misspells
words it was meant to keep), while the changes a correction needs are few and short.
So a corrector may be trained to write ``old words<sep> new words<sep> old<sep> new``:
each pair replaces the first occurrence of *old* after the previous change.  Applying a
script can only touch what it names: a pair whose *old* words are not found is skipped,
and an empty script keeps the sentence as it is.  Words are whitespace-separated.
"""

from __future__ import annotations

import difflib

from lmcor_cli.correctors.input_format import SEPARATOR


def edit_script(source: str, target: str) -> str:
    """The script that turns ``source`` into ``target`` (``apply_edit_script`` inverts it)."""
    src, tgt = source.split(), target.split()
    pairs: list[tuple[list[str], list[str]]] = []
    cursor = 0  # source words before this are settled
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, src, tgt, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        old, new = src[i1:i2], tgt[j1:j2]
        if not old:  # an insertion is anchored on a neighbouring word
            if i1 > cursor:
                i1, old, new = i1 - 1, src[i1 - 1 : i1], src[i1 - 1 : i1] + new
            elif i2 < len(src):
                i2, old, new = i2 + 1, src[i2 : i2 + 1], new + src[i2 : i2 + 1]
            else:
                continue  # nothing left to anchor on
        while _first_match(src, old, cursor) != i1:  # widen to the left until unambiguous
            i1 -= 1
            old, new = src[i1 : i1 + 1] + old, src[i1 : i1 + 1] + new
        pairs.append((old, new))
        cursor = i1 + len(old)
    # "old<sep> new<sep> ...": no space before a separator, which saves SentencePiece a piece.
    return f"{SEPARATOR} ".join(" ".join(words) for pair in pairs for words in pair)


def apply_edit_script(source: str, script: str) -> str:
    """``source`` with each (old → new) pair of ``script`` applied in order; bad pairs are skipped."""
    words = source.split()
    fields = [field.split() for field in script.split(SEPARATOR)] if script.strip() else []
    out: list[str] = []
    cursor = 0
    for old, new in zip(fields[0::2], fields[1::2]):
        at = _first_match(words, old, cursor) if old else -1
        if at < 0:
            continue
        out.extend(words[cursor:at])
        out.extend(new)
        cursor = at + len(old)
    out.extend(words[cursor:])
    return " ".join(out)


def _first_match(words: list[str], span: list[str], start: int) -> int:
    for at in range(start, len(words) - len(span) + 1):
        if words[at : at + len(span)] == span:
            return at
    return -1
