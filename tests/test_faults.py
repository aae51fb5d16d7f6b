"""Fault injection: bad corrector folders, empty and huge inputs, a full disk during -i."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import RULES, run_lmcor


def test_empty_file_is_fine(tmp_path):
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    result = run_lmcor("fix", "-g", RULES, str(empty))
    assert result.returncode == 0 and result.stdout == b""
    assert run_lmcor("fix", "-i", "-g", RULES, str(empty)).returncode == 0 and empty.read_bytes() == b""


@pytest.mark.parametrize("damage", ["missing-model", "bad-json", "wrong-format", "unknown-mode", "unknown-rank-feature",
                                    "corrupt-model"])
def test_broken_corrector_folder_is_a_model_error(tmp_path, tiny_corrector, damage):
    folder = tmp_path / "corrector"
    shutil.copytree(tiny_corrector, folder)
    if damage == "missing-model":
        (folder / "model.bin").unlink()
    elif damage == "bad-json":
        (folder / "lmcor.json").write_text("{not json")
    elif damage == "wrong-format":
        (folder / "lmcor.json").write_text(json.dumps({"name": "x", "input_format": 99}))
    elif damage == "unknown-mode":
        meta = json.loads((folder / "lmcor.json").read_text())
        (folder / "lmcor.json").write_text(json.dumps({**meta, "mode": "vote"}))
    elif damage == "unknown-rank-feature":
        meta = json.loads((folder / "lmcor.json").read_text())
        (folder / "lmcor.json").write_text(json.dumps({**meta, "mode": "rank", "rank_weights": {"sparkle": 1.0}}))
    else:
        (folder / "model.bin").write_bytes(b"\x00garbage" * 10)
    doc = tmp_path / "doc.md"
    doc.write_text("This are wrong.\n")
    result = run_lmcor("fix", "-i", "-c", str(folder), "-g", RULES, str(doc))
    assert result.returncode == 3, result.stderr
    assert b"corrector" in result.stderr and b"Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert doc.read_text() == "This are wrong.\n"


def test_huge_sentence_is_kept_with_a_notice(tmp_path):
    doc = tmp_path / "doc.md"
    text = "This are " + " ".join(f"word{i}" for i in range(5000)) + ".\n"
    doc.write_text(text)
    result = run_lmcor("fix", "-v", "-g", RULES, str(doc))
    assert result.returncode == 0 and result.stdout.decode() == text
    assert b"-word sentence verbatim (longer than the models handle)" in result.stderr


def test_one_megabyte_single_line(tmp_path):
    doc = tmp_path / "line.txt"
    text = ("This are fine and short. " * 40000).rstrip()
    doc.write_text(text)
    result = run_lmcor("fix", "--no-cache", "-g", RULES, str(doc), timeout=600)
    assert result.returncode == 0
    assert result.stdout.decode() == text.replace("This are", "This is")


@pytest.fixture
def tiny_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_during_in_place_leaves_the_original(tiny_disk):
    doc = tiny_disk / "doc.md"
    text = "".join(f"This are line {i}.\n\n" for i in range(1500))  # ~30 KB: the rewrite needs more than is free
    doc.write_text(text)
    filler = tiny_disk / "filler"
    filler.write_bytes(b"x" * (64 * 1024 - len(text.encode()) - 8 * 1024))
    result = run_lmcor("fix", "-i", "--no-cache", "-g", RULES, str(doc))
    assert result.returncode == 2
    assert b"the original is unchanged" in result.stderr and b"Traceback" not in result.stderr
    assert doc.read_text() == text
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["doc.md", "filler"]
