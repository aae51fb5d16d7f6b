"""``lmcor train ...``: each stage a command, each resumable, each with a summary."""

from __future__ import annotations

import time
from pathlib import Path

from lmcor_cli.config import Settings
from lmcor_cli.console import Env
from lmcor_cli.data import load_dataset, natural
from lmcor_cli.engine_factory import resolve_device
from lmcor_cli.generate.base import GeneratorSpec, check_generator, open_generator
from lmcor_cli.prompt import load_prompt
from lmcor_cli.train.candidates import generate_candidates


def run_candidates(data: list[Path], out: Path, k: int, variants: int, settings: Settings, env: Env) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    examples = [example for path in data for example in _prefixed(path)]
    spec = GeneratorSpec(
        name=settings.generator,
        prompt=load_prompt(0),
        threads=settings.threads,
        device=resolve_device(settings.device, env),
    )
    check_generator(spec)
    started = time.perf_counter()
    with Progress(
        TextColumn("candidates"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=env.stderr, disable=not env.stderr_is_tty,
    ) as progress:
        task = progress.add_task("candidates", total=len(examples))
        added = generate_candidates(
            examples, out, spec, open_generator, k, variants, on_progress=lambda n: progress.advance(task, n)
        )
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
