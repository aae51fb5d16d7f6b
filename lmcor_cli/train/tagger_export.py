"""Export a trained edit corrector: a CTranslate2 encoder, the tag head, and ``lmcor.json``.

The trunk's Gemma-shaped layers map onto CTranslate2's ``TransformerEncoderSpec`` (RMS norms
with Gemma's ``1 + weight``, a GELU-tanh GLU feed-forward, grouped-query attention with
query/key norms, a norm before and after each sublayer, rotary positions with the local
base).  The tag head is one matrix product, run in numpy at inference.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from lmcor_cli.correctors.schema import CorrectorMeta
from lmcor_cli.train.export import checksums


def encoder_spec(trunk, vocabulary: list[str]):  # type: ignore[no-untyped-def]
    """The CTranslate2 spec of a (bidirectional) Gemma 3 text model's layers."""
    from ctranslate2.specs import common_spec, transformer_spec

    config = trunk.config
    rotary_base = float(config.rope_parameters["sliding_attention"]["rope_theta"])
    heads_kv = config.num_key_value_heads if config.num_key_value_heads != config.num_attention_heads else None
    encoder = transformer_spec.TransformerEncoderSpec(
        config.num_hidden_layers, config.num_attention_heads, pre_norm=True,
        activation=common_spec.Activation.GELUTanh, ffn_glu=True, rms_norm=True, num_heads_kv=heads_kv,
        head_dim=config.head_dim, rotary_dim=config.head_dim, rotary_interleave=False, rotary_base=rotary_base,
        qk_norm=True, pre_post_layer_norm=True,
    )
    del encoder.position_encodings  # positions are rotary
    encoder.embeddings[0].weight = _array(trunk.embed_tokens.weight)
    _norm(encoder.layer_norm, trunk.norm)
    for spec, layer in zip(encoder.layer, trunk.layers):
        _norm(spec.input_layer_norm, layer.input_layernorm)
        _norm(spec.post_attention_layer_norm, layer.post_attention_layernorm)
        _norm(spec.pre_feedforward_layer_norm, layer.pre_feedforward_layernorm)
        _norm(spec.post_feedforward_layer_norm, layer.post_feedforward_layernorm)
        attention = layer.self_attn
        _norm(spec.self_attention.q_norm, attention.q_norm)
        _norm(spec.self_attention.k_norm, attention.k_norm)
        spec.self_attention.linear[0].weight = np.concatenate(
            [_array(attention.q_proj.weight), _array(attention.k_proj.weight), _array(attention.v_proj.weight)])
        spec.self_attention.linear[1].weight = _array(attention.o_proj.weight)
        spec.ffn.linear_0.weight = _array(layer.mlp.gate_proj.weight)
        spec.ffn.linear_0_noact.weight = _array(layer.mlp.up_proj.weight)
        spec.ffn.linear_1.weight = _array(layer.mlp.down_proj.weight)
    model = transformer_spec.TransformerEncoderModelSpec(encoder)
    model.config.layer_norm_epsilon = float(config.rms_norm_eps)
    model.register_vocabulary(vocabulary)
    return model


def _array(tensor) -> np.ndarray:  # type: ignore[no-untyped-def]
    return tensor.detach().float().cpu().numpy()


def _norm(spec, module) -> None:  # type: ignore[no-untyped-def]
    spec.gamma = _array(module.weight)
    spec.layer_norm_use_residual = True  # Gemma's RMSNorm scales by 1 + weight


def export_tagger(model, vocabulary: list[str], tags: list[str], spm_model: Path, out: Path, meta: CorrectorMeta,
                  quantization: str = "int8", card: Path | None = None) -> None:  # type: ignore[no-untyped-def]
    """Write the corrector folder atomically (a staging folder, then a rename)."""
    staging = out.with_name(out.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    spec = encoder_spec(model.trunk, vocabulary)
    spec.validate()
    spec.optimize(quantization=quantization)
    spec.save(str(staging))
    head = model.head
    np.savez(staging / "head.npz", weight=_array(head.weight).astype(np.float16), bias=_array(head.bias))
    shutil.copy(spm_model, staging / "spm.model")
    (staging / "vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
    (staging / "tags.json").write_text(json.dumps(tags, ensure_ascii=False), encoding="utf-8")
    meta.write(staging)
    if card is not None:
        shutil.copy(card, staging / "MODEL_CARD.md")
    names = sorted(p.name for p in staging.iterdir() if p.is_file())
    (staging / "SHA256SUMS").write_text(checksums(staging, names), encoding="utf-8")
    if out.exists():
        old = out.with_name(out.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old)
    else:
        os.replace(staging, out)
