"""Where messages go: answers on stdout, diagnostics on stderr (one line each)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from rich.console import Console


@dataclass
class Env:
    """The terminal situation, injected so tests can simulate pipes and TTYs."""

    verbose: bool = False
    quiet: bool = False
    stderr: Console = field(default_factory=lambda: Console(stderr=True, highlight=False, soft_wrap=True))

    @property
    def stdin_is_tty(self) -> bool:
        return sys.stdin is not None and sys.stdin.isatty()

    @property
    def stderr_is_tty(self) -> bool:
        return self.stderr.is_terminal

    @property
    def stdout_is_tty(self) -> bool:
        return sys.stdout.isatty()

    @property
    def color(self) -> bool:
        return "NO_COLOR" not in os.environ

    def stdout_console(self) -> Console:
        return Console(highlight=False, soft_wrap=False)

    def error(self, message: str) -> None:
        self.stderr.print(f"lmcor: error: {message}", markup=False)

    def warn(self, message: str) -> None:
        if not self.quiet:
            self.stderr.print(f"lmcor: {message}", markup=False)

    def notice(self, message: str) -> None:
        """Shown with -v only."""
        if self.verbose:
            self.stderr.print(f"lmcor: {message}", markup=False)
