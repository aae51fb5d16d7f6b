"""Candidates from a GGUF model run in-process by llama-cpp-python.

One ``Llama`` object lives for the whole run, so the few-shot prefix is evaluated once
and its KV cache reused for every sentence and sample (llama-cpp-python keeps the
longest common token prefix of consecutive prompts).  Greedy decoding comes first and
is deterministic; samples use a seed derived from the sentence, so a re-run gives the
same candidates.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from lmcor_cli.candidates import Candidate
from lmcor_cli.errors import ModelError
from lmcor_cli.generate.base import GeneratorSpec, generator_id

N_CTX = 2048
STOP = ["\n", "\r"]


class LlamaCppGenerator:
    def __init__(self, path: Path, spec: GeneratorSpec):
        self.path = path
        self.spec = spec
        self.id = generator_id(spec)
        self._llm = None

    def _load(self):  # type: ignore[no-untyped-def]
        from llama_cpp import Llama

        gpu_layers = -1 if self.spec.device == "cuda" else 0
        try:
            with _quiet_stderr():
                return Llama(
                    model_path=str(self.path),
                    n_ctx=N_CTX,
                    n_threads=self.spec.threads,
                    n_threads_batch=self.spec.threads,
                    n_gpu_layers=gpu_layers,
                    verbose=False,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"generator {self.path}: cannot load this GGUF ({exc})") from None

    def candidates(self, sentences: Sequence[str], k: int) -> list[list[Candidate]]:
        if self._llm is None:
            self._llm = self._load()
        return [self._for_sentence(sentence, k) for sentence in sentences]

    def _for_sentence(self, sentence: str, k: int) -> list[Candidate]:
        llm = self._llm
        prompt = self.spec.prompt.for_sentence(sentence)
        budget = int(len(llm.tokenize(sentence.encode(), add_bos=False)) * 1.5) + 8
        seed = int.from_bytes(hashlib.sha256(sentence.encode()).digest()[:4], "little")
        results = []
        for index in range(k):
            greedy = index == 0
            with _quiet_stderr():
                out = llm.create_completion(
                    prompt,
                    max_tokens=budget,
                    temperature=0.0 if greedy else self.spec.temperature,
                    top_k=0 if not greedy else 40,
                    top_p=1.0,
                    min_p=0.0,
                    repeat_penalty=1.0,
                    seed=seed + index,
                    stop=STOP,
                )
            results.append(Candidate(out["choices"][0]["text"].strip(), "greedy" if greedy else "sample"))
        return results


@contextlib.contextmanager
def _quiet_stderr():  # type: ignore[no-untyped-def]
    """llama.cpp writes load chatter straight to fd 2; keep the user's stderr clean."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):
        yield
        return
    saved = os.dup(fd)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
