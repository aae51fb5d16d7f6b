"""The English-pruned generator: the merge-path closure on a toy vocabulary, and (model
tests) the real Gemma GGUF pruned, loaded by llama.cpp, tokenizing and decoding as before."""

from __future__ import annotations

import pytest

from lmcor_cli.generate.english_gguf import kept_token_ids, merge_path

# A toy BPE vocabulary: the scores give the merge order (higher first).
TOKENS = ["<pad>", "<eos>", "<bos>", "<unk>", "▁", "t", "h", "e", "a", "▁t", "he", "▁the", "▁th", "at", "<0x41>", "zz"]
SCORES = [0, 0, 0, 0, -1, -1, -1, -1, -1, -2, -3, -4, -5, -6, 0, -1]
TYPES = [3, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 6, 1]


def test_merge_path_keeps_every_intermediate_piece():
    scores = dict(zip(TOKENS, SCORES))
    # ▁ t h e → (▁t, -2) beats (he, -3): ▁t h e → ▁t he → ▁the
    assert merge_path("▁the", scores) == {"▁", "t", "h", "e", "▁t", "he", "▁the"}


def test_kept_ids_hold_specials_bytes_and_the_texts_pieces_only():
    kept = [TOKENS[i] for i in kept_token_ids(TOKENS, SCORES, TYPES, ["the", " the"])]
    assert kept[:4] == ["<pad>", "<eos>", "<bos>", "<unk>"]
    assert "<0x41>" in kept  # byte fallback always survives
    assert {"▁the", "▁t", "he"} <= set(kept)
    assert "zz" not in kept and "at" not in kept and "▁th" not in kept


@pytest.mark.model
def test_pruned_gemma_tokenizes_english_as_the_full_model_and_decodes_the_same(tmp_path):
    from lmcor_cli.generate.base import GeneratorSpec
    from lmcor_cli.generate.english_gguf import english_gguf
    from lmcor_cli.generate.llamacpp import Session
    from lmcor_cli.models import resolve_gguf
    from lmcor_cli.prompt import load_prompt

    full_path = resolve_gguf("gemma3-270m-full")
    stale = tmp_path / f"{full_path.stem}.en0-0123456789ab.gguf"  # from an older piece list
    stale.write_bytes(b"GGUF")
    pruned_path = english_gguf(full_path, tmp_path)
    assert not stale.exists() and english_gguf(full_path, tmp_path) == pruned_path
    assert pruned_path.stat().st_size < 0.6 * full_path.stat().st_size
    spec = GeneratorSpec(name=str(full_path), prompt=load_prompt(0), threads=1)
    sentences = ["She go to school every days, and her brother don't like it.",
                 "The committee have decided that the meeting will be moved to next week."]
    pieces = {}
    outputs = {}
    for name, path in (("full", full_path), ("pruned", pruned_path)):
        session = Session(path, spec)
        try:
            pieces[name] = [[session.piece(t) for t in session.tokenize(s, add_bos=False)] for s in sentences]
            session.set_prefix(spec.prompt.prefix)
            outputs[name] = [pool[0].text for pool in session.decode_group([(s, range(1)) for s in sentences], 0.6)]
        finally:
            session.close()
    assert pieces["pruned"] == pieces["full"]
    assert outputs["pruned"] == outputs["full"]
