"""Whole-sentence correctors: a CTranslate2 model reads the source and the full candidates
(``input_format``) and writes a sentence or scores the options.

Two architectures: a seq2seq ``Translator`` trained from scratch, or a decoder-only
``Generator`` started from a pretrained LM (``decoder_prompt`` is its prompt, and it
continues with the sentence).  Two modes: ``rewrite`` writes the sentence (or, with the
``edits`` output format, an edit script); ``rank`` scores the pool and the source, and the
best scored option wins.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from lmcor_cli.candidates import Candidate, FluencyScorer
from lmcor_cli.correctors.base import Correction
from lmcor_cli.correctors.input_format import SEPARATOR, decoder_answer, decoder_prompt, format_input
from lmcor_cli.correctors.schema import CorrectorInfo
from lmcor_cli.errors import ModelError
from lmcor_cli.pruned_vocab import PrunedVocabulary
from lmcor_cli.rank_features import best_option, needs_fluency, needs_lints, option_features


class SentenceCorrector:
    """Rewrites or ranks whole sentences (a seq2seq Translator or a decoder-only Generator).

    Loads lazily; ``correct`` runs whole batches (length-sorted by CTranslate2)."""

    def __init__(self, info: CorrectorInfo, device: str = "cpu", threads: int = 1, beam_size: int | None = None):
        self.info = info
        self.device = device
        self.threads = threads
        self.meta = info.meta
        self.beam_size = beam_size or info.meta.beam_size
        self._model = None  # a ctranslate2.Translator, or a Generator for a decoder corrector
        self._spm = None
        self._vocab: PrunedVocabulary | None = None  # a decoder corrector's pieces

    @property
    def id(self) -> str:
        """What keys cached results: the model and the beam size (which changes the output)."""
        return f"{self.info.id}|beam={self.beam_size}"

    @property
    def _decoder(self) -> bool:
        return self.meta.architecture == "decoder"

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

    def correct(self, sources: Sequence[str], pools: Sequence[Sequence[Candidate]],
                fluency: FluencyScorer | None = None) -> list[Correction]:
        """One correction per source; ``fluency`` (the generator's scorer, if it has one) lets
        rank mode use its fluency weights."""
        return [Correction.between(source, output)
                for source, output in zip(sources, self.sentences(sources, pools, fluency))]

    def sentences(self, sources: Sequence[str], pools: Sequence[Sequence[Candidate]],
                  fluency: FluencyScorer | None = None) -> list[str]:
        """One corrected sentence per source."""
        if not sources:
            return []
        if self._model is None:
            self._load()
        batch = self._encode_inputs(sources, pools)
        if self.meta.mode == "rank":
            return self._rank(sources, pools, batch, fluency)
        limits = [max(16, int(len(self._pieces(s)) * self.meta.max_output_ratio) + 8) for s in sources]
        if self.meta.max_output_tokens:
            limits = [min(limit, self.meta.max_output_tokens) for limit in limits]
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
        if self.meta.output_format == "edits":
            from lmcor_cli.correctors.edit_script import apply_edit_script

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
        return (self.meta.fluency_weights if fluency is not None and self.meta.fluency_weights
                else self.meta.rank_weights)

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

    def option_rows(self, sources: Sequence[str], pools: Sequence[Sequence[Candidate]],
                    batch: list[list[str]] | None = None, lints: bool | None = None,
                    fluency: FluencyScorer | None = None) -> list[tuple[list[str], list[dict[str, float]]]]:
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
        limit = self.meta.max_output_tokens
        with self._model_errors():
            # Batches of ~1k tokens: on one core here ~7% faster than 2k and ~20% than 4k, and far faster
            # than 64 examples a batch.
            if self._decoder:
                return self._answer_log_probs(batch, options, limit)
            inputs = [batch[i] for i, texts in enumerate(options) for _ in texts]
            targets = [self._pieces(text)[: limit - 1 if limit else None] for texts in options for text in texts]
            results = self._model.score_batch(inputs, targets, max_batch_size=1024, batch_type="tokens")
            return [list(r.log_probs) for r in results]

    def _answer_log_probs(self, prompts: list[list[str]], options: list[list[str]],
                          limit: int | None) -> list[list[float]]:
        """A decoder corrector scores prompt + option and keeps the option's part.  CTranslate2
        4.8.5's Generator.score_batch failed (seen with that release) on a batch of unequal lengths for Gemma 3's shape
        ("Length mask has size ..."), so each batch of similar lengths is padded to its longest
        row: a causal model's scores of the real tokens do not see the padding after them."""
        assert self._vocab is not None
        rows = [(prompt, decoder_answer(self._vocab, text, limit))
                for prompt, texts in zip(prompts, options) for text in texts]
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
            return [decoder_prompt(self._vocab, format_input(s, pool), self.meta.max_input_tokens)
                    for s, pool in zip(sources, pools)]
        eos = ["</s>"] if self.meta.source_eos else []
        keep = (self.meta.max_input_tokens - len(eos)) if self.meta.max_input_tokens else None
        # Cut as in training: the source comes first, so only trailing candidates are lost.
        return [self._pieces(format_input(s, pool))[:keep] + eos for s, pool in zip(sources, pools)]

    @contextmanager
    def _model_errors(self) -> Iterator[None]:
        """CTranslate2 failures become one-line model errors."""
        try:
            yield
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"corrector {self.info.path}: failed ({str(exc).splitlines()[0]})") from None
