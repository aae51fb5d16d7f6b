"""Candidates from a GGUF model, decoded in batches through llama.cpp's low-level API.

Decoding Gemma 3 270M on a 2-core CPU is compute-bound, not memory-bound: five candidates
per sentence cost about 3.6 times one (40 sentences, one thread), and the 262k-entry output
layer is more than half of each token's work — hence the English vocabulary copy
(``english_gguf.py``) and sampling only where it can matter (``adaptive.py``).  Even with
51,868 English rows the output layer is ~30% of a decode step (63 tokens, 2 threads: ~205
ms with logits, ~143 without).  Batching still pays for the shared
parts: the few-shot prefix is evaluated once, into sequence 0, and stays in the KV cache
for the whole run; each sentence's suffix is evaluated once and shared by its candidate
sequences (a token may belong to several sequences); then all candidates of a group of
sentences decode together, one token per sequence per step.  Candidate 0 is greedy (the
logits' argmax); candidate n samples at the configured temperature from its own random
stream, seeded by the sentence and n, so a re-run — or a later call for the samples alone
(``samples``) — gives the same pool.  Tokens are chosen with numpy on a view of llama.cpp's
logits row: about 0.3 ms a sample and 0.014 ms a greedy token here, against 0.6-0.8 and
0.16-0.18 ms through llama.cpp's sampler chain, which copies the row into a candidate array
first (this work runs between decode steps, while the model waits).
"""

from __future__ import annotations

import ctypes
import hashlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lmcor_cli.candidates import Candidate
from lmcor_cli.errors import ModelError
from lmcor_cli.generate.base import GeneratorSpec, generator_id
from lmcor_cli.silence import silenced

# KV cells for the few-shot prefix (~185 tokens) and one group of sentences' candidates:
# 2,048 keep the cache at ~37 MB (Gemma 3 270M, f16) and fit about seven sentences with five
# candidates each, or 25 with the greedy one.  Smaller groups cost no speed (a decode step
# costs ~2 ms a token from 20 tokens a batch up: compute-bound); 4,096 cells measured 38 MB
# more peak RSS for the same sentences/s.  Five full candidates fit a sentence of up to ~210
# tokens, past what the corrector reads (160 pieces) and the segmenter corrects (150 words).
N_CTX = 2048
N_BATCH = 2048
MAX_SEQUENCES = 64
MAX_SCORED_TOKENS = 256  # a sentence's fluency score needs no more
# Scoring needs logits at every token (each distinct prefix once), and llama.cpp keeps a buffer
# of vocabulary-sized rows for them: 128 rows of Gemma 3's 262k-entry vocabulary are 134 MB.
SCORE_BATCH_TOKENS = 128


@dataclass
class _Sequence:
    """One candidate being decoded."""

    seq_id: int
    rng: np.random.Generator | None  # None: greedy
    budget: int
    pos: int
    logits_index: int
    pieces: bytearray = field(default_factory=bytearray)
    generated: int = 0
    done: bool = False


class LlamaCppGenerator:
    def __init__(self, path: Path, spec: GeneratorSpec):
        self.path = path
        self.spec = spec
        self.id = generator_id(spec)
        self._session: Session | None = None

    def candidates(self, sentences: Sequence[str], k: int) -> list[list[Candidate]]:
        return self._decode(sentences, [range(k)] * len(sentences))

    def samples(self, sentences: Sequence[str], n: int) -> list[list[Candidate]]:
        """Candidates 1..n alone — exactly those ``candidates(sentences, n + 1)`` adds to the
        greedy one (same seeds), for a caller that has the greedy candidate already."""
        return self._decode(sentences, [range(1, n + 1)] * len(sentences))

    def candidates_each(self, sentences: Sequence[str], counts: Sequence[int]) -> list[list[Candidate]]:
        """The first ``counts[i]`` candidates of sentence i (the same as ``candidates``), all
        decoded together: one group's decode steps serve the greedy-only sentences and the
        sampled ones alike, rather than two calls of smaller groups."""
        return self._decode(sentences, [range(count) for count in counts])

    def _decode(self, sentences: Sequence[str], indices: Sequence[range]) -> list[list[Candidate]]:
        """Candidates number ``indices[i]`` of sentence i, in groups that fit llama.cpp's limits
        (a long sentence's candidates split over several groups, when together they would not
        fit the KV cache; seeded per candidate number, they come out the same)."""
        session = self._open()
        parts = [(owner, sentence, part) for owner, (sentence, wanted) in enumerate(zip(sentences, indices))
                 for part in session.parts(sentence, wanted)]
        decoded: list[list[Candidate]] = []
        for group in _groups([(sentence, part) for _, sentence, part in parts], session):
            decoded.extend(session.decode_group(group, self.spec.temperature))
        results: list[list[Candidate]] = [[] for _ in sentences]
        for (owner, _, _), candidates in zip(parts, decoded):
            results[owner].extend(candidates)
        return results

    def log_likelihoods(self, texts: Sequence[str]) -> list[float]:
        """Each text's summed token log-probability under the model, with no prompt: a fluency
        score that rank mode weighs (see ``rank_features``)."""
        return self._open().log_likelihoods(list(texts))

    def load(self) -> None:
        """Load the model and evaluate the few-shot prefix now, not on the first call."""
        self._open()

    def _open(self) -> Session:
        if self._session is None:
            self._session = Session(self.path, self.spec)
            self._session.set_prefix(self.spec.prompt.prefix)
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def _groups(wanted: list[tuple[str, range]], session: Session) -> Iterator[list[tuple[str, range]]]:
    """Sentences (each with the candidates wanted of it) in groups that fit the sequence limit
    and the KV cache."""
    group: list[tuple[str, range]] = []
    cells = suffixes = sequences = 0
    for sentence, indices in wanted:
        k = len(indices)
        suffix = len(session.suffix_tokens(sentence))
        need = suffix + k * session.budget(sentence, k)
        if group and (
            sequences + k > MAX_SEQUENCES - 1
            or cells + need > N_CTX - session.prefix_len
            or suffixes + suffix > N_BATCH
        ):
            yield group
            group, cells, suffixes, sequences = [], 0, 0, 0
        group.append((sentence, indices))
        cells += need
        suffixes += suffix
        sequences += k
    if group:
        yield group


def draw(logits: np.ndarray, temperature: float, u: float, scratch: np.ndarray) -> int:
    """The token that uniform draw ``u`` in [0, 1) picks from softmax(logits / temperature), by
    inverse CDF; ``scratch`` is a float32 row of the same length, overwritten."""
    np.subtract(logits, logits.max(), out=scratch)
    scratch *= 1.0 / temperature
    np.exp(scratch, out=scratch)
    np.cumsum(scratch, out=scratch)
    token = int(np.searchsorted(scratch, u * scratch[-1], side="right"))
    # Rounding can put a draw at the very top: the last token with any weight then.
    return min(token, int(np.searchsorted(scratch, scratch[-1], side="left")))


class PrefixTrie:
    """Texts to score as one llama.cpp batch in which a token prefix shared by several texts
    (a sentence's options mostly differ in a word or two) is evaluated once: each trie node
    is one batch entry carrying the sequence id of every text through it."""

    def __init__(self) -> None:
        self.entries: list[tuple[int, int, tuple[int, ...], bool]] = []
        self.paths: list[list[int]] = []  # per text, the entry index of each of its tokens
        self._children: dict[tuple[int, int], int] = {}  # (parent entry or -1, token) -> entry

    def new_nodes(self, tokens: list[int]) -> int:
        """How many entries adding ``tokens`` would create."""
        parent = -1
        for depth, token in enumerate(tokens):
            child = self._children.get((parent, token))
            if child is None:
                return len(tokens) - depth
            parent = child
        return 0

    def add(self, tokens: list[int]) -> None:
        seq_id = len(self.paths) + 1  # sequence 0 holds the few-shot prefix
        parent, path = -1, []
        for pos, token in enumerate(tokens):
            index = self._children.get((parent, token))
            if index is None:
                index = self._children[(parent, token)] = len(self.entries)
                self.entries.append((token, pos, (), False))
            token_, pos_, seq_ids, logits = self.entries[index]
            # Logits where this text goes on: the next token's probability is read there.
            self.entries[index] = (token_, pos_, (*seq_ids, seq_id), logits or pos < len(tokens) - 1)
            path.append(index)
            parent = index
        self.paths.append(path)


def score_batches(tokenized: list[list[int]]) -> Iterator[PrefixTrie]:
    """Texts to score, in tries within llama.cpp's logits-row and sequence limits."""
    trie = PrefixTrie()
    for tokens in tokenized:
        if trie.paths and (len(trie.entries) + trie.new_nodes(tokens) > SCORE_BATCH_TOKENS
                           or len(trie.paths) >= MAX_SEQUENCES - 1):
            yield trie
            trie = PrefixTrie()
        trie.add(tokens)
    if trie.paths:
        yield trie


class Session:
    """A llama.cpp model + context with the few-shot prefix resident in sequence 0."""

    def __init__(self, path: Path, spec: GeneratorSpec):
        import llama_cpp as llama
        from llama_cpp import _logger

        _logger.set_verbose(False)  # llama.cpp's info chatter would land on the user's stderr
        self.llama = llama
        self.spec = spec
        with silenced(sys.stderr):  # llama.cpp's load chatter goes straight to fd 2
            llama.llama_backend_init()
            model_params = llama.llama_model_default_params()
            model_params.n_gpu_layers = -1 if spec.device == "cuda" else 0
            self.model = llama.llama_model_load_from_file(str(path).encode(), model_params)
            if not self.model:
                raise ModelError(f"generator {path}: cannot load this GGUF (corrupt or unsupported)")
            params = llama.llama_context_default_params()
            params.n_ctx = N_CTX
            params.n_batch = N_BATCH
            params.n_ubatch = 512
            params.n_seq_max = MAX_SEQUENCES
            params.n_threads = spec.threads
            params.n_threads_batch = spec.threads
            params.kv_unified = True
            params.swa_full = True
            params.no_perf = True
            self.ctx = llama.llama_init_from_model(self.model, params)
        if not self.ctx:
            llama.llama_model_free(self.model)
            raise ModelError(f"generator {path}: cannot create a llama.cpp context")
        self.vocab = llama.llama_model_get_vocab(self.model)
        self.n_vocab = llama.llama_vocab_n_tokens(self.vocab)
        self._weights = np.empty(self.n_vocab, dtype=np.float32)  # a sampling draw's scratch row
        self.memory = llama.llama_get_memory(self.ctx)
        self.batch = llama.llama_batch_init(N_BATCH, 0, MAX_SEQUENCES)
        self.prefix_len = 0

    def close(self) -> None:
        llama = self.llama
        llama.llama_batch_free(self.batch)
        llama.llama_free(self.ctx)
        llama.llama_model_free(self.model)

    def tokenize(self, text: str, add_bos: bool) -> list[int]:
        data = text.encode("utf-8")
        capacity = len(data) + 16
        buffer = (self.llama.llama_token * capacity)()
        count = self.llama.llama_tokenize(self.vocab, data, len(data), buffer, capacity, add_bos, False)
        if count < 0:
            raise ModelError("generator: tokenizer failed")
        return list(buffer[:count])

    def piece(self, token: int) -> bytes:
        buffer = ctypes.create_string_buffer(64)
        count = self.llama.llama_token_to_piece(self.vocab, token, buffer, 64, 0, False)
        return buffer.raw[: max(count, 0)]

    def set_prefix(self, prefix: str) -> None:
        tokens = self.tokenize(prefix, add_bos=True)
        self.llama.llama_memory_clear(self.memory, True)
        for start in range(0, len(tokens), N_BATCH):
            chunk = tokens[start : start + N_BATCH]
            self._fill([(t, start + i, (0,), False) for i, t in enumerate(chunk)])
            self._decode()
        self.prefix_len = len(tokens)

    def suffix_tokens(self, sentence: str) -> list[int]:
        return self.tokenize(self.spec.prompt.for_sentence(sentence)[len(self.spec.prompt.prefix) :], add_bos=False)

    def parts(self, sentence: str, indices: range) -> list[range]:
        """``indices`` split so that each part's candidates, at their full token budget, fit the
        KV cache together (one part but for sentences of a few hundred tokens; none for no
        candidates, which llama.cpp could not place in any sequence)."""
        per_part = max(1, self._room(sentence) // self._wanted(sentence))
        return [indices[start : start + per_part] for start in range(0, len(indices), per_part)]

    def budget(self, sentence: str, k: int) -> int:
        """Tokens a candidate may take: half as many again as the sentence, and never more than
        lets the sentence's ``k`` candidates fit the KV cache alone (``parts`` keeps ``k`` low
        enough; only a sentence of over a thousand tokens is cut short)."""
        return max(1, min(self._wanted(sentence), self._room(sentence) // max(k, 1)))

    def _wanted(self, sentence: str) -> int:
        return int(len(self.tokenize(sentence, add_bos=False)) * 1.5) + 8

    def _room(self, sentence: str) -> int:
        """KV cells left for the sentence's candidates beside the prefix and its own prompt."""
        return N_CTX - self.prefix_len - len(self.suffix_tokens(sentence))

    def decode_group(self, group: list[tuple[str, range]], temperature: float) -> list[list[Candidate]]:
        """Each sentence's candidates number ``indices`` (0 is the greedy one, n samples with seed + n)."""
        llama = self.llama
        sequences: list[list[_Sequence]] = []
        entries = []
        next_id = 1  # sequence 0 holds the prefix
        for sentence, indices in group:
            k = len(indices)
            suffix = self.suffix_tokens(sentence)
            seq_ids = tuple(range(next_id, next_id + k))
            next_id += k
            for seq_id in seq_ids:
                llama.llama_memory_seq_cp(self.memory, 0, seq_id, -1, -1)
            start = len(entries)
            entries.extend(
                (token, self.prefix_len + n, seq_ids, n == len(suffix) - 1) for n, token in enumerate(suffix)
            )
            seed = int.from_bytes(hashlib.sha256(sentence.encode()).digest()[:4], "little")
            sequences.append(
                [
                    _Sequence(
                        seq_id=seq_id,
                        rng=None if j == 0 else np.random.default_rng(seed + j),
                        budget=self.budget(sentence, k),
                        pos=self.prefix_len + len(suffix),
                        logits_index=start + len(suffix) - 1,
                    )
                    for j, seq_id in zip(indices, seq_ids)
                ]
            )
        try:
            self._fill(entries)
            self._decode()
            active = [s for candidates in sequences for s in candidates]
            while active:
                step = []
                for sequence in active:
                    token = self._next_token(sequence, temperature)
                    self._accept(sequence, token)
                    if not sequence.done:
                        step.append((token, sequence))
                active = [s for _, s in step]
                if not active:
                    break
                self._fill([(token, s.pos, (s.seq_id,), True) for token, s in step])
                for index, (_, sequence) in enumerate(step):
                    sequence.logits_index = index
                    sequence.pos += 1
                self._decode()
        finally:
            for candidates in sequences:
                for sequence in candidates:
                    llama.llama_memory_seq_rm(self.memory, sequence.seq_id, -1, -1)
        return [
            [
                Candidate(s.pieces.decode("utf-8", errors="ignore").strip(), "greedy" if j == 0 else "sample")
                for j, s in zip(indices, decoded)
            ]
            for (_, indices), decoded in zip(group, sequences)
        ]

    def log_likelihoods(self, texts: list[str]) -> list[float]:
        """Scores texts in batches, each in its own sequence from position 0 (the few-shot
        prefix in sequence 0 is untouched); a prefix shared by several texts is evaluated and
        normalised once, so a sentence's options cost little more than their differences."""
        llama = self.llama
        n_vocab = self.n_vocab
        tokenized = [self.tokenize(text, add_bos=True)[:MAX_SCORED_TOKENS] for text in texts]
        scores: list[float] = []
        for trie in score_batches(tokenized):
            try:
                self._fill(trie.entries)
                self._decode()
                rows: dict[int, tuple[np.ndarray, float]] = {}  # entry index -> its logits (a view) and log-normaliser
                for index, (_, _, _, logits) in enumerate(trie.entries):
                    if logits:
                        row = np.ctypeslib.as_array(llama.llama_get_logits_ith(self.ctx, index), shape=(n_vocab,))
                        peak = float(row.max())
                        rows[index] = row, peak + float(np.log(np.exp(row - peak).sum()))
                for path in trie.paths:
                    tokens = [trie.entries[index][0] for index in path]
                    scores.append(sum((float(rows[index][0][token]) - rows[index][1]
                                       for index, token in zip(path, tokens[1:])), 0.0))
            finally:
                for seq_id in range(1, len(trie.paths) + 1):
                    llama.llama_memory_seq_rm(self.memory, seq_id, -1, -1)
        return scores

    def _accept(self, sequence: _Sequence, token: int) -> None:
        if self.llama.llama_vocab_is_eog(self.vocab, token):
            sequence.done = True
            return
        piece = self.piece(token)
        cut = min((i for i in (piece.find(b"\n"), piece.find(b"\r")) if i >= 0), default=-1)
        if cut >= 0:
            sequence.pieces += piece[:cut]
            sequence.done = True
            return
        sequence.pieces += piece
        sequence.generated += 1
        if sequence.generated >= sequence.budget:
            sequence.done = True

    def _next_token(self, sequence: _Sequence, temperature: float) -> int:
        row = np.ctypeslib.as_array(self.llama.llama_get_logits_ith(self.ctx, sequence.logits_index),
                                    shape=(self.n_vocab,))
        if sequence.rng is None:
            return int(row.argmax())
        return draw(row, temperature, sequence.rng.random(), self._weights)

    def _fill(self, entries: list[tuple[int, int, tuple[int, ...], bool]]) -> None:
        if len(entries) > N_BATCH:
            raise ModelError(f"generator: batch of {len(entries)} tokens exceeds {N_BATCH}")
        batch = self.batch
        for i, (token, pos, seq_ids, logits) in enumerate(entries):
            batch.token[i] = token
            batch.pos[i] = pos
            batch.n_seq_id[i] = len(seq_ids)
            for j, seq_id in enumerate(seq_ids):
                batch.seq_id[i][j] = seq_id
            batch.logits[i] = logits
        batch.n_tokens = len(entries)

    def _decode(self) -> None:
        status = self.llama.llama_decode(self.ctx, self.batch)
        if status != 0:
            raise ModelError(f"generator: llama_decode failed (status {status})")
