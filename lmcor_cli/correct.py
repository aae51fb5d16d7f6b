"""The corrector: a CTranslate2 model that reads source + candidates.

``format_input`` is the one definition of the corrector's input, shared by training
and inference; a model folder records which format it was trained on.  Two kinds of
folder: a seq2seq ``Translator`` trained from scratch (``format_input`` is its source), or
a decoder-only ``Generator`` started from a pretrained LM (``decoder_prompt`` — the same
text, then ``PROMPT_END`` — is its prompt, and it continues with the sentence).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lmcor_cli.candidates import Candidate, FluencyScorer
from lmcor_cli.errors import ModelError
from lmcor_cli.pruned_vocab import PrunedVocabulary
from lmcor_cli.rank_features import (
    DEFAULT_WEIGHTS,
    FEATURES,
    best_option,
    needs_fluency,
    needs_lints,
    option_features,
)

INPUT_FORMAT = 1
SEPARATOR = "<sep>"
ORIGIN_TAGS = {"greedy": "<llm>", "sample": "<llm>", "rule": "<rule>"}
SPECIAL_SYMBOLS = [SEPARATOR, *sorted(set(ORIGIN_TAGS.values()))]
MODEL_FILES = ("model.bin", "spm.model", "lmcor.json")
OUTPUT_FORMATS = ("text", "edits")
MODES = ("rewrite", "rank")
ARCHITECTURES = ("encoder-decoder", "decoder")
PROMPT_END = " correction:"  # a decoder corrector's prompt ends here; its answer follows after a space


def format_input(source: str, candidates: Sequence[Candidate]) -> str:
    """``source: S candidates: <sep> <llm> C1 <sep> <rule> C2 ...`` — the corrector's input."""
    parts = [f"source: {source} candidates:"]
    for candidate in candidates:
        parts.append(f"{SEPARATOR} {ORIGIN_TAGS.get(candidate.origin, '<llm>')} {candidate.text}")
    return " ".join(parts)


def decoder_prompt(vocab: PrunedVocabulary, model_input: str, max_tokens: int | None) -> list[str]:
    """``<bos>``, ``model_input`` (``format_input``'s text, cut at the limit: the source comes
    first, so only trailing candidates are lost), then ``PROMPT_END``.  The parts (and the
    answer) are encoded apart, in training as at inference, so a cut never re-segments them."""
    end = vocab.encode(PROMPT_END)
    body = vocab.encode(model_input)
    if max_tokens:
        body = body[: max(max_tokens - 1 - len(end), 0)]
    return [vocab.bos, *body, *end]


def decoder_answer(vocab: PrunedVocabulary, text: str, max_tokens: int | None = None) -> list[str]:
    """What a decoder corrector writes after its prompt: the sentence after a space, then EOS."""
    pieces = vocab.encode(" " + text)
    return [*(pieces[: max_tokens - 1] if max_tokens else pieces), vocab.eos]


@dataclass(frozen=True)
class CorrectorInfo:
    path: Path
    name: str
    id: str
    beam_size: int
    max_output_ratio: float
    source_eos: bool
    max_input_tokens: int | None = None  # the model's position table: longer inputs are cut
    max_output_tokens: int | None = None
    output_format: str = "text"  # or "edits": the model writes an edit script (lmcor_cli/edits.py)
    mode: str = "rewrite"  # or "rank": the model only scores the pool and the source, and the best scored wins
    rank_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))  # see rank_features.py
    fluency_weights: dict[str, float] | None = None  # the same with the generator's fluency score ("lm")
    architecture: str = "encoder-decoder"  # or "decoder": a ctranslate2.Generator with a pruned vocabulary


def inspect_corrector(path: Path) -> CorrectorInfo:
    """Check a corrector folder without loading it; the id keys the result cache."""
    missing = [name for name in MODEL_FILES if not (path / name).is_file()]
    if not path.is_dir():
        raise ModelError(f"corrector {path}: no such folder")
    if missing:
        raise ModelError(f"corrector {path}: not a corrector folder (missing {', '.join(missing)})")
    try:
        meta = json.loads((path / "lmcor.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"corrector {path}: unreadable lmcor.json ({exc})") from None
    if meta.get("input_format") != INPUT_FORMAT:
        raise ModelError(
            f"corrector {path}: trained for input format {meta.get('input_format')!r}, "
            f"this lmcor speaks format {INPUT_FORMAT}"
        )
    output_format = meta.get("output_format", "text")
    mode = meta.get("mode", "rewrite")
    if mode not in MODES:
        raise ModelError(f"corrector {path}: unknown mode {mode!r} (this lmcor knows {', '.join(MODES)})")
    if output_format not in OUTPUT_FORMATS:
        raise ModelError(f"corrector {path}: unknown output format {output_format!r} (this lmcor reads {', '.join(OUTPUT_FORMATS)})")
    architecture = meta.get("architecture", "encoder-decoder")
    if architecture not in ARCHITECTURES:
        raise ModelError(f"corrector {path}: unknown architecture {architecture!r} (this lmcor runs {', '.join(ARCHITECTURES)})")
    files = MODEL_FILES + (("vocabulary.json",) if architecture == "decoder" else ())
    if architecture == "decoder" and not (path / "vocabulary.json").is_file():
        raise ModelError(f"corrector {path}: a decoder corrector needs its vocabulary.json (the kept pieces)")
    rank_weights = _weights(path, meta.get("rank_weights", DEFAULT_WEIGHTS))
    fluency_weights = _weights(path, meta["fluency_weights"]) if "fluency_weights" in meta else None
    digest = hashlib.sha256()
    for name in files:
        stat = (path / name).stat()
        digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    checksums = path / "SHA256SUMS"
    if checksums.is_file():
        digest = hashlib.sha256(checksums.read_bytes())
    return CorrectorInfo(
        path=path,
        name=str(meta.get("name", path.name)),
        id=f"{meta.get('name', path.name)}@{digest.hexdigest()[:16]}",
        beam_size=int(meta.get("beam_size", 1)),
        max_output_ratio=float(meta.get("max_output_ratio", 1.5)),
        source_eos=bool(meta.get("source_eos", False)),
        max_input_tokens=int(meta["max_input_tokens"]) if "max_input_tokens" in meta else None,
        max_output_tokens=int(meta["max_output_tokens"]) if "max_output_tokens" in meta else None,
        output_format=output_format,
        mode=mode,
        rank_weights=rank_weights,
        fluency_weights=fluency_weights,
        architecture=architecture,
    )


def _weights(path: Path, table: object) -> dict[str, float]:
    unknown = sorted(set(table) - set(FEATURES)) if isinstance(table, dict) else ["(not a table)"]
    if unknown:
        raise ModelError(f"corrector {path}: unknown rank features {', '.join(unknown)} (this lmcor knows {', '.join(FEATURES)})")
    assert isinstance(table, dict)
    return {name: float(value) for name, value in table.items()}


class Corrector:
    """Loads lazily; ``correct`` runs whole batches (length-sorted by CTranslate2)."""

    def __init__(self, info: CorrectorInfo, device: str = "cpu", threads: int = 1, beam_size: int | None = None):
        self.info = info
        self.device = device
        self.threads = threads
        self.beam_size = beam_size or info.beam_size
        self._model = None  # a ctranslate2.Translator, or a Generator for a decoder corrector
        self._spm = None
        self._vocab: PrunedVocabulary | None = None  # a decoder corrector's pieces

    @property
    def id(self) -> str:
        """What keys cached results: the model and the beam size (which changes the output)."""
        return f"{self.info.id}|beam={self.beam_size}"

    @property
    def _decoder(self) -> bool:
        return self.info.architecture == "decoder"

    def _load(self) -> None:
        import ctranslate2
        import sentencepiece

        path = self.info.path
        try:
            compute_type = "int8" if self.device == "cpu" else "float16"
            if self._decoder:
                kept = json.loads((path / "vocabulary.json").read_text(encoding="utf-8"))
                self._vocab = PrunedVocabulary(path / "spm.model", kept)
                self._model = ctranslate2.Generator(str(path), device=self.device, compute_type=compute_type,
                                                    intra_threads=self.threads)
                return
            self._spm = sentencepiece.SentencePieceProcessor(model_file=str(path / "spm.model"))
            self._model = ctranslate2.Translator(str(path), device=self.device, compute_type=compute_type,
                                                 intra_threads=self.threads)
        except (RuntimeError, OSError, ValueError) as exc:
            raise ModelError(f"corrector {path}: cannot load ({str(exc).splitlines()[0]})") from None
        assert self._spm is not None
        vocab = self._spm.get_piece_size()
        if vocab > 0 and self._spm.piece_to_id(SEPARATOR) == self._spm.unk_id():
            raise ModelError(f"corrector {path}: vocabulary lacks the {SEPARATOR} symbol")

    def _pieces(self, text: str) -> list[str]:
        if self._vocab is not None:
            return self._vocab.encode(text)
        assert self._spm is not None
        return self._spm.encode(text, out_type=str)

    def correct(self, sources: Sequence[str], pools: Sequence[Sequence[Candidate]], fluency: FluencyScorer | None = None) -> list[str]:
        """One corrected sentence per source; ``fluency`` (the generator's scorer, if it has one)
        lets rank mode use its fluency weights."""
        if not sources:
            return []
        if self._model is None:
            self._load()
        batch = self._encode_inputs(sources, pools)
        if self.info.mode == "rank":
            return self._rank(sources, pools, batch, fluency)
        limits = [max(16, int(len(self._pieces(s)) * self.info.max_output_ratio) + 8) for s in sources]
        if self.info.max_output_tokens:
            limits = [min(limit, self.info.max_output_tokens) for limit in limits]
        if self._decoder:
            return self._continue(batch, max(limits))
        assert self._spm is not None
        with self._model_errors():
            results = self._model.translate_batch(
                batch,
                beam_size=self.beam_size,
                max_batch_size=32,
                max_decoding_length=max(limits),
                return_scores=False,
            )
        outputs = [self._spm.decode([t for t in r.hypotheses[0] if t != "</s>"]).strip() for r in results]
        if self.info.output_format == "edits":
            from lmcor_cli.edits import apply_edit_script

            outputs = [apply_edit_script(source, script) for source, script in zip(sources, outputs)]
        return outputs

    def _continue(self, prompts: list[list[str]], limit: int) -> list[str]:
        """A decoder corrector's rewrites: greedy (or beam) continuations of the prompts up to
        EOS, at most ``limit`` tokens each."""
        assert self._vocab is not None
        with self._model_errors():
            results = self._model.generate_batch(
                prompts, max_batch_size=16, beam_size=self.beam_size, max_length=limit, end_token=self._vocab.eos,
                include_prompt_in_result=False,
            )
        return [self._vocab.decode(r.sequences[0]).strip() for r in results]

    def rank_weights(self, fluency: FluencyScorer | None) -> dict[str, float]:
        """The fluency weight set when the generator can score and the folder has one."""
        return self.info.fluency_weights if fluency is not None and self.info.fluency_weights else self.info.rank_weights

    def _rank(self, sources: Sequence[str], pools: Sequence[Sequence[Candidate]], batch: list[list[str]],
              fluency: FluencyScorer | None) -> list[str]:
        """Per sentence, the best scored option (a candidate or the source): a small model that
        rewrites badly can still tell good candidates from bad."""
        outputs = list(sources)
        # Nothing to choose where every candidate is the source (most sentences of a clean document).
        todo = [i for i, (source, pool) in enumerate(zip(sources, pools)) if any(c.text != source for c in pool)]
        weights = self.rank_weights(fluency)
        rows = self.option_rows([sources[i] for i in todo], [pools[i] for i in todo], [batch[i] for i in todo],
                                fluency=fluency if needs_fluency(weights) else None)
        for i, (options, features) in zip(todo, rows):
            outputs[i] = options[best_option(features, weights)]
        return outputs

    def option_rows(self, sources: Sequence[str], pools: Sequence[Sequence[Candidate]], batch: list[list[str]] | None = None,
                    lints: bool | None = None, fluency: FluencyScorer | None = None) -> list[tuple[list[str], list[dict[str, float]]]]:
        """Each sentence's options and their features (``lmcor train ranker`` learns from these).
        Harper's lint counts cost a third of the time: by default only when the weights use them.
        With ``fluency``, the generator scores every distinct option once."""
        if not sources:
            return []
        if self._model is None:
            self._load()
        if batch is None:
            batch = self._encode_inputs(sources, pools)
        options = [list(dict.fromkeys([c.text for c in pool] + [source])) for source, pool in zip(sources, pools)]
        scored = iter(self._option_log_probs(batch, options))
        if lints is None:
            lints = needs_lints(self.rank_weights(fluency))
        fluent: dict[str, float] | None = None
        if fluency is not None:
            distinct = list(dict.fromkeys(text for texts in options for text in texts))
            fluent = dict(zip(distinct, fluency(distinct)))
        rows = []
        for source, pool, texts in zip(sources, pools, options):
            log_probs = [next(scored) for _ in texts]
            rules = {c.text for c in pool if c.origin == "rule"}
            scores = [fluent[text] for text in texts] if fluent is not None else None
            rows.append((texts, option_features(source, texts, rules, log_probs, lints=lints, fluency=scores)))
        return rows

    def _option_log_probs(self, batch: list[list[str]], options: list[list[str]]) -> list[list[float]]:
        """Per option (flat, in order), the corrector's log-probability of each of its tokens and
        of EOS as its output.  Scored up to the model's output limit; only a very long sentence
        is cut, and all its options alike."""
        limit = self.info.max_output_tokens
        with self._model_errors():
            # Batches of ~1k tokens: on one core here ~7% faster than 2k and ~20% than 4k, and far faster
            # than 64 examples a batch.
            if self._decoder:
                return self._answer_log_probs(batch, options, limit)
            inputs = [batch[i] for i, texts in enumerate(options) for _ in texts]
            targets = [self._pieces(text)[: limit - 1 if limit else None] for texts in options for text in texts]
            results = self._model.score_batch(inputs, targets, max_batch_size=1024, batch_type="tokens")
            return [list(r.log_probs) for r in results]

    def _answer_log_probs(self, prompts: list[list[str]], options: list[list[str]], limit: int | None) -> list[list[float]]:
        """A decoder corrector scores prompt + option and keeps the option's part.  CTranslate2
        4.8's Generator.score_batch fails on a batch of unequal lengths for Gemma 3's shape
        ("Length mask has size ..."), so each batch of similar lengths is padded to its longest
        row: a causal model's scores of the real tokens do not see the padding after them."""
        assert self._vocab is not None
        rows = [(prompt, decoder_answer(self._vocab, text, limit)) for prompt, texts in zip(prompts, options) for text in texts]
        lengths = [len(prompt) + len(answer) for prompt, answer in rows]
        chunks: list[list[int]] = [[]]
        for i in sorted(range(len(rows)), key=lengths.__getitem__):
            if chunks[-1] and (len(chunks[-1]) + 1) * lengths[i] > 1024:  # ~1k tokens a batch, as for the seq2seq model
                chunks.append([])
            chunks[-1].append(i)
        scores: list[list[float]] = [[] for _ in rows]
        for chunk in chunks:
            width = lengths[chunk[-1]]
            padded = [rows[i][0] + rows[i][1] + [self._vocab.pad] * (width - lengths[i]) for i in chunk]
            for i, result in zip(chunk, self._model.score_batch(padded, max_input_length=0)):
                prompt, answer = rows[i]
                scores[i] = list(result.log_probs[len(prompt) - 1 : len(prompt) - 1 + len(answer)])  # from token 1 on
        return scores

    def _encode_inputs(self, sources: Sequence[str], pools: Sequence[Sequence[Candidate]]) -> list[list[str]]:
        if self._vocab is not None:
            return [decoder_prompt(self._vocab, format_input(s, pool), self.info.max_input_tokens) for s, pool in zip(sources, pools)]
        eos = ["</s>"] if self.info.source_eos else []
        keep = (self.info.max_input_tokens - len(eos)) if self.info.max_input_tokens else None
        # Cut as in training: the source comes first, so only trailing candidates are lost.
        return [self._pieces(format_input(s, pool))[:keep] + eos for s, pool in zip(sources, pools)]

    @contextmanager
    def _model_errors(self) -> Iterator[None]:
        """CTranslate2 failures become one-line model errors."""
        try:
            yield
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"corrector {self.info.path}: failed ({str(exc).splitlines()[0]})") from None
