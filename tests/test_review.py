"""``lmcor fix --interactive`` in a real pseudo-terminal (pexpect): edit by edit, one write
at the end, nothing written on Ctrl-C."""

from __future__ import annotations

import os
import sys

import pytest
from conftest import RULES, run_lmcor

pexpect = pytest.importorskip("pexpect")

DOC = "# Notes\n\nThis are fine. It have\ntwo lines.\n\nThen she go home. This are fine.\n"
PROMPT = r"Apply this fix\? \[y,n,a,s,q,\?\] "


def _spawn(tmp_path, *args: str):
    env = {**os.environ, "LMCOR_CORRECTOR": "none", "TERM": "dumb", "COLUMNS": "200"}  # dumb: no styles to match around
    return pexpect.spawn(sys.executable, ["-m", "lmcor_cli", "fix", "--interactive", "-g", RULES, *args],
                         cwd=str(tmp_path), env=env, encoding="utf-8", timeout=60)


def test_accept_reject_and_a_rejection_is_not_asked_again(tmp_path) -> None:
    doc = tmp_path / "notes.md"
    doc.write_text(DOC)
    child = _spawn(tmp_path, "notes.md")
    child.expect(r"notes.md:3:6  subject–verb agreement · 1 of 1 candidate")
    child.expect(r"This \[-are-\]\{\+is\+\} fine\.")
    child.expect(PROMPT)
    child.sendline("n")  # "This are fine." stays; its twin at the end is not offered again
    child.expect(r"It \[-have-\]\{\+has\+\} two lines\.")
    child.expect(PROMPT)
    child.sendline("?")
    child.expect("a - accept all of this kind")
    child.expect(PROMPT)
    child.sendline("y")
    child.expect(r"Then she \[-go-\]\{\+goes\+\} home\.")
    child.expect(PROMPT)
    assert doc.read_text() == DOC  # nothing is written before the review ends
    child.sendline("y")
    child.expect("fixed notes.md")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert doc.read_text() == DOC.replace("It have", "It has").replace("she go", "she goes")


def test_accept_all_of_a_kind_and_quit_keeps_what_was_accepted(tmp_path) -> None:
    (tmp_path / "a.md").write_text("It have one.\n\nThen she go home. They dont know.\n")
    (tmp_path / "b.md").write_text("This are two.\n")
    child = _spawn(tmp_path, "a.md", "b.md")
    child.expect(r"It \[-have-\]\{\+has\+\} one\.")
    child.expect(PROMPT)
    child.sendline("a")  # every subject–verb agreement edit from now on
    child.expect(r"They \[-dont-\]\{\+don't\+\} know\.")  # "she go" was taken without asking
    child.expect(PROMPT)
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (tmp_path / "a.md").read_text() == "It has one.\n\nThen she goes home. They dont know.\n"
    assert (tmp_path / "b.md").read_text() == "This are two.\n"  # after the quit: untouched


def test_ctrl_c_writes_nothing(tmp_path) -> None:
    (tmp_path / "a.md").write_text("It have one.\n")
    (tmp_path / "b.md").write_text("This are two.\n")
    child = _spawn(tmp_path, "a.md", "b.md")
    child.expect(PROMPT)
    child.sendline("y")
    child.expect(r"This \[-are-\]\{\+is\+\} two\.")
    child.expect(PROMPT)
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 or child.signalstatus is not None
    assert (tmp_path / "a.md").read_text() == "It have one.\n"
    assert (tmp_path / "b.md").read_text() == "This are two.\n"


def test_skip_leaves_the_file_as_it_is(tmp_path) -> None:
    (tmp_path / "a.md").write_text("It have one. This are two.\n")
    child = _spawn(tmp_path, "a.md")
    child.expect(PROMPT)
    child.sendline("y")
    child.expect(PROMPT)
    child.sendline("s")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and (tmp_path / "a.md").read_text() == "It have one. This are two.\n"


def test_interactive_needs_a_terminal_and_files(tmp_path) -> None:
    (tmp_path / "a.md").write_text("It have one.\n")
    piped = run_lmcor("fix", "--interactive", "-g", RULES, "a.md", cwd=tmp_path, input=b"y\n")
    assert piped.returncode == 2 and b"stdin is not one" in piped.stderr
    assert run_lmcor("fix", "--interactive", "-g", RULES, "-", input=b"x\n").returncode == 2
    both = run_lmcor("fix", "--interactive", "--check", "-g", RULES, "a.md", cwd=tmp_path)
    assert both.returncode == 2 and b"without -i, --check" in both.stderr
