from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from platformdirs import user_cache_dir

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from tiny_models import build_tiny_corrector  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user cache folder; derived models (deterministic, slow to
    build) are shared with the user's real cache."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("LMCOR_CACHE_DIR", str(folder))
    monkeypatch.setenv("LMCOR_MODELS_DIR",
                       os.environ.get("LMCOR_MODELS_DIR") or str(Path(user_cache_dir("lmcor")) / "models"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return folder


@pytest.fixture(scope="session")
def tiny_corrector(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_corrector(tmp_path_factory.mktemp("tiny-corrector"))


def run_lmcor(*args: str, input: bytes | None = None, cwd: Path | None = None, env: dict[str, str] | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """Run the real console entry point in a subprocess.

    Without a corrector unless a test names one: the shipped corrector (models/) would
    otherwise change what every test about files, formats and the guard sees."""
    full_env = {**os.environ, "LMCOR_CORRECTOR": "none", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "lmcor_cli", *args],
        input=input if input is not None else b"",
        capture_output=True,
        cwd=cwd,
        env=full_env,
        timeout=timeout,
    )


RULES = "py:generators:Rules"
HOSTILE = "py:generators:Hostile"
ECHO = "py:generators:Echo"
