"""Stage 1: run the generator over training sources and store K candidates per sentence.

The output is append-only JSONL, one line per example, flushed as it is written: a
killed run resumes by skipping the ids already present (a torn last line is dropped).
Candidates come from the same prompt and sampling as inference, with the prompt
variant rotated per example so the corrector does not learn one prompt's quirks.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from lmcor_cli.data import Example
from lmcor_cli.errors import UsageError
from lmcor_cli.generate.base import Generator, GeneratorSpec, close_generator
from lmcor_cli.prompt import load_prompt

BATCH = 12


def written(path: Path) -> tuple[set[str], dict[str, set[str]]]:
    """Ids already written, and per prompt id the generators that wrote them;
    a torn last line (a kill mid-write) is cut off."""
    if not path.exists():
        return set(), {}
    ids: set[str] = set()
    makers: dict[str, set[str]] = {}
    good_bytes = 0
    with path.open("rb") as handle:
        for line in handle:
            try:
                record = json.loads(line)
                ids.add(record["id"])
            except (ValueError, KeyError):
                break
            if "generator" in record:
                makers.setdefault(record.get("prompt", ""), set()).add(record["generator"])
            good_bytes += len(line)
    if good_bytes < path.stat().st_size:
        with path.open("r+b") as handle:
            handle.truncate(good_bytes)
    return ids, makers


def check_same_generator(path: Path, makers: dict[str, set[str]], prompt_id: str, generator_id: str) -> None:
    """Refuse to resume a file begun by another generator (another model, temperature, or
    rules first on/off): its pools would train the corrector on a mix."""
    others = sorted(makers.get(prompt_id, set()) - {generator_id})
    if others:
        raise UsageError(f"{path} holds candidates from {others[0]}, not {generator_id}; "
                         "write to another --out, or resume with the same settings")


def prompt_variant(example_id: str, variants: int) -> int:
    return zlib.crc32(example_id.encode()) % variants


def generate_candidates(
    examples: Sequence[Example],
    out: Path,
    spec: GeneratorSpec,
    make_generator: Callable[[GeneratorSpec], Generator],
    k: int,
    variants: int,
    on_progress: Callable[[int], None] = lambda n: None,
) -> int:
    """Append candidates for every example not yet in ``out``; return how many were added."""
    out.parent.mkdir(parents=True, exist_ok=True)
    done, makers = written(out)
    todo = [e for e in examples if e.id not in done]
    on_progress(len(examples) - len(todo))
    added = 0
    with out.open("a", encoding="utf-8") as handle:
        for variant in range(variants):
            group = [e for e in todo if prompt_variant(e.id, variants) == variant]
            if not group:
                continue
            prompt = load_prompt(variant)
            generator = make_generator(replace(spec, prompt=prompt))
            try:
                check_same_generator(out, makers, prompt.id, generator.id)
                for start in range(0, len(group), BATCH):
                    batch = group[start : start + BATCH]
                    pools = generator.candidates([e.source for e in batch], k)
                    for example, pool in zip(batch, pools):
                        record = {
                            "id": example.id,
                            "source": example.source,
                            "references": example.references,
                            "prompt": prompt.id,
                            "generator": generator.id,
                            "candidates": [c.to_json() for c in pool],
                        }
                        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                    handle.flush()
                    added += len(batch)
                    on_progress(len(batch))
            finally:
                close_generator(generator)  # one model in memory at a time: the next variant loads its own
    return added
