"""GEC data sets: our JSONL (``{"id","source","references":[...]}``) and M2 files.

An M2 file keeps its gold edits per annotator (the M2 scorer needs them); references are
derived by applying each annotator's edits, so every data set offers ``references``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from lmcor_cli.errors import InputError

Edit = tuple[int, int, str, tuple[str, ...]]  # token start, end, original, accepted corrections


@dataclass
class Example:
    id: str
    source: str
    references: list[str]
    gold_edits: list[list[Edit]] | None = field(default=None, repr=False)  # per annotator, M2 only


def natural(examples: list[Example]) -> list[Example]:
    """The same examples as a user would type them: detokenised if the data set is tokenised."""
    from lmcor_cli.evaluate.tokens import detokenize, is_tokenized

    if not is_tokenized([e.source for e in examples]):
        return examples
    return [Example(e.id, detokenize(e.source), [detokenize(r) for r in e.references], e.gold_edits) for e in examples]


def load_dataset(path: Path, limit: int | None = None) -> list[Example]:
    """Read a ``.jsonl`` or ``.m2`` file (by suffix; M2 also when lines start with ``S ``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read data ({exc})") from None
    examples = _parse_m2(text, path) if path.suffix == ".m2" or text.startswith("S ") else _parse_jsonl(text, path)
    return examples[:limit] if limit else examples


def _parse_jsonl(text: str, path: Path) -> list[Example]:
    examples = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            examples.append(Example(str(row.get("id", number)), row["source"], list(row["references"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{number}: not a data line ({exc})") from None
    return examples


def _parse_m2(text: str, path: Path) -> list[Example]:
    examples = []
    for index, block in enumerate(b for b in text.strip().split("\n\n") if b.strip()):
        lines = block.strip().split("\n")
        if not lines[0].startswith("S "):
            raise InputError(f"{path}: block {index + 1} does not start with 'S '")
        source = lines[0][2:]
        per_annotator: dict[int, list[Edit]] = {}
        for line in lines[1:]:
            fields = line[2:].split("|||")
            start, end = (int(x) for x in fields[0].split())
            annotator = int(fields[5])
            edits = per_annotator.setdefault(annotator, [])
            if fields[1] == "noop" or start < 0:
                continue
            corrections = tuple("" if c == "-NONE-" else c.strip() for c in fields[2].split("||"))
            original = " ".join(source.split()[start:end])
            edits.append((start, end, original, corrections))
        if not per_annotator:
            per_annotator[0] = []
        gold = [per_annotator[a] for a in sorted(per_annotator)]
        examples.append(Example(str(index), source, [apply_edits(source, e) for e in gold], gold))
    return examples


def apply_edits(source: str, edits: list[Edit]) -> str:
    tokens = source.split()
    for start, end, _, corrections in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        tokens[start:end] = corrections[0].split()
    return " ".join(tokens)
