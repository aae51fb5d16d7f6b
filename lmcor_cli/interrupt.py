"""Ctrl-C and SIGTERM that native code cannot swallow.

A signal's exception is raised wherever the main thread next runs Python; inside a native
extension that calls back (Harper's linter, CTranslate2) it can be caught and lost, and a
run the user stopped would go on to rewrite their file.  The handlers also latch the
request, and ``check`` raises it again at the points that matter: after each batch and
before an in-place rewrite is committed.
"""

from __future__ import annotations

import signal
from types import FrameType

_pending: BaseException | None = None


def _on_signal(signum: int, frame: FrameType | None = None) -> None:
    global _pending
    _pending = KeyboardInterrupt() if signum == signal.SIGINT else SystemExit(128 + signum)
    raise _pending


def install() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _on_signal)


def check() -> None:
    """Raise a stop request that was made, even if its first exception was swallowed."""
    if _pending is not None:
        raise _pending
