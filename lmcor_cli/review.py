"""``lmcor fix --interactive``: review the edits one by one in the terminal, then write.

Each edit is shown in its sentence, the old words struck out and the new ones beside them,
with its kind, confidence and who proposed it.  The answers: accept, reject, accept every
edit of this kind from now on, leave this file as it is, or quit (keeping what was accepted
so far).  Nothing is written until the review ends; then each changed file is replaced in
one atomic write, after checking that it did not change on disk meanwhile.  Ctrl-C at any
point writes nothing.  An edit rejected once is not offered again for the same sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rich.console import Console
from rich.text import Text

from lmcor_cli.correctors import Correction, Edit
from lmcor_cli.edit_report import LocatedEdit, located_edits
from lmcor_cli.errors import UsageError
from lmcor_cli.pipeline import Piece, Rewrite
from lmcor_cli.positions import with_locations

ANSWERS = {"y": "accept", "n": "reject", "a": "accept all of this kind", "s": "leave this file as it is",
           "q": "quit, keeping what was accepted"}


class QuitReview(Exception):
    """The reviewer answered 'q'."""


class SkipFile(Exception):
    """The reviewer answered 's'."""


@dataclass
class Reviewer:
    """The reviewer's answers across files: kinds accepted wholesale, edits rejected."""

    console: Console
    ask: Callable[[str], str] = input
    accepted_kinds: set[str] = field(default_factory=set)
    rejected: set[tuple[str, int, int, str]] = field(default_factory=set)

    def decide(self, name: str, item: LocatedEdit) -> bool:
        sentence = item.found.rewrite.outcome.source
        key = (sentence, item.edit.start, item.edit.end, item.edit.replacement)
        if key in self.rejected:
            return False
        if item.kind in self.accepted_kinds:
            return True
        self._show(name, item)
        while True:
            try:
                answer = self.ask("Apply this fix? [y,n,a,s,q,?] ").strip().lower()[:1]
            except EOFError:
                raise UsageError("the review's input ended; nothing was written") from None
            if answer == "y":
                return True
            if answer == "n":
                self.rejected.add(key)
                return False
            if answer == "a":
                self.accepted_kinds.add(item.kind)
                return True
            if answer == "s":
                raise SkipFile
            if answer == "q":
                raise QuitReview
            self.console.print("\n".join(f"{key} - {meaning}" for key, meaning in ANSWERS.items()), markup=False)

    def _show(self, name: str, item: LocatedEdit) -> None:
        edit = item.edit
        text = item.found.rewrite.outcome.source
        line = Text(f"{name}:{item.highlight.start.line + 1}:{item.highlight.start.column() + 1}  ", style="bold")
        line.append(item.kind, style="cyan")
        if edit.confidence is not None:
            line.append(f" · confidence {edit.confidence:.2f}")
        line.append(f" · {item.support}")
        shown = Text("  ")
        shown.append(text[: edit.start])
        if item.original:
            shown.append(f"[-{item.original}-]", style="red strike")
        if item.replacement:
            shown.append(f"{{+{item.replacement}+}}", style="green bold")
        shown.append(text[edit.end :])
        self.console.print()
        self.console.print(line)
        self.console.print(shown)


def review_document(name: str, pieces: Iterable[Piece], original: str,
                    reviewer: Reviewer) -> tuple[list[Piece] | None, bool]:
    """The document as pieces with only the accepted edits made (None: the reviewer left the
    file as it is), and whether the reviewer quit.  Questions come as the pipeline finds
    edits, a batch at a time; after a quit the rest of the document stays as it was."""
    reviewed: list[Piece] = []
    consumed = 0
    try:
        for piece, found in with_locations(pieces):
            consumed += len(_original(piece))
            if not found:
                reviewed.append(piece)
                continue
            [one] = found
            accepted = []
            try:
                for item in located_edits(one):
                    if reviewer.decide(name, item):
                        accepted.append(item.edit)
            except QuitReview:
                reviewed.append(_with_edits(one.rewrite, accepted))
                reviewed.append(Piece(original[consumed:]))
                return reviewed, True
            reviewed.append(_with_edits(one.rewrite, accepted))
    except SkipFile:
        return None, False
    return reviewed, False


def _with_edits(rewrite: Rewrite, edits: list[Edit]) -> Piece:
    """The sentence with only ``edits`` made (rendered with the document's own separators)."""
    sentence = rewrite.sentence
    if not edits:
        return Piece(sentence.source)
    text = Correction(rewrite.outcome.source, edits).text
    replacement = sentence.render(text)
    if replacement == sentence.source:
        return Piece(sentence.source)
    return Piece(replacement, [Rewrite(sentence, rewrite.outcome, replacement, rewrite.byte_start,
                                       rewrite.byte_start + len(sentence.source.encode("utf-8")))])


def _original(piece: Piece) -> str:
    return piece.rewrites[0].sentence.source if piece.rewrites else piece.text
