"""The whole-sentence correctors' input: the source and the full candidates, as text.

``format_input`` is the one definition, shared by training and inference; a decoder
corrector reads it as a prompt (``decoder_prompt``) and answers with the sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

from lmcor_cli.candidates import Candidate
from lmcor_cli.pruned_vocab import PrunedVocabulary

SEPARATOR = "<sep>"
ORIGIN_TAGS = {"greedy": "<llm>", "sample": "<llm>", "rule": "<rule>"}
SPECIAL_SYMBOLS = [SEPARATOR, *sorted(set(ORIGIN_TAGS.values()))]
PROMPT_END = " correction:"  # a decoder corrector's prompt ends here; its answer follows after a space


def format_input(source: str, candidates: Sequence[Candidate]) -> str:
    """``source: S candidates: <sep> <llm> C1 <sep> <rule> C2 ...`` — the corrector's input."""
    parts = [f"source: {source} candidates:"]
    for candidate in candidates:
        parts.append(f"{SEPARATOR} {ORIGIN_TAGS.get(candidate.origin, '<llm>')} {candidate.text}")
    return " ".join(parts)


def decoder_prompt(vocab: PrunedVocabulary, model_input: str, max_tokens: int | None) -> list[str]:
    """``<bos>``, ``model_input`` (``format_input``'s text, cut at the limit: the source comes
    first, so only trailing candidates are lost), then ``PROMPT_END``.  The parts (and the
    answer) are encoded apart, in training as at inference, so a cut never re-segments them."""
    end = vocab.encode(PROMPT_END)
    body = vocab.encode(model_input)
    if max_tokens:
        body = body[: max(max_tokens - 1 - len(end), 0)]
    return [vocab.bos, *body, *end]


def decoder_answer(vocab: PrunedVocabulary, text: str, max_tokens: int | None = None) -> list[str]:
    """What a decoder corrector writes after its prompt: the sentence after a space, then EOS."""
    pieces = vocab.encode(" " + text)
    return [*(pieces[: max_tokens - 1] if max_tokens else pieces), vocab.eos]
