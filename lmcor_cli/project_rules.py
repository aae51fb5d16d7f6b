"""What a project teaches lmcor: its own words and its English (``words``, ``dialect``).

The same rules apply wherever a sentence is judged — Harper's fixes and lints and the
guard — so they are set once per unit of model work (``applied``) rather than threaded
through every helper that the corrector's training shares with inference.  Outside
``applied`` the defaults hold: American English, no project words.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

DIALECTS = ("en-US", "en-GB")


@dataclass(frozen=True)
class ProjectRules:
    words: tuple[str, ...] = ()
    dialect: str = "en-US"

    def key(self) -> str:
        """A cache key part: empty for the defaults, so caches made before these rules stay valid."""
        if self == ProjectRules():
            return ""
        digest = hashlib.sha256("\n".join(sorted(set(self.words))).encode()).hexdigest()[:16]
        return f"{self.dialect}|words={digest}"

    @cached_property
    def _word_pattern(self) -> re.Pattern[str] | None:
        words = sorted({w for w in self.words if w.strip()}, key=len, reverse=True)
        if not words:
            return None
        return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])", re.IGNORECASE)

    def word_uses(self, text: str) -> Counter[str]:
        """Each project word as spelt in ``text`` (matched whatever its case), with its count."""
        pattern = self._word_pattern
        return Counter(pattern.findall(text)) if pattern else Counter()


_current: contextvars.ContextVar[ProjectRules] = contextvars.ContextVar("lmcor_project_rules", default=ProjectRules())


def current() -> ProjectRules:
    return _current.get()


@contextlib.contextmanager
def applied(rules: ProjectRules) -> Iterator[None]:
    token = _current.set(rules)
    try:
        yield
    finally:
        _current.reset(token)
