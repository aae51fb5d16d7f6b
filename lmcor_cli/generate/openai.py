"""Candidates from an OpenAI-compatible server (llama.cpp server, vLLM, Ollama, TGI, ...).

The same few-shot prompt goes to the ``/completions`` endpoint: one greedy request and
one sampling request asking for ``n = K-1`` choices (servers that ignore ``n`` get the
missing samples as separate requests).  Up to ``jobs`` requests are in flight; results
come back in input order.  Each request has a timeout and is retried with exponential
backoff and jitter on 429, 5xx and connection errors.  A sentence whose requests fail
anyway gets an ``error`` pool: it is kept as it is, and not cached, so a later run
tries again.  A server that cannot be reached at all stops the run (exit 3).

Sampling is pinned to what the in-process generator does — plain temperature sampling —
because servers add their own defaults (llama.cpp's server: top-k 40, top-p 0.95, min-p
0.05, repeat penalty 1.1), which change even the greedy candidate.  The non-standard
knobs are dropped for servers that reject unknown request fields.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lmcor_cli.candidates import Candidate
from lmcor_cli.errors import ModelError
from lmcor_cli.generate.base import GeneratorSpec

API_KEY_ENV = "LMCOR_API_KEY"
RETRIES = 4
BACKOFF_S = 0.5
ERROR_ORIGIN = "error"
PLAIN_SAMPLING = {"top_p": 1.0, "presence_penalty": 0.0, "frequency_penalty": 0.0}
PLAIN_SAMPLING_EXTRAS = {"top_k": 0, "min_p": 0.0, "repeat_penalty": 1.0}


class ServerError(Exception):
    """A request that failed for good (after retries, or not retryable)."""


class OpenAIGenerator:
    def __init__(self, spec: GeneratorSpec, jobs: int = 4, timeout_s: float = 60.0, model: str | None = None,
                 warn=lambda message: None):  # type: ignore[no-untyped-def]
        import httpx

        self.spec = spec
        self.base_url = spec.name.rstrip("/")
        self.jobs = max(1, jobs)
        self.model = model or os.environ.get("LMCOR_SERVER_MODEL") or "default"
        headers = {"Authorization": f"Bearer {os.environ[API_KEY_ENV]}"} if os.environ.get(API_KEY_ENV) else {}
        self.client = httpx.Client(timeout=timeout_s, headers=headers, limits=httpx.Limits(max_connections=self.jobs))
        self.warn = warn
        self.id = f"server:{self.base_url}:{self.model}|{spec.prompt.id}|t={spec.temperature}"
        self._warned = threading.Event()
        self._supports_n = True
        self._send_extras = True

    def close(self) -> None:
        self.client.close()

    def candidates(self, sentences: Sequence[str], k: int) -> list[list[Candidate]]:
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            return list(pool.map(lambda s: self._pool(s, k), sentences))

    def _pool(self, sentence: str, k: int) -> list[Candidate]:
        prompt = self.spec.prompt.for_sentence(sentence)
        budget = max(16, int(len(sentence.split()) * 3) + 16)
        try:
            greedy = self._complete(prompt, budget, 0.0, 1)
            samples: list[str] = []
            while len(samples) < k - 1:
                wanted = k - 1 - len(samples)
                got = self._complete(prompt, budget, self.spec.temperature, wanted if self._supports_n else 1)
                if self._supports_n and len(got) < wanted:
                    self._supports_n = False
                samples.extend(got)
        except ServerError as exc:
            if not self._warned.is_set():
                self._warned.set()
                self.warn(f"generator server: {exc}; affected sentences are kept as they are")
            return [Candidate("", ERROR_ORIGIN)]
        return [Candidate(greedy[0], "greedy"), *(Candidate(s, "sample") for s in samples[: k - 1])]

    def _complete(self, prompt: str, max_tokens: int, temperature: float, n: int) -> list[str]:
        import httpx

        body = {"model": self.model, "prompt": prompt, "max_tokens": max_tokens, "temperature": temperature,
                "n": n, "stop": ["\n"], **PLAIN_SAMPLING}
        for attempt in range(RETRIES + 1):
            try:
                extras = PLAIN_SAMPLING_EXTRAS if self._send_extras else {}
                response = self.client.post(f"{self.base_url}/completions", json={**body, **extras})
            except httpx.ConnectError as exc:
                if attempt == RETRIES:
                    raise ModelError(f"generator server {self.base_url}: unreachable ({exc})") from None
                self._sleep(attempt)
                continue
            except httpx.HTTPError as exc:  # timeouts, dropped connections, protocol errors
                if attempt == RETRIES:
                    raise ServerError(f"{type(exc).__name__} after {RETRIES + 1} attempts") from None
                self._sleep(attempt)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if attempt == RETRIES:
                    raise ServerError(f"HTTP {response.status_code} after {RETRIES + 1} attempts")
                self._sleep(attempt, response.headers.get("retry-after"))
                continue
            if response.status_code in (400, 422) and self._send_extras and _rejects_extras(response.text):
                self._send_extras = False
                continue
            if response.status_code >= 400:
                raise ServerError(f"HTTP {response.status_code}: {response.text[:120]!r}")
            return _texts(response)
        raise ServerError("no response")  # pragma: no cover - the loop always returns or raises

    @staticmethod
    def _sleep(attempt: int, retry_after: str | None = None) -> None:
        delay = BACKOFF_S * (2**attempt) * (0.5 + random.random())
        if retry_after and retry_after.replace(".", "", 1).isdigit():
            delay = max(delay, min(float(retry_after), 30.0))
        time.sleep(delay)


def _rejects_extras(error_text: str) -> bool:
    """Whether a 4xx names one of the non-standard sampling fields (strict OpenAI-style servers)."""
    return any(name in error_text for name in PLAIN_SAMPLING_EXTRAS)


def _texts(response: Any) -> list[str]:
    """The choices' texts, or a ServerError naming what is malformed."""
    try:
        data = response.json()
        texts = [choice["text"] for choice in data["choices"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ServerError(f"malformed response ({type(exc).__name__}: {str(exc)[:80]})") from None
    if not texts or not all(isinstance(t, str) for t in texts):
        raise ServerError("malformed response (no text choices)")
    return [t.split("\n")[0].strip() for t in texts]
