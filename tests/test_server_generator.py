"""The OpenAI-compatible generator against a scripted fault server and a real llama.cpp server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from conftest import run_lmcor
from fake_server import FaultServer

from lmcor_cli.errors import ModelError
from lmcor_cli.generate import openai
from lmcor_cli.generate.base import GeneratorSpec
from lmcor_cli.prompt import load_prompt


@pytest.fixture
def server():
    srv = FaultServer()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(openai, "BACKOFF_S", 0.01)


def _generator(url: str, jobs: int = 2, timeout: float = 5.0, warnings: list[str] | None = None):
    spec = GeneratorSpec(name=url, prompt=load_prompt(0), threads=1)
    return openai.OpenAIGenerator(spec, jobs=jobs, timeout_s=timeout,
                                  warn=(warnings if warnings is not None else []).append)


def test_pools_in_order_with_n(server):
    gen = _generator(server.url("ok"))
    pools = gen.candidates(["This are one.", "It have two.", "Fine."], 3)
    assert [p[0].text for p in pools] == ["This is one.", "It has two.", "Fine."]
    assert [c.origin for c in pools[0]] == ["greedy", "sample", "sample"]
    assert server.requests["ok"] == 6  # greedy + one n=2 sampling request per sentence


def test_server_without_n_gets_separate_sample_requests(server):
    pools = _generator(server.url("no_n")).candidates(["This are one."], 4)
    assert len(pools[0]) == 4


def test_sampling_is_pinned_to_plain_temperature_sampling(server):
    _generator(server.url("ok")).candidates(["This are one."], 2)
    greedy, sampling = server.bodies
    assert greedy["temperature"] == 0.0 and sampling["temperature"] > 0
    for body in (greedy, sampling):
        assert (body["top_p"], body["top_k"], body["min_p"], body["repeat_penalty"]) == (1.0, 0, 0.0, 1.0)


def test_strict_server_gets_only_standard_fields(server):
    gen = _generator(server.url("strict"), jobs=1)
    pools = gen.candidates(["This are one.", "It have two."], 2)
    assert [p[0].text for p in pools] == ["This is one.", "It has two."]
    assert server.requests["strict"] == 5  # one rejected request, then two per sentence
    assert all("top_k" not in body for body in server.bodies[1:])


@pytest.mark.parametrize("mode", ["flaky", "ratelimit"])
def test_retries_recover(server, mode):
    pools = _generator(server.url(mode), jobs=1).candidates(["This are one."], 1)
    assert pools[0][0].text == "This is one."


@pytest.mark.parametrize("mode", ["always500", "hang", "drop", "malformed"])
def test_failures_keep_the_sentence_and_warn_once(server, mode):
    warnings: list[str] = []
    pools = _generator(server.url(mode), timeout=0.5, warnings=warnings).candidates(["This are one.", "It have two."],
                                                                                     2)
    assert all(p == [openai.Candidate("", openai.ERROR_ORIGIN)] for p in pools)
    assert len(warnings) == 1


def test_unreachable_server_is_a_model_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ModelError, match="unreachable"):
        _generator(f"http://127.0.0.1:{port}/v1").candidates(["This are one."], 1)


def test_jobs_bound_requests_in_flight(server):
    _generator(server.url("slow"), jobs=3).candidates([f"Sentence {i} are here." for i in range(9)], 1)
    assert server.max_in_flight == 3


def test_cli_with_server_streams_fixed_text(server, tmp_path):
    result = run_lmcor("fix", "-g", server.url("ok"), "-j", "2", "-", input=b"This are fine.\n\nIt have legs.\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"This is fine.\n\nIt has legs.\n"


def test_cli_malformed_server_keeps_text_and_exits_3(server, tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("This are fine.\n")
    result = run_lmcor("fix", "-i", "-g", server.url("malformed"), str(doc))
    assert result.returncode == 3
    assert b"malformed response" in result.stderr and b"kept as they were" in result.stderr
    assert doc.read_text() == "This are fine.\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.model
def test_real_llama_cpp_server(tmp_path):
    from lmcor_cli.models import resolve_gguf

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(resolve_gguf("gemma3-270m")), "--port", str(port),
         "--host", "127.0.0.1", "--n_threads", "1", "--n_ctx", "2048"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ},
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        doc = tmp_path / "doc.md"
        doc.write_text("# Title\n\nShe go to school every days.\n\n```\ncode stays .\n```\n")
        result = run_lmcor("fix", "-g", f"http://127.0.0.1:{port}/v1", "-k", "2", "--format", "json", str(doc),
                           timeout=300)
        assert result.returncode == 0, result.stderr
        plain = run_lmcor("fix", "-g", f"http://127.0.0.1:{port}/v1", str(doc), timeout=300)
        assert plain.returncode == 0 and plain.stdout.decode().endswith("```\ncode stays .\n```\n")
    finally:
        proc.terminate()
        proc.wait(30)
