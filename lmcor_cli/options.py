"""Command-line options that several commands share, each declared once.

Each alias is ``Annotated[type, typer.Option(...)]``: a command declares such a parameter
with the alias and its default (``None``: not given, the configuration decides), and
``Settings.with_overrides`` (config.py) checks the value like the configuration file's.
The choices of an option are a ``str`` Enum, so ``--help`` lists them and typer refuses
anything else.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer


class FixFormat(str, Enum):
    """``lmcor fix --format``."""

    text = "text"
    diff = "diff"
    json = "json"
    github = "github"
    sarif = "sarif"


REPORT_FORMATS = (FixFormat.github, FixFormat.sarif)
"""Formats that say where sentences would change, not the text: not with ``--in-place``."""


class TableFormat(str, Enum):
    """``--format`` of ``eval``, ``bench`` and ``models list``."""

    table = "table"
    json = "json"


class Dialect(str, Enum):
    us = "en-US"
    gb = "en-GB"


class Syntax(str, Enum):
    auto = "auto"
    markdown = "markdown"
    text = "text"


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


def enum_value(choice: Enum | None) -> str | None:
    """An Enum option's value, or ``None`` where it was not given."""
    return None if choice is None else choice.value


GeneratorOption = Annotated[Optional[str], typer.Option(
    "--generator", "-g",
    help="GGUF file, 'gemma3-270m' (the packaged default), an OpenAI-compatible server URL (http://host:port/v1; "
    "key from LMCOR_API_KEY), or py:module:factory.")]
CorrectorOption = Annotated[Optional[str], typer.Option(
    "--corrector", "-c",
    help="Corrector folder, 'none' (use the LLM's greedy candidate), or 'auto': the shipped corrector in models/ "
    "when present, else 'none'.")]
CandidatesOption = Annotated[Optional[int], typer.Option(
    "--candidates", "-k",
    help="Candidates per sentence (default 5 with a corrector: greedy + 4 samples; 1 without).")]
CandidateCountOption = Annotated[int, typer.Option(
    "--candidates", "-k", help="Candidates per sentence (the greedy one and samples).")]
BeamSizeOption = Annotated[Optional[int], typer.Option(
    "--beam-size", min=1, help="Corrector beam size (default: the corrector's own, see its lmcor.json).")]
MinConfidenceOption = Annotated[Optional[float], typer.Option(
    "--min-confidence", min=0.0, max=1.0,
    help="Make only the edit corrector's edits at least this probable (default: the corrector's own, tuned so that "
         "correct prose stays as it is).", show_default=False)]
UnsafeFixesOption = Annotated[Optional[bool], typer.Option(
    "--unsafe-fixes/--no-unsafe-fixes",
    help="Also make the unsafe fixes: edits the corrector is unsure of, and those the guard refuses on a judgment "
         "about words (unknown words respelt, deleted content words). --check counts them either way.",
    show_default=False)]
GateOption = Annotated[Optional[float], typer.Option(
    "--gate", min=0.0, max=1.0,
    help="A sentence the edit corrector (the corrector itself, or its gate model) finds this unlikely to hold an "
         "error, read alone, and that Harper leaves as it is, skips the generator (default: the corrector's own; "
         "0 turns the gate off).",
    show_default=False)]
SampleGateOption = Annotated[Optional[float], typer.Option(
    "--sample-gate", min=0.0, max=1.0,
    help="With the gate on: a sentence its model finds this unlikely to hold an error gets the greedy candidate "
         "alone, the others the samples too (default: the corrector's own; 0: samples where the greedy candidate "
         "changed the sentence).",
    show_default=False)]
SyntaxOption = Annotated[Optional[Syntax], typer.Option(
    "--syntax", help="Input syntax (auto: by file suffix; stdin is Markdown).")]
ThreadsOption = Annotated[Optional[int], typer.Option(
    "--threads", help="CPU threads for the models (default: all available cores).")]
DeviceOption = Annotated[Optional[Device], typer.Option(
    "--device", help="auto, cpu or cuda (falls back to cpu with a notice).")]
JobsOption = Annotated[Optional[int], typer.Option(
    "--jobs", "-j", help="Requests in flight to a generator server (default 4).")]
NoCacheOption = Annotated[bool, typer.Option(
    "--no-cache", help="Do not read or write the cache of results and candidate pools.")]
FluencyOption = Annotated[Optional[bool], typer.Option(
    "--fluency/--no-fluency",
    help="Let the corrector also weigh how fluent the generator finds each option (default; --no-fluency skips "
    "that scoring, about a seventh of lmcor bench's time, and is a little less accurate).", show_default=False)]
RulesFirstOption = Annotated[Optional[bool], typer.Option(
    "--rules-first/--no-rules-first",
    help="Let the generator read each sentence after Harper's fixes (default: a small model then fixes grammar "
    "instead of misspellings; train with what inference uses).", show_default=False)]
SampleAllOption = Annotated[Optional[bool], typer.Option(
    "--sample-all",
    help="Sample the K−1 extra candidates for every sentence, not only where the greedy candidate changed it "
    "(slower; the default loses at most a little quality, see README; train with what inference uses).",
    show_default=False)]
DialectOption = Annotated[Optional[Dialect], typer.Option(
    "--dialect",
    help="The English the text is written in: Harper checks it, and no rewrite respells a word into the other "
    "one (default en-US, or 'dialect' in the configuration).", show_default=False)]
TableFormatOption = Annotated[TableFormat, typer.Option("--format", help="A table, or one JSON object.")]
