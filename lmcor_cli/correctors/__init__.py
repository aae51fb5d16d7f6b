"""Correctors: sources and candidate pools in, corrections (with their edits) out.

``open_corrector`` picks the implementation from the folder's ``architecture``; adding a
kind of corrector means one module and one entry in ``_KINDS``.
"""

from __future__ import annotations

from collections.abc import Callable

from lmcor_cli.correctors.base import Correction, Corrector, Edit
from lmcor_cli.correctors.schema import CorrectorInfo, CorrectorMeta, inspect_corrector

__all__ = ["Correction", "Corrector", "CorrectorInfo", "CorrectorMeta", "Edit", "inspect_corrector", "open_corrector"]


def _sentence(info: CorrectorInfo, device: str, threads: int, beam_size: int | None,
              **knobs: float | None) -> Corrector:
    from lmcor_cli.correctors.sentence import SentenceCorrector

    return SentenceCorrector(info, device=device, threads=threads, beam_size=beam_size)


def _edit_tagger(info: CorrectorInfo, device: str, threads: int, beam_size: int | None,
                 **knobs: float | None) -> Corrector:
    from lmcor_cli.correctors.edit_tagger import EditCorrector

    return EditCorrector(info, device=device, threads=threads, **knobs)


_KINDS: dict[str, Callable[..., Corrector]] = {
    "encoder-decoder": _sentence,
    "decoder": _sentence,
    "edit-tagger": _edit_tagger,
}


def open_corrector(info: CorrectorInfo, device: str = "cpu", threads: int = 1, beam_size: int | None = None,
                   **knobs: float | None) -> Corrector:
    """The corrector a folder holds (nothing is loaded until its first batch).  ``knobs``
    override an edit corrector's ``min_confidence`` / ``min_error_probability`` / ``keep_bias``."""
    return _KINDS[info.meta.architecture](info, device, threads, beam_size, **knobs)
