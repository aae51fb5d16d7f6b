"""Stage 4: train the corrector (a small Transformer encoder-decoder) from scratch with torch, resumably.

The loop itself (checkpoints, resuming, early stopping, time limits) is ``loop.py``; this
module is the from-scratch model, the settings every ``train fit`` run records, and the
rules for what a resumed run keeps.  ``decoder.py`` starts from a pretrained causal LM instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from lmcor_cli.errors import UsageError
from lmcor_cli.train.loop import Pairs, Trainee, train_loop


@dataclass
class FitConfig:
    d_model: int = 256
    d_ff: int = 1024
    layers: int = 4
    heads: int = 4
    batch_size: int = 32
    max_source_tokens: int = 256
    max_target_tokens: int = 80
    dropout: float = 0.1
    lr: float = 1e-3
    warmup_steps: int = 400
    max_steps: int = 20000
    max_minutes: float = 0.0  # this run's time limit (a resumed run gets it afresh); 0: none
    eval_every: int = 250
    patience: int = 6
    checkpoint_minutes: float = 5.0
    seed: int = 0
    bf16: bool | None = None  # None: only where the device has native bf16 (loop.bf16_choice)
    device: str = "cpu"
    # "text": the corrected sentence; "edits": an edit script (lmcor_cli/correctors/edit_script.py)
    output_format: str = "text"
    init_from: str = ""  # a fresh run starts from this run folder's best weights (same architecture)
    # A decoder-only corrector started from a pretrained causal LM (decoder.py) instead:
    init: str = ""  # a GGUF file or a Hugging Face folder; "" trains the encoder-decoder from scratch
    kept_pieces: int = 32000  # vocabulary rows kept (byte pieces and specials included)
    keep_layers: str = ""  # "6": the first 5 and the last; "0,3,7": those; "": all
    lora_rank: int = 0  # 0: full fine-tuning


# Fields that define the network (the token limits size its position table) and its optimiser:
# a resumed run takes them from its folder, not from the command line, so a checkpoint always
# meets the model it was saved from.
ARCHITECTURE_FIELDS = ("d_model", "d_ff", "layers", "heads", "dropout", "max_source_tokens", "max_target_tokens",
                       "lr", "warmup_steps", "seed", "output_format", "init_from", "init", "kept_pieces", "keep_layers",
                       "lora_rank")


# What a fresh run started from another run's weights (``init_from``) must share with it.
SHAPE_FIELDS = ("d_model", "d_ff", "layers", "heads", "max_source_tokens", "max_target_tokens")


def resumed_config(out: Path, config: FitConfig) -> FitConfig:
    """A resumed run keeps its saved settings; a fresh run from ``init_from`` takes that run's shape."""
    saved_file = out / "fit_config.json"
    if (out / "checkpoint.pt").exists() and saved_file.exists():
        saved = json.loads(saved_file.read_text())
        return replace(config, **{key: saved[key] for key in ARCHITECTURE_FIELDS if key in saved})
    if config.init_from:
        source_file = Path(config.init_from) / "fit_config.json"
        if not source_file.is_file() or not (Path(config.init_from) / "best").is_dir():
            raise UsageError(f"--init-from {config.init_from}: not a 'train fit' run folder with best weights")
        shape = json.loads(source_file.read_text())
        return replace(config, **{key: shape[key] for key in SHAPE_FIELDS if key in shape})
    return config


def build_model(vocab_size: int, config: FitConfig):  # type: ignore[no-untyped-def]
    """A pre-norm Transformer encoder-decoder (mBART layout) with learned absolute positions.

    Absolute positions in both stacks let a model trained from scratch find the diagonal
    source → target alignment that copying needs within a few hundred steps; T5's
    relative-only attention, with no position signal across the stacks, was still a
    babbling language model after 2,800 CPU steps here.  The decoder starts from ``</s>``
    (mBART's shift wraps the label's final ``</s>`` to the front), which is what
    CTranslate2 uses as the start token for this layout.
    """
    from transformers import MBartConfig, MBartForConditionalGeneration

    mbart = MBartConfig(
        vocab_size=vocab_size, d_model=config.d_model, encoder_layers=config.layers, decoder_layers=config.layers,
        encoder_attention_heads=config.heads, decoder_attention_heads=config.heads,
        encoder_ffn_dim=config.d_ff, decoder_ffn_dim=config.d_ff, activation_function="gelu",
        max_position_embeddings=max(config.max_source_tokens, config.max_target_tokens) + 8,
        dropout=config.dropout, attention_dropout=0.0, activation_dropout=0.0, scale_embedding=True,
        pad_token_id=0, eos_token_id=1, bos_token_id=None, decoder_start_token_id=1, forced_eos_token_id=None,
        tie_word_embeddings=True, tokenizer_class="T5Tokenizer",
        normalize_before=True, normalize_embedding=True,  # what mBART is; CTranslate2's converter reads these
    )
    return MBartForConditionalGeneration(mbart)


def _tensors(pairs, indices, device):  # type: ignore[no-untyped-def]
    import torch

    sources = [pairs[i][0] for i in indices]
    targets = [pairs[i][1] for i in indices]
    s_len = max(map(len, sources))
    t_len = max(map(len, targets))
    input_ids = torch.zeros((len(indices), s_len), dtype=torch.long)
    labels = torch.full((len(indices), t_len), -100, dtype=torch.long)
    for row, (s, t) in enumerate(zip(sources, targets)):
        input_ids[row, : len(s)] = torch.tensor(s)
        labels[row, : len(t)] = torch.tensor(t)
    return {"input_ids": input_ids.to(device), "attention_mask": (input_ids != 0).to(device),
            "labels": labels.to(device)}


def fit(
    train: Pairs,
    dev: Pairs,
    vocab_size: int,
    out: Path,
    config: FitConfig,
    log: Callable[[str], None] = print,
) -> dict[str, float]:
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    config = resumed_config(out, config)
    torch.manual_seed(config.seed)
    out.mkdir(parents=True, exist_ok=True)
    model = build_model(vocab_size, config).to(torch.device(config.device))
    if config.init_from and not (out / "checkpoint.pt").exists():
        from transformers import MBartForConditionalGeneration

        start = MBartForConditionalGeneration.from_pretrained(Path(config.init_from) / "best")
        model.load_state_dict(start.state_dict())
        log(f"started from the weights of {config.init_from}")
    (out / "fit_config.json").write_text(json.dumps(asdict(config), indent=2))
    return train_loop(Trainee(model, lambda pairs, idx, device: model(**_tensors(pairs, idx, device)).loss,
                              model.save_pretrained), train, dev, out, config, log)
