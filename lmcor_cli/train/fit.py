"""Stage 4: train the corrector (a small Transformer encoder-decoder) from scratch with torch, resumably.

Everything needed to continue exactly — weights, optimizer, schedule, step, the data
order and position, RNG states — goes into one checkpoint file, written atomically
every few minutes.  The dev loss (held-out real triples) is measured regularly; the best
weights are kept and training stops when it has not improved for ``patience`` checks.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from lmcor_cli.errors import UsageError


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
    bf16: bool = True
    device: str = "cpu"
    output_format: str = "text"  # "text": the corrected sentence; "edits": an edit script (lmcor_cli/edits.py)
    init_from: str = ""  # a fresh run starts from this run folder's best weights (same architecture)


# Fields that define the network (the token limits size its position table) and its optimiser:
# a resumed run takes them from its folder, not from the command line, so a checkpoint always
# meets the model it was saved from.
ARCHITECTURE_FIELDS = ("d_model", "d_ff", "layers", "heads", "dropout", "max_source_tokens", "max_target_tokens",
                       "lr", "warmup_steps", "seed", "output_format", "init_from")


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


def _batches(pairs: list[tuple[list[int], list[int]]], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Index batches of similar source length (less padding), in random order."""
    order = sorted(range(len(pairs)), key=lambda i: (len(pairs[i][0]) + rng.random() * 8))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


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
    return input_ids.to(device), (input_ids != 0).to(device), labels.to(device)


class DeferredStop:
    """Ctrl-C / SIGTERM end training between steps, so the checkpoint written on the way out
    is a consistent one (never half an optimiser step)."""

    def __init__(self) -> None:
        self.signum = 0
        self._previous: dict[int, object] = {}

    def __enter__(self) -> DeferredStop:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._request)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    def _request(self, signum: int, frame: object) -> None:
        self.signum = signum


def _fingerprint(pairs: list[tuple[list[int], list[int]]]) -> str:
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:16]


def _lr_factor(step: int, warmup: int) -> float:
    """Linear warm-up, then inverse square root decay (the T5 recipe)."""
    step = max(step, 1)
    return min(step / warmup, math.sqrt(warmup / step))


def fit(
    train: list[tuple[list[int], list[int]]],
    dev: list[tuple[list[int], list[int]]],
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
    device = torch.device(config.device)
    model = build_model(vocab_size, config).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _lr_factor(s, config.warmup_steps))
    state = {"step": 0, "epoch": 0, "position": 0, "best_dev": float("inf"), "bad_checks": 0, "seconds": 0.0}
    checkpoint = out / "checkpoint.pt"
    rng = random.Random(config.seed)
    if checkpoint.exists():
        saved = torch.load(checkpoint, map_location=device, weights_only=False)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        state = saved["state"]
        rng.setstate(saved["rng"])
        torch.set_rng_state(saved["torch_rng"])
        log(f"resumed at step {state['step']} (epoch {state['epoch']}, best dev loss {state['best_dev']:.4f})")
        if state.get("dev_fingerprint") != _fingerprint(dev):
            # New data since the last run changed the dev set: old losses are not comparable.
            state["best_dev"], state["bad_checks"] = float("inf"), 0
            log("the dev set changed since the last run: best dev loss reset")
    elif config.init_from:
        from transformers import MBartForConditionalGeneration

        start = MBartForConditionalGeneration.from_pretrained(Path(config.init_from) / "best")
        model.load_state_dict(start.state_dict())
        log(f"started from the weights of {config.init_from}")
    state["dev_fingerprint"] = _fingerprint(dev)
    (out / "fit_config.json").write_text(json.dumps(asdict(config), indent=2))
    params = sum(p.numel() for p in model.parameters())
    log(f"model: {params / 1e6:.1f}M parameters; {len(train)} training and {len(dev)} dev pairs")

    def save() -> None:
        temp = checkpoint.with_suffix(".tmp")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                    "state": state, "rng": rng.getstate(), "torch_rng": torch.get_rng_state()}, temp)
        os.replace(temp, checkpoint)

    def save_best() -> None:
        staging = out / "best.partial"
        if staging.exists():
            shutil.rmtree(staging)
        model.save_pretrained(staging)
        if (out / "best").exists():
            shutil.rmtree(out / "best")
        os.replace(staging, out / "best")

    def dev_loss() -> float:
        model.eval()
        total, count = 0.0, 0
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16 and device.type == "cpu"):
            for start in range(0, len(dev), 64):
                idx = list(range(start, min(start + 64, len(dev))))
                input_ids, mask, labels = _tensors(dev, idx, device)
                loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
                total += float(loss) * len(idx)
                count += len(idx)
        model.train()
        return total / max(count, 1)

    batches_rng = random.Random(config.seed * 1000 + state["epoch"])
    batches = _batches(train, config.batch_size, batches_rng)
    started = time.time() - state["seconds"]
    this_run_started = last_save = time.time()
    model.train()
    with DeferredStop() as stop:
        while state["step"] < config.max_steps and not stop.signum:
            if state["position"] >= len(batches):
                state["epoch"] += 1
                state["position"] = 0
                batches = _batches(train, config.batch_size, random.Random(config.seed * 1000 + state["epoch"]))
            input_ids, mask, labels = _tensors(train, batches[state["position"]], device)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16 and device.type == "cpu"):
                loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            state["step"] += 1
            state["position"] += 1
            state["seconds"] = time.time() - started
            if state["step"] % 50 == 0:
                log(f"step {state['step']} loss {loss.item():.4f} lr {scheduler.get_last_lr()[0]:.2e} "
                    f"{state['seconds'] / state['step']:.2f} s/step")
            if state["step"] % config.eval_every == 0 or state["step"] == config.max_steps:
                current = dev_loss()
                if current < state["best_dev"]:
                    state["best_dev"], state["bad_checks"] = current, 0
                    save_best()
                else:
                    state["bad_checks"] += 1
                log(f"step {state['step']} dev loss {current:.4f} (best {state['best_dev']:.4f})")
                save()
                last_save = time.time()
                if state["bad_checks"] >= config.patience:
                    log("early stop: dev loss stopped improving")
                    break
            if time.time() - last_save > config.checkpoint_minutes * 60:
                save()
                last_save = time.time()
            if config.max_minutes and time.time() - this_run_started > config.max_minutes * 60:
                log("time limit reached")
                break
    save()
    if stop.signum:
        log(f"stopped by signal at step {state['step']}; checkpoint saved, re-run to resume")
        raise SystemExit(128 + stop.signum)
    if not (out / "best").exists():
        save_best()
    summary = {"steps": state["step"], "epochs": state["epoch"], "best_dev_loss": state["best_dev"],
               "seconds": round(state["seconds"], 1), "parameters": params}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary
