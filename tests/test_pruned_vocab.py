"""The decoder corrector's tokenizer: a GGUF's vocabulary rebuilt as a SentencePiece model,
and the pruned vocabulary over it (lossless byte fallback); the model test checks the
rebuilt Gemma tokenizer against llama.cpp's on real sentences."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_models import build_tiny_bpe

from lmcor_cli.pruned_vocab import BYTE_PIECES, PrunedVocabulary

TEXTS = ["She go to school every days, and her brother don't like it.", "Zoë's café — “quoted” 😀 中文",
         "Two  spaces,\ttabs\nand lines.", " leading and trailing ", ""]
LEARNER_SENTENCES = [
    "So I think we can not live if old people could not find siences and tecnologies .",
    "In my opinion , the goverment should spend more money for the public transport .",
    "Nowadays , many peoples are using there mobile phone everyday in 2024 .",
    "He said:\"I dont know what I will do\" and leaved the room.",
    "The  double-spaced   sentence has 3,500 words (approx.) & symbols #1, $20.",
]


@pytest.fixture(scope="module")
def spm_model(tmp_path_factory):
    return build_tiny_bpe(tmp_path_factory.mktemp("bpe"))


def _pieces(spm_model):
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm_model))
    return processor, [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


@pytest.fixture(scope="module")
def pruned(spm_model):
    processor, pieces = _pieces(spm_model)
    kept = [p for i, p in enumerate(pieces) if i < 4 or p in BYTE_PIECES or p in ("▁to", "▁g")]
    return PrunedVocabulary(spm_model, kept)


def test_kept_pieces_stay_and_the_rest_become_bytes(spm_model, pruned):
    processor, _ = _pieces(spm_model)
    assert processor.encode("She goes to", out_type=str) == ["She", "▁g", "oes", "▁to"]
    # "She" and "oes" were not kept: their bytes stand in; Gemma's own cut of the rest is kept.
    assert pruned.encode("She goes to") == ["<0x53>", "<0x68>", "<0x65>", "▁g", "<0x6F>", "<0x65>", "<0x73>", "▁to"]
    assert pruned.encode_ids("She goes to")[-1] == pruned.pieces.index("▁to")
    assert [pruned.bos, pruned.eos, pruned.pad, pruned.unk] == ["<bos>", "<eos>", "<pad>", "<unk>"]
    assert 0 < pruned.coverage(TEXTS) < 1


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="\u2581", blacklist_categories=("Cs",)), max_size=40))
def test_any_text_round_trips(pruned, text):
    pieces = pruned.encode(text)
    assert all(piece in pruned.ids for piece in pieces)
    assert pruned.decode(pieces) == text


def test_a_vocabulary_without_every_byte_piece_is_refused(spm_model):
    _, pieces = _pieces(spm_model)
    with pytest.raises(ValueError, match="lacks 1 byte pieces"):
        PrunedVocabulary(spm_model, [p for p in pieces if p != "<0x41>"])


def test_a_gguf_vocabulary_is_rebuilt_as_the_same_tokenizer(spm_model, tmp_path):
    """A GGUF holding the tiny model's pieces, plus a user-defined run of two spaces as Gemma
    has them: the rebuilt model cuts text as the original and keeps the run whole."""
    import gguf

    from lmcor_cli.train.pretrained import gguf_spm_model

    processor, pieces = _pieces(spm_model)
    writer = gguf.GGUFWriter(str(tmp_path / "vocab.gguf"), arch="gemma3")
    writer.add_tokenizer_model("llama")
    writer.add_token_list([*pieces, "  "])
    writer.add_token_scores([processor.get_score(i) for i in range(len(pieces))] + [0.0])
    writer.add_token_types([3, 3, 3, 2] + [6 if p in BYTE_PIECES else 1 for p in pieces[4:]] + [4])
    writer.add_unk_token_id(3)
    writer.add_bos_token_id(2)
    writer.add_eos_token_id(1)
    writer.add_pad_token_id(0)
    writer.add_add_space_prefix(False)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    writer.close()
    gguf_spm_model(tmp_path / "vocab.gguf", tmp_path / "rebuilt.model")
    import sentencepiece

    rebuilt = sentencepiece.SentencePieceProcessor(model_file=str(tmp_path / "rebuilt.model"))
    for text in TEXTS:
        if "  " not in text:
            assert rebuilt.encode(text) == processor.encode(text), text
        assert rebuilt.decode(rebuilt.encode(text)) == text
    assert "▁▁" in rebuilt.encode("Two  spaces", out_type=str)
    assert [rebuilt.bos_id(), rebuilt.eos_id(), rebuilt.pad_id(), rebuilt.unk_id()] == [2, 1, 0, 3]


@pytest.mark.model
def test_rebuilt_gemma_tokenizer_cuts_text_as_llama_cpp(tmp_path):
    import sentencepiece

    from lmcor_cli.generate.base import GeneratorSpec
    from lmcor_cli.generate.llamacpp import Session
    from lmcor_cli.models import resolve_gguf
    from lmcor_cli.prompt import load_prompt
    from lmcor_cli.train.pretrained import gguf_spm_model

    path = resolve_gguf("gemma3-270m")
    gguf_spm_model(path, tmp_path / "gemma.model")
    rebuilt = sentencepiece.SentencePieceProcessor(model_file=str(tmp_path / "gemma.model"))
    session = Session(path, GeneratorSpec(name=str(path), prompt=load_prompt(0), threads=1))
    try:
        for text in [*TEXTS, *LEARNER_SENTENCES, "source: x candidates: <sep> <llm> y <sep> <rule> z correction:"]:
            assert rebuilt.encode(text) == session.tokenize(text, add_bos=False), text
    finally:
        session.close()
