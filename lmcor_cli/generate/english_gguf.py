"""An English-only copy of a SentencePiece GGUF: fewer vocabulary rows, same model.

Gemma 3 270M decodes here at a speed set by compute, and its 262k-entry (tied) output
layer is more than half of every token's work, although English prose uses a few tens of
thousands of those pieces.  This module keeps the pieces that English words, our prompts
and Python's documentation are cut into — every intermediate piece of each word's merge
path as well, so that those texts tokenize exactly as with the full vocabulary — plus the
control, user-defined and byte pieces, and writes a GGUF with only those rows of
``token_embd``.  Any text still encodes (unknown pieces fall back to bytes); the model
can no longer emit the dropped pieces, which English output does not need.

The file is derived on the user's machine from the installed GGUF and the SymSpell word
list (MIT), deterministically, once, into the user cache.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import Path

from lmcor_cli.clean_prose import stdlib_docstring_sentences
from lmcor_cli.rules.spelling import FREQUENCY_FILE

# Bump when the piece selection changes: it names the cached file (and so keys results).
PIECE_LIST_VERSION = 1
# SymSpell's list is in frequency order.  15k words (each with its merge path, in two casings,
# with and without a leading space) keep 51.8k pieces, and 98.2% of the space-separated
# segments of JFLEG dev's sources and references are cut exactly as by the full vocabulary
# (10k: 41.6k pieces, 96.9%; 20k: 59.9k, 98.7%).
TOP_WORDS = 15_000
SPACE = "\u2581"
NORMAL, CONTROL_TYPES = 1, (2, 3)  # GGUF token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 6 byte
KEPT_CONTROLS = 8  # <pad> <eos> <bos> <unk> <mask> ...: the ids the tokenizer and llama.cpp need


def english_texts() -> Iterator[str]:
    """What the kept vocabulary must cut exactly as the full one: common words, lower case and
    capitalised, with and without a leading space, our few-shot prompts and stdlib docstrings."""
    words = resources.files("symspellpy").joinpath(FREQUENCY_FILE).read_text(encoding="utf-8").splitlines()
    for line in words[:TOP_WORDS]:
        word = line.partition(" ")[0]
        for form in (word, word.capitalize()):
            yield form
            yield " " + form
    yield from _punctuation()
    prompts = resources.files("lmcor_cli").joinpath("prompts")
    for entry in sorted(prompts.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".txt"):
            yield entry.read_text(encoding="utf-8")
    yield from stdlib_docstring_sentences()


def _punctuation() -> Iterator[str]:
    for mark in ".,;:!?\"'()[]-–—…’‘“”/&%$#*+=<>@_`~|\\{}":
        yield mark
        yield " " + mark
    for digit in range(10):
        yield str(digit)
        yield f" {digit}"


def _segments(text: str) -> Iterator[str]:
    """Text in SentencePiece form, cut before each run of spaces: no piece of a Gemma-style
    vocabulary spans such a cut, so each segment merges on its own."""
    start = 0
    escaped = text.replace(" ", SPACE)
    for i in range(1, len(escaped)):
        if escaped[i] == SPACE and escaped[i - 1] != SPACE:
            yield escaped[start:i]
            start = i
    if escaped:
        yield escaped[start:]


def merge_path(segment: str, scores: dict[str, float]) -> set[str]:
    """Every piece the BPE merge of ``segment`` passes through (SentencePiece's and llama.cpp's
    rule: repeatedly merge the adjacent pair whose union is the best scored piece)."""
    symbols = list(segment)
    seen = set(symbols)
    while len(symbols) > 1:
        best, where = None, -1
        for i in range(len(symbols) - 1):
            score = scores.get(symbols[i] + symbols[i + 1])
            if score is not None and (best is None or score > best):
                best, where = score, i
        if best is None:
            break
        symbols[where : where + 2] = [symbols[where] + symbols[where + 1]]
        seen.add(symbols[where])
    return seen


def kept_token_ids(tokens: list[str], scores: list[float], types: list[int], texts: Iterable[str]) -> list[int]:
    """Ids to keep, ascending: controls, user-defined and byte pieces, and the merge paths of ``texts``."""
    normal = {t: s for t, s, k in zip(tokens, scores, types) if k in (NORMAL, 4)}
    index = {t: i for i, t in enumerate(tokens)}
    kept = {i for i, k in enumerate(types) if k not in (NORMAL, *CONTROL_TYPES)}  # user-defined, bytes
    kept.update(i for i, k in enumerate(types[:KEPT_CONTROLS]) if k in CONTROL_TYPES)
    done: set[str] = set()
    for text in texts:
        for segment in _segments(text):
            if segment in done:
                continue
            done.add(segment)
            kept.update(index[p] for p in merge_path(segment, normal) if p in index)
    return sorted(kept)


def gguf_vocabulary(reader) -> tuple[list[str], list[float], list[int]]:  # type: ignore[no-untyped-def]
    def array(key: str) -> list:  # type: ignore[type-arg]
        field = reader.fields[key]
        return [field.parts[i] for i in field.data]

    tokens = [bytes(p).decode("utf-8") for p in array("tokenizer.ggml.tokens")]
    return (tokens, [float(p[0]) for p in array("tokenizer.ggml.scores")],
            [int(p[0]) for p in array("tokenizer.ggml.token_type")])


def write_pruned(source: Path, out: Path, texts: Iterable[str]) -> int:
    """Write ``out``: ``source`` with only the kept vocabulary rows. Returns the vocabulary size."""
    import gguf
    import numpy as np

    reader = gguf.GGUFReader(str(source))
    if reader.get_field("tokenizer.ggml.model").contents() != "llama":
        raise ValueError(f"{source.name}: not a SentencePiece-vocabulary GGUF")
    tokens, scores, types = gguf_vocabulary(reader)
    keep = kept_token_ids(tokens, scores, types, texts)
    if keep[:4] != [0, 1, 2, 3]:
        raise ValueError(f"{source.name}: unexpected special token ids")
    arch = reader.get_field(gguf.Keys.General.ARCHITECTURE).contents()
    writer = gguf.GGUFWriter(str(out), arch=arch, endianess=reader.endianess)
    replaced = {
        "tokenizer.ggml.tokens": [tokens[i] for i in keep],
        "tokenizer.ggml.scores": [scores[i] for i in keep],
        "tokenizer.ggml.token_type": [types[i] for i in keep],
    }
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, replaced.get(field.name, field.contents()), value_type, sub_type=sub_type)
    rows = np.asarray(keep)
    tensors = [(t, t.data[rows] if t.name == "token_embd.weight" else t.data) for t in reader.tensors]
    for tensor, data in tensors:
        writer.add_tensor_info(tensor.name, data.shape, data.dtype, data.nbytes, tensor.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for _, data in tensors:
        writer.write_tensor_data(np.ascontiguousarray(data), tensor_endianess=reader.endianess)
    writer.close()
    return len(keep)


def english_gguf(source: Path, folder: Path, notice: Callable[[str], None] = lambda message: None) -> Path:
    """The pruned copy of ``source`` in ``folder``, built on first use (atomically: a killed
    build leaves no file that a later run would trust)."""
    stat = source.stat()
    key = hashlib.sha256(
        f"{source.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{PIECE_LIST_VERSION}".encode()).hexdigest()[:12]
    target = folder / f"{source.stem}.en{PIECE_LIST_VERSION}-{key}.gguf"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    notice(f"preparing {target.name}, an English-vocabulary copy of {source.name} (once, under a minute)")
    try:
        write_pruned(source, partial, english_texts())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    for stale in folder.glob(f"{source.stem}.en*-*.gguf"):  # copies of an older source or piece list
        if stale != target:
            stale.unlink(missing_ok=True)
    return target

