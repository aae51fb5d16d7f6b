"""Clean English sentences: from plain text, and from the docstrings of Python's standard
library (PSF License).  The generator's English-vocabulary copy keeps the pieces these
docstrings are cut into (``generate/english_gguf.py``), and ``lmcor train synth`` corrupts
such sentences into training triples (``train/synth.py``)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
SKIPPED_PARTS = {"test", "tests", "idlelib", "site-packages", "dist-packages"}


def stdlib_docstring_sentences() -> Iterator[str]:
    """English sentences from the docstrings of Python's standard library (PSF License)."""
    lib = Path(ast.__file__).parent
    for path in sorted(lib.rglob("*.py")):
        if SKIPPED_PARTS & set(path.parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc:
                    yield from split_prose(doc)


def split_prose(text: str) -> Iterator[str]:
    """Plain prose sentences from a text block: paragraphs joined, code-like lines left out."""
    for paragraph in re.split(r"\n\s*\n", text):
        if any(line.startswith((" ", "\t", ">>>", "-", "*", ":")) for line in paragraph.splitlines()):
            continue
        for sentence in SENTENCE_END.split(" ".join(paragraph.split())):
            if is_clean_sentence(sentence):
                yield sentence


def is_clean_sentence(sentence: str) -> bool:
    words = sentence.split()
    return (
        6 <= len(words) <= 40
        and sentence[:1].isupper()
        and sentence.endswith((".", "?", "!"))
        and not re.search(r"[=_{}\[\]<>`|#@\\]|\(\)|\w\.\w+\(|::|--|\d{3,}|https?:", sentence)
        and sum(w.isalpha() for w in words) >= 0.7 * len(words)
    )


def read_clean(paths: Iterable[Path]) -> Iterator[str]:
    """The clean sentences of plain-text files, line by line."""
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            yield from split_prose(line)


def read_lines(paths: Iterable[Path]) -> Iterator[str]:
    """Every line of plain-text files that reads as one sentence (4 to 60 words), code-like
    tokens and all: technical prose a corrector must learn to leave alone."""
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if 4 <= len(line.split()) <= 60:
                yield line
