"""``lmcor fix``: stream corrected text, rewrite files in place, or check them (and report
what would change as JSON, GitHub annotations or SARIF)."""

from __future__ import annotations

import difflib
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lmcor_cli.config import Settings
from lmcor_cli.console import Env
from lmcor_cli.edit_report import LocatedEdit, located_edits
from lmcor_cli.engine_factory import build_engine
from lmcor_cli.errors import (
    EXIT_CHANGES,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_MODEL,
    EXIT_OK,
    InputError,
    InternalError,
    LmcorError,
    UsageError,
)
from lmcor_cli.options import REPORT_FORMATS, FixFormat
from lmcor_cli.pipeline import Engine, Piece, fix_document
from lmcor_cli.positions import Located, located, with_locations
from lmcor_cli.report_formats import SarifLog, github_annotation
from lmcor_cli.segment import syntax_for
from lmcor_cli.textio import STDIN_NAME, Source, atomic_writer, open_source
from lmcor_cli.verify import OutputCheck

FORMATS = tuple(f.value for f in FixFormat)
REPORTS = tuple(f.value for f in REPORT_FORMATS)  # where the sentences would change, not the text: not with --in-place
# What a folder argument expands to: prose files, not code.
PROSE_SUFFIXES = (".md", ".markdown", ".mdx", ".txt", ".rst")
# Folders never walked into: VCS data, virtualenvs, dependencies, build output.
SKIPPED_FOLDERS = {"node_modules", "venv", "site-packages", "build", "dist", "__pycache__"}
# An in-place rewrite is held in memory until it is complete; past this size in an
# unnamed temporary file of the system's temp folder, which a kill -9 cannot leave behind.
IN_MEMORY_BYTES = 16 << 20


@dataclass(frozen=True)
class FixOptions:
    files: list[str]
    in_place: bool
    check: bool
    output_format: str
    stdin_filename: str | None = None  # what piped text is: its syntax, config and ignore rules
    interactive: bool = False  # review edit by edit, then write


def run_fix(options: FixOptions, settings: Settings, env: Env) -> int:
    if options.interactive:
        return run_review(options, settings, env)
    files = _input_names(options, env)
    engine = build_engine(settings, env)
    progress = _progress(env, len(files)) if (options.in_place or options.check) and env.stderr_is_tty else None
    sarif = SarifLog() if options.output_format == "sarif" else None
    worst = EXIT_OK
    would_change: list[str] = []
    only_unsafe: list[tuple[str, int]] = []  # files whose only fixes are unsafe, and how many
    try:
        for name in files:
            shown = options.stdin_filename if name == "-" and options.stdin_filename else name
            if settings.ignores(shown):
                env.notice(f"{shown}: ignored by configuration")
                if name == "-" and options.output_format == "text" and not options.check:
                    shutil.copyfileobj(sys.stdin.buffer, sys.stdout.buffer)  # an editor's buffer comes back as it was
                continue
            try:
                source = open_source(name)
                if name == "-" and options.stdin_filename:
                    source.name = options.stdin_filename
            except InputError as exc:
                env.error(str(exc))
                worst = max(worst, exc.exit_code)
                continue
            unsafe_before = engine.timings.unsafe
            try:
                changed = _fix_one(source, options, settings, engine, env, sarif)
            except (InputError, InternalError) as exc:
                env.error(str(exc))
                worst = max(worst, exc.exit_code)
                continue
            finally:
                source.close()
            if progress:
                progress.advance(progress.task_ids[0])
            if changed and options.check:
                would_change.append(shown)
            elif options.check and engine.timings.unsafe > unsafe_before:
                only_unsafe.append((shown, engine.timings.unsafe - unsafe_before))
    finally:
        if progress:
            progress.stop()
        if engine.cache:
            engine.cache.close()
    if sarif:
        sys.stdout.write(sarif.to_json() + "\n")  # one log for the whole run, whatever was found
    for name in would_change:
        env.warn(f"would fix {name}")
    for name, count in only_unsafe:
        env.warn(f"{name}: {_fixes(count, 'unsafe fix')} only, not made without --unsafe-fixes")
    if options.check and (would_change or only_unsafe):
        _check_summary(engine, len(would_change), env)
    if engine.timings.failed:
        env.error(f"{engine.timings.failed} sentence(s) could not be checked (generator failures) and were kept as "
                  "they were")
        worst = max(worst, EXIT_MODEL)
    if options.check and would_change and worst == EXIT_OK:
        return EXIT_CHANGES
    return worst


def _fixes(count: int, noun: str = "fix") -> str:
    return f"{count} {noun}{'es' if count != 1 else ''}"


def _check_summary(engine: Engine, files: int, env: Env) -> None:
    """How many fixes ``lmcor fix`` would make, and how many more ``--unsafe-fixes`` would."""
    unsafe = engine.timings.unsafe
    them = "it" if unsafe == 1 else "them"
    if not files:
        env.warn(f"no safe fixes; {_fixes(unsafe, 'unsafe fix')} (--unsafe-fixes makes {them})")
        return
    made = f"{_fixes(engine.timings.fixes)} in {files} file{'s' if files != 1 else ''}"
    more = f"; {unsafe} more {'is' if unsafe == 1 else 'are'} unsafe (--unsafe-fixes makes {them})" if unsafe else ""
    env.warn(made + more)


def run_review(options: FixOptions, settings: Settings, env: Env) -> int:
    """``--interactive``: every file's edits reviewed one by one; the accepted ones written at
    the end, one atomic write per file (Ctrl-C writes nothing)."""
    from rich.console import Console

    from lmcor_cli.review import Reviewer, review_document

    if not options.files or "-" in options.files:
        raise UsageError("--interactive reviews files: name them (not '-')")
    if options.in_place or options.check or options.output_format != "text":
        raise UsageError("--interactive writes the files itself: use it without -i, --check, --diff and --format")
    if not env.stdin_is_tty:
        raise UsageError("--interactive asks at the terminal, but stdin is not one")
    files = _input_names(options, env)
    engine = build_engine(settings, env)
    reviewer = Reviewer(Console(highlight=False))
    pending: list[tuple[Path, bytes, str]] = []
    worst = EXIT_OK
    try:
        for name in files:
            if settings.ignores(name):
                env.notice(f"{name}: ignored by configuration")
                continue
            try:
                source = open_source(name)
            except InputError as exc:
                env.error(str(exc))
                worst = max(worst, exc.exit_code)
                continue
            try:
                assert source.path is not None
                before = source.path.read_bytes()
                original = before.decode("utf-8")
                check = OutputCheck(name, source.lines())
                pieces = check.verified(fix_document(check.lines(), syntax_for(name, settings.syntax), engine,
                                                     notice=lambda m: env.notice(f"{name}: {m}")))
                reviewed, quit_now = review_document(name, pieces, original, reviewer)
            finally:
                source.close()
            if reviewed is not None:
                recheck = OutputCheck(name, iter(original.splitlines(keepends=True)))
                list(recheck.lines())
                after = "".join(piece.text for piece in recheck.verified(reviewed))
                if after != original:
                    pending.append((source.path, before, after))
            if quit_now:
                break
    finally:
        if engine.cache:
            engine.cache.close()
    for path, before, after in pending:
        if path.read_bytes() != before:
            env.error(f"{path}: changed on disk during the review; not written")
            worst = max(worst, EXIT_INPUT)
            continue
        with atomic_writer(path) as out:
            out.write(after.encode("utf-8"))
        env.warn(f"fixed {path}")
    return worst


def _input_names(options: FixOptions, env: Env) -> list[str]:
    if options.output_format not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}")
    if options.in_place and options.check:
        raise UsageError("--in-place and --check cannot be used together")
    files = options.files or []
    if not files:
        if env.stdin_is_tty:
            raise UsageError("no input: pass FILE... or pipe text into 'lmcor fix -'")
        files = ["-"]
    if options.in_place and "-" in files:
        raise UsageError("--in-place needs files, not standard input")
    if options.in_place and options.output_format in REPORTS:
        raise UsageError(f"--format {options.output_format} reports what would change: use it without --in-place")
    if options.stdin_filename and files != ["-"]:
        raise UsageError("--stdin-filename names piped input: use it with '-' (or no FILE), not with files")
    expanded = []
    for given in files:
        names = _expand_folder(given)
        if not names:
            env.warn(f"{given}: no prose files ({', '.join(PROSE_SUFFIXES)}) in this folder")
        expanded.extend(names)
    return expanded


def _expand_folder(name: str) -> list[str]:
    """A folder stands for the prose files under it (sorted; hidden and dependency folders skipped)."""
    path = Path(name)
    if name == "-" or not path.is_dir():
        return [name]
    found = []
    for candidate in path.rglob("*"):
        parts = candidate.relative_to(path).parts
        if any(part.startswith(".") or part in SKIPPED_FOLDERS for part in parts):
            continue
        if candidate.suffix.lower() in PROSE_SUFFIXES and candidate.is_file():
            found.append(str(candidate))
    return sorted(found)


def _fix_one(
    source: Source, options: FixOptions, settings: Settings, engine: Engine, env: Env, sarif: SarifLog | None
) -> bool:
    """Process one input; return whether anything in it changed."""
    syntax = syntax_for(source.name, settings.syntax)
    check = OutputCheck(source.name, source.lines())
    pieces = check.verified(
        fix_document(check.lines(), syntax, engine, notice=lambda m: env.notice(f"{source.name}: {m}"))
    )
    if options.in_place:
        assert source.path is not None
        return _write_in_place(source.path, pieces, options, env, source.name)
    if options.check and options.output_format == "text":
        return sum(bool(piece.rewrites) for piece in pieces) > 0  # every sentence read: the counts are complete
    if options.output_format == "text":
        return _stream_text(pieces)
    if options.output_format == "json":
        return _stream_json(pieces, source.name)
    if options.output_format in REPORTS:
        return _report(pieces, _report_name(source.name), sarif)
    return _print_diff(pieces, source.name, env)


def _report_name(name: str) -> str:
    return name if name != STDIN_NAME else "-"


def _report(pieces: Iterator[Piece], name: str, sarif: SarifLog | None) -> bool:
    """GitHub annotations stream, one line per edit; SARIF results wait for the end of the run."""
    changed = False
    for found in located(pieces):
        changed = True
        for item in located_edits(found):
            if sarif is not None:
                sarif.add(name, item)
            else:
                sys.stdout.write(github_annotation(name, item) + "\n")
        sys.stdout.flush()
    return changed


def _write_in_place(path: Path, pieces: Iterator[Piece], options: FixOptions, env: Env, name: str) -> bool:
    """Hold the new text while the models run; only when it is complete (and checked) does
    the temp file beside ``path`` exist, so a kill during model work leaves nothing there."""
    before: list[str] = []
    after: list[str] = []
    changed = False
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES) as rewritten:
        for piece, found in with_locations(pieces):
            rewritten.write(piece.text.encode("utf-8"))
            changed = changed or bool(piece.rewrites)
            if options.output_format == "json":
                _emit_json(found, name)
            elif options.output_format == "diff":
                before.append(_original_text(piece))
                after.append(piece.text)
        if changed:
            rewritten.seek(0)
            with atomic_writer(path) as out:
                shutil.copyfileobj(rewritten, out)
    if changed:
        env.notice(f"fixed {name}")
        if options.output_format == "diff":
            _print_diff_of(name, "".join(before), "".join(after), env)
    return changed


def _stream_text(pieces: Iterator[Piece]) -> bool:
    out = sys.stdout.buffer
    changed = False
    for piece in pieces:
        if piece.text:
            out.write(piece.text.encode("utf-8"))
            out.flush()
        changed = changed or bool(piece.rewrites)
    return changed


def _stream_json(pieces: Iterator[Piece], name: str) -> bool:
    changed = False
    for piece, found in with_locations(pieces):
        _emit_json(found, name)
        changed = changed or bool(piece.rewrites)
    return changed


def _edit_json(item: LocatedEdit) -> dict[str, object]:
    """One change: by character offsets in the sentence as lmcor read it (``start``/``end``),
    by 1-based lines and columns (code points) and bytes in the file, and the fix that makes
    it (whole words, the document's own spacing kept)."""
    edit = item.edit
    confidence = None if edit.confidence is None else round(edit.confidence, 4)
    where = item.highlight
    return {"start": edit.start, "end": edit.end, "original": item.original, "replacement": item.replacement,
            "kind": item.kind, "confidence": confidence, "origin": edit.origin, "proposed_by": item.support,
            "tag": edit.tag or None,
            "line": where.start.line + 1, "column": where.start.column() + 1,
            "end_line": where.end.line + 1, "end_column": where.end.column() + 1,
            "byte_start": where.byte_start, "byte_end": where.byte_end,
            "fix": {"byte_start": item.fix.byte_start, "byte_end": item.fix.byte_end, "text": item.fix_text}}


def _emit_json(found: list[Located], name: str) -> None:
    for item in found:
        rewrite = item.rewrite
        outcome = rewrite.outcome
        record = {
            "file": _report_name(name),
            "byte_start": rewrite.byte_start,
            "byte_end": rewrite.byte_end,
            "line": item.start.line + 1,
            "end_line": item.end.line + 1,
            "source": rewrite.sentence.source,
            "replacement": rewrite.replacement,
            "output": outcome.output,
            "candidates": [c.to_json() for c in outcome.candidates],
            "system": outcome.system,
            "seconds": round(outcome.seconds, 4),
            "edits": [_edit_json(edit) for edit in located_edits(item)],
        }
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def _original_text(piece: Piece) -> str:
    return piece.rewrites[0].sentence.source if piece.rewrites else piece.text


def _print_diff(pieces: Iterator[Piece], name: str, env: Env) -> bool:
    before: list[str] = []
    after: list[str] = []
    for piece in pieces:
        before.append(_original_text(piece))
        after.append(piece.text)
    return _print_diff_of(name, "".join(before), "".join(after), env)


def _print_diff_of(name: str, old: str, new: str, env: Env) -> bool:
    if old == new:
        return False
    label = name if name != STDIN_NAME else "stdin"
    diff = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{label}", f"b/{label}"
    )
    write_diff(diff, env)
    return True


def write_diff(lines: Iterator[str], env: Env) -> None:
    colour = env.stdout_is_tty and env.color
    styles = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m"}
    out = sys.stdout
    for line in lines:
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        style = styles.get(line[:1]) if colour else None
        out.write(f"{style}{line.rstrip(chr(10))}\x1b[0m\n" if style else line)
    out.flush()


def handle(options: FixOptions, settings: Settings, env: Env) -> int:
    try:
        return run_fix(options, settings, env)
    except LmcorError as exc:
        env.error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        env.error("interrupted; files being rewritten were left unchanged")
        return EXIT_INTERRUPTED


def _progress(env: Env, total: int):  # type: ignore[no-untyped-def]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("fixing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=env.stderr, transient=True
    )
    progress.add_task("files", total=total)
    progress.start()
    return progress
