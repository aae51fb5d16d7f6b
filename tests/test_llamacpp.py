"""The real default generator (Gemma 3 270M GGUF) through llama.cpp: slow, so few and small."""

from __future__ import annotations

import json

import pytest
from conftest import run_lmcor

from lmcor_cli.generate.base import GeneratorSpec, open_generator
from lmcor_cli.prompt import load_prompt

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def generator():
    gen = open_generator(GeneratorSpec(name="gemma3-270m", prompt=load_prompt(0), threads=1))
    yield gen
    gen.close()


def test_greedy_is_deterministic_and_pools_have_k_candidates(generator):
    sentences = ["She go to school every days .", "The results was published in march ."]
    first = generator.candidates(sentences, 3)
    second = generator.candidates(list(reversed(sentences)), 3)
    assert [len(pool) for pool in first] == [3, 3]
    assert [c.origin for c in first[0]] == ["greedy", "sample", "sample"]
    assert first[0][0].text == second[1][0].text and first[1][0].text == second[0][0].text
    for pool in first:
        for candidate in pool:
            assert "\n" not in candidate.text


def test_batched_candidates_match_one_at_a_time(generator):
    sentences = [f"This sentence number {i} have a error ." for i in range(14)]
    together = generator.candidates(sentences, 1)
    alone = [generator.candidates([s], 1)[0] for s in sentences[:3]]
    assert [p[0].text for p in together[:3]] == [p[0].text for p in alone]


def test_fluency_scores_prefer_fluent_text_and_leave_generation_intact(generator):
    sentence = "She go to school every days ."
    before = generator.candidates([sentence], 1)[0][0].text
    fluent, garbled = "She goes to school every day.", "School she every go day to the."
    scores = generator.log_likelihoods([fluent, garbled, "Hi.", fluent])
    assert len(scores) == 4 and all(s < 0 for s in scores)
    assert scores[0] > scores[1] + 5
    assert abs(scores[0] - scores[3]) < 1.0  # same text, other batch slot: llama.cpp is not bit-exact across slots
    assert generator.candidates([sentence], 1)[0][0].text == before  # scoring sequences were removed
    many = generator.log_likelihoods([f"Line number {i} is here." for i in range(40)])  # several batches
    assert len(many) == 40


def test_options_sharing_a_prefix_score_as_when_scored_alone(generator):
    options = ["This release makes the installer faster.", "This release make the installer faster.",
               "This release makes the installer quicker.", "This release make the installer faster ."]
    together = generator.log_likelihoods(options)
    alone = [generator.log_likelihoods([text])[0] for text in options]
    assert all(abs(a - b) < 1.0 for a, b in zip(together, alone))  # shared prefix evaluated once, same scores
    assert together[0] > together[3]


def test_fix_end_to_end_with_the_default_model(tmp_path):
    doc = tmp_path / "doc.md"
    code = "```\nthis are code and must stay .\n```\n"
    doc.write_text(f"# Notes\n\nShe go to school every days.\n\n{code}")
    result = run_lmcor("fix", "--threads", "1", "--format", "json", str(doc), timeout=300)
    assert result.returncode == 0, result.stderr
    for line in result.stdout.decode().splitlines():
        record = json.loads(line)
        assert record["system"] == "greedy"
        assert doc.read_bytes()[record["byte_start"] : record["byte_end"]].decode() == record["source"]
    text = run_lmcor("fix", "--threads", "1", str(doc), timeout=300)
    assert text.returncode == 0 and text.stdout.decode().endswith(code)
    assert text.stdout.decode().startswith("# Notes\n\n")


def test_corrupt_gguf_is_a_model_error(tmp_path):
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 64)
    result = run_lmcor("fix", "-g", str(corrupt), "-", input=b"This are a test.\n")
    assert result.returncode == 3
    assert b"cannot load" in result.stderr and b"Traceback" not in result.stderr
    assert result.stdout == b""



def test_a_long_sentence_keeps_full_candidates_split_over_groups(generator):
    """A sentence at the segmenter's word limit, with digits and punctuation splitting it into
    ~680 tokens, gets its whole token budget for each of five candidates: its candidates are
    split into parts that fit the KV cache, each part in a group of its own."""
    from lmcor_cli.generate.llamacpp import _groups
    from lmcor_cli.segment import MAX_SENTENCE_WORDS

    words = [f"v{i}.{i % 7}," if i % 3 else "the" for i in range(MAX_SENTENCE_WORDS)]
    sentence = " ".join(words) + "."
    session = generator._open()
    wanted = int(len(session.tokenize(sentence, add_bos=False)) * 1.5) + 8
    parts = session.parts(sentence, range(5))
    assert [j for part in parts for j in part] == [0, 1, 2, 3, 4] and len(parts) > 1
    assert all(session.budget(sentence, len(part)) == wanted for part in parts)
    assert session.parts("A short sentence .", range(5)) == [range(5)]
    assert session.parts("A short sentence .", range(0)) == []
    groups = list(_groups([(sentence, part) for part in parts], session))
    assert len(groups) == len(parts)


def test_split_candidates_are_the_ones_decoded_together(generator):
    from lmcor_cli.generate import llamacpp

    sentences = ["She go to school every days .", "The results was published in march ."]
    together = generator.candidates(sentences, 3)
    session = generator._open()
    original = session.parts
    session.parts = lambda sentence, indices: [part for part in (indices[:1], indices[1:]) if part]
    try:
        split = generator.candidates(sentences, 3)
    finally:
        session.parts = original
    assert [[c.text for c in pool] for pool in split] == [[c.text for c in pool] for pool in together]
    assert llamacpp.N_CTX >= 2048
