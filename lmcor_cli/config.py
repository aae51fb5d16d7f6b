"""Settings: defaults, then ``[tool.lmcor]`` / ``.lmcor.toml`` (and the ``.lmcor-words`` file
beside it), then ``LMCOR_GENERATOR`` / ``LMCOR_CORRECTOR`` from the environment, then
command-line flags."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from lmcor_cli.errors import UsageError
from lmcor_cli.project_rules import DIALECTS, ProjectRules

WORDS_FILE = ".lmcor-words"


def available_cores() -> int:
    """Cores this process may run on (cgroups and taskset included)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_threads() -> int:
    """All available cores: the stages run one after the other, and batched decoding is
    compute-bound (on the 2-core VM an earlier release ran lmcor bench, K=5, at 1.62
    sentences/s with 2 threads against 0.97 with 1; the model card's current figure is 1.25
    with 2)."""
    return available_cores()


@dataclass(frozen=True)
class Settings:
    generator: str = "gemma3-270m"
    corrector: str = "auto"  # "auto" (the shipped model if present), "none", or a folder
    candidates: int | None = None  # None: 5 with a corrector, 1 without
    syntax: str = "auto"
    ignore: tuple[str, ...] = ()
    threads: int = field(default_factory=default_threads)
    device: str = "auto"
    cache: bool = True
    fluency: bool = True  # rank mode also weighs the generator's fluency score of each option (slower, better)
    rules_first: bool = True  # the generator reads each sentence after Harper's fixes
    sample_all: bool = False  # K−1 samples for every sentence, not only where the greedy candidate changed it
    prompt_variant: int = 0
    beam_size: int | None = None
    jobs: int = 4  # requests in flight to a generator server
    words: tuple[str, ...] = ()  # the project's words: never changed by a rewrite, known to Harper
    dialect: str = "en-US"
    config_file: Path | None = None

    def with_overrides(self, **flags: Any) -> Settings:
        return replace(self, **{k: v for k, v in flags.items() if v is not None})

    @property
    def rules(self) -> ProjectRules:
        return ProjectRules(words=self.words, dialect=self.dialect)


_KEYS = {f.name for f in fields(Settings)} - {"config_file"}


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest ``.lmcor.toml`` or ``pyproject.toml`` with a ``[tool.lmcor]`` table."""
    for folder in [start, *start.parents]:
        dedicated = folder / ".lmcor.toml"
        if dedicated.is_file():
            return dedicated, _read_toml(dedicated)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("lmcor")
            if table is not None:
                return pyproject, table
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: invalid TOML ({exc})") from None


ENVIRONMENT = {"generator": "LMCOR_GENERATOR", "corrector": "LMCOR_CORRECTOR"}


def load_settings(start: Path | None = None) -> Settings:
    """The file's settings, overridden by the environment (a CI job or hook can pin the models)."""
    settings = _file_settings((start or Path.cwd()).resolve())
    return settings.with_overrides(**{key: os.environ.get(name) or None for key, name in ENVIRONMENT.items()})


def _file_settings(start: Path) -> Settings:
    found = find_config(start)
    if found is None:
        words_file = _nearest_words_file(start)
        return Settings(words=read_words(words_file)) if words_file else Settings()
    path, table = found
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise UsageError(f"{path}: unknown lmcor setting(s): {', '.join(unknown)}")
    values: dict[str, Any] = dict(table)
    if "ignore" in values:
        if not isinstance(values["ignore"], list) or not all(isinstance(g, str) for g in values["ignore"]):
            raise UsageError(f"{path}: 'ignore' must be a list of glob strings")
        values["ignore"] = tuple(values["ignore"])
    for key in ("candidates", "threads", "prompt_variant", "beam_size", "jobs"):
        if key in values and (not isinstance(values[key], int) or values[key] < 0):
            raise UsageError(f"{path}: '{key}' must be a non-negative integer")
    for key in ("cache", "fluency", "rules_first", "sample_all"):
        if key in values and not isinstance(values[key], bool):
            raise UsageError(f"{path}: '{key}' must be true or false")
    for key in ("generator", "corrector", "syntax", "device", "dialect"):
        if key in values and not isinstance(values[key], str):
            raise UsageError(f"{path}: '{key}' must be a string")
    if "corrector" in values and values["corrector"] not in ("auto", "none"):
        values["corrector"] = str((path.parent / values["corrector"]).resolve())
    if "dialect" in values and values["dialect"] not in DIALECTS:
        raise UsageError(f"{path}: 'dialect' must be {' or '.join(map(repr, DIALECTS))}, not {values['dialect']!r}")
    words = values.get("words", [])
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise UsageError(f"{path}: 'words' must be a list of strings")
    words_file = path.parent / WORDS_FILE
    values["words"] = tuple(dict.fromkeys([*words, *(read_words(words_file) if words_file.is_file() else ())]))
    return Settings(**values, config_file=path)


def _nearest_words_file(start: Path) -> Path | None:
    """Without a configuration file, a ``.lmcor-words`` file still counts (nearest upwards)."""
    return next((f / WORDS_FILE for f in [start, *start.parents] if (f / WORDS_FILE).is_file()), None)


def read_words(path: Path) -> tuple[str, ...]:
    """One word (or phrase) a line; blank lines and ``#`` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the word list ({exc})") from None
    return tuple(dict.fromkeys(w for w in (line.strip() for line in lines) if w and not w.startswith("#")))
