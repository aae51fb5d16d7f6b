from __future__ import annotations

import multiprocessing
import sqlite3

from lmcor_cli.cache import CachedResult, ResultCache, cache_key, cached_scorer
from lmcor_cli.candidates import Candidate
from lmcor_cli.correctors.base import Edit


def _writer(path: str, worker: int, count: int) -> None:
    cache = ResultCache(__import__("pathlib").Path(path))
    for i in range(count):
        cache.put_many([(cache_key(worker, i), CachedResult(f"out {worker} {i}", [Candidate("c", "greedy")]))])
        assert cache.get(cache_key(worker, i)) is not None
    cache.close()


def test_round_trip(tmp_path):
    cache = ResultCache(tmp_path / "c.sqlite3")
    key = cache_key("gen", "corr", 5, "This are.")
    assert cache.get(key) is None
    cache.put_many([(key, CachedResult("This is.", [Candidate("This is.", "greedy")]))])
    hit = cache.get(key)
    assert hit == CachedResult("This is.", [Candidate("This is.", "greedy")])


def test_edits_made_and_unsafe_come_back_with_their_confidence(tmp_path):
    cache = ResultCache(tmp_path / "c.sqlite3")
    key = cache_key("This are Cryptcat.")
    made = [Edit(4, 8, " is", 0.91, "pool", "$TAKE_1")]
    unsafe = [Edit(8, 17, " Crypt", 0.42, "corrector", "$REPLACE_Crypt")]
    cache.put_many([(key, CachedResult("This is Cryptcat.", [], made, unsafe))])
    assert cache.get(key) == CachedResult("This is Cryptcat.", [], made, unsafe)


def test_a_result_stored_without_its_edits_is_a_miss(tmp_path):
    """An older lmcor stored results alone: such a row is recomputed, not served without its edits."""
    path = tmp_path / "c.sqlite3"
    key = cache_key("This are.")
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE results (key TEXT PRIMARY KEY, output TEXT NOT NULL, candidates TEXT NOT NULL)")
    db.execute("INSERT INTO results VALUES (?, ?, ?)", (key, "This is.", "[]"))
    db.commit()
    db.close()
    cache = ResultCache(path)
    assert cache.get(key) is None
    cache.put_many([(key, CachedResult("This is.", []))])
    assert cache.get(key) == CachedResult("This is.", [])


def test_two_processes_share_the_cache(tmp_path):
    path = tmp_path / "shared.sqlite3"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(path), w, 150)) for w in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 300
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_corrupt_cache_is_rebuilt_with_a_notice(tmp_path):
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a sqlite database at all" * 100)
    notices: list[str] = []
    cache = ResultCache(path, notice=notices.append)
    key = cache_key("k")
    cache.put_many([(key, CachedResult("x", []))])
    assert cache.get(key) == CachedResult("x", [])
    assert any("corrupt" in n for n in notices)
    assert (tmp_path / "c.sqlite3.corrupt").exists()


def test_unusable_location_degrades_to_no_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    notices: list[str] = []
    cache = ResultCache(blocker / "sub" / "c.sqlite3", notice=notices.append)
    assert cache.get(cache_key("k")) is None
    cache.put_many([(cache_key("k"), CachedResult("x", []))])
    assert notices and "running without it" in notices[0]


def test_cached_scorer_asks_only_about_new_texts_and_survives_a_restart(tmp_path):
    asked: list[list[str]] = []

    def scorer(texts):  # type: ignore[no-untyped-def]
        asked.append(list(texts))
        return [-float(len(t)) for t in texts]

    path = tmp_path / "scores.sqlite3"
    first = cached_scorer(scorer, ResultCache(path), "model-a")
    assert first(["ab", "abc", "ab"]) == [-2.0, -3.0, -2.0]
    assert asked == [["ab", "abc"]]
    again = cached_scorer(scorer, ResultCache(path), "model-a")  # a new run: same file, new connection
    assert again(["abc", "abcd"]) == [-3.0, -4.0]
    assert asked[-1] == ["abcd"]
    other_model = cached_scorer(scorer, ResultCache(path), "model-b")
    other_model(["ab"])
    assert asked[-1] == ["ab"]
    assert cached_scorer(scorer, None, "model-a") is scorer
