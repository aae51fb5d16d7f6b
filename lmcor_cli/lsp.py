"""``lmcor lsp``: a language server over stdio that shows what ``lmcor fix`` would change.

Each edit lmcor would make is a diagnostic on the changed words (its kind, confidence and
who proposed it in the message) with its own quick fix, and one "fix all" action applies
every rewrite in the document.  Built on
pygls (rather than the protocol by hand): it frames and parses JSON-RPC, negotiates the
position encoding and answers the lifecycle requests, which are the parts a hand-written
server gets subtly wrong; lmcor only adds the two features.

The model work never runs on the thread that answers the editor.  A single background
thread (``Checker``) takes the newest version of each open document, one document at a
time, through the same pipeline, guard, self-check and result cache as ``lmcor fix``;
diagnostics are published when they are ready.  An edit supersedes the work on the
version before it: that work stops at its next batch and publishes nothing.  Documents
are synchronised in full (not incrementally): pygls's incremental edits count lines with
``str.splitlines``, which also breaks at U+2028 and form feeds, unlike LSP; prose files are
small enough to send whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from lmcor_cli import __version__
from lmcor_cli.config import Settings, project_settings
from lmcor_cli.console import Env
from lmcor_cli.edit_report import located_edits
from lmcor_cli.engine_factory import build_engine
from lmcor_cli.errors import EXIT_INTERRUPTED, LmcorError
from lmcor_cli.pipeline import Engine, Piece, fix_document
from lmcor_cli.positions import Located, Position, located, offset_at
from lmcor_cli.report_formats import message, rule_id
from lmcor_cli.segment import syntax_for
from lmcor_cli.verify import OutputCheck

DEBOUNCE_S = 0.3
"""After an edit, wait this long for the next keystroke before starting model work on it."""
PARTIAL_EVERY_S = 1.0
"""On a long document, publish what is found so far at most this often."""
TEXT_LANGUAGES = {"plaintext", "text", "restructuredtext", "rst"}
ENCODINGS = {types.PositionEncodingKind.Utf8: "utf-8", types.PositionEncodingKind.Utf16: "utf-16",
             types.PositionEncodingKind.Utf32: "utf-32"}
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass(frozen=True)
class Job:
    """One version of one document to check."""

    uri: str
    version: int | None
    text: str
    language_id: str
    ready_at: float  # monotonic time at which work may start (an edit waits DEBOUNCE_S)


class Superseded(Exception):
    """A newer version of the document arrived (or it was closed): drop this work."""


class Checker:
    """The background half: newest version of each document first-come, one at a time."""

    def __init__(self, overrides: dict[str, Any], root: Path, publish: Callable[[Job, list[Located]], None],
                 say: Callable[[str], None]):
        self._overrides = overrides
        self._root = root
        self._publish = publish
        self._say = say
        self._cond = threading.Condition()
        self._pending: dict[str, Job] = {}
        self._newest: dict[str, int | None] = {}  # open documents and their newest version
        self._stopped = False
        self._engines: dict[Settings, Engine] = {}
        self._said: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="lmcor-checker", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        with self._cond:
            self._pending[job.uri] = job
            self._newest[job.uri] = job.version
            self._cond.notify()

    def forget(self, uri: str) -> None:
        with self._cond:
            self._pending.pop(uri, None)
            self._newest.pop(uri, None)

    def is_current(self, job: Job) -> bool:
        with self._cond:
            return job.uri in self._newest and self._newest[job.uri] == job.version

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def _next(self) -> Job | None:
        with self._cond:
            while not self._stopped:
                if not self._pending:
                    self._cond.wait()
                    continue
                job = min(self._pending.values(), key=lambda j: j.ready_at)
                wait = job.ready_at - time.monotonic()
                if wait <= 0:
                    del self._pending[job.uri]
                    return job
                self._cond.wait(wait)
            return None

    def _run(self) -> None:
        try:
            while (job := self._next()) is not None:
                self._check(job)
        finally:
            for engine in self._engines.values():
                if engine.cache:
                    engine.cache.close()

    def _check(self, job: Job) -> None:
        try:
            self._check_or_raise(job)
        except Superseded:
            pass
        except LmcorError as exc:
            self._say_once(str(exc))
        except Exception as exc:  # a bug: tell the user, keep serving the other documents
            self._say_once(f"internal error: {type(exc).__name__}: {exc} (please report it)")

    def _check_or_raise(self, job: Job) -> None:
        path = to_fs_path(job.uri) if job.uri.startswith("file:") else None
        settings = project_settings([path or self._root], **self._overrides)
        if path and settings.ignores(path):
            self._publish(job, [])
            return
        if settings not in self._engines:
            self._engines[settings] = build_engine(settings, Env())  # models load on first need
        engine = self._engines[settings]
        check = OutputCheck(path or job.uri, iter(_LINE.findall(job.text)))
        pieces = fix_document(check.lines(), _syntax(path, job.language_id, settings.syntax), engine)
        found: list[Located] = []
        published_at, published_count = time.monotonic(), None
        for item in located(check.verified(self._unless_superseded(pieces, job))):
            found.append(item)
            if time.monotonic() - published_at >= PARTIAL_EVERY_S:
                self._publish(job, list(found))
                published_at, published_count = time.monotonic(), len(found)
        if published_count != len(found):
            self._publish(job, found)

    def _unless_superseded(self, pieces: Iterable[Piece], job: Job) -> Iterator[Piece]:
        for piece in pieces:
            if not self.is_current(job):
                raise Superseded
            yield piece

    def _say_once(self, message: str) -> None:
        if message not in self._said:
            self._said.add(message)
            self._say(message)


def _syntax(path: str | None, language_id: str, requested: str) -> str:
    if requested != "auto" or path:
        return syntax_for(path or "", requested)
    return "text" if language_id in TEXT_LANGUAGES else "markdown"


def _range(start: Position, end: Position, encoding: str) -> types.Range:
    return types.Range(start=types.Position(line=start.line, character=start.column(encoding)),
                       end=types.Position(line=end.line, character=end.column(encoding)))


def _diagnostics(found: Located, encoding: str) -> list[types.Diagnostic]:
    """One diagnostic per edit of the sentence; ``data`` holds the edit's fix and the whole
    sentence's rewrite, each with the text it replaces (checked again before applying)."""
    rewrite = found.rewrite
    sentence = {"range": _plain(_range(found.start, found.end, encoding)), "source": rewrite.sentence.source,
                "replacement": rewrite.replacement}
    diagnostics = []
    for item in located_edits(found):
        fix_source = rewrite.sentence.chunk_text[_chunk_offset(found, item.fix.byte_start):
                                                 _chunk_offset(found, item.fix.byte_end)]
        diagnostics.append(types.Diagnostic(
            range=_range(item.highlight.start, item.highlight.end, encoding),
            message=message(item),
            severity=types.DiagnosticSeverity.Information,
            source="lmcor",
            code=rule_id(item.kind),
            data={"fix": {"range": _plain(_range(item.fix.start, item.fix.end, encoding)), "source": fix_source,
                          "replacement": item.fix_text}, "sentence": sentence},
        ))
    return diagnostics


def _plain(region: types.Range) -> dict[str, dict[str, int]]:
    """A range as JSON data (what a client echoes back)."""
    return {"start": {"line": region.start.line, "character": region.start.character},
            "end": {"line": region.end.line, "character": region.end.character}}


def _chunk_offset(found: Located, byte_offset: int) -> int:
    """The chunk index of a byte offset inside the sentence."""
    rewrite = found.rewrite
    inside = rewrite.sentence.source.encode("utf-8")[: byte_offset - rewrite.byte_start]
    return rewrite.sentence.start + len(inside.decode("utf-8"))


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def build_server(overrides: dict[str, Any]) -> tuple[LanguageServer, dict[str, bool]]:
    """The server and a flag set by ``shutdown`` (the exit code depends on it, as LSP says)."""
    server = LanguageServer("lmcor", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
    state: dict[str, Any] = {"shutdown": False}
    published: dict[str, list[types.Diagnostic]] = {}

    def encoding() -> str:
        return ENCODINGS.get(server.workspace.position_encoding, "utf-16")  # type: ignore[arg-type]

    def publish_now(job: Job, found: list[Located]) -> None:
        """On the server's thread: still the newest version, and still open?"""
        if not state["checker"].is_current(job):
            return
        diagnostics = [d for item in found for d in _diagnostics(item, encoding())]
        published[job.uri] = diagnostics
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=job.uri, version=job.version, diagnostics=diagnostics)
        )

    def say(message: str) -> None:
        server.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"lmcor: {message}"))

    @server.feature(types.INITIALIZED)
    def initialized(params: types.InitializedParams) -> None:
        loop = asyncio.get_running_loop()
        root_path = to_fs_path(server.workspace.root_uri) if server.workspace.root_uri else None
        root = Path(root_path) if root_path else Path.cwd()  # for documents that are not files
        state["checker"] = Checker(
            overrides,
            root,
            publish=lambda job, found: loop.call_soon_threadsafe(publish_now, job, found),
            say=lambda message: loop.call_soon_threadsafe(say, message),
        )

    def submit(uri: str, version: int | None, delay: float) -> None:
        document = server.workspace.get_text_document(uri)
        state["checker"].submit(Job(uri, version, document.source, document.language_id or "",
                                    time.monotonic() + delay))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        submit(params.text_document.uri, params.text_document.version, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        submit(params.text_document.uri, params.text_document.version, DEBOUNCE_S)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        state["checker"].forget(uri)
        published.pop(uri, None)
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll]),
    )
    def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        """A quick fix for each published edit in the range, and "fix all" for the document's
        rewrites; each only where the text it replaces is still what was checked."""
        uri = params.text_document.uri
        text = server.workspace.get_text_document(uri).source

        def still(change: Any) -> types.TextEdit | None:
            region = types.Range(start=types.Position(**change["range"]["start"]),
                                 end=types.Position(**change["range"]["end"]))
            first = offset_at(text, region.start.line, region.start.character, encoding())
            last = offset_at(text, region.end.line, region.end.character, encoding())
            if first is None or last is None or text[first:last] != change["source"]:
                return None  # edited since: the fix no longer applies
            return types.TextEdit(range=region, new_text=change["replacement"])

        actions = []
        wanted = params.context.only
        diagnostics = published.get(uri, [])
        if not wanted or types.CodeActionKind.QuickFix in wanted:
            for diagnostic in diagnostics:
                edit = still(diagnostic.data["fix"]) if _overlaps(diagnostic.range, params.range) else None
                if edit is not None:
                    actions.append(types.CodeAction(
                        title=f"lmcor: {diagnostic.message.split(':', 1)[0]}",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        edit=types.WorkspaceEdit(changes={uri: [edit]}),
                        is_preferred=True,
                    ))
        sentences: dict[str, tuple[types.TextEdit | None, list[types.Diagnostic]]] = {}
        for diagnostic in diagnostics:  # each sentence's rewrite once, with its edits' diagnostics
            key = json.dumps(diagnostic.data["sentence"], sort_keys=True)
            if key not in sentences:
                sentences[key] = (still(diagnostic.data["sentence"]), [])
            sentences[key][1].append(diagnostic)
        live = [(edit, covered) for edit, covered in sentences.values() if edit is not None]
        if live and (not wanted or any(types.CodeActionKind.SourceFixAll.startswith(kind) for kind in wanted)):
            covered = [d for _, group in live for d in group]
            count = f"{len(covered)} edit{'s' if len(covered) != 1 else ''}"
            actions.append(types.CodeAction(
                title=f"lmcor: fix all in this document ({count})",
                kind=types.CodeActionKind.SourceFixAll,
                diagnostics=covered,
                edit=types.WorkspaceEdit(changes={uri: [edit for edit, _ in live]}),
            ))
        return actions

    @server.feature(types.SHUTDOWN)
    def shutdown(params: None = None) -> None:
        state["shutdown"] = True
        if "checker" in state:
            state["checker"].stop()

    return server, state


def serve(overrides: dict[str, Any]) -> int:
    """Run until the editor says ``exit`` or closes the pipe; 0 after a ``shutdown``, else 1.

    The protocol gets its own copy of stdout, and file descriptor 1 is pointed at stderr:
    llama.cpp and Harper write to fd 1 directly, which would corrupt the stream.  The process
    ends with ``os._exit`` so that model work still running in the background thread (native
    code that cannot be interrupted) does not hold up the editor; nothing is lost by it, as
    the server writes no files and the cache's sqlite transactions survive a kill.
    """
    if sys.stdin.isatty():
        Env().warn("lsp speaks the Language Server Protocol on stdin/stdout: start it from your editor "
                   "(README, 'Editors'); Ctrl-C stops it")
    protocol_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # Ctrl-C and SIGTERM end the server at once: it writes no files, and pygls would otherwise
    # wait for its reader thread, blocked on a stdin the editor keeps open.
    signal.signal(signal.SIGINT, lambda signum, frame: _leave(protocol_out, EXIT_INTERRUPTED))
    signal.signal(signal.SIGTERM, lambda signum, frame: _leave(protocol_out, 128 + signal.SIGTERM))
    server, state = build_server(overrides)
    server.start_io(sys.stdin.buffer, protocol_out)
    _leave(protocol_out, 0 if state["shutdown"] else 1)


def _leave(protocol_out: IO[bytes], code: int) -> None:
    for stream in (protocol_out, sys.stderr):  # pygls closes the protocol stream on exit
        with contextlib.suppress(ValueError, OSError):
            stream.flush()
    os._exit(code)
