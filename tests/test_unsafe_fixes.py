"""Safe and unsafe fixes through lmcor fix: what the guard refuses on a judgment about a word is an
unsafe fix, counted by --check and made only with --unsafe-fixes (flag or configuration key);
the edit corrector's unsure edits are in tests/test_edit_corrector.py."""

from __future__ import annotations

from conftest import RULES, run_lmcor

from lmcor_cli.correctors.base import Edit
from lmcor_cli.engine import unsafe_fixes


def test_check_counts_unsafe_fixes_and_fails_only_on_safe_ones(tmp_path):
    (tmp_path / "terms.md").write_text("We use sysroot here.\n")
    (tmp_path / "both.md").write_text("This are wrong. We use sysroot here.\n")
    only_unsafe = run_lmcor("fix", "--check", "-g", RULES, "--no-cache", "terms.md", cwd=tmp_path)
    assert only_unsafe.returncode == 0, only_unsafe.stderr
    assert only_unsafe.stderr.decode().splitlines() == [
        "lmcor: terms.md: 1 unsafe fix only, not made without --unsafe-fixes",
        "lmcor: no safe fixes; 1 unsafe fix (--unsafe-fixes makes it)",
    ]
    both = run_lmcor("fix", "--check", "-g", RULES, "--no-cache", "both.md", "terms.md", cwd=tmp_path)
    assert both.returncode == 1
    assert both.stderr.decode().splitlines() == [
        "lmcor: would fix both.md",
        "lmcor: terms.md: 1 unsafe fix only, not made without --unsafe-fixes",
        "lmcor: 1 fix in 1 file; 2 more are unsafe (--unsafe-fixes makes them)",
    ]


def test_unsafe_fixes_are_made_on_request_and_cached_apart(tmp_path):
    (tmp_path / "doc.md").write_text("This are wrong. We use sysroot here.\n")
    calls = tmp_path / "calls.txt"
    env = {"LMCOR_TEST_CALLS": str(calls)}
    for _ in range(2):  # the second round answers from the cache: the same output and counts
        safe = run_lmcor("fix", "-g", RULES, "doc.md", cwd=tmp_path, env=env)
        assert safe.stdout == b"This is wrong. We use sysroot here.\n"
        unsafe = run_lmcor("fix", "-g", RULES, "--unsafe-fixes", "doc.md", cwd=tmp_path, env=env)
        assert unsafe.stdout == b"This is wrong. We use shoot here.\n"
        check = run_lmcor("fix", "--check", "-g", RULES, "doc.md", cwd=tmp_path, env=env)
        summary = check.stderr.decode().splitlines()[-1]
        assert summary == "lmcor: 1 fix in 1 file; 1 more is unsafe (--unsafe-fixes makes it)"
    assert calls.read_text() == "2\n2\n"  # one generator call with and one without unsafe fixes, then cache hits
    (tmp_path / ".lmcor.toml").write_text("unsafe_fixes = true\n")
    configured = run_lmcor("fix", "-g", RULES, "--no-cache", "doc.md", cwd=tmp_path)
    assert configured.stdout == b"This is wrong. We use shoot here.\n"
    overruled = run_lmcor("fix", "-g", RULES, "--no-cache", "--no-unsafe-fixes", "doc.md", cwd=tmp_path)
    assert overruled.stdout == b"This is wrong. We use sysroot here.\n"
    (tmp_path / ".lmcor.toml").write_text('unsafe_fixes = "yes"\n')
    bad = run_lmcor("fix", "-g", RULES, "doc.md", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.decode().endswith("'unsafe_fixes' must be true or false\n")


def test_structural_refusals_never_become_unsafe_fixes():
    source = "We use sysroot with --dry-run, as listed below:"
    term = source.index(" sysroot")
    flag = source.index(" --dry-run")
    respelt = Edit(term, term + 8, " shoot")
    dashed = Edit(flag, flag + 10, " –dry-run")
    colon = Edit(len(source) - 1, len(source), ".")
    unsure_code = Edit(flag, flag + 10, " --dryrun", 0.4)
    unsure_word = Edit(2, 6, " used", 0.4)
    refused = [(respelt, "unknown word 'sysroot'"), (dashed, "code-like token"), (colon, "line-final colon")]
    assert unsafe_fixes(source, [], refused, [unsure_code, unsure_word]) == [unsure_word, respelt]
    made = [Edit(2, 6, " used")]  # an edit already made wins over an unsafe one at the same words
    assert unsafe_fixes(source, made, refused, [unsure_word]) == [respelt]
