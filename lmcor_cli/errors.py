"""Errors a user can act on, each mapped to a documented exit code.

Anything raised as an ``LmcorError`` is shown as one line on stderr, never a traceback.
"""

EXIT_OK = 0
EXIT_CHANGES = 1  # --check: at least one file would change
EXIT_INPUT = 2  # usage error, or an input file could not be processed
EXIT_MODEL = 3  # a generator or corrector could not be loaded or run
EXIT_INTERNAL = 123  # a bug: the output failed its self-check, or an unexpected exception (as black's 123)
EXIT_INTERRUPTED = 130  # Ctrl-C / SIGINT (SIGTERM exits 143)


class LmcorError(Exception):
    """An error with a one-line message and an exit code."""

    exit_code = EXIT_INPUT


class InputError(LmcorError):
    """A file or stream we were asked to read cannot be processed."""

    exit_code = EXIT_INPUT


class UsageError(LmcorError):
    """Flags or configuration that do not make sense together."""

    exit_code = EXIT_INPUT


class ModelError(LmcorError):
    """A generator or corrector is missing, corrupt or failed."""

    exit_code = EXIT_MODEL


class InternalError(LmcorError):
    """lmcor's own output failed its self-check: nothing unchecked is written, no file is replaced."""

    exit_code = EXIT_INTERNAL
