"""The one place where an escaping exception becomes a message and an exit code.

As in httpie's ``main()``/``program()`` split, the entry point runs the whole command line
inside ``run``: whatever any command lets escape — an ``LmcorError`` from reading the
configuration, an ``OSError`` from a file, a bug — ends as one line on stderr and a
documented exit code, never a traceback.  ``LMCOR_DEBUG=1`` lets a bug's traceback through,
for a report.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from lmcor_cli.console import Env
from lmcor_cli.errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, LmcorError


def run(program: Callable[[], object]) -> int:
    """Run ``program`` (the typer app, which ends by raising ``SystemExit``, passed through)."""
    env = Env()
    try:
        program()
    except LmcorError as exc:
        env.error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:  # before typer's own handling starts (imports, command set-up)
        env.error("interrupted")
        return EXIT_INTERRUPTED
    except OSError as exc:
        env.error(f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc))
        return EXIT_INPUT
    except Exception as exc:
        if os.environ.get("LMCOR_DEBUG"):
            raise
        env.error(f"internal error: {type(exc).__name__}: {exc} (please report it; LMCOR_DEBUG=1 shows the traceback)")
        return EXIT_INTERNAL
    return EXIT_OK
