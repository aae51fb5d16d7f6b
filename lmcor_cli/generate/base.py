"""The Generator protocol and how a ``--generator`` value becomes one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from lmcor_cli.candidates import Candidate, FluencyScorer
from lmcor_cli.errors import ModelError
from lmcor_cli.prompt import FewShotPrompt


class Generator(Protocol):
    """Proposes up to ``k`` rewrites per sentence, the greedy one first.

    A generator may also offer ``log_likelihoods(texts) -> list[float]`` (the in-process
    llama.cpp one does): rank mode then weighs how fluent the model finds each option."""

    id: str

    def candidates(self, sentences: Sequence[str], k: int) -> list[list[Candidate]]: ...


def fluency_scorer(generator: Generator) -> FluencyScorer | None:
    return getattr(generator, "log_likelihoods", None)


def close_generator(generator: Generator) -> None:
    """Free the generator's model now, where it has one: dropping the last reference to a
    llama.cpp generator does not (its model and context are C allocations without a finalizer)."""
    close = getattr(generator, "close", None)
    if close is not None:
        close()


@dataclass(frozen=True)
class GeneratorSpec:
    """Everything needed to build a generator, known before any model is loaded."""

    name: str  # "gemma3-270m", a path to a .gguf file
    prompt: FewShotPrompt
    threads: int
    device: str = "cpu"
    temperature: float = 0.6
    jobs: int = 4  # requests in flight, for server generators
    rules_first: bool = True  # a model generator reads each sentence after Harper's fixes
    sample_all: bool = False  # a model generator samples only where its greedy candidate changed the sentence

    @property
    def reads_rules_fixes(self) -> bool:
        """Rules first: for a model (GGUF or server; a plugin reads what the user wrote),
        where harper-py (a core dependency) can be imported."""
        from lmcor_cli.rules.harper import available

        return self.rules_first and not self.name.startswith(PLUGIN_PREFIX) and available()

    @property
    def samples_adaptively(self) -> bool:
        """Samples only where they can matter (``adaptive.py``): for a model; a plugin gets K."""
        return not self.sample_all and not self.name.startswith(PLUGIN_PREFIX)


PLUGIN_PREFIX = "py:"


def is_server(name: str) -> bool:
    return name.startswith(("http://", "https://"))


def open_generator(spec: GeneratorSpec, warn: Callable[[str], None] = lambda message: None) -> Generator:
    """Build the generator a spec names (the model loads on first use).

    ``py:package.module:factory`` names a Python plugin: ``factory(spec)`` returns any
    object with ``id`` and ``candidates()`` (a rule-based system, a test double, ...).
    """
    generator = _open_model(spec, warn)
    if spec.reads_rules_fixes:
        from lmcor_cli.generate.rules_first import RulesFirst

        generator = RulesFirst(generator)
    if spec.samples_adaptively:
        from lmcor_cli.generate.adaptive import AdaptiveSampling

        generator = AdaptiveSampling(generator)
    return generator


def _open_model(spec: GeneratorSpec, warn: Callable[[str], None]) -> Generator:
    if spec.name.startswith(PLUGIN_PREFIX):
        return load_plugin(spec.name)(spec)  # type: ignore[no-any-return]
    if is_server(spec.name):
        from lmcor_cli.generate.openai import OpenAIGenerator

        return OpenAIGenerator(spec, jobs=spec.jobs, warn=warn)
    from lmcor_cli.generate.llamacpp import LlamaCppGenerator
    from lmcor_cli.models import resolve_gguf

    return LlamaCppGenerator(resolve_gguf(spec.name), spec)


def load_plugin(name: str):  # type: ignore[no-untyped-def]
    import importlib

    target = name.removeprefix(PLUGIN_PREFIX)
    module_name, _, attribute = target.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ModelError(f"generator {name}: cannot import ({exc})") from None


def check_generator(spec: GeneratorSpec, notice: Callable[[str], None] = lambda message: None) -> None:
    """Fail before any output if the named generator cannot exist (and build a derived GGUF now,
    saying so, rather than in the middle of the output)."""
    if spec.name.startswith(PLUGIN_PREFIX):
        load_plugin(spec.name)
    elif not is_server(spec.name):
        from lmcor_cli.models import resolve_gguf

        resolve_gguf(spec.name, notice)


def generator_id(spec: GeneratorSpec) -> str:
    """A cache key part that changes whenever the generator's output could."""
    from lmcor_cli.models import gguf_id

    # An in-process model's samples also depend on how lmcor draws them (``llamacpp.draw``).
    model = (spec.name if spec.name.startswith(PLUGIN_PREFIX) or is_server(spec.name)
             else f"{gguf_id(spec.name)}|draw=cdf")
    return (f"{model}|{spec.prompt.id}|t={spec.temperature}" + ("|rules-first" if spec.reads_rules_fixes else "")
            + ("|adaptive" if spec.samples_adaptively else ""))
