"""``lmcor.json``: what a corrector folder says about its model, read and written by one class.

Training (``train export``, ``train ranker``, the edit corrector's export) writes it and
inference reads it, so a field has one name, one default and one check.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from lmcor_cli.errors import ModelError
from lmcor_cli.rank_features import DEFAULT_WEIGHTS, FEATURES

INPUT_FORMAT = 1
ARCHITECTURES = ("encoder-decoder", "decoder", "edit-tagger")
MODES = ("rewrite", "rank")
OUTPUT_FORMATS = ("text", "edits")
META_FILE = "lmcor.json"


EDIT_TAGGER_KNOBS = ("min_confidence", "min_error_probability", "keep_bias", "passes", "min_pool_probability")
GATE_KNOBS = ("gate", "gate_model", "sample_gate")


@dataclass
class CorrectorMeta:
    name: str
    input_format: int = INPUT_FORMAT
    architecture: str = "encoder-decoder"  # a ctranslate2 Translator; "decoder": a Generator; "edit-tagger": an Encoder
    mode: str = "rewrite"  # sentence correctors: "rank" only scores the pool and the source
    output_format: str = "text"  # "edits": the model writes an edit script (correctors/edit_script.py)
    beam_size: int = 1
    source_eos: bool = False
    max_output_ratio: float = 1.5
    max_input_tokens: int | None = None  # the model's position table: longer inputs are cut
    max_output_tokens: int | None = None
    rank_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    fluency_weights: dict[str, float] | None = None
    # The edit corrector's knobs (tuned on dev data at export; config keys override them):
    min_confidence: float = 0.5  # an edit's tag probability
    min_error_probability: float = 0.0  # a sentence's highest non-keep probability
    keep_bias: float = 0.0  # added to $KEEP's probability before choosing a tag
    passes: int = 3
    min_pool_probability: float = 0.5  # the pool scorer's probability for a pool edit (pool_scorer.json)
    gate: float | None = None  # below this error probability, read alone, a sentence skips the generator (None: off)
    gate_model: str | None = None  # the edit corrector that reads sentences for the gate (relative to this folder)
    sample_gate: float | None = None  # below this error probability, the greedy candidate alone (None: samples
    # where the greedy candidate changed the sentence); read by the gate's model, so only with a gate

    @classmethod
    def read(cls, folder: Path) -> CorrectorMeta:
        try:
            raw = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"corrector {folder}: unreadable {META_FILE} ({exc})") from None
        if not isinstance(raw, dict):
            raise ModelError(f"corrector {folder}: {META_FILE} is not an object")
        known = {f.name for f in fields(cls)}
        meta = cls(**{"name": folder.name, **{k: v for k, v in raw.items() if k in known}})
        meta.check(folder)
        return meta

    def check(self, folder: Path) -> None:
        if self.input_format != INPUT_FORMAT:
            raise ModelError(f"corrector {folder}: trained for input format {self.input_format!r}, "
                             f"this lmcor speaks format {INPUT_FORMAT}")
        for name, value, allowed in (("architecture", self.architecture, ARCHITECTURES), ("mode", self.mode, MODES),
                                     ("output format", self.output_format, OUTPUT_FORMATS)):
            if value not in allowed:
                raise ModelError(f"corrector {folder}: unknown {name} {value!r} "
                                 f"(this lmcor knows {', '.join(allowed)})")
        if self.gate_model is not None and not isinstance(self.gate_model, str):
            raise ModelError(f"corrector {folder}: gate_model must be a folder name, not {self.gate_model!r}")
        for table in (self.rank_weights, self.fluency_weights):
            if table is None:
                continue
            unknown = sorted(set(table) - set(FEATURES)) if isinstance(table, dict) else ["(not a table)"]
            if unknown:
                raise ModelError(f"corrector {folder}: unknown rank features {', '.join(unknown)} "
                                 f"(this lmcor knows {', '.join(FEATURES)})")

    def to_json(self) -> dict[str, Any]:
        """What ``lmcor.json`` holds: the set fields, without the edit corrector's knobs in any
        other folder (nothing there reads them)."""
        unread = () if self.architecture == "edit-tagger" else EDIT_TAGGER_KNOBS
        return {k: v for k, v in asdict(self).items() if v is not None and k not in unread}

    def write(self, folder: Path) -> None:
        """``lmcor.json`` in ``folder``: an existing one is replaced atomically (a new folder is
        written in a staging folder that is renamed into place whole)."""
        from lmcor_cli.textio import atomic_writer

        path, text = folder / META_FILE, json.dumps(self.to_json(), indent=2)
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            return
        with atomic_writer(path) as out:
            out.write(text.encode())


def model_files(architecture: str) -> tuple[str, ...]:
    """The files a folder of this architecture must hold."""
    if architecture == "edit-tagger":
        return ("model.bin", "spm.model", META_FILE, "vocabulary.json", "tags.json", "head.npz")
    if architecture == "decoder":
        return ("model.bin", "spm.model", META_FILE, "vocabulary.json")
    return ("model.bin", "spm.model", META_FILE)


@dataclass(frozen=True)
class CorrectorInfo:
    """A checked corrector folder; ``id`` (its name and a digest of its files) keys the result cache."""

    path: Path
    meta: CorrectorMeta
    id: str

    @property
    def name(self) -> str:
        return self.meta.name


def inspect_corrector(path: Path) -> CorrectorInfo:
    """Check a corrector folder without loading it."""
    if not path.is_dir():
        raise ModelError(f"corrector {path}: no such folder")
    if not (path / META_FILE).is_file() or not (path / "model.bin").is_file():
        missing = [n for n in ("model.bin", "spm.model", META_FILE) if not (path / n).is_file()]
        raise ModelError(f"corrector {path}: not a corrector folder (missing {', '.join(missing)})")
    meta = CorrectorMeta.read(path)
    files = model_files(meta.architecture)
    missing = [name for name in files if not (path / name).is_file()]
    if missing:
        article = "an" if meta.architecture[0] in "aeiou" else "a"
        raise ModelError(f"corrector {path}: {article} {meta.architecture} corrector needs its {', '.join(missing)}")
    checksums = path / "SHA256SUMS"
    if checksums.is_file():
        digest = hashlib.sha256(checksums.read_bytes())
    else:
        digest = hashlib.sha256()
        for name in files:
            stat = (path / name).stat()
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return CorrectorInfo(path=path, meta=meta, id=f"{meta.name}@{digest.hexdigest()[:16]}")
