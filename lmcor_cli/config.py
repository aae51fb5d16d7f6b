"""Settings: defaults, then the project's configuration (``.lmcor.toml`` or ``[tool.lmcor]`` in
``pyproject.toml``, and the ``.lmcor-words`` file beside it), then ``LMCOR_GENERATOR`` /
``LMCOR_CORRECTOR`` from the environment, then command-line flags.

One rule finds the configuration, for every command (as black's ``find_project_root``):
start from the common folder of the inputs (``common_folder``: the files and folders given to
``fix``; for piped text the folder of ``--stdin-filename``, else the current folder; for the
language server each document's folder; for ``eval``, ``bench`` and ``train`` their input
files) and walk up to the first folder with ``.lmcor.toml`` or a ``pyproject.toml`` that has
a ``[tool.lmcor]`` table, going no higher than the project root: the first folder that holds
``.git`` or ``.hg`` (``find_config``).  Paths in the file (``corrector``, ``ignore`` globs)
are relative to the file's folder.  Every value, from a file or a flag, is checked here
(``checked``), and a bad one is a one-line ``UsageError``.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from lmcor_cli.errors import UsageError
from lmcor_cli.project_rules import DIALECTS, ProjectRules

CONFIG_FILE = ".lmcor.toml"
PYPROJECT_FILE = "pyproject.toml"
WORDS_FILE = ".lmcor-words"
ROOT_MARKERS = (".git", ".hg")  # a folder holding one is the project root: the search stops there
SYNTAXES = ("auto", "markdown", "text")
DEVICES = ("auto", "cpu", "cuda")
MAX_CANDIDATES = 16
ENVIRONMENT = {"generator": "LMCOR_GENERATOR", "corrector": "LMCOR_CORRECTOR"}


def available_cores() -> int:
    """Cores this process may run on (cgroups and taskset included)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_threads() -> int:
    """All available cores: the stages run one after the other, and batched decoding is
    compute-bound, so every core helps (``lmcor bench --threads N`` measures it on a machine)."""
    return available_cores()


@dataclass(frozen=True)
class Settings:
    generator: str = "gemma3-270m"
    corrector: str = "auto"  # "auto" (the shipped model if present), "none", or a folder
    candidates: int | None = None  # None: 5 with a corrector, 1 without
    syntax: str = "auto"
    ignore: tuple[str, ...] = ()  # globs, relative to the configuration file's folder
    threads: int = field(default_factory=default_threads)
    device: str = "auto"
    cache: bool = True
    fluency: bool = True  # rank mode also weighs the generator's fluency score of each option (slower, better)
    rules_first: bool = True  # the generator reads each sentence after Harper's fixes
    sample_all: bool = False  # K−1 samples for every sentence, not only where the greedy candidate changed it
    prompt_variant: int = 0
    beam_size: int | None = None
    min_confidence: float | None = None  # an edit corrector's edits below this probability are not made (None: its own)
    min_error_probability: float | None = None  # ... nor any in a sentence it is this unsure about (None: its own)
    gate: float | None = None  # sentences an edit corrector finds this clean skip the generator (None: its own)
    sample_gate: float | None = None  # ... and sentences it finds this clean get no samples (None: its own)
    unsafe_fixes: bool = False  # also make the unsure fixes and those overruling the guard's judgment about words
    jobs: int = 4  # requests in flight to a generator server
    words: tuple[str, ...] = ()  # the project's words: never changed by a rewrite, known to Harper
    dialect: str = "en-US"
    config_file: Path | None = None

    def with_overrides(self, **flags: Any) -> Settings:
        """These settings with the flags that were given (``None``: not given), checked."""
        given = {key: value for key, value in flags.items() if value is not None}
        return replace(self, **checked(given, _flag_name))

    @property
    def rules(self) -> ProjectRules:
        return ProjectRules(words=self.words, dialect=self.dialect)

    def ignores(self, name: str | os.PathLike[str]) -> bool:
        """Whether an ``ignore`` glob matches the file, by its path relative to the
        configuration file's folder (a file outside it: by its absolute path)."""
        if not self.ignore or str(name) == "-":
            return False
        given = Path(name).absolute()
        path = given.parent.resolve() / given.name
        if self.config_file is not None:
            try:
                path = path.relative_to(self.config_file.parent)
            except ValueError:
                pass
        relative = path.as_posix()
        return any(fnmatch.fnmatch(relative, glob) or PurePosixPath(relative).match(glob) for glob in self.ignore)


_KEYS = {f.name for f in fields(Settings)} - {"config_file"}
_COUNTS = ("candidates", "threads", "prompt_variant", "beam_size", "jobs")
_SWITCHES = ("cache", "fluency", "rules_first", "sample_all", "unsafe_fixes")
_CHOICES = {"syntax": SYNTAXES, "device": DEVICES, "dialect": DIALECTS}
_LISTS = {"ignore": "glob strings", "words": "strings"}
_PROBABILITIES = ("min_confidence", "min_error_probability", "gate", "sample_gate")


def checked(values: dict[str, Any], name: Callable[[str], str]) -> dict[str, Any]:
    """Every setting's one check, whether it comes from a file or a flag: ``values`` as
    ``Settings`` takes them (lists as tuples), or a ``UsageError`` naming the value's source
    (``name(key)``: the file and key, or the flag)."""
    result = dict(values)
    for key, value in values.items():
        if key in _COUNTS and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise UsageError(f"{name(key)} must be a non-negative integer")
        if key == "candidates" and not 1 <= value <= MAX_CANDIDATES:
            raise UsageError(f"{name(key)} must be between 1 and {MAX_CANDIDATES}")
        if key in _PROBABILITIES and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not 0 <= value <= 1):
            raise UsageError(f"{name(key)} must be a number from 0 to 1")
        if key in _SWITCHES and not isinstance(value, bool):
            raise UsageError(f"{name(key)} must be true or false")
        if key in ("generator", "corrector", *_CHOICES) and not isinstance(value, str):
            raise UsageError(f"{name(key)} must be a string")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise UsageError(f"{name(key)} must be {_one_of(_CHOICES[key])}, not {value!r}")
        if key in _LISTS:
            if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
                raise UsageError(f"{name(key)} must be a list of {_LISTS[key]}")
            result[key] = tuple(value)
    return result


def _one_of(choices: tuple[str, ...]) -> str:
    quoted = [repr(choice) for choice in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _flag_name(key: str) -> str:
    return f"--{key.replace('_', '-')}"


def common_folder(inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """The deepest folder that holds every input, where the search for the configuration
    starts: a folder stands for itself, a file (existing or not) for its folder, ``-``
    (standard input) for the current folder; without inputs, the current folder."""
    cwd = Path.cwd()
    folders = []
    for given in inputs:
        if str(given) == "-":
            folders.append(cwd.resolve())
            continue
        path = (cwd / given).resolve()
        folders.append(path if path.is_dir() else path.parent)
    if not folders:
        return cwd.resolve()
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:  # pragma: no cover - Windows: inputs on different drives
        return cwd.resolve()


def project_folders(start: Path) -> Iterator[Path]:
    """``start`` and the folders above it, up to and including the project root (the first
    that holds ``.git`` or ``.hg``), or the file system's root."""
    for folder in (start, *start.parents):
        yield folder
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest ``.lmcor.toml``, or ``pyproject.toml`` with a ``[tool.lmcor]`` table, from
    ``start`` upwards within the project (``project_folders``)."""
    for folder in project_folders(start):
        dedicated = folder / CONFIG_FILE
        if dedicated.is_file():
            return dedicated, _read_toml(dedicated)
        pyproject = folder / PYPROJECT_FILE
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("lmcor")
            if table is not None:
                if not isinstance(table, dict):
                    raise UsageError(f"{pyproject}: [tool.lmcor] must be a table")
                return pyproject, table
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: invalid TOML ({exc})") from None


def project_settings(inputs: Iterable[str | os.PathLike[str]] = (), **flags: Any) -> Settings:
    """What a command runs with: the configuration found from the inputs' common folder
    (``common_folder``, ``find_config``), the environment, then the flags given."""
    return load_settings(common_folder(inputs)).with_overrides(**flags)


def load_settings(start: Path | None = None) -> Settings:
    """The settings of the configuration found from the folder ``start`` (default: the current
    folder), overridden by the environment (a CI job or hook can pin the models)."""
    settings = _file_settings((start or Path.cwd()).resolve())
    from_environment = {key: os.environ.get(variable) or None for key, variable in ENVIRONMENT.items()}
    given = {key: value for key, value in from_environment.items() if value is not None}
    return replace(settings, **checked(given, ENVIRONMENT.__getitem__))


def _file_settings(start: Path) -> Settings:
    found = find_config(start)
    if found is None:
        words_file = _nearest_words_file(start)
        return Settings(words=read_words(words_file)) if words_file else Settings()
    path, table = found
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise UsageError(f"{path}: unknown lmcor setting(s): {', '.join(unknown)}")
    values = checked(table, lambda key: f"{path}: '{key}'")
    if values.get("corrector", "auto") not in ("auto", "none"):
        values["corrector"] = str((path.parent / values["corrector"]).resolve())
    words_file = path.parent / WORDS_FILE
    words = values.get("words", ())
    values["words"] = tuple(dict.fromkeys([*words, *(read_words(words_file) if words_file.is_file() else ())]))
    return Settings(**values, config_file=path)


def _nearest_words_file(start: Path) -> Path | None:
    """Without a configuration file, a ``.lmcor-words`` file still counts (nearest upwards,
    within the project)."""
    return next((f / WORDS_FILE for f in project_folders(start) if (f / WORDS_FILE).is_file()), None)


def read_words(path: Path) -> tuple[str, ...]:
    """One word (or phrase) a line; blank lines and ``#`` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the word list ({exc})") from None
    return tuple(dict.fromkeys(w for w in (line.strip() for line in lines) if w and not w.startswith("#")))
