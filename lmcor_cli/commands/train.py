"""``lmcor train ...``: each stage a command, each resumable, each with a summary."""

from __future__ import annotations

import json
import time
from pathlib import Path

from lmcor_cli.candidates import FluencyScorer
from lmcor_cli.config import Settings
from lmcor_cli.console import Env
from lmcor_cli.data import load_dataset, natural
from lmcor_cli.engine_factory import cached_fluency, generator_spec, resolve_device
from lmcor_cli.errors import UsageError
from lmcor_cli.generate.base import check_generator, open_generator
from lmcor_cli.progress import JobProgress
from lmcor_cli.train.candidates import generate_candidates


def run_candidates(data: list[Path], out: Path, k: int, variants: int, skip: int, limit: int | None,
                   settings: Settings, env: Env) -> int:
    """``skip``/``limit`` select a slice of the inputs in their order: a held-out share for
    ``train ranker`` comes from the same file as the corrector's training sentences."""
    examples = [example for path in data for example in _prefixed(path)][skip:][:limit]
    if not examples:
        raise UsageError(f"no sentences left after skipping {skip}")
    spec = generator_spec(settings, resolve_device(settings.device, env), prompt_variant=0)
    check_generator(spec, env.warn)
    started = time.perf_counter()
    with JobProgress(env, "candidates", len(examples)) as progress:
        added = generate_candidates(examples, out, spec, open_generator, k, variants, on_progress=progress.advance)
    elapsed = time.perf_counter() - started
    rate = added / elapsed if elapsed and added else 0.0
    env.stderr.print(
        f"lmcor: {added} new, {len(examples) - added} already done → {out} ({elapsed:.0f} s, {rate:.2f} sentences/s)",
        markup=False,
    )
    return 0


def _prefixed(path: Path):  # type: ignore[no-untyped-def]
    """Natural-text examples with ids made unique across files (``file-stem:id``)."""
    for example in natural(load_dataset(path)):
        example.id = f"{path.stem}:{example.id}"
        yield example


def run_synth(clean_files: list[Path], data: list[Path], pair_files: list[Path], use_stdlib: bool,
              out: Path, n: int, seed: int, env: Env, errors_from: list[Path] = (),
              pair_share: float = 0.5, keep_share: float = 0.15, any_line: bool = False) -> int:
    from lmcor_cli.clean_prose import read_clean, read_lines, stdlib_docstring_sentences
    from lmcor_cli.train.pairs import is_dev
    from lmcor_cli.train.synth import write_synth

    sentences: list[str] = list((read_lines if any_line else read_clean)(clean_files))
    for path in data:
        sentences.extend(r for e in natural(load_dataset(path)) for r in e.references)
    if use_stdlib:
        sentences.extend(stdlib_docstring_sentences())
    clean = sorted(set(sentences))
    # Learner pairs keep the ids `train candidates` gives them, so the same ones stay held out.
    pairs = [(e.source, e.references[0]) for path in pair_files for e in _prefixed(path)
             if e.references and not is_dev(e.id)]
    if not clean and not pairs:
        env.error("no sentences: pass --clean FILE, --data FILE, --pairs FILE or --stdlib-docs")
        return 2
    corruptor = None
    if errors_from:
        from lmcor_cli.train.error_model import corruptor_from

        corruptor, model = corruptor_from(errors_from)
        env.stderr.print(f"lmcor: error model from {len(errors_from)} M2 file(s): {len(model.confusions)} confusion "
                         f"sets, {model.spelling_rate:.2%} misspelt and {model.inflection_rate:.2%} mis-inflected "
                         "words", markup=False)
    started = time.perf_counter()
    with JobProgress(env, "synth", n) as progress:
        added = write_synth(clean, out, n, seed, pairs, on_progress=progress.advance, corruptor=corruptor,
                            pair_share=pair_share, keep_share=keep_share)
    env.stderr.print(f"lmcor: {added} synthetic triples added from {len(clean)} clean sentences and "
                     f"{len(pairs)} learner pairs → {out} ({time.perf_counter() - started:.0f} s)", markup=False)
    return 0


def run_vocab(inputs: list[Path], out_prefix: Path, size: int, env: Env) -> int:
    from lmcor_cli.train.pairs import read_jsonl
    from lmcor_cli.train.vocab import train_vocab

    def texts():  # type: ignore[no-untyped-def]
        for path in inputs:
            for record in read_jsonl(path):
                yield record["source"]
                yield from record["references"]
                for candidate in record.get("candidates", [])[:2]:
                    yield candidate["text"]

    started = time.perf_counter()
    model = train_vocab(texts(), out_prefix, size)
    env.stderr.print(f"lmcor: vocabulary of {size} pieces → {model} ({time.perf_counter() - started:.0f} s)",
                     markup=False)
    return 0


def run_fit(real: list[Path], synth: list[Path], spm_model: Path | None, out: Path, config, env: Env,  # type: ignore[no-untyped-def]
            real_weight: int = 1) -> int:
    """Train the corrector: the encoder-decoder from scratch on ``spm_model``'s pieces, or, with
    ``config.init``, a pretrained causal LM with its own (pruned) vocabulary."""
    from lmcor_cli.train.fit import resumed_config
    from lmcor_cli.train.pairs import real_pairs, synth_pairs

    config = resumed_config(out, config)  # a resumed run keeps its own output format and limits
    if config.init and (spm_model or config.init_from or config.output_format != "text"):
        raise UsageError("--init brings its own vocabulary and weights: no --vocab, --init-from or --output-format "
                         "edits")
    if not config.init and spm_model is None:
        raise UsageError("pass --vocab (a 'train vocab' model), or --init to start from a pretrained model")

    def log(message: str) -> None:
        env.stderr.print(f"lmcor: {message}", markup=False)

    triples = ([(True, *t) for path in real for t in real_pairs(path)]
               + [(False, *t) for path in synth for t in synth_pairs(path)])
    if config.init:
        from lmcor_cli.correctors.input_format import PROMPT_END
        from lmcor_cli.train.decoder import encode_pair, fit_decoder, prepare_vocabulary

        def texts():  # type: ignore[no-untyped-def]
            yield PROMPT_END
            for _, _, _, model_input, target in triples:
                yield model_input
                yield " " + target

        vocab = prepare_vocabulary(config, out, texts, log)
        train, dev = _split(triples,
                            lambda source, model_input, target: encode_pair(vocab, model_input, target, config),
                            bool(real), real_weight, config, env)
        summary = fit_decoder(train, dev, vocab, out, config, log=log)
    else:
        import sentencepiece

        from lmcor_cli.correctors.edit_script import edit_script
        from lmcor_cli.train.fit import fit

        processor = sentencepiece.SentencePieceProcessor(model_file=str(spm_model))

        def pair(source: str, model_input: str, target: str) -> tuple[list[int], list[int]] | None:
            """Inputs are cut at the limit, as at inference (the source comes first, the candidates
            after it); a target that does not fit is skipped: cutting it would teach early stops."""
            if config.output_format == "edits":
                target = edit_script(source, target)
            target_ids = processor.encode(target)
            if len(target_ids) >= config.max_target_tokens:
                return None
            input_ids = processor.encode(model_input)[: config.max_source_tokens - 1]
            return input_ids + [processor.eos_id()], target_ids + [processor.eos_id()]

        train, dev = _split(triples, pair, bool(real), real_weight, config, env)
        summary = fit(train, dev, processor.get_piece_size(), out, config, log=log)
    env.stderr.print(f"lmcor: {json.dumps(summary)}", markup=False)
    return 0


def _split(triples, encode, have_real: bool, real_weight: int, config, env: Env):  # type: ignore[no-untyped-def]
    """Encoded (train, dev) pairs: real triples are dev by id; synthetic ones only without real
    data, then by target (a stable 5% of the clean sentences, each corrupted several times, so
    no dev target is also a training target); a tiny run holds out a slice instead."""
    from lmcor_cli.train.pairs import is_dev

    train: list[tuple[list[int], list[int]]] = []
    dev: list[tuple[list[int], list[int]]] = []
    skipped = 0
    for is_real, example_id, source, model_input, target in triples:
        encoded = encode(source, model_input, target)
        if encoded is None:
            skipped += 1
        elif is_dev(example_id) if is_real else (not have_real and is_dev(target)):
            dev.append(encoded)
        else:
            train.extend([encoded] * (real_weight if is_real else 1))
    if skipped:
        env.stderr.print(f"lmcor: {skipped} triple(s) skipped: target longer than "
                         f"{config.max_target_tokens - 1} tokens", markup=False)
    if not dev and len(train) > 1:
        dev = train[-max(1, len(train) // 20) :]
        train = train[: -len(dev)]
    if not train:
        raise UsageError("no training data: pass --real and/or --synth files")
    return train, dev


def run_export(fit_dir: Path, spm_model: Path | None, out: Path, name: str, beam_size: int, card_file: Path | None,
               env: Env, mode: str = "rewrite") -> int:
    """A decoder run (``fit --init``) carries its vocabulary; an encoder-decoder run needs ``spm_model``."""
    from lmcor_cli.train.export import export, export_decoder

    if not (fit_dir / "best").is_dir():
        raise UsageError(f"--fit {fit_dir}: no best weights there (run 'train fit' first)")
    card = (card_file.read_text(encoding="utf-8") if card_file
            else f"# {name}\n\nSee the lmcor README for how this corrector was trained.\n")
    if (fit_dir / "vocabulary.json").is_file():
        if spm_model is not None:
            raise UsageError(f"--fit {fit_dir} is a decoder run with its own vocabulary: no --vocab")
        folder = export_decoder(fit_dir, out, name, beam_size, card, mode=mode)
    else:
        folder = export(fit_dir / "best", spm_model or Path("runs/spm.model"), out, name, beam_size, card, mode=mode)
    size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
    env.stderr.print(f"lmcor: exported {name} → {folder} ({size:.1f} MB)", markup=False)
    return 0


def run_ranker(real: list[Path], skip: int, limit: int | None, folder: Path, fluency: bool, settings: Settings,
               env: Env) -> int:
    """Score each held-out sentence's options with the corrector (and the generator's fluency),
    then fit the rank weights: one set without fluency, one with."""
    from lmcor_cli.candidates import Candidate
    from lmcor_cli.correctors.schema import inspect_corrector
    from lmcor_cli.correctors.sentence import SentenceCorrector
    from lmcor_cli.evaluate.systems import sentence_gleu
    from lmcor_cli.pool import corrector_pool
    from lmcor_cli.rank_features import FEATURES
    from lmcor_cli.train.pairs import read_jsonl
    from lmcor_cli.train.ranker import fit_weights, store_weights

    info = inspect_corrector(folder)
    records = [record for path in real for record in read_jsonl(path)][skip:][:limit]
    if not records:
        raise UsageError(f"no training sentences left after skipping {skip}")
    corrector = SentenceCorrector(info, threads=settings.threads)
    scorer = _fluency_scorer(settings) if fluency else None
    rows, gains = [], []
    with JobProgress(env, "ranker features", len(records)) as progress:
        for start in range(0, len(records), 256):
            chunk = records[start : start + 256]
            sources = [r["source"] for r in chunk]
            pools = [corrector_pool(r["source"], [Candidate(**c) for c in r["candidates"]]) for r in chunk]
            for record, (options, features) in zip(chunk, corrector.option_rows(sources, pools, lints=True,
                                                                                fluency=scorer)):
                rows.append(features)
                gains.append([sentence_gleu(record["source"], o, record["references"]) for o in options])
            progress.advance(len(chunk))
    weights = fit_weights(rows, gains, [name for name in FEATURES if name != "lm"])
    fluency_weights = fit_weights(rows, gains, FEATURES) if scorer else None
    store_weights(folder, weights, fluency_weights)
    env.stderr.print(f"lmcor: rank weights from {len(rows)} sentences → {folder / 'lmcor.json'}: {json.dumps(weights)}",
                     markup=False)
    if fluency_weights:
        env.stderr.print(f"lmcor: with fluency: {json.dumps(fluency_weights)}", markup=False)
    return 0


def _fluency_scorer(settings: Settings) -> FluencyScorer:
    """The generator's fluency scorer, cached per text so an interrupted run resumes."""
    from lmcor_cli.cache import ResultCache
    from lmcor_cli.models import cache_dir

    spec = generator_spec(settings, prompt_variant=0)
    scorer = cached_fluency(spec, ResultCache(cache_dir() / "results.sqlite3"))
    if scorer is None:
        raise UsageError(f"generator {settings.generator} cannot score fluency (servers and plugins cannot); use "
                         "--no-fluency")
    return scorer
