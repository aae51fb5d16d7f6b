"""Stage 4, decoder-only: fine-tune a pruned pretrained causal LM into the corrector.

The prompt is ``decoder_prompt`` (``format_input`` then ``PROMPT_END``), the target the
corrected sentence and EOS (``decoder_answer``); the loss covers the target tokens only,
and the output layer runs only where a target token is predicted (the prompt is five
times longer than the answer, and the output layer costs as much as several layers).
A run folder holds what export needs besides the weights: the model's SentencePiece
model, the kept pieces (``vocabulary.json``) and the pruned model's config (``base/``),
from which a resumed run rebuilds the network before loading its checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

from lmcor_cli.errors import UsageError
from lmcor_cli.pruned_vocab import PrunedVocabulary
from lmcor_cli.train.fit import FitConfig
from lmcor_cli.train.loop import Pairs, Trainee, train_loop


def prepare_vocabulary(config: FitConfig, out: Path, texts: Callable[[], Iterable[str]],
                       log: Callable[[str], None]) -> PrunedVocabulary:
    """The run's vocabulary: kept from an earlier start if a checkpoint depends on it, else
    chosen now from ``texts`` (and the generator's English word list) and written to ``out``."""
    from lmcor_cli.train.pretrained import kept_pieces, resolve_init, write_spm_model

    spm_model, kept_file = out / "spm.model", out / "vocabulary.json"
    if not ((out / "checkpoint.pt").exists() and kept_file.exists() and spm_model.exists()):
        out.mkdir(parents=True, exist_ok=True)
        write_spm_model(resolve_init(config.init), spm_model)
        from lmcor_cli.generate.english_gguf import english_texts

        kept = kept_pieces(spm_model, texts(), config.kept_pieces, fill=english_texts())
        kept_file.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    vocab = PrunedVocabulary(spm_model, json.loads(kept_file.read_text(encoding="utf-8")))
    log(f"vocabulary: {len(vocab.pieces)} pieces kept; {vocab.coverage(texts()):.2%} of the training texts' pieces")
    return vocab


def encode_pair(vocab: PrunedVocabulary, model_input: str, target: str,
                config: FitConfig) -> tuple[list[int], list[int]] | None:
    """(prompt ids, target ids), or None for a target over the limit (cutting it would teach early stops)."""
    from lmcor_cli.correctors.input_format import decoder_answer, decoder_prompt

    answer = decoder_answer(vocab, target)
    if len(answer) > config.max_target_tokens:
        return None
    prompt = decoder_prompt(vocab, model_input, config.max_source_tokens)
    return [vocab.ids[p] for p in prompt], [vocab.ids[p] for p in answer]


def fit_decoder(train: Pairs, dev: Pairs, vocab: PrunedVocabulary, out: Path, config: FitConfig,
                log: Callable[[str], None] = print) -> dict[str, float]:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    torch.manual_seed(config.seed)
    if (out / "checkpoint.pt").exists():
        # the checkpoint has the weights
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(out / "base"))
    else:
        model = _pruned_model(vocab, out, config, log)
        model.config.save_pretrained(out / "base")
    model.config.use_cache = False
    if config.lora_rank:
        from lmcor_cli.train.lora import add_lora, merged_state_dict

        add_lora(model, config.lora_rank)
    model.to(torch.device(config.device))
    (out / "fit_config.json").write_text(json.dumps(asdict(config), indent=2))

    def save_weights(folder: Path) -> None:
        model.save_pretrained(folder, state_dict=merged_state_dict(model) if config.lora_rank else None)

    pad = vocab.ids[vocab.pad]
    return train_loop(Trainee(model, lambda pairs, idx, device: _loss(model, pairs, idx, device, pad), save_weights,
                              dev_batch=config.batch_size), train, dev, out, config, log)


def _pruned_model(vocab: PrunedVocabulary, out: Path, config: FitConfig, log: Callable[[str], None]):  # type: ignore[no-untyped-def]
    import sentencepiece

    from lmcor_cli.train.pretrained import layer_choice, load_causal_lm, resolve_init, shrink

    init = resolve_init(config.init)
    log(f"loading {init.name}" + (" (dequantizing a GGUF: about half a minute for Gemma 3 270M's English copy)"
                                  if init.suffix == ".gguf" else ""))
    full = load_causal_lm(init)
    processor = sentencepiece.SentencePieceProcessor(model_file=str(out / "spm.model"))
    if full.config.vocab_size != processor.get_piece_size():
        raise UsageError(f"--init {config.init}: the tokenizer has {processor.get_piece_size()} pieces, "
                         f"the model {full.config.vocab_size} vocabulary rows")
    layers = layer_choice(config.keep_layers, full.config.num_hidden_layers)
    model = shrink(full, [processor.piece_to_id(p) for p in vocab.pieces], layers)
    log(f"started from {init.name}: layers {','.join(map(str, layers))} of {full.config.num_hidden_layers}, "
        f"{len(vocab.pieces)} of {full.config.vocab_size} vocabulary rows")
    return model


def _loss(model, pairs: Pairs, indices: list[int], device, pad: int):  # type: ignore[no-untyped-def]
    """Mean cross-entropy of the target tokens, each predicted from the position before it."""
    import torch

    rows = [pairs[i][0] + pairs[i][1] for i in indices]
    width = max(map(len, rows))
    input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    where_row, where_pos, targets = [], [], []
    for r, i in enumerate(indices):
        prompt, target = pairs[i]
        input_ids[r, : len(rows[r])] = torch.tensor(rows[r])
        mask[r, : len(rows[r])] = 1
        where_row.extend([r] * len(target))
        where_pos.extend(range(len(prompt) - 1, len(prompt) + len(target) - 1))
        targets.extend(target)
    hidden = model.get_decoder()(input_ids=input_ids.to(device), attention_mask=mask.to(device)).last_hidden_state
    logits = model.get_output_embeddings()(hidden[torch.tensor(where_row), torch.tensor(where_pos)])
    cap = getattr(model.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap
    return torch.nn.functional.cross_entropy(logits.float(), torch.tensor(targets, device=logits.device))
