"""A pretrained model's tokenizer, restricted to the pieces the corrector kept.

The decoder corrector starts from Gemma 3, whose vocabulary rows are most of its weights.
We keep the pieces our texts use and the 256 byte pieces: text is cut by the model's own
SentencePiece model exactly as Gemma would cut it, and any piece outside the kept set is
spelt as its UTF-8 bytes, so every string still encodes and decodes losslessly, and the
kept pieces mean what they meant in pretraining.  Runtime code: sentencepiece only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

BYTE_PIECES = tuple(f"<0x{b:02X}>" for b in range(256))
SPACE = "\u2581"


class PrunedVocabulary:
    """Full SentencePiece segmentation, then byte pieces for whatever is not in ``kept``;
    ids are positions in ``kept`` (the pruned model's vocabulary order)."""

    def __init__(self, spm_model: Path, kept: Sequence[str]):
        import sentencepiece

        self._spm = sentencepiece.SentencePieceProcessor(model_file=str(spm_model))
        self.pieces = list(kept)
        self.ids = {piece: i for i, piece in enumerate(self.pieces)}
        missing = [p for p in BYTE_PIECES if p not in self.ids]
        if missing:
            raise ValueError(f"the kept vocabulary lacks {len(missing)} byte pieces (e.g. {missing[0]}): not every "
                             "text could be encoded")
        self.bos, self.eos, self.unk = (self._special(i)
                                        for i in (self._spm.bos_id(), self._spm.eos_id(), self._spm.unk_id()))
        # padding is masked anyway
        self.pad = self._special(self._spm.pad_id()) if self._spm.pad_id() >= 0 else self.eos

    def _special(self, full_id: int) -> str:
        piece = self._spm.id_to_piece(full_id) if full_id >= 0 else ""
        if piece not in self.ids:
            raise ValueError(f"the kept vocabulary lacks the special piece {piece or full_id!r}")
        return piece

    def encode(self, text: str) -> list[str]:
        pieces: list[str] = []
        for piece in self._spm.encode(text, out_type=str):
            if piece in self.ids:
                pieces.append(piece)
            else:
                pieces.extend(BYTE_PIECES[b] for b in piece.replace(SPACE, " ").encode("utf-8"))
        return pieces

    def encode_ids(self, text: str) -> list[int]:
        return [self.ids[piece] for piece in self.encode(text)]

    def decode(self, pieces: Sequence[str]) -> str:
        return self._spm.decode_pieces(list(pieces))

    def coverage(self, texts: Iterable[str]) -> float:
        """Share of full-model pieces that are kept (the rest cost a byte token per byte)."""
        total = kept = 0
        for text in texts:
            for piece in self._spm.encode(text, out_type=str):
                total += 1
                kept += piece in self.ids
        return kept / total if total else 1.0
