"""Progress of long jobs: a bar on a terminal; elsewhere (a background run's log) a line
now and then, so a job started with ``&`` or under CI is never silent for an hour."""

from __future__ import annotations

import time
from types import TracebackType

from lmcor_cli.console import Env

LINE_EVERY_SECONDS = 60.0


class JobProgress:
    """``with JobProgress(env, "candidates", total) as progress: progress.advance(n)``."""

    def __init__(self, env: Env, label: str, total: int | None, transient: bool = False,
                 every: float = LINE_EVERY_SECONDS):
        self.env, self.label, self.total, self.transient, self.every = env, label, total, transient, every
        self.done = 0
        self._bar = None
        self._task = None
        self._started = self._last_line = time.monotonic()

    def __enter__(self) -> JobProgress:
        if self.env.stderr_is_tty:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                 console=self.env.stderr, transient=self.transient)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.advance(self._task, n)
            return
        now = time.monotonic()
        if now - self._last_line >= self.every and not self.env.quiet:
            self._last_line = now
            of = f"/{self.total}" if self.total else ""
            minutes = (now - self._started) / 60
            self.env.stderr.print(f"lmcor: {self.label}: {self.done}{of} after {minutes:.0f} min", markup=False)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, error, trace)
