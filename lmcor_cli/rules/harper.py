"""Harper, the offline rule-based checker, as a system and a candidate source.

Applies the first suggestion of each lint and lints again until nothing is left (or
a round limit), skipping lints that only touch whitespace: on tokenised data they are
artefacts, and elsewhere they are formatting, not grammar.  As a candidate source it can
instead take, for misspelt words, the closest and most common suggestion (``spelling``).
Harper checks the project's dialect and knows its words (``project_rules``): a linter is
built per set of rules, and results are cached per rules too.
"""

from __future__ import annotations

import sys
import threading
from functools import lru_cache

from lmcor_cli import project_rules
from lmcor_cli.project_rules import ProjectRules
from lmcor_cli.rules.spelling import best_suggestion
from lmcor_cli.silence import silenced

MAX_ROUNDS = 8


@lru_cache(maxsize=4)
def linter_for(rules: ProjectRules):  # type: ignore[no-untyped-def]
    """Building one takes about a second: one per dialect and word list, kept."""
    import harper

    dialect = {"en-US": harper.Dialect.AMERICAN, "en-GB": harper.Dialect.BRITISH}[rules.dialect]
    built = harper.Linter(dialect)
    if rules.words:
        built.import_words(list(rules.words))  # single words: Harper's dictionary has no phrases
    return built


def build_linter_in_background() -> threading.Thread:
    """Build the linter for the current rules on a thread — about a second that can overlap
    the generator's model load; join it before linting.  A failure is left for the next use
    to raise, in the caller's thread."""
    rules = project_rules.current()

    def build() -> None:
        try:
            linter_for(rules)
        except Exception:  # noqa: BLE001 - raised again, as a clear error, where the linter is used
            pass

    thread = threading.Thread(target=build, name="lmcor-harper-linter", daemon=True)
    thread.start()
    return thread


def available() -> bool:
    try:
        import harper  # noqa: F401
    except ImportError:
        return False
    return True


def harper_fix(text: str, frequent_spelling: bool = False) -> str:
    """Harper's fix of the text; ``frequent_spelling`` ranks spelling suggestions by edit
    distance and word frequency instead of taking Harper's first."""
    with silenced(sys.stdout):  # harper-py 0.2 prints debug lines to fd 1, which is our output
        return _harper_fix(text, frequent_spelling, project_rules.current())


def lint_count(text: str) -> int:
    """How many lints with a suggestion fire on the text: rank mode's evidence of errors left."""
    with silenced(sys.stdout):
        return sum(1 for lint in _lints(text, project_rules.current()) if lint.suggestions)


@lru_cache(maxsize=8192)
def _lints(text: str, rules: ProjectRules) -> tuple:  # type: ignore[type-arg]
    """One lint pass per distinct text: fixing the source and the greedy output lints them, and
    rank mode then counts the lints of the same texts (the source, the fixes) again."""
    return tuple(linter_for(rules).lint(text, language="plaintext"))


def _chosen_suggestion(lint, frequent_spelling: bool):  # type: ignore[no-untyped-def]
    if not (frequent_spelling and lint.lint_kind == "Spelling"):
        return lint.suggestions[0]
    replacements = [suggestion.replacement_text for suggestion in lint.suggestions]
    return lint.suggestions[best_suggestion(lint.problem_text, replacements)]


@lru_cache(maxsize=8192)
def _harper_fix(text: str, frequent_spelling: bool, rules: ProjectRules) -> str:
    """Cached: rules first fixes each sentence for the generator, and the pool then adds the
    same fix of the source as a rule candidate."""
    linter = linter_for(rules)
    skipped: set[tuple[int, int, str]] = set()
    for _ in range(MAX_ROUNDS):
        changed = False
        for lint in _lints(text, rules):
            if not lint.suggestions:
                continue
            suggestion = _chosen_suggestion(lint, frequent_spelling)
            fixed = linter.apply_suggestion(text, lint, suggestion)
            key = (lint.span.start, lint.span.end, lint.problem_text)
            if key in skipped or "".join(fixed.split()) == "".join(text.split()):
                skipped.add(key)
                continue
            text = fixed
            changed = True
            break  # spans shift after an edit: lint again
        if not changed:
            break
    return text
