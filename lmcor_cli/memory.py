"""Keeping the process's peak memory down where the C allocator decides it (glibc only).

Two models live in one process — llama.cpp's generator and CTranslate2's corrector (and the
gate's reading before them) — and each frees large buffers the other never reuses.  glibc
keeps freed memory in per-thread arenas (up to eight per core) instead of returning it; with
two arenas and a trim after the gate's read, the bench's peak RSS fell by ~60-110 MB (see
docs/benchmarks.md).  Elsewhere (macOS, musl) both calls do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
ARENAS = 2  # one per core of the machines we size for; more buys no speed here


@lru_cache(maxsize=1)
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas; call before any model starts its threads.  False where the
    allocator is not glibc's."""
    libc = _glibc()
    return libc is not None and libc.mallopt(M_ARENA_MAX, arenas) == 1


def return_freed_memory() -> bool:
    """Give freed heap memory back to the system (after a model's large, one-off buffers are
    freed); True where glibc released any."""
    libc = _glibc()
    return libc is not None and libc.malloc_trim(0) == 1
