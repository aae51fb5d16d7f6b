"""The engine's gate: sentences its model finds clean skip the generator; with a sample gate,
only the sentences it doubts get the K−1 samples."""

from __future__ import annotations

from collections.abc import Sequence

from test_adaptive import CountingRules

from lmcor_cli.engine import Engine
from lmcor_cli.generate.adaptive import AdaptiveSampling


class TableGate:
    """A gate model's reading, from a table (the engine's side of the protocol is what is tested)."""

    id = "table"

    def __init__(self, doubts: dict[str, float]):
        self.doubts = doubts
        self.loaded = 0

    def load(self) -> None:
        self.loaded += 1

    def error_probabilities(self, sources: Sequence[str]) -> list[float]:
        return [self.doubts[s] for s in sources]


SENTENCES = {"All is well here.": 0.01, "It have a bug.": 0.3, "This are wrong.": 0.9}


def _engine(inner: CountingRules, sample_gate: float | None) -> tuple[Engine, TableGate]:
    gate = TableGate(SENTENCES)
    engine = Engine(lambda: AdaptiveSampling(inner), lambda: None, "test", "none", 5, cache=None,
                    gate=0.1, gatekeeper=gate, sample_gate=sample_gate)
    return engine, gate


def test_the_sample_gate_decides_which_sentences_get_samples() -> None:
    inner = CountingRules()
    engine, gate = _engine(inner, sample_gate=0.5)
    outcomes = engine.correct(list(SENTENCES))
    assert [o.system for o in outcomes] == ["gate", "greedy", "greedy"]
    assert [o.output for o in outcomes] == ["All is well here.", "It has a bug.", "This is wrong."]
    # Only the doubted sentence is decoded with samples; the other gets its greedy candidate alone.
    assert inner.asked == [(("This are wrong.",), 5), (("It have a bug.",), 1)]
    assert gate.loaded == 1 and engine.timings.gated == 1 and engine.timings.load_s >= 0.0
    engine.correct(["It have a bug."])
    assert gate.loaded == 1  # loaded once


def test_without_a_sample_gate_the_greedy_candidate_decides() -> None:
    inner = CountingRules()
    engine, _ = _engine(inner, sample_gate=None)
    engine.correct(list(SENTENCES))
    assert inner.asked == [(("It have a bug.", "This are wrong."), 1), (("It have a bug.", "This are wrong."), 5)]


def test_the_sample_gate_is_part_of_the_cache_key() -> None:
    keys = {_engine(CountingRules(), sample_gate)[0].key_prefix for sample_gate in (None, 0.3, 0.5)}
    assert len(keys) == 3


def test_the_sample_gate_comes_from_the_corrector_unless_set_and_needs_the_gate() -> None:
    """The shipped corrector's own sample gate applies with its gate; a setting overrides it, 0
    means the default sampling, and with the gate off there is no reading to sample by."""
    from dataclasses import replace

    from lmcor_cli.config import Settings
    from lmcor_cli.console import Env
    from lmcor_cli.correctors import inspect_corrector
    from lmcor_cli.engine_factory import build_engine
    from lmcor_cli.models import default_corrector

    shipped = inspect_corrector(default_corrector()).meta
    settings = replace(Settings(), cache=False)
    assert build_engine(settings, Env()).sample_gate == (shipped.sample_gate or None)
    assert build_engine(replace(settings, sample_gate=0.4), Env()).sample_gate == 0.4
    assert build_engine(replace(settings, sample_gate=0.0), Env()).sample_gate is None
    assert build_engine(replace(settings, gate=0.0, sample_gate=0.4), Env()).sample_gate is None


class DoubtByWord:
    """A gate model that doubts the sentences holding "have" or "are" (the rule generator's errors)."""

    id = "by-word"

    def load(self) -> None:
        pass

    def error_probabilities(self, sources: Sequence[str]) -> list[float]:
        return [0.9 if {"have", "are"} & set(s.split()) else 0.01 for s in sources]


def test_batches_grow_in_sentences_that_reach_the_generator() -> None:
    """In a mostly clean document the gate spares most sentences the generator, so a batch takes
    more of the document and the generator's groups stay large; the output is the same."""
    import io

    from lmcor_cli.pipeline import FIRST_BATCH_SENTENCES, MAX_SPREAD, fix_document

    clean = [f"Paragraph {n} is fine." for n in range(120)]
    lines = [f"It have a bug {n}." if n % 8 == 0 else line for n, line in enumerate(clean)]
    text = "\n\n".join(lines) + "\n"
    inner = CountingRules()
    engine = Engine(lambda: AdaptiveSampling(inner), lambda: None, "test", "none", 1, cache=None,
                    gate=0.1, gatekeeper=DoubtByWord())
    output = "".join(piece.text for piece in fix_document(io.StringIO(text, newline=""), "text", engine))
    assert output == text.replace("It have", "It has")
    asked = [len(sentences) for sentences, _ in inner.asked]
    assert sum(asked) == 15 and engine.timings.gated == 105
    # One generator sentence in 8: without the spread, batches of 12 document sentences would
    # bring it one or two at a time.
    assert asked[0] == 1 and max(asked) >= FIRST_BATCH_SENTENCES * MAX_SPREAD // 8
