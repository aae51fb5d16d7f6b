"""Bytes in, bytes out: validated reading and atomic writing of user files.

Reading never alters a byte: text is decoded as strict UTF-8 (a BOM stays in the text
as U+FEFF) and lines keep their own endings (LF, CRLF or CR), so re-encoding the
unchanged text gives back the original bytes.  Writing goes to a temporary file in
the same folder, is fsynced and renamed over the original, so a crash, a full disk or
Ctrl-C leaves either the old file or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from lmcor_cli import interrupt
from lmcor_cli.errors import InputError

STDIN_NAME = "<stdin>"
_VALIDATE_BLOCK = 1 << 20
_TEMP_PATTERN = re.compile(r"^\.(?P<name>.+)\.lmcor-(?P<pid>\d+)-[a-z0-9_]+\.tmp$")


@dataclass
class Source:
    """A validated input: a name for messages and a seekable binary stream."""

    name: str
    stream: BinaryIO
    path: Path | None = None

    def lines(self) -> Iterator[str]:
        """Lines with their original endings (``newline=''`` keeps them untranslated)."""
        self.stream.seek(0)
        return io.TextIOWrapper(self.stream, encoding="utf-8", errors="strict", newline="")  # type: ignore[arg-type]

    def close(self) -> None:
        self.stream.close()


def open_source(name: str) -> Source:
    """Open a file (or ``-`` for stdin) and check it is readable, text and UTF-8."""
    if name == "-":
        return _spool_stdin()
    path = Path(name)
    if not path.exists():
        raise InputError(f"{name}: no such file")
    if path.is_dir():
        raise InputError(f"{name}: is a directory")
    if not path.is_file():
        raise InputError(f"{name}: not a regular file")
    try:
        stream = path.open("rb")
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None
    try:
        validate_utf8(stream, name)
    except BaseException:
        stream.close()
        raise
    return Source(name=name, stream=stream, path=path)


def _spool_stdin() -> Source:
    """Read stdin to the end first, so an encoding error is found before any output."""
    spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)
    stdin = sys.stdin.buffer if sys.stdin is not None else None
    if stdin is None:
        raise InputError(f"{STDIN_NAME}: no standard input")
    shutil.copyfileobj(stdin, spool)
    validate_utf8(spool, STDIN_NAME)
    return Source(name=STDIN_NAME, stream=spool)  # type: ignore[arg-type]


def validate_utf8(stream: IO[bytes], name: str) -> None:
    """Reject binary data (NUL bytes) and invalid UTF-8, naming the byte offset."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    stream.seek(0)
    while block := stream.read(_VALIDATE_BLOCK):
        nul = block.find(b"\0")
        if nul >= 0:
            raise InputError(f"{name}: binary file (NUL byte at offset {offset + nul}), not text")
        try:
            decoder.decode(block)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name}: not valid UTF-8 (byte offset {offset + exc.start}); convert it to UTF-8 first"
            ) from None
        offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InputError(f"{name}: not valid UTF-8 (truncated sequence at end of file)") from None
    stream.seek(0)


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[IO[bytes]]:
    """Write to a sibling temp file; on success fsync and rename it over ``path``.

    On any exception (including KeyboardInterrupt and SystemExit) the temp file is removed
    and ``path`` is untouched.  The original's permission bits and owner are kept.  Open it
    only once the whole new content is ready: a ``kill -9`` while it is open leaves the
    temp file behind (the next write to ``path`` removes it).
    """
    target = Path(os.path.realpath(path))
    remove_stale_temps(target)
    try:
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{target.name}.lmcor-{os.getpid()}-", suffix=".tmp", dir=target.parent
        )
    except PermissionError:
        raise InputError(f"{path}: cannot write in {target.parent} (permission denied)") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _copy_ownership_and_mode(target, temp)
        interrupt.check()  # a stop request swallowed by native code still stops the rewrite
        os.replace(temp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        raise InputError(f"{path}: not written ({exc.strerror or exc}); the original is unchanged") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _copy_ownership_and_mode(original: Path, temp: Path) -> None:
    st = original.stat()
    os.chmod(temp, st.st_mode & 0o7777)
    if hasattr(os, "chown"):
        with contextlib.suppress(PermissionError, OSError):
            os.chown(temp, st.st_uid, st.st_gid)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def remove_stale_temps(target: Path) -> None:
    """Remove temp files a killed run (``kill -9``) left beside ``target``."""
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        match = _TEMP_PATTERN.match(entry.name)
        if not match or match["name"] != target.name:
            continue
        if not _pid_alive(int(match["pid"])):
            with contextlib.suppress(OSError):
                entry.unlink()


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
