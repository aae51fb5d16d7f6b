"""A sqlite cache of finished sentences, so an unchanged file costs no model work.

Keyed by everything that determines the output: generator, corrector, prompt version,
number of candidates and the sentence.  Raw candidate pools and the generator's fluency
scores are kept too, for the commands that need thousands of them.  WAL mode and a busy
timeout let two runs share it; a corrupt file is moved aside and rebuilt with a notice
rather than crashing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lmcor_cli.candidates import Candidate, FluencyScorer
from lmcor_cli.correctors.base import Edit

OPEN_RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8)  # seconds between tries to open a cache another process holds
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, output TEXT NOT NULL, candidates TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS pools (key TEXT PRIMARY KEY, candidates TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS scores (key TEXT PRIMARY KEY, value REAL NOT NULL);"
    "CREATE TABLE IF NOT EXISTS edits (key TEXT PRIMARY KEY, made TEXT NOT NULL, unsafe TEXT NOT NULL)"
)


@dataclass(frozen=True)
class CachedResult:
    output: str
    candidates: list[Candidate]
    edits: list[Edit] = field(default_factory=list)  # the edits made, with confidence, origin and tag
    unsafe: list[Edit] = field(default_factory=list)  # the unsafe fixes not made


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
            self._db = self._open_when_free()
        except sqlite3.OperationalError as exc:  # still locked, or unreadable: not corrupt, so never moved aside
            self._disable(exc)
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

    def _open_when_free(self) -> sqlite3.Connection:
        """``_open``, tried again while another process holds a lock SQLite will not wait for
        (two processes creating the cache at once: switching a new file to WAL can fail at once
        with "database is locked", which must not be taken for corruption)."""
        for delay in OPEN_RETRY_DELAYS:
            try:
                return self._open()
            except sqlite3.OperationalError:
                time.sleep(delay)
        return self._open()

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
        """A finished sentence; one stored without its edits (by an older lmcor) is a miss."""
        row = self._read("SELECT r.output, r.candidates, e.made, e.unsafe FROM results r JOIN edits e "
                         "ON e.key = r.key WHERE r.key = ?", key)
        return CachedResult(row[0], _candidates(row[1]), _edits(row[2]), _edits(row[3])) if row else None

    def put_many(self, items: list[tuple[str, CachedResult]]) -> None:
        if not items:
            return
        rows = [(k, r.output, json.dumps([c.to_json() for c in r.candidates])) for k, r in items]
        edits = [(k, _edit_json(r.edits), _edit_json(r.unsafe)) for k, r in items]
        self._write(("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", rows),
                    ("INSERT OR REPLACE INTO edits VALUES (?, ?, ?)", edits))

    def get_pool(self, key: str) -> list[Candidate] | None:
        """A generator's raw candidate pool (used by ``lmcor eval`` so no pool is generated twice)."""
        row = self._read("SELECT candidates FROM pools WHERE key = ?", key)
        return _candidates(row[0]) if row else None

    def put_pools(self, items: list[tuple[str, list[Candidate]]]) -> None:
        if not items:
            return
        rows = [(k, json.dumps([c.to_json() for c in pool])) for k, pool in items]
        self._write(("INSERT OR REPLACE INTO pools VALUES (?, ?)", rows))

    def get_scores(self, keys: list[str]) -> dict[str, float]:
        """Stored fluency scores among ``keys`` (missing ones are simply absent)."""
        db = self._connect()
        found: dict[str, float] = {}
        if db is None:
            return found
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                rows = db.execute(f"SELECT key, value FROM scores WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                found.update(rows.fetchall())
        except sqlite3.Error as exc:
            self._disable(exc)
        return found

    def put_scores(self, items: list[tuple[str, float]]) -> None:
        if items:
            self._write(("INSERT OR REPLACE INTO scores VALUES (?, ?)", items))  # type: ignore[arg-type]

    def _read(self, sql: str, key: str) -> tuple[str, ...] | None:
        db = self._connect()
        if db is None:
            return None
        try:
            return db.execute(sql, (key,)).fetchone()
        except sqlite3.Error as exc:
            self._disable(exc)
            return None

    def _write(self, *statements: tuple[str, list[tuple[str, ...]]]) -> None:
        """One immediate transaction, so a concurrent run waits instead of failing."""
        db = self._connect()
        if db is None:
            return
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                for sql, rows in statements:
                    db.executemany(sql, rows)
        except sqlite3.Error as exc:
            self._disable(exc)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def cached_scorer(scorer: FluencyScorer, cache: ResultCache | None, model_id: str) -> FluencyScorer:
    """The scorer, asked only about texts this model has not scored before (``lmcor eval`` and
    ``lmcor train ranker`` score thousands of options; a re-run or a resumed run reuses them)."""
    if cache is None:
        return scorer

    def score(texts: Sequence[str]) -> list[float]:
        keys = [cache_key("fluency", model_id, text) for text in texts]
        known = cache.get_scores(keys)
        todo = list(dict.fromkeys(text for text, key in zip(texts, keys) if key not in known))
        if todo:
            items = [(cache_key("fluency", model_id, text), value) for text, value in zip(todo, scorer(todo))]
            cache.put_scores(items)
            known.update(items)
        return [known[key] for key in keys]

    return score


def _candidates(stored: str) -> list[Candidate]:
    return [Candidate(**c) for c in json.loads(stored)]


def _edit_json(edits: list[Edit]) -> str:
    return json.dumps([asdict(edit) for edit in edits], ensure_ascii=False)


def _edits(stored: str) -> list[Edit]:
    return [Edit(**e) for e in json.loads(stored)]
