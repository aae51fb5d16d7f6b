"""``lmcor train tagger`` and ``lmcor train export-tagger``: the edit corrector's stages."""

from __future__ import annotations

import json
import time
from pathlib import Path

from lmcor_cli.console import Env
from lmcor_cli.errors import UsageError


def run_fit_tagger(triple_files: list[Path], out: Path, limit: int | None, config, env: Env) -> int:  # type: ignore[no-untyped-def]
    from lmcor_cli.train.tagger import fit_tagger, read_triples, split_dev

    missing = [str(p) for p in triple_files if not p.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    triples = list(read_triples(triple_files))[:limit]
    if not triples:
        raise UsageError("no training triples: pass 'train synth' or 'train candidates' output files")
    train, dev = split_dev(triples, config.dev_share, config.seed)
    started = time.perf_counter()

    def log(message: str) -> None:
        env.stderr.print(f"lmcor: [{time.perf_counter() - started:7.0f} s] {message}", markup=False)

    summary = fit_tagger(train, dev, out, config, log)
    log(f"done: {json.dumps(summary)}")
    return 0


def run_export_tagger(run: Path, out: Path, name: str, card: Path | None, env: Env) -> int:
    import torch
    from transformers import Gemma3TextConfig, Gemma3TextModel

    from lmcor_cli.correctors.schema import CorrectorMeta
    from lmcor_cli.train.tagger import TaggerModel
    from lmcor_cli.train.tagger_export import export_tagger

    best = run / "best"
    if not (best / "tagger.pt").is_file():
        raise UsageError(f"{run}: no trained weights (run 'lmcor train tagger' first)")
    kept = json.loads((run / "vocabulary.json").read_text(encoding="utf-8"))
    tags = json.loads((run / "tags.json").read_text(encoding="utf-8"))
    config = Gemma3TextConfig.from_pretrained(str(best))
    config.use_bidirectional_attention = True
    model = TaggerModel(Gemma3TextModel(config), len(tags))
    model.load_state_dict(torch.load(best / "tagger.pt", map_location="cpu"))
    meta = CorrectorMeta(name=name, architecture="edit-tagger", max_input_tokens=None)
    previous = out / "lmcor.json"
    if previous.is_file():  # keep the knobs a tuning run stored
        old = json.loads(previous.read_text(encoding="utf-8"))
        for key in ("min_confidence", "min_error_probability", "keep_bias", "passes"):
            if key in old:
                setattr(meta, key, old[key])
    export_tagger(model, kept, tags, run / "spm.model", out, meta, card=card)
    size = sum(f.stat().st_size for f in out.iterdir()) / 1e6
    env.stderr.print(f"lmcor: exported {name} → {out} ({size:.1f} MB)", markup=False)
    return 0
