"""The allocator knobs that keep peak memory down: real glibc calls where glibc is the allocator."""

from __future__ import annotations

import platform

import pytest

from lmcor_cli import memory

on_glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not on_glibc, reason="glibc's mallopt and malloc_trim")
def test_glibc_takes_the_arena_cap_and_trims():
    assert memory.limit_arenas()
    blocks = [bytearray(256 * 1024) for _ in range(64)]  # freed below, left in the heap
    del blocks
    assert isinstance(memory.return_freed_memory(), bool)


def test_without_glibc_both_are_no_ops(monkeypatch):
    monkeypatch.setattr(memory, "_glibc", lambda: None)
    assert memory.limit_arenas() is False
    assert memory.return_freed_memory() is False
