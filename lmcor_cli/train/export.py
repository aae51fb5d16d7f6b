"""Stage 5: the best checkpoint → a CTranslate2 int8 corrector folder with its card."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from lmcor_cli.correct import INPUT_FORMAT


def export(best: Path, spm_model: Path, out: Path, name: str, beam_size: int, card: str,
           quantization: str = "int8", mode: str = "rewrite") -> Path:
    import ctranslate2
    import sentencepiece
    from transformers import T5Tokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm_model))
    vocab = [(processor.id_to_piece(i), processor.get_score(i)) for i in range(processor.get_piece_size())]
    # transformers' T5Tokenizer(vocab_file=...) may ignore the file; the explicit vocabulary keeps CT2's ids = SPM ids.
    T5Tokenizer(vocab=vocab, extra_ids=0, unk_token="<unk>", eos_token="</s>", pad_token="<pad>").save_pretrained(best)
    staging = out.with_name(out.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    ctranslate2.converters.TransformersConverter(str(best)).convert(str(staging), quantization=quantization)
    _drop_null_settings(staging / "config.json")
    shutil.copy(spm_model, staging / "spm.model")
    meta = {"name": name, "input_format": INPUT_FORMAT, "mode": mode, "beam_size": beam_size, "source_eos": True,
            "max_output_ratio": 1.5}
    fit_config = best.parent / "fit_config.json"
    if fit_config.is_file():  # the trained position table bounds what the model can read and write
        trained = json.loads(fit_config.read_text())
        meta["max_input_tokens"] = trained["max_source_tokens"]
        meta["max_output_tokens"] = max(trained["max_source_tokens"], trained["max_target_tokens"])
        meta["output_format"] = trained.get("output_format", "text")
        if meta["output_format"] == "edits":  # a script names old and new words: longer than a sentence when rewriting
            meta["max_output_ratio"] = 2.5
    (staging / "lmcor.json").write_text(json.dumps(meta, indent=2))
    (staging / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    _check_vocabulary(staging, processor)
    names = sorted(p.name for p in staging.iterdir() if p.is_file() and p.name != "SHA256SUMS")
    (staging / "SHA256SUMS").write_text(checksums(staging, names))  # the staging folder is renamed into place whole
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    return out


def checksums(folder: Path, names: list[str]) -> str:
    """The ``SHA256SUMS`` text for the named files of a corrector folder."""
    return "".join(f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}\n" for name in names)


def _drop_null_settings(config_file: Path) -> None:
    """Our vocabulary has no BOS and the converter writes nulls, which CTranslate2 refuses to
    load: give BOS its conventional name (never emitted: ``add_source_bos`` is off) and let
    other unset keys fall back to CTranslate2's defaults."""
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config = {k: v for k, v in config.items() if v is not None}
    config.setdefault("bos_token", "<s>")
    config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")


def _check_vocabulary(folder: Path, processor) -> None:  # type: ignore[no-untyped-def]
    """CTranslate2 must map tokens to the same ids as SentencePiece, or every output is garbage."""
    vocab_file = next((folder / n for n in ("shared_vocabulary.json", "target_vocabulary.json") if (folder / n).exists()), None)
    if vocab_file is None:
        return
    tokens = json.loads(vocab_file.read_text(encoding="utf-8"))
    for i in range(min(len(tokens), processor.get_piece_size())):
        if tokens[i] != processor.id_to_piece(i):
            raise ValueError(f"exported vocabulary differs from SentencePiece at id {i}: {tokens[i]!r}")
