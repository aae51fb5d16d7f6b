"""In-document switches: passages the writer has told lmcor to leave alone.

Markdown: ``<!-- lmcor-disable -->`` … ``<!-- lmcor-enable -->`` and
``<!-- lmcor-disable-next-line -->``, each an HTML comment block of its own (a comment in a
code block or inline in a paragraph is text, not a switch — so a README can show them).
reStructuredText and plain text: the comments ``.. lmcor: off`` … ``.. lmcor: on`` at the
start of a line.  A disabled passage runs to the end of the document if nothing enables
it again; a sentence that touches a disabled line is kept whole.
"""

from __future__ import annotations

import re

from lmcor_cli.segment import Chunk, Sentence, markdown_parser  # the parse that finds the paragraphs

_MARKDOWN_SWITCH = re.compile(r"\s*<!--\s*lmcor-(disable-next-line|disable|enable)\s*-->\s*")
_TEXT_SWITCH = re.compile(r"\.\.[ \t]+lmcor:[ \t]*(off|on)[ \t]*")
_NEWLINE = re.compile(r"\r\n|\r|\n")
Ranges = list[tuple[int, int]]


class Switches:
    """Follows the switches through one document's chunks, in order."""

    def __init__(self, syntax: str):
        self.syntax = syntax
        self.off = False  # a disabled passage is still open at the end of the last chunk

    def blocked(self, chunk: Chunk) -> Ranges:
        """Character ranges of ``chunk.text`` where no sentence may be rewritten."""
        text = chunk.text
        marker = "lmcor-" if self.syntax == "markdown" else "lmcor:"
        if chunk.verbatim or marker not in text:
            return [(0, len(text))] if self.off else []
        starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        ends = [m.start() for m in _NEWLINE.finditer(text)] + [len(text)]
        ranges: Ranges = []
        off_from = 0 if self.off else None
        for line, kind in self._switches(text, starts, ends):
            if kind in ("disable", "off") and off_from is None:
                off_from = ends[line]
            elif kind in ("enable", "on") and off_from is not None:
                ranges.append((off_from, starts[line]))
                off_from = None
            elif kind == "disable-next-line" and line + 1 < len(starts):
                ranges.append((starts[line + 1], ends[line + 1]))
        if off_from is not None:
            ranges.append((off_from, len(text)))
        self.off = off_from is not None
        return ranges

    def _switches(self, text: str, starts: list[int], ends: list[int]) -> list[tuple[int, str]]:
        """(line index, kind) of each switch in the chunk, in order."""
        if self.syntax != "markdown":
            lines = (text[a:b] for a, b in zip(starts, ends))
            return [(i, m.group(1)) for i, line in enumerate(lines) if (m := _TEXT_SWITCH.fullmatch(line))]
        found = []
        for token in markdown_parser().parse(_NEWLINE.sub("\n", text)):
            if token.type == "html_block" and token.map is not None:
                match = _MARKDOWN_SWITCH.fullmatch(token.content.split("\n", 1)[0])
                if match:
                    found.append((token.map[0], match.group(1)))
        return found


def is_blocked(sentence: Sentence, ranges: Ranges) -> bool:
    return any(sentence.start < end and start < sentence.end for start, end in ranges)
