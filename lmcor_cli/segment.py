"""Text and Markdown → prose sentences with exact character spans, and back.

Only prose is ever rewritten.  A document is cut into chunks at blank lines outside
code fences (so memory stays bounded on huge inputs), each chunk is parsed with
markdown-it, and only the text of paragraphs is split into sentences.  Code (fenced,
indented, inline), HTML, tables, headings and front matter are never sentences.

A sentence is a list of words with their spans in the chunk; the text between two
words (a space, or a line break plus a blockquote marker) is its separator.  A
rewrite is aligned word by word with the original so every separator that survives —
line breaks and container markers above all — is put back exactly.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

MAX_SENTENCE_WORDS = 150
"""Longer sentences are kept verbatim: no generator prompt or guard is sized for them."""

_WORD = re.compile(r"[^\s\ufeff]+")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_FENCE = re.compile(r"^(?P<indent>[ \t>]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_HTML_RAW_OPEN = re.compile(r"^\s{0,3}<(pre|script|style|textarea)(\s|>|$)", re.IGNORECASE)
_RST_ADORNMENT = re.compile(r"^\s*([=\-`:'\"~^_*+#<>.])\1{2,}\s*$")


@dataclass(frozen=True)
class Chunk:
    """A piece of a document that can be parsed on its own."""

    text: str
    verbatim: bool = False  # front matter: never parsed, never rewritten


@dataclass
class Sentence:
    """A prose sentence: word spans into the chunk text it came from."""

    chunk_text: str
    words: list[tuple[int, int]]
    too_long: bool = False

    @property
    def start(self) -> int:
        return self.words[0][0]

    @property
    def end(self) -> int:
        return self.words[-1][1]

    @property
    def source(self) -> str:
        """The sentence as it stands in the document (separators included)."""
        return self.chunk_text[self.start : self.end]

    @property
    def text(self) -> str:
        """The sentence as a model sees it: its words joined by single spaces."""
        return " ".join(self.chunk_text[a:b] for a, b in self.words)

    @property
    def rewritable(self) -> bool:
        """Two or more words with letters: number-only fragments have no grammar to fix."""
        wordy = sum(1 for a, b in self.words if any(c.isalpha() for c in self.chunk_text[a:b]))
        return not self.too_long and wordy >= 2

    def separators(self) -> list[str]:
        return [self.chunk_text[self.words[i][1] : self.words[i + 1][0]] for i in range(len(self.words) - 1)]

    def render(self, new_text: str) -> str:
        """The document text for this sentence's span after rewriting it to ``new_text``."""
        return render_aligned(
            [self.chunk_text[a:b] for a, b in self.words], self.separators(), new_text.split()
        )


@dataclass
class Paragraph:
    """A prose block of a chunk and its sentences."""

    start: int
    end: int
    sentences: list[Sentence] = field(default_factory=list)


def render_aligned(src_words: list[str], seps: list[str], out_words: list[str]) -> str:
    """Join ``out_words`` reusing the source separators wherever the alignment allows.

    Separators holding a line break are never dropped: each is moved to the output
    boundary nearest its old place, so hard-wrapped lines and blockquote markers keep
    their structure even when words around them change.  A rewrite with fewer boundaries
    than the source has line breaks cannot keep them all: the source is returned.
    """
    if not out_words:
        return ""
    matcher = difflib.SequenceMatcher(None, src_words, out_words, autojunk=False)
    out_seps: list[str | None] = [None] * (len(out_words) - 1)
    aligned: set[int] = set()  # indices of the source separators an equal run already placed
    boundary_of_src: list[int] = [0] * len(seps)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(i2 - i1 if tag == "equal" else 0):
            if k + 1 < i2 - i1:
                out_seps[j1 + k] = seps[i1 + k]
                aligned.add(i1 + k)
        for i in range(i1, min(i2, len(seps))):
            if tag == "equal":
                boundary_of_src[i] = j1 + (i - i1)
            elif i2 > i1:
                frac = (i - i1 + 1) / (i2 - i1)
                boundary_of_src[i] = j1 + round(frac * (j2 - j1)) - 1
            else:
                boundary_of_src[i] = j1 - 1
    for i, sep in enumerate(seps):
        if i in aligned or not _is_line_break(sep):
            continue
        target = _nearest_free(out_seps, min(max(boundary_of_src[i], 0), len(out_seps) - 1))
        if target is None:
            return _joined(src_words, seps)
        out_seps[target] = sep
    # A moved line break can land before one the alignment kept: restore their source order.
    slots = [j for j, sep in enumerate(out_seps) if sep is not None and _is_line_break(sep)]
    for j, sep in zip(slots, [sep for sep in seps if _is_line_break(sep)]):
        out_seps[j] = sep
    parts = [out_words[0]]
    for j, word in enumerate(out_words[1:]):
        parts.append(out_seps[j] if out_seps[j] is not None else " ")
        parts.append(word)
    return "".join(parts)


def _joined(words: list[str], seps: list[str]) -> str:
    return "".join(word + sep for word, sep in zip(words, [*seps, ""]))


def _is_line_break(sep: str) -> bool:
    return "\n" in sep or "\r" in sep


def _nearest_free(slots: list[str | None], target: int) -> int | None:
    if not slots:
        return None
    for distance in range(len(slots)):
        for candidate in (target + distance, target - distance):
            if 0 <= candidate < len(slots) and (slots[candidate] is None or not _is_line_break(slots[candidate])):
                return candidate
    return None


def syntax_for(name: str, requested: str) -> str:
    """``markdown`` or ``text``: the flag wins, else the file suffix, else Markdown."""
    if requested != "auto":
        return requested
    lowered = name.lower()
    if lowered.endswith((".txt", ".text", ".rst")):
        return "text"
    return "markdown"


def iter_chunks(lines: Iterable[str], syntax: str, max_chars: int = 1 << 16) -> Iterator[Chunk]:
    """Group lines into chunks that end at a blank line outside any fence or raw HTML."""
    buffer: list[str] = []
    size = 0
    state = _BlockState()
    first = True
    front_matter_marker: str | None = None
    for line in lines:
        if first:
            first = False
            stripped = line.lstrip("\ufeff").rstrip("\r\n")
            if syntax == "markdown" and stripped in ("---", "+++"):
                front_matter_marker = stripped
                buffer.append(line)
                continue
        if front_matter_marker is not None:
            buffer.append(line)
            if line.rstrip("\r\n").rstrip() in (front_matter_marker, "..."):
                yield Chunk("".join(buffer), verbatim=True)
                buffer, size, front_matter_marker = [], 0, None
            continue
        buffer.append(line)
        size += len(line)
        blank = state.feed(line) if syntax == "markdown" else not line.strip()
        if blank and size >= max_chars:
            yield Chunk("".join(buffer))
            buffer, size = [], 0
    if buffer:
        # An unclosed front matter block is not front matter: parse it as Markdown.
        yield Chunk("".join(buffer))


class _BlockState:
    """Tracks fences and raw HTML blocks, which may contain blank lines."""

    def __init__(self) -> None:
        self.fence: tuple[str, int, int] | None = None  # char, length, indent
        self.raw_html_close: str | None = None

    def feed(self, line: str) -> bool:
        """Consume a line; return True if it is a blank line at which a chunk may end."""
        body = line.rstrip("\r\n")
        if self.fence is not None:
            match = _FENCE.match(body)
            if match and not match["info"].strip():
                char, length, indent = self.fence
                fence = match["fence"]
                if fence[0] == char and len(fence) >= length and len(match["indent"]) <= indent + 3:
                    self.fence = None
            return False
        if self.raw_html_close is not None:
            if self.raw_html_close in body.lower():
                self.raw_html_close = None
            return False
        match = _FENCE.match(body)
        if match and not (match["fence"][0] == "`" and "`" in match["info"]):
            self.fence = (match["fence"][0], len(match["fence"]), len(match["indent"]))
            return False
        raw = _HTML_RAW_OPEN.match(body)
        if raw:
            close = f"</{raw.group(1).lower()}>"
            if close not in body.lower():
                self.raw_html_close = close
            return False
        if body.lstrip().startswith("<!--") and "-->" not in body:
            self.raw_html_close = "-->"
            return False
        return not body.strip()


def paragraphs(chunk: Chunk, syntax: str) -> list[Paragraph]:
    """The prose paragraphs of a chunk, with their sentences."""
    if chunk.verbatim:
        return []
    line_spans = _line_spans(chunk.text)
    if syntax == "markdown":
        blocks = _markdown_paragraph_lines(chunk.text, line_spans)
    else:
        blocks = _text_paragraph_lines(chunk.text, line_spans)
    result = []
    for regions in blocks:
        words = [(m.start(), m.end()) for a, b in regions for m in _WORD.finditer(chunk.text, a, b)]
        if not words:
            continue
        result.append(
            Paragraph(start=regions[0][0], end=regions[-1][1], sentences=split_sentences(chunk.text, words))
        )
    return result


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end-without-line-ending) of each line, counting LF, CRLF and CR."""
    spans = []
    pos = 0
    for match in _NEWLINE.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


@lru_cache(maxsize=1)
def markdown_parser():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def _markdown_paragraph_lines(text: str, line_spans: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """For each Markdown paragraph: the span of its content on each of its lines."""
    tokens = markdown_parser().parse(_NEWLINE.sub("\n", text))
    blocks = []
    for index, token in enumerate(tokens):
        if token.type != "paragraph_open" or token.map is None:
            continue
        inline = tokens[index + 1]
        first, last = token.map
        content_lines = inline.content.split("\n")
        if len(content_lines) != last - first or last > len(line_spans):
            continue  # cannot map this paragraph back to the source exactly: leave it alone
        regions = []
        for (start, end), content in zip(line_spans[first:last], content_lines):
            core = content.strip()
            line = text[start:end].rstrip()
            if not core:
                continue
            if not line.endswith(core):
                regions = []
                break
            regions.append((start + len(line) - len(core), start + len(line)))
        if regions:
            blocks.append(regions)
    return blocks


def _text_paragraph_lines(text: str, line_spans: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Plain text and reStructuredText: runs of non-blank lines, minus literal-looking blocks."""
    blocks: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    raw_lines: list[str] = []
    for start, end in [*line_spans, (len(text), len(text))]:
        line = text[start:end]
        if line.strip():
            stripped = line.strip()
            offset = start + (len(line) - len(line.lstrip()))
            current.append((offset, offset + len(stripped)))
            raw_lines.append(line)
            continue
        if current and _is_text_prose(raw_lines):
            blocks.append(current)
        current, raw_lines = [], []
    return blocks


def _is_text_prose(lines: list[str]) -> bool:
    if all(line.startswith(("    ", "\t")) for line in lines):
        return False  # indented block: a literal or code block
    if lines[0].lstrip().startswith(".."):
        return False  # reStructuredText directive or comment
    return not any(_RST_ADORNMENT.match(line) for line in lines)


PYSBD_BLOCK_WORDS = 400
"""pysbd slows down badly on very long paragraphs (a 1 MB line took minutes), so longer
word runs are first cut after a word ending in . ! or ? once a block has this many words."""


def split_sentences(text: str, words: list[tuple[int, int]]) -> list[Sentence]:
    """Split a paragraph's words into sentences with pysbd; boundaries snap to words."""
    sentences: list[Sentence] = []
    start = 0
    for index, (a, b) in enumerate(words):
        long_enough = index + 1 - start >= PYSBD_BLOCK_WORDS
        if long_enough and (text[b - 1] in ".!?" or index + 1 - start >= 10 * PYSBD_BLOCK_WORDS):
            sentences.extend(_split_block(text, words[start : index + 1]))
            start = index + 1
    if start < len(words):
        sentences.extend(_split_block(text, words[start:]))
    return sentences


def _split_block(text: str, words: list[tuple[int, int]]) -> list[Sentence]:
    joined = " ".join(text[a:b] for a, b in words)
    word_starts = []
    pos = 0
    for a, b in words:
        word_starts.append(pos)
        pos += (b - a) + 1
    boundaries = [0]
    cursor = 0
    for piece in _sentence_splitter().segment(joined):
        core = piece.strip()
        if not core:
            continue
        found = joined.find(core, cursor)
        if found < 0:
            break
        cursor = found + len(core)
        word_index = _word_at(word_starts, found)
        if word_index > boundaries[-1]:
            boundaries.append(word_index)
    boundaries.append(len(words))
    sentences = []
    for a, b in zip(boundaries, boundaries[1:]):
        sentence_words = words[a:b]
        sentences.append(Sentence(text, sentence_words, too_long=len(sentence_words) > MAX_SENTENCE_WORDS))
    return sentences


def _word_at(word_starts: list[int], char: int) -> int:
    import bisect

    return max(bisect.bisect_right(word_starts, char) - 1, 0)


@lru_cache(maxsize=1)
def _sentence_splitter():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)
