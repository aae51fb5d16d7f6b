"""The corrector shipped in models/: intact, picked by `auto`, and sane on obvious cases."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from conftest import RULES, run_lmcor

from lmcor_cli.candidates import Candidate
from lmcor_cli.correctors import inspect_corrector, open_corrector
from lmcor_cli.models import default_corrector


def test_shipped_files_match_their_checksums():
    default = default_corrector()
    assert default is not None
    for folder in (default, default / inspect_corrector(default).meta.gate_model):
        for line in (folder / "SHA256SUMS").read_text().splitlines():
            digest, name = line.split("  ")
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
        assert (folder / "MODEL_CARD.md").read_text().startswith(f"# {folder.resolve().name}")


def test_the_shipped_gate_model_finds_errors_reading_sentences_alone():
    """The default corrector's gate is read by the shipped edit corrector: a plain correct
    sentence falls below it (no generator run), a sentence with two errors does not."""
    info = inspect_corrector(default_corrector())
    assert info.meta.gate_model == "../lmcor-edit" and info.meta.gate is not None
    reader = open_corrector(inspect_corrector(info.path / info.meta.gate_model), threads=1)
    correct, wrong = reader.error_probabilities(["Run the installer before you open the settings page.",
                                                 "She go to school every days."])
    assert correct < info.meta.gate < wrong


def test_it_ranks_and_keeps_correct_text():
    info = inspect_corrector(default_corrector())
    assert info.meta.mode == "rank"
    sources = ["She go to school every days.", "This sentence is already correct."]
    pools = [
        [Candidate("She goes to school every day.", "greedy"), Candidate("She go to school every day.", "sample")],
        [Candidate("This sentence is already correct, I think so.", "sample"),
         Candidate("This sentences are already correct.", "greedy")],
    ]
    assert [c.text for c in open_corrector(info).correct(sources, pools)] == ["She goes to school every day.",
                                                                              "This sentence is already correct."]


def test_auto_uses_the_shipped_corrector():
    result = run_lmcor("fix", "-g", RULES, "--format", "json", "-", input=b"This are wrong.\n",
                       env={"LMCOR_CORRECTOR": "auto"})
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert record["system"] == "corrector" and record["output"] == "This is wrong."


def test_a_wheel_carries_the_shipped_corrector(tmp_path):
    """`pip install` users get models/ too: the wheel maps it to lmcor_cli/shipped, and lmcor finds it there."""
    repo = Path(__file__).resolve().parent.parent
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the checkout
    for name in ("lmcor_cli", "models"):
        shutil.copytree(repo / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repo / name, source / name)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"),
         str(source)],
        capture_output=True, cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr.decode()
    (wheel,) = (tmp_path / "dist").glob("lmcor-*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    shipped = subprocess.run(
        [sys.executable, "-c", "from lmcor_cli.models import default_corrector; print(default_corrector())"],
        capture_output=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(site)},
    )
    assert shipped.returncode == 0, shipped.stderr.decode()
    assert Path(shipped.stdout.decode().strip()) == site / "lmcor_cli" / "shipped" / "lmcor-default"


def test_the_wheel_lists_every_subpackage():
    """pyproject lists packages by hand (to map models/ in); a new subpackage must not be left out."""
    repo = Path(__file__).resolve().parent.parent
    listed = set(tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(repo).parts) for init in (repo / "lmcor_cli").rglob("__init__.py")}
    assert listed == found | {"lmcor_cli.shipped"}
