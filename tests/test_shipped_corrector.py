"""The corrector shipped in models/: intact, picked by `auto`, and sane on obvious cases."""

from __future__ import annotations

import hashlib
import json

from conftest import RULES, run_lmcor

from lmcor_cli.candidates import Candidate
from lmcor_cli.correct import Corrector, inspect_corrector
from lmcor_cli.models import default_corrector


def test_shipped_files_match_their_checksums():
    folder = default_corrector()
    assert folder is not None
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert (folder / "MODEL_CARD.md").read_text().startswith("# lmcor-default")


def test_it_ranks_and_keeps_correct_text():
    info = inspect_corrector(default_corrector())
    assert info.mode == "rank"
    sources = ["She go to school every days.", "This sentence is already correct."]
    pools = [
        [Candidate("She goes to school every day.", "greedy"), Candidate("She go to school every day.", "sample")],
        [Candidate("This sentence is already correct, I think so.", "sample"), Candidate("This sentences are already correct.", "greedy")],
    ]
    assert Corrector(info).correct(sources, pools) == ["She goes to school every day.", "This sentence is already correct."]


def test_auto_uses_the_shipped_corrector():
    result = run_lmcor("fix", "-g", RULES, "--format", "json", "-", input=b"This are wrong.\n", env={"LMCOR_CORRECTOR": "auto"})
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert record["system"] == "corrector" and record["output"] == "This is wrong."
