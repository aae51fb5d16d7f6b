"""Training pairs: (corrector input, target) from real candidate files and synthetic triples.

Real records get the same pool as inference (``corrector_pool``: cleaned LLM candidates
plus Harper's fixes); synthetic records were given theirs by ``lmcor train synth``.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from lmcor_cli.candidates import Candidate
from lmcor_cli.correctors.input_format import format_input
from lmcor_cli.pool import corrector_pool


def read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                yield json.loads(line)
            except ValueError:
                return  # a torn last line from a killed run


def real_pairs(path: Path) -> Iterator[tuple[str, str, str, str]]:
    """(id, source, input, target) for each record of a ``train candidates`` file."""
    for record in read_jsonl(path):
        pool = corrector_pool(record["source"], [Candidate(**c) for c in record["candidates"]])
        yield record["id"], record["source"], format_input(record["source"], pool), record["references"][0]


def synth_pairs(path: Path) -> Iterator[tuple[str, str, str, str]]:
    for record in read_jsonl(path):
        pool = [Candidate(**c) for c in record["candidates"]]
        yield record["id"], record["source"], format_input(record["source"], pool), record["references"][0]


def is_dev(key: str, per_mille: int = 50) -> bool:
    """A stable ~5% of the data (by record id, or by target sentence), held out for early stopping."""
    return zlib.crc32(key.encode()) % 1000 < per_mille
