"""Progress of long jobs (candidates, synth, eval pools) when stderr is a log file."""

from __future__ import annotations

import io

from rich.console import Console

from lmcor_cli.console import Env
from lmcor_cli.progress import JobProgress


def test_long_jobs_report_progress_in_a_log_not_only_on_a_terminal():
    log = io.StringIO()
    env = Env(stderr=Console(file=log, force_terminal=False, width=200))
    with JobProgress(env, "candidates", 10, every=0.0) as progress:
        progress.advance(4)
        progress.advance(6)
    assert log.getvalue().splitlines() == ["lmcor: candidates: 4/10 after 0 min",
                                           "lmcor: candidates: 10/10 after 0 min"]
    quiet = io.StringIO()
    with JobProgress(Env(quiet=True, stderr=Console(file=quiet, force_terminal=False)), "synth", 3,
                     every=0.0) as progress:
        progress.advance(3)
    assert quiet.getvalue() == ""
