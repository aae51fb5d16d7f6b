"""Stage 5: the best checkpoint → a CTranslate2 int8 corrector folder with its card."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from lmcor_cli.correctors.schema import CorrectorMeta


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
    meta = CorrectorMeta(name=name, mode=mode, beam_size=beam_size, source_eos=True)
    fit_config = best.parent / "fit_config.json"
    if fit_config.is_file():  # the trained position table bounds what the model can read and write
        trained = json.loads(fit_config.read_text())
        meta.max_input_tokens = trained["max_source_tokens"]
        meta.max_output_tokens = max(trained["max_source_tokens"], trained["max_target_tokens"])
        meta.output_format = trained.get("output_format", "text")
        if meta.output_format == "edits":  # a script names old and new words: longer than a sentence when rewriting
            meta.max_output_ratio = 2.5
    processor_pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    return _finish(staging, out, meta, card, processor_pieces)


def export_decoder(run: Path, out: Path, name: str, beam_size: int, card: str, quantization: str = "int8",
                   mode: str = "rewrite") -> Path:
    """A ``train fit --init`` run → a ``ctranslate2.Generator`` folder: the pruned model, the
    model's full SentencePiece model and the kept pieces (CTranslate2's ``vocabulary.json``)."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    kept = json.loads((run / "vocabulary.json").read_text(encoding="utf-8"))
    staging = out.with_name(out.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    _kept_vocabulary_converter(run / "best", run / "spm.model", kept).convert(str(staging), quantization=quantization)
    shutil.copy(run / "spm.model", staging / "spm.model")
    trained = json.loads((run / "fit_config.json").read_text())
    meta = CorrectorMeta(name=name, architecture="decoder", mode=mode, beam_size=beam_size,
                         max_input_tokens=trained["max_source_tokens"], max_output_tokens=trained["max_target_tokens"])
    return _finish(staging, out, meta, card, kept)


def _kept_vocabulary_converter(best: Path, spm_model: Path, kept: list[str]):  # type: ignore[no-untyped-def]
    """CTranslate2's converter, told the pruned vocabulary (it would ask AutoTokenizer, which
    knows only the full one) and Gemma 3's RoPE bases (transformers 5 keeps them in
    ``rope_parameters``, where the converter does not look)."""
    import ctranslate2

    from lmcor_cli.pruned_vocab import PrunedVocabulary

    vocabulary = PrunedVocabulary(spm_model, kept)

    class Tokenizer:
        bos_token, eos_token, unk_token = vocabulary.bos, vocabulary.eos, vocabulary.unk
        chat_template = None  # else the converter makes <end_of_turn> the end token

        @staticmethod
        def get_vocab() -> dict[str, int]:
            return dict(vocabulary.ids)

    class Converter(ctranslate2.converters.TransformersConverter):
        def load_tokenizer(self, tokenizer_class, model_name_or_path, **kwargs):  # type: ignore[no-untyped-def]
            return Tokenizer()

        def load_model(self, model_class, model_name_or_path, **kwargs):  # type: ignore[no-untyped-def]
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            _converter_settings(model.config)
            return model

    return Converter(str(best))


def _converter_settings(config) -> None:  # type: ignore[no-untyped-def]
    """Refuse what CTranslate2's Gemma 3 layout cannot express; spell out the RoPE bases."""
    if config.model_type != "gemma3_text":
        return
    if (config.query_pre_attn_scalar != config.head_dim or config.final_logit_softcapping
            or config.attn_logit_softcapping):
        raise ValueError("this Gemma 3 variant (query scaling or soft-capping) is not what CTranslate2 converts")
    rope = config.rope_parameters or {}
    for kind, attribute in (("full_attention", "rope_theta"), ("sliding_attention", "rope_local_base_freq")):
        if kind in rope:
            if rope[kind].get("rope_type", "default") != "default":
                raise ValueError(f"RoPE scaling {rope[kind]['rope_type']!r} of {kind} layers is not converted")
            setattr(config, attribute, rope[kind]["rope_theta"])


def _finish(staging: Path, out: Path, meta: CorrectorMeta, card: str, pieces: list[str]) -> Path:
    """lmcor.json, the card, the vocabulary check and the checksums; then the staging folder
    is renamed into place whole."""
    meta.write(staging)
    (staging / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    _check_vocabulary(staging, pieces)
    names = sorted(p.name for p in staging.iterdir() if p.is_file() and p.name != "SHA256SUMS")
    (staging / "SHA256SUMS").write_text(checksums(staging, names))
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    return out


def checksums(folder: Path, names: list[str]) -> str:
    """The ``SHA256SUMS`` text for the named files of a corrector folder."""
    return "".join(f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}\n" for name in names)


def refresh_checksums(folder: Path, added: tuple[str, ...] = ()) -> None:
    """Rewrite ``SHA256SUMS`` (atomically) for the files it lists, and the ``added`` ones,
    after one of them changed."""
    from lmcor_cli.textio import atomic_writer

    sums = folder / "SHA256SUMS"
    if sums.is_file():
        names = [line.split("  ", 1)[1] for line in sums.read_text().splitlines() if "  " in line]
        names += [name for name in added if name not in names]
        with atomic_writer(sums) as out:
            out.write(checksums(folder, names).encode())


def _drop_null_settings(config_file: Path) -> None:
    """Our vocabulary has no BOS and the converter writes nulls, which CTranslate2 refuses to
    load: give BOS its conventional name (never emitted: ``add_source_bos`` is off) and let
    other unset keys fall back to CTranslate2's defaults."""
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config = {k: v for k, v in config.items() if v is not None}
    config.setdefault("bos_token", "<s>")
    config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")


def _check_vocabulary(folder: Path, pieces: list[str]) -> None:
    """CTranslate2 must map tokens to the same ids as training did, or every output is garbage."""
    names = ("shared_vocabulary.json", "target_vocabulary.json", "vocabulary.json")
    vocab_file = next((folder / n for n in names if (folder / n).exists()), None)
    if vocab_file is None:
        raise ValueError(f"the converted model in {folder} has no vocabulary file")
    tokens = json.loads(vocab_file.read_text(encoding="utf-8"))
    if len(tokens) != len(pieces):
        raise ValueError(f"exported vocabulary has {len(tokens)} tokens, training had {len(pieces)}")
    for i, (token, piece) in enumerate(zip(tokens, pieces)):
        if token != piece:
            raise ValueError(f"exported vocabulary differs from training at id {i}: {token!r} is not {piece!r}")
