"""A tiny but real CTranslate2 corrector folder, built in seconds for tests.

The weights are random (seeded), so its output is nonsense — which is exactly what the
faithfulness guard must catch — but every component is the real one: a SentencePiece
model with our separator symbols, a CTranslate2 Transformer and our ``lmcor.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lmcor_cli.correctors.input_format import SPECIAL_SYMBOLS
from lmcor_cli.correctors.schema import INPUT_FORMAT

TRAINING_TEXT = """\
This is a small sentence about grammar.
She goes to school every day by bus.
The results of the survey were published in March.
I have received your email and I will answer it tomorrow.
source: candidates: the a an of to in is are was were be been
Our team released a new version of the library last week.
"""


def build_tiny_corrector(folder: Path, d_model: int = 16, seed: int = 0, positions: int | None = None) -> Path:
    """``positions``: learned position tables of that size (as our trained correctors have)
    instead of sinusoidal ones, and the matching token limits in ``lmcor.json``."""
    import ctranslate2
    import sentencepiece
    from ctranslate2 import specs

    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.txt"
    corpus.write_text(TRAINING_TEXT * 3, encoding="utf-8")
    sentencepiece.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(folder / "spm"),
        vocab_size=70,
        model_type="unigram",
        user_defined_symbols=SPECIAL_SYMBOLS,
        minloglevel=2,
    )
    corpus.unlink()
    (folder / "spm.vocab").unlink()
    processor = sentencepiece.SentencePieceProcessor(model_file=str(folder / "spm.model"))
    vocab = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]

    rng = np.random.default_rng(seed)
    spec = specs.TransformerSpec.from_config(num_layers=1, num_heads=2)
    d, ff, v = d_model, 2 * d_model, len(vocab)
    shapes = {
        "embeddings_0/weight": (v, d),
        "embeddings/weight": (v, d),
        "projection/weight": (v, d),
        "self_attention/linear_0/weight": (3 * d, d),
        "self_attention/linear_1/weight": (d, d),
        "attention/linear_0/weight": (d, d),
        "attention/linear_1/weight": (2 * d, d),
        "attention/linear_2/weight": (d, d),
        "ffn/linear_0/weight": (ff, d),
        "ffn/linear_1/weight": (d, ff),
    }
    for name, value in spec.variables().items():
        if value is not None:
            continue
        if name.endswith("gamma"):
            array = np.ones(d, dtype=np.float32)
        elif name.endswith("beta"):
            array = np.zeros(d, dtype=np.float32)
        else:
            shape = next(s for suffix, s in shapes.items() if name.endswith(suffix))
            array = rng.normal(0, 0.5, size=shape).astype(np.float32)
        _set(spec, name, array)
    if positions:
        for side in (spec.encoder, spec.decoder):
            side.position_encodings.encodings = rng.normal(0, 0.5, size=(positions, d)).astype(np.float32)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.optimize(quantization="int8")
    spec.save(str(folder))
    meta = {"name": "tiny-test", "input_format": INPUT_FORMAT, "beam_size": 1}
    if positions:
        meta.update(max_input_tokens=positions - 8, max_output_tokens=positions - 8)  # as `train export` sets them
    (folder / "lmcor.json").write_text(json.dumps(meta), encoding="utf-8")
    ctranslate2.Translator(str(folder))  # fail here, not in a test, if the folder is unusable
    return folder


def _set(spec: object, path: str, value: np.ndarray) -> None:
    node = spec
    parts = path.split("/")
    for part in parts[:-1]:
        head, _, index = part.rpartition("_")
        if index.isdigit() and hasattr(node, head):
            node = getattr(node, head)[int(index)]
        else:
            node = getattr(node, part)
    setattr(node, parts[-1], value)


def build_tiny_bpe(folder: Path) -> Path:
    """A SentencePiece BPE model of Gemma's kind (byte fallback, no dummy prefix, no
    normalisation, ids pad 0, eos 1, bos 2, unk 3), 400 pieces: ``folder/tokenizer.model``."""
    import sentencepiece

    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.txt"
    corpus.write_text(TRAINING_TEXT * 3, encoding="utf-8")
    sentencepiece.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(folder / "tokenizer"), vocab_size=400, model_type="bpe",
        byte_fallback=True, add_dummy_prefix=False, remove_extra_whitespaces=False, normalization_rule_name="identity",
        pad_id=0, eos_id=1, bos_id=2, unk_id=3, pad_piece="<pad>", eos_piece="<eos>", bos_piece="<bos>",
        unk_piece="<unk>",
        hard_vocab_limit=False, minloglevel=2,
    )
    corpus.unlink()
    (folder / "tokenizer.vocab").unlink()
    return folder / "tokenizer.model"


def build_tiny_causal_lm(folder: Path, layers: int = 3, seed: int = 0) -> Path:
    """A Hugging Face folder of a random-init Gemma 3 causal LM with the tiny BPE
    ``tokenizer.model``: what ``train fit --init`` reads, in seconds.  Attention has Gemma 3
    270M's shape (hidden 640, 4 query heads of 256, one key/value head), under which
    CTranslate2 behaves differently from smaller ones; the MLP is tiny."""
    import sentencepiece
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    pieces = sentencepiece.SentencePieceProcessor(model_file=str(build_tiny_bpe(folder))).get_piece_size()
    config = Gemma3TextConfig(
        vocab_size=pieces, hidden_size=640, intermediate_size=64, num_hidden_layers=layers, num_attention_heads=4,
        num_key_value_heads=1, head_dim=256, query_pre_attn_scalar=256, max_position_embeddings=1024,
        sliding_window=512,
        layer_types=["full_attention" if (i + 1) % 3 == 0 else "sliding_attention" for i in range(layers)],
        pad_token_id=0, eos_token_id=1, bos_token_id=2,
    )
    torch.manual_seed(seed)
    Gemma3ForCausalLM(config).save_pretrained(folder)
    return folder
