"""The ``lmcor`` command line: flags in, exit codes out.  Work happens in ``commands/``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from lmcor_cli import __version__
from lmcor_cli.console import Env
from lmcor_cli.options import (
    BeamSizeOption,
    CandidateCountOption,
    CandidatesOption,
    CorrectorOption,
    DeviceOption,
    DialectOption,
    FixFormat,
    FluencyOption,
    GateOption,
    GeneratorOption,
    JobsOption,
    MinConfidenceOption,
    NoCacheOption,
    RulesFirstOption,
    SampleAllOption,
    SampleGateOption,
    SyntaxOption,
    TableFormat,
    TableFormatOption,
    ThreadsOption,
    UnsafeFixesOption,
    enum_value,
)

app = typer.Typer(
    name="lmcor",
    help="Fix the grammar and wording of English prose, locally: a small LLM proposes candidate "
    "rewrites and a small trained corrector combines them (LMCor).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lmcor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = None,
) -> None:
    """lmcor — local grammar fixing."""


@app.command()
def fix(
    files: Annotated[Optional[list[str]], typer.Argument(
        help="Files or folders to fix (a folder: its .md/.markdown/.mdx/.txt/.rst files); '-' (or nothing, with "
        "piped input) reads stdin.", show_default=False)] = None,
    in_place: Annotated[bool, typer.Option(
        "--in-place", "-i", help="Rewrite the files (atomically; untouched if nothing changes).")] = False,
    check: Annotated[bool, typer.Option("--check", help="Change nothing; exit 1 if any file would change.")] = False,
    interactive: Annotated[bool, typer.Option(
        "--interactive", help="Review the edits one by one at the terminal, then write the files.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Show a unified diff (same as --format diff).")] = False,
    output_format: Annotated[FixFormat, typer.Option(
        "--format",
        help="text: corrected text; diff: unified diff; json: one object per rewritten sentence, with its edits; "
        "github: a workflow annotation per edit; sarif: a SARIF 2.1.0 log, a result and fix per edit.",
    )] = FixFormat.text,
    stdin_filename: Annotated[Optional[str], typer.Option(
        "--stdin-filename",
        help="The file that piped input stands for: its suffix picks the syntax, its folder the configuration, and "
        "ignore globs apply to it.", show_default=False)] = None,
    dialect: DialectOption = None,
    generator: GeneratorOption = None,
    corrector: CorrectorOption = None,
    candidates: CandidatesOption = None,
    beam_size: BeamSizeOption = None,
    min_confidence: MinConfidenceOption = None,
    unsafe_fixes: UnsafeFixesOption = None,
    gate: GateOption = None,
    sample_gate: SampleGateOption = None,
    syntax: SyntaxOption = None,
    threads: ThreadsOption = None,
    device: DeviceOption = None,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
    fluency: FluencyOption = None,
    rules_first: RulesFirstOption = None,
    sample_all: SampleAllOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Explain what is kept and why, on stderr.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")] = False,
) -> None:
    """Fix FILE(s), or stdin, and print the result (or rewrite with -i, or test with --check).

    Configuration: the first .lmcor.toml or [tool.lmcor] from the folder holding all the inputs (piped input: \
--stdin-filename's folder, else the current one) up to the project root (.git, .hg).

    Exit codes: 0 done (or --check: nothing to fix), 1 --check found something to fix,
    2 usage or input error (other files are still processed), 3 model error, 123 internal error, 130 interrupted.
    """
    from lmcor_cli.commands.fix import FixOptions, handle
    from lmcor_cli.config import project_settings

    env = Env(verbose=verbose, quiet=quiet)
    settings = project_settings(
        [stdin_filename] if stdin_filename else (files or ["-"]),
        generator=generator,
        corrector=corrector,
        candidates=candidates,
        beam_size=beam_size,
        min_confidence=min_confidence,
        unsafe_fixes=unsafe_fixes,
        gate=gate,
        sample_gate=sample_gate,
        syntax=enum_value(syntax),
        threads=threads,
        device=enum_value(device),
        cache=False if no_cache else None,
        jobs=jobs,
        fluency=fluency,
        rules_first=rules_first,
        sample_all=sample_all,
        dialect=enum_value(dialect),
    )
    options = FixOptions(
        files=files or [], in_place=in_place, check=check, output_format="diff" if diff else output_format.value,
        stdin_filename=stdin_filename, interactive=interactive,
    )
    raise typer.Exit(handle(options, settings, env))


@app.command("eval")
def evaluate(
    data: Annotated[list[Path], typer.Argument(help="JSONL ({id, source, references}) or M2 files.")],
    systems: Annotated[Optional[str], typer.Option(
        "--systems", "-s",
        help="Comma-separated: identity,harper,llm,oracle,vote,corrector (no candidates),lmcor-llm (candidates "
        "without Harper's fixes),lmcor (default: all but lmcor-llm; with --hypotheses, none).",
        show_default=False)] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", help="Only the first N sentences.")] = None,
    prompts: Annotated[int, typer.Option("--prompts", "-p", help="Prompt variants for llm/lmcor (mean ± std).")] = 1,
    candidates: CandidateCountOption = 5,
    output_format: TableFormatOption = TableFormat.table,
    plot_path: Annotated[Optional[Path], typer.Option(
        "--plot", help="Write a PNG bar chart (needs the [eval] extra).")] = None,
    hypotheses: Annotated[Optional[Path], typer.Option(
        "--hypotheses",
        help="Score this system output (one line per sentence; its row is named by the file's stem), alone unless "
        "--systems is given.")] = None,
    generator: GeneratorOption = None,
    corrector: CorrectorOption = None,
    beam_size: BeamSizeOption = None,
    min_confidence: MinConfidenceOption = None,
    gate: GateOption = None,
    sample_gate: SampleGateOption = None,
    threads: ThreadsOption = None,
    no_cache: NoCacheOption = False,
    fluency: FluencyOption = None,
    rules_first: RulesFirstOption = None,
    sample_all: SampleAllOption = None,
) -> None:
    """Score systems on GEC data: GLEU (JFLEG procedure) and M2 precision/recall/F0.5."""
    from lmcor_cli.commands.eval import run_eval
    from lmcor_cli.config import project_settings
    from lmcor_cli.evaluate.systems import DEFAULT_SYSTEMS

    env = Env()
    if systems is None:
        systems = "" if hypotheses else ",".join(DEFAULT_SYSTEMS)
    chosen = [s.strip() for s in systems.split(",") if s.strip()]
    settings = project_settings(data, generator=generator, corrector=corrector, threads=threads, beam_size=beam_size,
                                min_confidence=min_confidence, gate=gate, sample_gate=sample_gate,
                                cache=False if no_cache else None,
                                fluency=fluency, rules_first=rules_first, sample_all=sample_all)
    raise typer.Exit(run_eval(data, chosen, limit, prompts, candidates, output_format.value, plot_path, hypotheses,
                              settings, env))


@app.command()
def bench(
    file: Annotated[Optional[Path], typer.Argument(
        help="File to fix (default: a shipped 101-sentence Markdown sample with many errors).")] = None,
    clean: Annotated[bool, typer.Option(
        "--clean",
        help="Use the shipped sample's corrected twin instead: well-edited prose, where lmcor should change "
        "nothing.")] = False,
    candidates: CandidateCountOption = 5,
    repeat: Annotated[int, typer.Option(
        "--repeat", min=1, help="Runs to take the median of (each: the pipeline, then the raw generator).")] = 3,
    output_format: TableFormatOption = TableFormat.table,
    generator: GeneratorOption = None,
    corrector: CorrectorOption = None,
    min_confidence: MinConfidenceOption = None,
    gate: GateOption = None,
    sample_gate: SampleGateOption = None,
    threads: ThreadsOption = None,
    fluency: FluencyOption = None,
    rules_first: RulesFirstOption = None,
    sample_all: SampleAllOption = None,
) -> None:
    """Time the fix pipeline (cache off) and raw llama.cpp generation on the same sentences."""
    import json

    from lmcor_cli.bench import run_bench
    from lmcor_cli.config import project_settings

    env = Env()
    if clean and file:
        env.error("give a file or --clean, not both")
        raise typer.Exit(2)
    settings = project_settings([file] if file else [], generator=generator, corrector=corrector, threads=threads,
                                min_confidence=min_confidence, gate=gate, sample_gate=sample_gate, fluency=fluency,
                                rules_first=rules_first,
                                sample_all=sample_all)
    report = run_bench(file, candidates, settings, env, clean=clean, repeat=repeat)
    if output_format is TableFormat.json:
        print(json.dumps(report))
    else:
        from rich.table import Table

        table = Table(title="lmcor bench", show_header=False)
        for key, value in report.items():
            table.add_row(key, str(value))
        env.stdout_console().print(table)


@app.command()
def lsp(
    generator: GeneratorOption = None,
    corrector: CorrectorOption = None,
    candidates: CandidatesOption = None,
    threads: ThreadsOption = None,
    device: DeviceOption = None,
    no_cache: NoCacheOption = False,
    fluency: FluencyOption = None,
    rules_first: RulesFirstOption = None,
    dialect: DialectOption = None,
) -> None:
    """Language server on stdin/stdout: a diagnostic per edit 'lmcor fix' would make, each with its quick fix, and \
'fix all in this document'.

    Each document's settings come from the configuration found from its folder, as for 'lmcor fix FILE'; these \
flags override them.
    """
    from lmcor_cli.config import Settings
    from lmcor_cli.lsp import serve

    overrides = {
        "generator": generator, "corrector": corrector, "candidates": candidates, "threads": threads,
        "device": enum_value(device), "cache": False if no_cache else None, "fluency": fluency,
        "rules_first": rules_first, "dialect": enum_value(dialect),
    }
    Settings().with_overrides(**overrides)  # a bad flag is a usage error now, not one per document
    raise typer.Exit(serve({key: given for key, given in overrides.items() if given is not None}))


models_app = typer.Typer(help="Generators and correctors: list what is available, pull GGUFs from the Hub.",
                         no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list(
    output_format: TableFormatOption = TableFormat.table,
) -> None:
    """Show generators (packaged, pulled, configured servers) and correctors (shipped)."""
    from lmcor_cli.commands.models import run_list
    from lmcor_cli.config import project_settings

    env = Env()
    raise typer.Exit(run_list(project_settings(), output_format.value, env))


@models_app.command("pull")
def models_pull(
    repo_id: Annotated[str, typer.Argument(help="Hugging Face repository, e.g. 'org/model-GGUF'.")],
    file: Annotated[Optional[str], typer.Option(
        "--file", help="GGUF file in the repository (default: a Q4_K_M one).")] = None,
    revision: Annotated[Optional[str], typer.Option("--revision", help="Branch, tag or commit.")] = None,
) -> None:
    """Download a GGUF generator into lmcor's model folder (needs the [hub] extra)."""
    from lmcor_cli.commands.models import run_pull

    env = Env()
    raise typer.Exit(run_pull(repo_id, file, revision, env))


train_app = typer.Typer(help="Build a corrector: candidates → synth → vocab → fit → export (each resumable).",
                        no_args_is_help=True)
app.add_typer(train_app, name="train")


@train_app.command("candidates")
def train_candidates(
    data: Annotated[list[Path], typer.Argument(help="JSONL or M2 files with sources and references.")],
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Output JSONL (appended; re-running resumes).")] = Path("runs/candidates.jsonl"),
    candidates: CandidateCountOption = 5,
    prompts: Annotated[int, typer.Option(
        "--prompts", help="Prompt variants to rotate over (0 = the inference prompt).")] = 3,
    generator: GeneratorOption = None,
    threads: ThreadsOption = None,
    rules_first: RulesFirstOption = None,
    sample_all: SampleAllOption = None,
    skip: Annotated[int, typer.Option(
        "--skip", min=0,
        help="Leave out the first N sentences of the inputs (e.g. those a corrector already trained on).")] = 0,
    limit: Annotated[Optional[int], typer.Option(
        "--limit", "-n", min=1, help="Use at most N sentences after the skipped ones.")] = None,
) -> None:
    """Run the generator over training sources; store K candidates per sentence (resumable)."""
    from lmcor_cli.commands.train import run_candidates
    from lmcor_cli.config import project_settings

    env = Env()
    settings = project_settings(data, generator=generator, threads=threads, rules_first=rules_first,
                                sample_all=sample_all)
    raise typer.Exit(run_candidates(data, out, candidates, prompts, skip, limit, settings, env))


@train_app.command("synth")
def train_synth(
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Output JSONL (appended; re-running resumes).")] = Path("runs/synth.jsonl"),
    n: Annotated[int, typer.Option("--n", help="Total synthetic triples wanted.")] = 50000,
    clean: Annotated[Optional[list[Path]], typer.Option("--clean", help="Plain-text files of clean English.")] = None,
    data: Annotated[Optional[list[Path]], typer.Option(
        "--data", help="JSONL/M2 data whose references are clean sentences.")] = None,
    pairs: Annotated[Optional[list[Path]], typer.Option(
        "--pairs",
        help="JSONL/M2 learner data: its real (source, correction) pairs get made-up candidate pools (the `train fit` "
        "dev share is left out).")] = None,
    stdlib_docs: Annotated[bool, typer.Option(
        "--stdlib-docs", help="Also use sentences from Python's standard-library docstrings (PSF License).")] = False,
    errors_from: Annotated[Optional[list[Path]], typer.Option(
        "--errors-from",
        help="M2 files whose gold edits, read backwards, set the errors' kinds and rates (default: hand-set "
        "rates).")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    pair_share: Annotated[float, typer.Option(
        "--pair-share", min=0.0, max=1.0, help="Share of triples taken from the --pairs learner data.")] = 0.5,
    keep_share: Annotated[float, typer.Option(
        "--keep-share", min=0.0, max=1.0,
        help="Share of clean sentences left uncorrupted (the corrector learns to keep text).")] = 0.15,
    any_line: Annotated[bool, typer.Option(
        "--any-line",
        help="Take every 4-60-word line of --clean files, code-like tokens and all, not only plain prose "
        "sentences.")] = False,
) -> None:
    """Corrupt clean sentences into synthetic (source, candidates → target) triples."""
    from lmcor_cli.commands.train import run_synth

    env = Env()
    raise typer.Exit(run_synth(clean or [], data or [], pairs or [], stdlib_docs, out, n, seed, env, errors_from or [],
                               pair_share, keep_share, any_line))


@train_app.command("vocab")
def train_vocab_command(
    inputs: Annotated[list[Path], typer.Argument(help="Candidate and synth JSONL files to learn pieces from.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model prefix (writes PREFIX.model).")] = Path("runs/spm"),
    size: Annotated[int, typer.Option("--size", help="Vocabulary size.")] = 8000,
) -> None:
    """Train the corrector's SentencePiece vocabulary (separators as user-defined symbols)."""
    from lmcor_cli.commands.train import run_vocab

    env = Env()
    raise typer.Exit(run_vocab(inputs, out, size, env))


@train_app.command("fit")
def train_fit(
    vocab: Annotated[Optional[Path], typer.Option(
        "--vocab", help="SentencePiece model from 'train vocab' (not with --init).")] = None,
    real: Annotated[Optional[list[Path]], typer.Option(
        "--real", help="'train candidates' output (real triples; 5% by id are the dev set).")] = None,
    synth: Annotated[Optional[list[Path]], typer.Option(
        "--synth",
        help="'train synth' output (without --real, the triples of 5% of its clean sentences are the dev "
        "set).")] = None,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Run folder (checkpoint, best weights); re-running resumes.")] = Path("runs/fit"),
    d_model: Annotated[int, typer.Option("--d-model")] = 256,
    layers: Annotated[int, typer.Option("--layers")] = 4,
    batch_size: Annotated[int, typer.Option("--batch-size")] = 32,
    max_steps: Annotated[int, typer.Option("--max-steps")] = 20000,
    max_minutes: Annotated[float, typer.Option(
        "--max-minutes",
        help="Stop this run (after a checkpoint) after this many minutes; re-running resumes. 0 = no "
        "limit.")] = 0.0,
    eval_every: Annotated[int, typer.Option("--eval-every")] = 250,
    lr: Annotated[Optional[float], typer.Option(
        "--lr",
        help="Peak learning rate (after warm-up; inverse square root decay). Default 1e-3 from scratch, 5e-5 with "
        "--init, 2e-4 with --lora.", show_default=False)] = None,
    real_weight: Annotated[int, typer.Option(
        "--real-weight", min=1,
        help="Repeat each real training triple this often (there are far fewer real than synthetic ones).")] = 1,
    output_format: Annotated[str, typer.Option(
        "--output-format",
        help="What the corrector writes: 'text' (the corrected sentence) or 'edits' (only the changes: old <sep> new "
        "...).")] = "text",
    init_from: Annotated[Optional[Path], typer.Option(
        "--init-from",
        help="Start a new run from another run folder's best weights (its architecture and vocabulary).")] = None,
    init: Annotated[Optional[str], typer.Option(
        "--init",
        help="Start a decoder-only corrector from a pretrained causal LM: gemma3-270m (the generator's "
        "English-vocabulary copy), gemma3-270m-full, a .gguf file or a Hugging Face folder with tokenizer.model. "
        "--d-model/--layers do not apply.")] = None,
    kept_pieces: Annotated[int, typer.Option(
        "--kept-pieces", min=1,
        help="With --init: vocabulary rows kept (the pieces the data uses most, then common English words'; byte "
        "pieces always).")] = 32000,
    keep_layers: Annotated[str, typer.Option(
        "--keep-layers",
        help="With --init: N (the first N-1 layers and the last, which costs least) or a list like 0,3,7; default "
        "all.")] = "",
    lora: Annotated[int, typer.Option(
        "--lora", min=0,
        help="With --init: train rank-N LoRA adapters (merged at export) instead of every weight; 0 = full "
        "fine-tuning.")] = 0,
    bf16: Annotated[Optional[bool], typer.Option(
        "--bf16/--no-bf16",
        help="bf16 autocast; default: only where the device computes bf16 natively (CUDA, AMX, AVX-512-BF16) — "
        "emulated it is ~20x slower than fp32.", show_default=False)] = None,
    device: Annotated[str, typer.Option("--device", help="cpu or cuda.")] = "cpu",
    threads: Annotated[Optional[int], typer.Option("--threads", help="torch CPU threads.")] = None,
) -> None:
    """Train the corrector (torch; checkpoints and resumes exactly): a small Transformer encoder-decoder from \
scratch, or with --init a pruned pretrained decoder."""
    from lmcor_cli.commands.train import run_fit
    from lmcor_cli.correctors.schema import OUTPUT_FORMATS
    from lmcor_cli.train.fit import FitConfig

    env = Env()
    if threads:
        import torch

        torch.set_num_threads(threads)
    if lr is None:
        lr = (2e-4 if lora else 5e-5) if init else 1e-3
    config = FitConfig(d_model=d_model, d_ff=4 * d_model, layers=layers, batch_size=batch_size, max_steps=max_steps,
                       max_minutes=max_minutes, eval_every=eval_every, lr=lr, device=device, bf16=bf16,
                       output_format=output_format, init_from=str(init_from or ""), init=init or "",
                       kept_pieces=kept_pieces, keep_layers=keep_layers, lora_rank=lora)
    if output_format not in OUTPUT_FORMATS:
        env.error(f"--output-format must be {' or '.join(OUTPUT_FORMATS)}, not {output_format!r}")
        raise typer.Exit(2)
    raise typer.Exit(run_fit(real or [], synth or [], vocab, out, config, env, real_weight))


@train_app.command("export")
def train_export(
    fit_dir: Annotated[Path, typer.Option("--fit", help="Run folder of 'train fit'.")] = Path("runs/fit"),
    vocab: Annotated[Optional[Path], typer.Option(
        "--vocab", help="SentencePiece model (default runs/spm.model; a decoder run has its own).",
        show_default=False)] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Corrector folder to write.")] = Path("models/lmcor-default"),
    name: Annotated[str, typer.Option("--name")] = "lmcor-default",
    beam_size: Annotated[int, typer.Option("--beam-size")] = 1,
    card: Annotated[Optional[Path], typer.Option("--card", help="MODEL_CARD.md to ship with it.")] = None,
    mode: Annotated[str, typer.Option(
        "--mode",
        help="'rewrite': the corrector writes the output; 'rank': it scores the candidates and the source, and the "
        "likeliest is the output.")] = "rewrite",
) -> None:
    """Convert the best weights to a CTranslate2 int8 corrector folder with card and checksums."""
    from lmcor_cli.commands.train import run_export
    from lmcor_cli.correctors.schema import MODES

    env = Env()
    if mode not in MODES:
        env.error(f"--mode must be {' or '.join(MODES)}, not {mode!r}")
        raise typer.Exit(2)
    raise typer.Exit(run_export(fit_dir, vocab, out, name, beam_size, card, env, mode))


@train_app.command("ranker")
def train_ranker(
    real: Annotated[list[Path], typer.Option(
        "--real", help="'train candidates' output the corrector did NOT train on.")],
    corrector: Annotated[Path, typer.Option(
        "--corrector", "-c",
        help="Corrector folder (rank mode) to store the weights in.")] = Path("models/lmcor-default"),
    skip: Annotated[int, typer.Option(
        "--skip", min=0, help="Leave out the first N records (those the corrector trained on).")] = 0,
    limit: Annotated[Optional[int], typer.Option(
        "--limit", "-n", min=1, help="Use at most N records after the skipped ones.")] = None,
    fluency: Annotated[bool, typer.Option(
        "--fluency/--no-fluency",
        help="Also fit the weight set with the generator's fluency score (scores every option with it; cached, so a "
        "re-run resumes).")] = True,
    generator: GeneratorOption = None,
    threads: Annotated[int, typer.Option("--threads", min=1)] = 1,
) -> None:
    """Learn how rank mode weighs the corrector's likelihood against Harper's lint counts and the rest."""
    from lmcor_cli.commands.train import run_ranker
    from lmcor_cli.config import project_settings

    env = Env()
    settings = project_settings(real, generator=generator, threads=threads)
    raise typer.Exit(run_ranker(real, skip, limit, corrector, fluency, settings, env))


@train_app.command("tagger")
def train_tagger(
    triples: Annotated[list[Path], typer.Argument(help="Triples: 'train synth' or 'train candidates' JSONL files.")],
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Run folder (re-running resumes from its checkpoint).")] = Path("runs/tagger"),
    init: Annotated[str, typer.Option(
        "--init", help="Pretrained trunk: gemma3-270m, a .gguf file or a Hugging Face folder.")] = "gemma3-270m",
    layers: Annotated[int, typer.Option("--layers", min=1, help="The trunk's first N layers are kept.")] = 6,
    kept_pieces: Annotated[int, typer.Option("--kept-pieces", min=300, help="Vocabulary rows kept.")] = 16000,
    word_tags: Annotated[int, typer.Option(
        "--word-tags", min=0, help="Most frequent $REPLACE_w/$APPEND_w tags.")] = 5000,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 32,
    lr: Annotated[float, typer.Option("--lr")] = 1e-4,
    max_steps: Annotated[int, typer.Option("--max-steps", min=1)] = 100000,
    max_minutes: Annotated[float, typer.Option(
        "--max-minutes", help="This run's time limit (0: none); re-run to continue.")] = 0.0,
    eval_every: Annotated[int, typer.Option("--eval-every", min=1)] = 200,
    limit: Annotated[Optional[int], typer.Option("--limit", help="Only the first N triples.")] = None,
    bf16: Annotated[Optional[bool], typer.Option(
        "--bf16/--no-bf16", help="Default: bf16 only where the CPU has it natively.", show_default=False)] = None,
    pool_dropout: Annotated[float, typer.Option(
        "--pool-dropout", min=0.0, max=1.0,
        help="Share of triples trained without their candidate pool.")] = 0.4,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Train the edit corrector: a pretrained trunk's first layers, bidirectional, and a tag head."""
    from lmcor_cli.commands.train_tagger import run_fit_tagger
    from lmcor_cli.train.tagger import TaggerConfig

    config = TaggerConfig(init=init, layers=layers, kept_pieces=kept_pieces, word_tags=word_tags, batch_size=batch_size,
                          pool_dropout=pool_dropout,
                          lr=lr, max_steps=max_steps, max_minutes=max_minutes, eval_every=eval_every, bf16=bf16,
                          seed=seed)
    raise typer.Exit(run_fit_tagger(triples, out, limit, config, Env()))


@train_app.command("export-tagger")
def train_export_tagger(
    run: Annotated[Path, typer.Option("--run", help="Run folder of 'train tagger'.")] = Path("runs/tagger"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Corrector folder to write.")] = Path("models/lmcor-edit"),
    name: Annotated[str, typer.Option("--name")] = "lmcor-edit",
    card: Annotated[Optional[Path], typer.Option("--card", help="MODEL_CARD.md to ship with it.")] = None,
) -> None:
    """Convert the best tagger weights to a CTranslate2 int8 encoder folder with its tag head."""
    from lmcor_cli.commands.train_tagger import run_export_tagger

    raise typer.Exit(run_export_tagger(run, out, name, card, Env()))


MaxGateCostOption = Annotated[str, typer.Option(
    "--max-gate-cost", help="GLEU,F0.5 the gate may cost on each dev set, against no gate.")]


@train_app.command("tune-tagger")
def train_tune_tagger(
    data: Annotated[list[Path], typer.Argument(
        help="Dev data (JSONL or M2): the score to maximise (mean of GLEU and F0.5).")],
    corrector: Annotated[Path, typer.Option(
        "--corrector", "-c",
        help="Edit corrector folder; its lmcor.json gets the chosen value.")] = Path("models/lmcor-default"),
    clean: Annotated[Optional[list[Path]], typer.Option(
        "--clean",
        help="JSONL of correct sentences (references = sources): at most --max-changed % of them may "
        "change.")] = None,
    max_changed: Annotated[float, typer.Option(
        "--max-changed", help="Percent of clean sentences allowed to change.")] = 1.0,
    grid: Annotated[str, typer.Option("--grid", help="min_confidence values to try.")] = "0.3,0.4,0.5,0.6,0.7,0.8,0.9",
    pool_grid: Annotated[str, typer.Option(
        "--pool-grid", help="min_pool_probability values to try (with a pool scorer).")] = "0.3,0.4,0.5,0.6,0.7",
    gate_grid: Annotated[str, typer.Option(
        "--gate-grid", help="gate values to try, after the thresholds are chosen ('' leaves the gate as it is).")]
    = "0.02,0.05,0.1,0.2,0.3",
    max_gate_cost: MaxGateCostOption = "0.3,0.5",
    candidates: CandidateCountOption = 5,
    generator: GeneratorOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Tune the edit corrector's confidence thresholds on dev data, keeping clean prose unchanged; then its gate:
the highest that costs at most --max-gate-cost on each dev set (its misses are reported)."""
    from lmcor_cli.commands.train_tagger import run_tune_tagger
    from lmcor_cli.config import project_settings

    env = Env()
    values: list[list[float]] = []
    for flag, text in (("--grid", grid), ("--pool-grid", pool_grid), ("--gate-grid", gate_grid),
                       ("--max-gate-cost", max_gate_cost)):
        try:
            values.append([float(v) for v in text.split(",") if v.strip()])
        except ValueError:
            env.error(f"{flag} {text!r}: comma-separated numbers")
            raise typer.Exit(2) from None
    settings = project_settings(data, generator=generator, corrector=str(corrector), threads=threads)
    if len(values[3]) != 2:
        env.error(f"--max-gate-cost {max_gate_cost!r}: two numbers, GLEU,F0.5")
        raise typer.Exit(2)
    raise typer.Exit(run_tune_tagger(data, clean or [], values[0], max_changed, candidates, settings, env,
                                     pool_probabilities=values[1], gates=values[2],
                                     max_gate_cost=(values[3][0], values[3][1])))


@train_app.command("tune-gate")
def train_tune_gate(
    data: Annotated[list[Path], typer.Argument(help="Dev data (JSONL or M2) on which the gate's cost is measured.")],
    gate_model: Annotated[Path, typer.Option(
        "--gate-model", help="The edit corrector folder that reads each sentence alone.")],
    corrector: Annotated[Path, typer.Option(
        "--corrector", "-c",
        help="The corrector the gate serves; its lmcor.json gets the chosen gate and gate_model.")]
    = Path("models/lmcor-default"),
    clean: Annotated[Optional[list[Path]], typer.Option(
        "--clean", help="JSONL of correct sentences: reported (share gated, share changed), not judged.")] = None,
    gate_grid: Annotated[str, typer.Option("--grid", help="gate values to try.")] = "0.02,0.05,0.1,0.2,0.3",
    sample_grid: Annotated[str, typer.Option(
        "--sample-grid",
        help="sample gate values to try as well (pools are then sampled for every sentence; 0, the default "
        "sampling, is always tried); '' leaves the sample gate as it is.")] = "",
    max_gate_cost: MaxGateCostOption = "0.3,0.5",
    candidates: CandidateCountOption = 5,
    generator: GeneratorOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Give a corrector that reads only sentences with their pools (rank mode) a gate read by an edit corrector:
the highest value that costs at most --max-gate-cost on each dev set (its gated share and misses are reported);
with --sample-grid, also the highest sample gate within that cost."""
    from lmcor_cli.commands.train_tagger import run_tune_gate
    from lmcor_cli.config import project_settings

    env = Env()
    try:
        gates = [float(v) for v in gate_grid.split(",") if v.strip()]
        sample_gates = [float(v) for v in sample_grid.split(",") if v.strip()]
        cost = [float(v) for v in max_gate_cost.split(",") if v.strip()]
    except ValueError:
        env.error("--grid, --sample-grid and --max-gate-cost take comma-separated numbers")
        raise typer.Exit(2) from None
    if len(cost) != 2 or not gates:
        env.error(f"--max-gate-cost {max_gate_cost!r} takes two numbers (GLEU,F0.5) and --grid at least one")
        raise typer.Exit(2)
    settings = project_settings(data, generator=generator, corrector=str(corrector), threads=threads)
    if not all(0 <= v <= 1 for v in gates + sample_gates):
        env.error("--grid and --sample-grid take probabilities (0 to 1)")
        raise typer.Exit(2)
    raise typer.Exit(run_tune_gate(data, clean or [], gate_model, gates, (cost[0], cost[1]), candidates, settings,
                                   env, sample_gates))


@train_app.command("pool-scorer")
def train_pool_scorer(
    triples: Annotated[list[Path], typer.Argument(
        help="'train candidates' JSONL files the tagger did not train on (real pools, with references).")],
    corrector: Annotated[Path, typer.Option(
        "--corrector", "-c", help="Edit corrector folder; the scorer is written into it.")] = Path("models/lmcor-edit"),
    l2: Annotated[float, typer.Option("--l2", help="Weight decay of the logistic regression.")] = 1.0,
    threads: Annotated[int, typer.Option("--threads", help="CPU threads for the encoder.")] = 2,
) -> None:
    """Fit the edit corrector's pool scorer: which of the candidates' edits to take."""
    from lmcor_cli.commands.train_tagger import run_fit_pool_scorer

    raise typer.Exit(run_fit_pool_scorer(triples, corrector, l2, threads, Env()))


def main() -> None:
    """Entry point, and every command's error boundary (``boundary.run``).  SIGTERM unwinds
    like Ctrl-C so in-place writes clean up their temp files (and both are latched: see
    ``interrupt``); typer maps Ctrl-C to exit 130 and a closed stdout pipe to a quiet exit.
    glibc's malloc arenas are capped before any model loads (``memory``)."""
    from lmcor_cli import boundary, interrupt, memory

    interrupt.install()
    memory.limit_arenas()
    sys.exit(boundary.run(app))


if __name__ == "__main__":
    main()
