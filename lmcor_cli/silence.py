"""Silence a C library that writes straight to a file descriptor (llama.cpp, Harper)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TextIO


@contextlib.contextmanager
def silenced(stream: TextIO) -> Iterator[None]:
    """Point ``stream``'s file descriptor at /dev/null for the duration (flushing it first)."""
    try:
        stream.flush()
        fd = stream.fileno()
    except (AttributeError, ValueError, OSError):
        yield
        return
    saved = os.dup(fd)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
