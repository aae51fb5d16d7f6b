from __future__ import annotations

import os
import stat

import pytest

from lmcor_cli.errors import InputError
from lmcor_cli.textio import atomic_writer, open_source, remove_stale_temps


def test_lines_keep_every_ending(tmp_path):
    raw = "\ufeffa\r\nb\rc\nd".encode()
    path = tmp_path / "mixed.txt"
    path.write_bytes(raw)
    source = open_source(str(path))
    lines = list(source.lines())
    assert lines == ["\ufeffa\r\n", "b\r", "c\n", "d"]
    assert "".join(lines).encode() == raw
    source.close()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"caf\xe9 au lait\n", "not valid UTF-8 (byte offset 3)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        (b"ok \xe2\x82", "truncated sequence"),
    ],
)
def test_bad_bytes_are_rejected_with_a_clear_message(tmp_path, data, message):
    path = tmp_path / "bad.md"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        open_source(str(path))


def test_missing_directory_and_unreadable(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        open_source(str(tmp_path / "nope.md"))
    with pytest.raises(InputError, match="is a directory"):
        open_source(str(tmp_path))
    locked = tmp_path / "locked.md"
    locked.write_text("x")
    locked.chmod(0)
    if os.geteuid() != 0:  # root reads anything
        with pytest.raises(InputError, match="permission denied"):
            open_source(str(locked))


def test_atomic_writer_replaces_and_keeps_mode(tmp_path):
    path = tmp_path / "doc.md"
    path.write_bytes(b"old")
    path.chmod(0o640)
    with atomic_writer(path) as out:
        out.write(b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.md"]


def test_atomic_writer_leaves_original_on_failure(tmp_path):
    path = tmp_path / "doc.md"
    path.write_bytes(b"original")
    with pytest.raises(KeyboardInterrupt):
        with atomic_writer(path) as out:
            out.write(b"half of the new")
            raise KeyboardInterrupt
    assert path.read_bytes() == b"original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.md"]


def test_write_through_symlink_replaces_target(tmp_path):
    target = tmp_path / "real.md"
    target.write_bytes(b"old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    with atomic_writer(link) as out:
        out.write(b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"


def test_stale_temp_from_a_dead_process_is_removed(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text("x")
    dead_pid = 2**22 + 12345  # above any pid_max default: never alive
    stale = tmp_path / f".doc.md.lmcor-{dead_pid}-abc123.tmp"
    stale.write_text("half")
    unrelated = tmp_path / ".other.md.lmcor-1-abc.tmp"
    unrelated.write_text("keep")
    remove_stale_temps(path)
    assert not stale.exists() and unrelated.exists()


def test_a_swallowed_stop_request_still_stops_the_rewrite(tmp_path, monkeypatch):
    """Native code (Harper, CTranslate2) can catch the exception a signal raises; the latched
    request must still keep the original file."""
    import signal

    from lmcor_cli import interrupt

    monkeypatch.setattr(interrupt, "_pending", None)
    target = tmp_path / "doc.md"
    target.write_text("original\n")
    with pytest.raises(KeyboardInterrupt):
        with atomic_writer(target) as out:
            out.write(b"half of the new text")
            try:
                interrupt._on_signal(signal.SIGINT)
            except KeyboardInterrupt:
                pass  # as a native extension might
            out.write(b" and the rest\n")
    assert target.read_text() == "original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["doc.md"]
