"""Split the documentation prose into the corrector recipe's three files (docs/training.md).

    python scripts/split_prose.py shared/data/prose/*.txt -o runs

- ``prose_heldout.jsonl``: 1,000 clean sentences (a stable hash of the line picks them),
  each its own reference: the clean-text check, never trained on;
- ``prose_train.txt``: every other line, for ``train synth --clean``;
- ``prose_technical.txt``: the training lines the plain-sentence filter passes over (code-like
  tokens, identifiers, markup), for ``train synth --any-line``.
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path

from lmcor_cli.clean_prose import is_clean_sentence

HELD_OUT = 1000
EVERY = 120


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args()
    held_out: dict[str, None] = {}  # ordered, and quick to ask
    train: list[str] = []
    for path in args.files:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line in held_out:  # a copy of a held-out sentence goes nowhere
                continue
            picked = zlib.crc32(line.encode()) % EVERY == 0 and is_clean_sentence(line)
            if picked and len(held_out) < HELD_OUT:
                held_out[line] = None
            else:
                train.append(line)
    technical = [line for line in train if 4 <= len(line.split()) <= 60 and not is_clean_sentence(line)]
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "prose_heldout.jsonl").open("w", encoding="utf-8") as out:
        for number, line in enumerate(held_out):
            out.write(json.dumps({"id": f"prose-{number}", "source": line, "references": [line]}) + "\n")
    (args.out / "prose_train.txt").write_text("\n".join(train) + "\n", encoding="utf-8")
    (args.out / "prose_technical.txt").write_text("\n".join(technical) + "\n", encoding="utf-8")
    print(f"held out {len(held_out)}, train {len(train)}, technical {len(technical)}")


if __name__ == "__main__":
    main()
