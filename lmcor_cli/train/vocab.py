"""Stage 3: a SentencePiece vocabulary for the corrector, T5 conventions.

pad=0, eos=1, unk=2 (what T5 and CTranslate2's T5 converter expect), no BOS, and our
separator and origin tags as user-defined symbols so they are never split.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lmcor_cli.correctors.input_format import SPECIAL_SYMBOLS


def train_vocab(sentences: Iterable[str], out_prefix: Path, size: int) -> Path:
    import sentencepiece

    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    corpus = out_prefix.with_suffix(".corpus.txt")
    with corpus.open("w", encoding="utf-8") as handle:
        for sentence in sentences:
            handle.write(sentence.replace("\n", " ") + "\n")
    sentencepiece.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(out_prefix),
        vocab_size=size,
        model_type="unigram",
        character_coverage=0.9995,
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
        user_defined_symbols=SPECIAL_SYMBOLS + ["source:", "candidates:"],
        input_sentence_size=500000,
        hard_vocab_limit=False,  # tiny corpora get the vocabulary they can support
        shuffle_input_sentence=True,
        minloglevel=2,
    )
    corpus.unlink()
    return out_prefix.with_suffix(".model")
