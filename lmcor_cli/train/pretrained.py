"""Start the corrector from a pretrained causal LM (a GGUF file or a Hugging Face folder).

A model that already knows English can copy a sentence and fix what no candidate fixed;
one trained from scratch on two CPU cores cannot.  Gemma 3 270M ships with lmcor's default
dependency as a GGUF; transformers dequantizes it (needs ``gguf`` and ``accelerate``).
Two cuts make it small and fast enough to ship: the vocabulary is pruned to the pieces
our data uses (plus the byte pieces, see ``lmcor_cli/pruned_vocab.py``) and only some of
its layers are kept.
"""

from __future__ import annotations

import copy
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from lmcor_cli.errors import UsageError
from lmcor_cli.pruned_vocab import BYTE_PIECES, SPACE

UNKNOWN, USER_DEFINED = 2, 4  # SentencePiece's piece types, which GGUF token types copy (1 normal, 3 control, 6 byte)


def resolve_init(name: str) -> Path:
    """``gemma3-270m`` → the generator's English-vocabulary copy of the packaged GGUF (its
    piece list, and a fifth of the tokens to parse on every load); ``gemma3-270m-full`` →
    the packaged file; otherwise a ``.gguf`` file or a Hugging Face folder."""
    from lmcor_cli.models import DEFAULT_GGUF_NAME, FULL_GGUF_NAME, resolve_gguf

    if name in (DEFAULT_GGUF_NAME, FULL_GGUF_NAME):
        return resolve_gguf(name)
    path = Path(name).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return path
    if path.is_dir() and (path / "config.json").is_file() and (path / "tokenizer.model").is_file():
        return path
    raise UsageError(f"--init {name}: not gemma3-270m, a .gguf file, or a Hugging Face folder with config.json "
                     "and a SentencePiece tokenizer.model")


def write_spm_model(init: Path, out: Path) -> None:
    """The model's own tokenizer as a SentencePiece ``.model`` file."""
    if init.is_dir():
        shutil.copy(init / "tokenizer.model", out)
    else:
        gguf_spm_model(init, out)


def gguf_spm_model(gguf_path: Path, out: Path) -> None:
    """Rebuild a SentencePiece model from a GGUF's tokens, scores and types (Gemma: BPE,
    byte fallback, no normalisation, no dummy prefix).  llama.cpp matches user-defined
    pieces such as a run of spaces in the raw text; SentencePiece matches them after
    spaces became ``▁``, so they are stored that way, and both cut text alike."""
    from gguf import GGUFReader
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    from lmcor_cli.generate.english_gguf import gguf_vocabulary

    reader = GGUFReader(str(gguf_path))
    if reader.get_field("tokenizer.ggml.model").contents() != "llama":
        raise UsageError(f"--init {gguf_path}: not a SentencePiece-vocabulary GGUF")
    tokens, scores, types = gguf_vocabulary(reader)

    def scalar(key: str, default: int) -> int:
        field = reader.get_field(key)
        return int(field.contents()) if field is not None else default

    proto = model_pb2.ModelProto()
    spec = proto.trainer_spec
    spec.model_type, spec.vocab_size, spec.byte_fallback = model_pb2.TrainerSpec.BPE, len(tokens), True
    # SentencePiece finds its specials by name, so the ids and the names are both set.
    spec.unk_id, spec.bos_id, spec.eos_id, spec.pad_id = (
        scalar(f"tokenizer.ggml.{key}_token_id", default)
        for key, default in (("unknown", 3), ("bos", 2), ("eos", 1), ("padding", -1)))
    spec.unk_piece, spec.bos_piece, spec.eos_piece = tokens[spec.unk_id], tokens[spec.bos_id], tokens[spec.eos_id]
    if spec.pad_id >= 0:
        spec.pad_piece = tokens[spec.pad_id]
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = bool(scalar("tokenizer.ggml.add_space_prefix", 0))
    proto.normalizer_spec.remove_extra_whitespaces = False
    proto.normalizer_spec.escape_whitespaces = True
    taken = set(tokens)
    for index, (token, score, kind) in enumerate(zip(tokens, scores, types)):
        if index == spec.unk_id:
            kind = UNKNOWN
        elif kind == USER_DEFINED and " " in token and token.replace(" ", SPACE) not in taken:
            token = token.replace(" ", SPACE)
        piece = proto.pieces.add()
        piece.piece, piece.score, piece.type = token, score, kind
    out.write_bytes(proto.SerializeToString())


def kept_pieces(spm_model: Path, texts: Iterable[str], size: int, fill: Iterable[str] = ()) -> list[str]:
    """The pieces to keep, in the full model's id order (so the pruned rows keep their order):
    the specials and every byte piece, then the pieces ``texts`` use, most used first, then
    those of ``fill`` (English words: the generator's list) in its order, up to ``size``."""
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm_model))
    specials = [processor.pad_id(), processor.eos_id(), processor.bos_id(), processor.unk_id()]
    always = {processor.id_to_piece(i) for i in specials if i >= 0} | set(BYTE_PIECES)
    missing = [p for p in BYTE_PIECES if processor.piece_to_id(p) == processor.unk_id()]
    if missing:
        raise UsageError(f"the model's vocabulary has no byte pieces (e.g. {sorted(missing)[0]}): it cannot be "
                         "pruned losslessly")
    if size < len(always):
        raise UsageError(f"--kept-pieces {size}: at least {len(always)} (the byte pieces and specials)")
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(processor.encode(text, out_type=str))
    ranked = [piece for piece, _ in counts.most_common()]
    for text in fill:
        ranked.extend(processor.encode(text, out_type=str))
    chosen = set(always)
    for piece in dict.fromkeys(ranked):
        if len(chosen) >= size:
            break
        chosen.add(piece)
    return sorted(chosen, key=processor.piece_to_id)


def load_causal_lm(init: Path):  # type: ignore[no-untyped-def]
    """A transformers causal LM in float32, from a GGUF file (dequantized) or a model folder."""
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    from lmcor_cli.silence import silenced

    hf_logging.disable_progress_bar()
    if init.is_dir():
        return AutoModelForCausalLM.from_pretrained(str(init), dtype="float32")
    with silenced(sys.stderr):  # the dequantizing progress bar ignores transformers' switch
        return AutoModelForCausalLM.from_pretrained(str(init.parent), gguf_file=init.name, dtype="float32")


def layer_choice(spec: str, total: int) -> list[int]:
    """``--keep-layers``: "" → all; "N" → the first N−1 layers and the last; "0,3,7" → those
    (ascending, distinct, in range).  Cutting a block just before the last layer costs
    Gemma 3 270M least: NLL per token of 100 JFLEG dev references, all 18 layers 5.28,
    16 kept 6.51, 14 8.33, 12 10.17 — and 12 spread evenly 18.9, worse than uniform."""
    if not spec:
        return list(range(total))
    try:
        numbers = [int(part) for part in spec.split(",")]
    except ValueError:
        raise UsageError(f"--keep-layers {spec}: a count or a comma-separated list of layer numbers") from None
    if len(numbers) == 1 and "," not in spec:
        count = numbers[0]
        if not 1 <= count <= total:
            raise UsageError(f"--keep-layers {count}: the model has {total} layers")
        return [0] if count == 1 else [*range(count - 1), total - 1]
    if numbers != sorted(set(numbers)) or numbers[0] < 0 or numbers[-1] >= total:
        raise UsageError(f"--keep-layers {spec}: distinct ascending layer numbers below {total}")
    return numbers


def shrink(model, kept_ids: Sequence[int], layers: Sequence[int]):  # type: ignore[no-untyped-def]
    """A new model of the same class with only the vocabulary rows ``kept_ids`` (embedding,
    and the output layer if untied) and the decoder layers ``layers``, renumbered; per-layer
    settings (Gemma 3's sliding/full attention pattern) follow their layers."""
    import torch

    config = copy.deepcopy(model.config)
    config.vocab_size = len(kept_ids)
    position = {full: new for new, full in enumerate(kept_ids)}
    for key in ("bos_token_id", "eos_token_id", "pad_token_id", "unk_token_id"):
        if isinstance(getattr(config, key, None), int):
            setattr(config, key, position[getattr(config, key)])
    if getattr(config, "layer_types", None):
        config.layer_types = [config.layer_types[i] for i in layers]
    config.num_hidden_layers = len(layers)
    # the GGUF's, not true of these weights (and CTranslate2 would refuse it)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    rows = torch.tensor(list(kept_ids))
    renumber = {old: new for new, old in enumerate(layers)}
    state = {}
    for key, value in model.state_dict().items():
        match = re.fullmatch(r"(.*\blayers)\.(\d+)\.(.*)", key)
        if match:
            if int(match[2]) in renumber:
                state[f"{match[1]}.{renumber[int(match[2])]}.{match[3]}"] = value
        elif key.endswith(("embed_tokens.weight", "lm_head.weight")):
            state[key] = value[rows].clone()
        else:
            state[key] = value
    small = type(model)(config)
    result = small.load_state_dict(state, strict=False)
    missing = set(result.missing_keys) - ({"lm_head.weight"} if config.tie_word_embeddings else set())
    if missing or result.unexpected_keys:
        raise ValueError(f"shrink: weights do not fit the smaller model ({sorted(missing)[:3]}, "
                         f"{result.unexpected_keys[:3]})")
    return small
