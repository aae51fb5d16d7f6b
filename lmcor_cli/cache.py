"""A sqlite cache of finished sentences, so an unchanged file costs no model work.

Keyed by everything that determines the output: generator, corrector, prompt version,
number of candidates and the sentence.  WAL mode and a busy timeout let two runs share
it; a corrupt file is moved aside and rebuilt with a notice rather than crashing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lmcor_cli.candidates import Candidate

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, output TEXT NOT NULL, candidates TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS pools (key TEXT PRIMARY KEY, candidates TEXT NOT NULL)"
)


@dataclass(frozen=True)
class CachedResult:
    output: str
    candidates: list[Candidate]


def cache_key(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


class ResultCache:
    """get/put by key; every failure to use the cache degrades to "no cache", never a crash."""

    def __init__(self, path: Path, notice: Callable[[str], None] = lambda message: None):
        self.path = path
        self.notice = notice
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None or self._broken:
            return self._db
        try:
            self._db = self._open()
        except sqlite3.DatabaseError:
            self.notice(f"cache {self.path} was corrupt; rebuilding it")
            self._move_aside()
            try:
                self._db = self._open()
            except sqlite3.Error as exc:
                self._disable(exc)
        except (sqlite3.Error, OSError) as exc:
            self._disable(exc)
        return self._db

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(_SCHEMA)
            db.execute("SELECT count(*) FROM results WHERE key = ''").fetchone()
        except BaseException:
            db.close()
            raise
        return db

    def _move_aside(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            with contextlib.suppress(OSError):
                part.replace(Path(f"{part}.corrupt"))

    def _disable(self, exc: Exception) -> None:
        self.notice(f"cache {self.path} unusable ({exc}); running without it")
        self._broken = True
        self._db = None

    def get(self, key: str) -> CachedResult | None:
        row = self._read("SELECT output, candidates FROM results WHERE key = ?", key)
        return CachedResult(row[0], _candidates(row[1])) if row else None

    def put_many(self, items: list[tuple[str, CachedResult]]) -> None:
        if not items:
            return
        rows = [(k, r.output, json.dumps([c.to_json() for c in r.candidates])) for k, r in items]
        self._write("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", rows)

    def get_pool(self, key: str) -> list[Candidate] | None:
        """A generator's raw candidate pool (used by ``lmcor eval`` so no pool is generated twice)."""
        row = self._read("SELECT candidates FROM pools WHERE key = ?", key)
        return _candidates(row[0]) if row else None

    def put_pools(self, items: list[tuple[str, list[Candidate]]]) -> None:
        if not items:
            return
        rows = [(k, json.dumps([c.to_json() for c in pool])) for k, pool in items]
        self._write("INSERT OR REPLACE INTO pools VALUES (?, ?)", rows)

    def _read(self, sql: str, key: str) -> tuple[str, ...] | None:
        db = self._connect()
        if db is None:
            return None
        try:
            return db.execute(sql, (key,)).fetchone()
        except sqlite3.Error as exc:
            self._disable(exc)
            return None

    def _write(self, sql: str, rows: list[tuple[str, ...]]) -> None:
        """One immediate transaction, so a concurrent run waits instead of failing."""
        db = self._connect()
        if db is None:
            return
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany(sql, rows)
        except sqlite3.Error as exc:
            self._disable(exc)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _candidates(stored: str) -> list[Candidate]:
    return [Candidate(**c) for c in json.loads(stored)]
