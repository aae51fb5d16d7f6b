"""The edit corrector: one encoder pass over the source with the pool's edits marked on it,
then a tag and a probability for every word (``tags.py``), applied in up to three passes.

Its knobs come from ``lmcor.json`` (tuned on dev data at export) and can be overridden:
an edit is made only when its tag beats ``$KEEP`` (plus ``keep_bias``) and reaches
``min_confidence``, and a sentence is touched only when some word's probability of needing
an edit reaches ``min_error_probability``.  Low confidence means the text stays as it is.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from lmcor_cli.candidates import Candidate, FluencyScorer
from lmcor_cli.correctors.base import Correction, Edit
from lmcor_cli.correctors.pool_input import ModelInput, Proposal, build_input
from lmcor_cli.correctors.pool_scorer import PoolScorer, proposal_features
from lmcor_cli.correctors.schema import CorrectorInfo, CorrectorMeta
from lmcor_cli.correctors.tags import KEEP, TAKES, tag_edit
from lmcor_cli.correctors.words import apply_edits, overlaps
from lmcor_cli.errors import ModelError
from lmcor_cli.pruned_vocab import PrunedVocabulary

BATCH = 32
UNSAFE_FLOOR = 0.3  # below min_confidence but at least this probable: an unsafe fix, made only on request
MAX_PIECES = 160  # as in training (TaggerConfig.max_pieces): beyond it, proposals are dropped, then words untagged


class EditCorrector:
    def __init__(self, info: CorrectorInfo, device: str = "cpu", threads: int = 1, **knobs: float | int | None):
        self.info = info
        self.meta: CorrectorMeta = replace(info.meta, **{k: v for k, v in knobs.items() if v is not None})
        self.device = device
        self.threads = threads
        self._encoder = None
        self._vocab: PrunedVocabulary | None = None
        self._tags: list[str] = []
        self._weight: np.ndarray | None = None
        self._bias: np.ndarray | None = None
        self._scorer: PoolScorer | None = None

    @property
    def id(self) -> str:
        m = self.meta
        return (f"{self.info.id}|conf={m.min_confidence}|err={m.min_error_probability}|keep={m.keep_bias}"
                f"|passes={m.passes}|pool={m.min_pool_probability}")

    @property
    def has_pool_scorer(self) -> bool:
        if self._encoder is None:
            self.load()
        return self._scorer is not None

    def load(self) -> None:
        """Read the model now (else on first use); once."""
        if self._encoder is not None:
            return
        import ctranslate2

        path = self.info.path
        try:
            kept = json.loads((path / "vocabulary.json").read_text(encoding="utf-8"))
            self._vocab = PrunedVocabulary(path / "spm.model", kept)
            self._tags = json.loads((path / "tags.json").read_text(encoding="utf-8"))
            head = np.load(path / "head.npz")
            self._weight, self._bias = head["weight"].astype(np.float32), head["bias"].astype(np.float32)
            self._scorer = PoolScorer.read(path)
            compute_type = "int8" if self.device == "cpu" else "float16"
            self._encoder = ctranslate2.Encoder(str(path), device=self.device, compute_type=compute_type,
                                                intra_threads=self.threads)
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            raise ModelError(f"corrector {path}: cannot load ({str(exc).splitlines()[0]})") from None
        if self._weight.shape[0] != len(self._tags) or KEEP not in self._tags:
            raise ModelError(f"corrector {path}: head.npz does not match tags.json")

    def correct(self, sources: Sequence[str], pools: Sequence[Sequence[Candidate]],
                fluency: FluencyScorer | None = None) -> list[Correction]:
        if self._encoder is None:
            self.load()
        current = list(sources)
        first: list[list[Edit]] = [[] for _ in sources]
        unsure: list[list[Edit]] = [[] for _ in sources]
        todo = [i for i, s in enumerate(sources) if s.strip()]
        for step in range(max(self.meta.passes, 1)):
            if not todo:
                break
            proposed = self._pass([current[i] for i in todo], [pools[i] for i in todo])
            still = []
            for i, (edits, doubtful) in zip(todo, proposed):
                if step == 0:
                    first[i], unsure[i] = edits, doubtful
                if not edits:
                    continue
                current[i] = apply_edits(current[i], [e.char_edit for e in edits])
                still.append(i)
            todo = still
        return [replace(_correction(source, text, edits), unsure=doubtful)
                for source, text, edits, doubtful in zip(sources, current, first, unsure)]

    def _pass(self, sources: Sequence[str],
              pools: Sequence[Sequence[Candidate]]) -> list[tuple[list[Edit], list[Edit]]]:
        """One pass: each sentence's edits, and the unsure ones it would not make."""
        return [self._choose(source, model_input, probs)
                for source, model_input, probs in zip(sources, *self._encode(sources, pools))]

    def error_probabilities(self, sources: Sequence[str]) -> list[float]:
        """Per sentence, read alone (no pool), the highest probability that some word needs an
        edit: the gate lets sentences below a threshold skip the generator."""
        if self._encoder is None:
            self.load()
        keep = self._tags.index(KEEP)
        _, probabilities = self._encode(sources, [[] for _ in sources])
        return [float((1.0 - probs[:, keep]).max()) if len(probs) else 0.0 for probs in probabilities]

    def proposal_features(self, sources: Sequence[str],
                          pools: Sequence[Sequence[Candidate]]) -> list[list[tuple[Proposal, list[float]]]]:
        """Per sentence, the pool's proposals with what the pool scorer knows about each
        (``lmcor train pool-scorer`` fits the scorer on them)."""
        if self._encoder is None:
            self.load()
        return [[(proposal, proposal_features(source, model_input, probs, self._tags, slot, rank, proposal))
                 for slot, rank, proposal in _tagged_proposals(model_input, probs)]
                for source, model_input, probs in zip(sources, *self._encode(sources, pools))]

    def _encode(self, sources: Sequence[str],
                pools: Sequence[Sequence[Candidate]]) -> tuple[list[ModelInput], list[np.ndarray]]:
        assert self._vocab is not None and self._encoder is not None
        inputs = [build_input(s, pool, self._vocab.encode, self._vocab.bos, MAX_PIECES)
                  for s, pool in zip(sources, pools)]
        return inputs, self._tag_probabilities([m.pieces for m in inputs], [m.slot_positions for m in inputs])

    def _tag_probabilities(self, pieces: list[list[str]], positions: list[list[int]]) -> list[np.ndarray]:
        assert self._encoder is not None and self._weight is not None
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
        result: list[np.ndarray] = [np.zeros((0, len(self._tags)))] * len(pieces)
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            try:
                output = self._encoder.forward_batch([pieces[i] for i in batch])
            except (RuntimeError, ValueError) as exc:
                raise ModelError(f"corrector {self.info.path}: failed ({str(exc).splitlines()[0]})") from None
            hidden = np.asarray(output.last_hidden_state, dtype=np.float32)
            for row, i in enumerate(batch):
                logits = hidden[row, positions[i]] @ self._weight.T + self._bias
                logits -= logits.max(axis=-1, keepdims=True)
                exp = np.exp(logits)
                result[i] = exp / exp.sum(axis=-1, keepdims=True)
        return result

    def _choose(self, source: str, model_input,  # type: ignore[no-untyped-def]
                probs: np.ndarray) -> tuple[list[Edit], list[Edit]]:
        """The edits to make, and those that beat ``$KEEP`` with a confidence between
        ``UNSAFE_FLOOR`` and the thresholds (unsafe fixes), neither overlapping the other."""
        if not len(probs):
            return [], []
        keep = self._tags.index(KEEP)
        p_keep = probs[:, keep]
        floor = min(UNSAFE_FLOOR, self.meta.min_confidence)
        others = probs.copy()
        others[:, keep] = -1.0
        best = others.argmax(axis=-1)
        candidates = []
        for slot, tag_id in enumerate(best):
            confidence = float(probs[slot, tag_id])
            if confidence <= p_keep[slot] + self.meta.keep_bias or confidence < floor:
                continue
            tag = self._tags[tag_id]
            edit = tag_edit(tag, slot, model_input.words, source, model_input.proposals)
            if edit is None:
                continue
            in_pool = tag in TAKES or any(edit == p for p in model_input.proposals[slot])
            if in_pool and self._scorer is not None:
                continue  # the pool scorer decides the pool's edits
            candidates.append(Edit(edit.start, edit.end, edit.replacement, confidence,
                                   "pool" if in_pool else "corrector", tag))
        if self._scorer is not None:
            for slot, rank, proposal in _tagged_proposals(model_input, probs):
                features = proposal_features(source, model_input, probs, self._tags, slot, rank, proposal)
                probability = self._scorer.probability(features)
                if probability >= min(UNSAFE_FLOOR, self.meta.min_pool_probability):
                    edit = proposal.edit
                    candidates.append(Edit(edit.start, edit.end, edit.replacement, probability, "pool", TAKES[rank]))
        sure = float((1.0 - p_keep).max()) >= self.meta.min_error_probability

        def made(edit: Edit) -> bool:
            scored = edit.tag in TAKES and self._scorer is not None
            return sure and (edit.confidence or 0.0) >= (self.meta.min_pool_probability if scored
                                                          else self.meta.min_confidence)

        ranked = sorted(candidates, key=lambda e: -(e.confidence or 0.0))
        chosen: list[Edit] = []
        unsure: list[Edit] = []
        for edit, pile in [(e, chosen) for e in ranked if made(e)] + [(e, unsure) for e in ranked if not made(e)]:
            if not any(overlaps(edit.char_edit, other.char_edit) for other in chosen + unsure):
                pile.append(edit)
        return sorted(chosen, key=lambda e: (e.start, e.end)), sorted(unsure, key=lambda e: (e.start, e.end))


def _tagged_proposals(model_input: ModelInput, probs: np.ndarray) -> list[tuple[int, int, Proposal]]:
    """(slot, rank, proposal) for the pool's proposals at the slots the model tagged."""
    return [(slot, rank, proposal) for slot, marked in enumerate(model_input.marked[: len(probs)])
            for rank, proposal in enumerate(marked)]


def _correction(source: str, final: str, first_pass: list[Edit]) -> Correction:
    """The final text's differences from the source, each with the first pass's confidence,
    origin and tag where that pass made it (later passes' edits get the lowest confidence seen)."""
    if final == source:
        return Correction(source)
    if apply_edits(source, [e.char_edit for e in first_pass]) == final:
        return Correction(source, first_pass)
    known = {e.char_edit: e for e in first_pass}
    floor = min((e.confidence for e in first_pass if e.confidence is not None), default=None)
    edits = []
    for edit in Correction.between(source, final).edits:
        match = known.get(edit.char_edit)
        edits.append(match or replace(edit, confidence=floor))
    return Correction(source, edits)
