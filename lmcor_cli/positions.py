"""Where a rewritten sentence stands as a line and column, for editors and CI reports.

Lines end at LF, CRLF or CR — the newline sequences of LSP and SARIF alike (Python's
``splitlines`` also breaks at form feeds and U+2028, which would put every later
diagnostic on the wrong line).  Columns are counted in the unit the consumer asks for:
code points (SARIF's ``unicodeCodePoints``, GitHub), UTF-16 code units (LSP's default) or
UTF-8 bytes.  A byte order mark at the start is not a column (SARIF §3.30.2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lmcor_cli.pipeline import Piece, Rewrite

_NEWLINE = re.compile(r"\r\n|\r|\n")
ENCODINGS = ("utf-32", "utf-16", "utf-8")  # LSP's names; "utf-32" counts code points


def units(text: str, encoding: str) -> int:
    """Length of ``text`` in the encoding's code units."""
    if encoding == "utf-16":
        return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text)


@dataclass(frozen=True)
class Position:
    line: int  # 0-based
    columns: tuple[int, int, int]  # 0-based, in code points, UTF-16 units, UTF-8 bytes

    def column(self, encoding: str = "utf-32") -> int:
        return self.columns[ENCODINGS.index(encoding)]


class Cursor:
    """The position of the next character of a text read piece by piece."""

    def __init__(self, start: Position | None = None) -> None:
        """From the start of a text, or from ``start`` inside one (a line already begun)."""
        self.position = start or Position(0, (0, 0, 0))
        self._after_cr = False
        self._started = start is not None

    def advance(self, text: str) -> None:
        if not text:
            return
        if not self._started:
            self._started = True
            text = text.removeprefix("\ufeff")
        if self._after_cr and text.startswith("\n"):
            text = text[1:]  # the LF of a CRLF that two pieces split
        self._after_cr = text.endswith("\r")
        line, columns = self.position.line, self.position.columns
        last = None
        for last in _NEWLINE.finditer(text):
            line += 1
        if last is not None:
            columns, text = (0, 0, 0), text[last.end() :]
        self.position = Position(line, tuple(c + units(text, e) for c, e in zip(columns, ENCODINGS)))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Located:
    """A rewrite and the span of its source sentence in the input."""

    rewrite: Rewrite
    start: Position
    end: Position


def located(pieces: Iterable[Piece]) -> Iterator[Located]:
    """The rewrites among ``pieces`` (the pipeline's output, in order), with their spans."""
    for _, found in with_locations(pieces):
        yield from found


def with_locations(pieces: Iterable[Piece]) -> Iterator[tuple[Piece, list[Located]]]:
    """Each piece, passed through, with its rewrites located."""
    cursor = Cursor()
    for piece in pieces:
        original = piece.rewrites[0].sentence.source if piece.rewrites else piece.text
        start = cursor.position
        cursor.advance(original)
        yield piece, [Located(rewrite, start, cursor.position) for rewrite in piece.rewrites]


def position_after(start: Position, text: str) -> Position:
    """Where ``text`` ends if it begins at ``start``."""
    cursor = Cursor(start)
    cursor.advance(text)
    return cursor.position


def offset_at(text: str, line: int, column: int, encoding: str) -> int | None:
    """The string index of a 0-based (line, column) in ``text``, or None if it is not there."""
    start = 0
    for _ in range(line):
        match = _NEWLINE.search(text, start)
        if match is None:
            return None
        start = match.end()
    match = _NEWLINE.search(text, start)
    end = match.start() if match else len(text)
    counted = 0
    for index in range(start, end + 1):
        if counted == column:
            return index
        if index == end or counted > column:
            return None
        counted += units(text[index], encoding)
    return None
