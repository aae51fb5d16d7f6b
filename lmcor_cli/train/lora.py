"""LoRA in plain torch: low-rank updates beside frozen linear layers, merged for export.

A rank-r update computes ``x Aᵀ Bᵀ`` next to the frozen ``x Wᵀ``, so the backward pass
needs no full weight gradient (the cost that makes full fine-tuning slow on a CPU) and
the optimizer keeps state for a few hundred thousand numbers instead of the whole model.
Export sees ordinary weights: ``W + (alpha / r) B A``.
"""

from __future__ import annotations

import math

import torch

TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
ALPHA_PER_RANK = 2.0  # alpha = 2r, the usual choice: the update's scale does not change with the rank


class LoRALinear(torch.nn.Module):
    def __init__(self, base: torch.nn.Linear, rank: int):
        super().__init__()
        self.base = base
        self.scale = ALPHA_PER_RANK
        self.lora_a = torch.nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, rank))  # starts as the pretrained layer
        torch.nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scale

    def merged_weight(self) -> torch.Tensor:
        return self.base.weight + (self.lora_b @ self.lora_a) * self.scale


def add_lora(model: torch.nn.Module, rank: int) -> int:
    """Freeze ``model`` and wrap its attention and MLP projections; returns how many were wrapped."""
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    wrapped = 0
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if name in TARGETS and isinstance(child, torch.nn.Linear):
                setattr(module, name, LoRALinear(child, rank))
                wrapped += 1
    if not wrapped:
        raise ValueError(f"no linear layers named {', '.join(TARGETS)} to adapt")
    return wrapped


def merged_state_dict(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The state dict of the same model without adapters: each wrapped layer's merged weight
    under the name the plain layer has."""
    state = {}
    for key, value in model.state_dict().items():
        if ".lora_a" in key or ".lora_b" in key:
            continue
        state[key.replace(".base.", ".")] = value
    for name, module in model.named_modules():
        if isinstance(module, LoRALinear):
            state[f"{name}.weight"] = module.merged_weight().detach()
    return state
