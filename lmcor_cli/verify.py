"""The last check before any output is written or any file replaced (black's idea of
checking its own result, for prose).

Whatever the pipeline did, what comes out must equal the input byte for byte outside the
rewritten sentences, and each rewritten sentence must keep the line breaks and container
markers (block-quote ``>``, list indentation) that stood between its words.  The check
reads the input lines as the pipeline consumes them, so a file is read only once, and it
holds only the input not yet matched by output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lmcor_cli.errors import InternalError
from lmcor_cli.pipeline import Piece

# A line break with the spaces before it and the indentation and quote markers after it.
_FRAME = re.compile(r"[ \t]*(?:\r\n|\r|\n)[ \t>]*")


def frames(text: str) -> list[str]:
    """The line structure of a span: each line break with what surrounds it, in order."""
    return _FRAME.findall(text)


class OutputCheck:
    """Feed the pipeline ``lines()``, pass its pieces through ``verified``."""

    def __init__(self, name: str, lines: Iterable[str]):
        self.name = name
        self._lines = lines
        self._unread: list[str] = []  # input lines the pipeline took, not yet joined into _text
        self._text = ""
        self._pos = 0  # how much of _text output has matched
        self._matched = 0  # characters of input matched so far, for the message

    def lines(self) -> Iterator[str]:
        for line in self._lines:
            self._unread.append(line)
            yield line

    def verified(self, pieces: Iterable[Piece]) -> Iterator[Piece]:
        """Each piece once it is checked; at the end, that the whole input was output."""
        for piece in pieces:
            self._check(piece)
            yield piece
        if self._take(1):
            self._fail("the output would end before the input does")

    def _check(self, piece: Piece) -> None:
        original = piece.text
        if piece.rewrites:
            if len(piece.rewrites) != 1 or piece.rewrites[0].replacement != piece.text:
                self._fail("a rewritten piece does not match its sentence")
            original = piece.rewrites[0].sentence.source
            if frames(piece.text) != frames(original):
                self._fail("a rewritten sentence would lose a line break or block-quote marker")
        if self._take(len(original)) != original:
            self._fail("the text outside the rewritten sentences would change")
        self._matched += len(original)

    def _take(self, n: int) -> str:
        if len(self._text) - self._pos < n and self._unread:
            self._text = self._text[self._pos :] + "".join(self._unread)
            self._unread.clear()
            self._pos = 0
        taken = self._text[self._pos : self._pos + n]
        self._pos += len(taken)
        return taken

    def _fail(self, problem: str) -> None:
        raise InternalError(
            f"{self.name}: internal error: {problem} (after input character {self._matched}); "
            "stopped before writing it, no file was changed. Please report this bug"
        )
