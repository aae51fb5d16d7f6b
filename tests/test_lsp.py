"""``lmcor lsp`` in a real LSP session: a client speaking JSON-RPC over the server's stdio."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import RULES, run_lmcor

TEXT = "# Notes\n\n😀 is nice. This are fine. It have\ntwo lines.\n"
FIXED = "# Notes\n\n😀 is nice. This is fine. It has\ntwo lines.\n"


class Client:
    """The editor's side: Content-Length framed JSON-RPC on the server's stdin and stdout."""

    def __init__(self, *args: str, cwd: Path, env: dict[str, str] | None = None):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lmcor_cli", "lsp", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env={**os.environ, "LMCOR_CORRECTOR": "none", **(env or {})},
        )
        self._incoming: queue.Queue[dict[str, Any]] = queue.Queue()
        self.inbox: list[dict[str, Any]] = []  # notifications not yet asked for
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while (line := out.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line or length is None:
                return
            self._incoming.put(json.loads(out.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        self._send({"method": method, "params": params or {}})

    def request(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> Any:
        self._next_id += 1
        self._send({"id": self._next_id, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            message = self._incoming.get(timeout=max(deadline - time.monotonic(), 0.01))
            if message.get("id") == self._next_id and "method" not in message:
                assert "error" not in message, message
                return message["result"]
            self.inbox.append(message)

    def wait_for(self, method: str, timeout: float = 60) -> dict[str, Any]:
        """The next notification of ``method`` (its params)."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.inbox:
                if message.get("method") == method:
                    self.inbox.remove(message)
                    return message["params"]
            self.inbox.append(self._incoming.get(timeout=max(deadline - time.monotonic(), 0.01)))

    def initialize(self, root: Path) -> dict[str, Any]:
        result = self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}})
        self.notify("initialized")
        return result

    def open(self, path: Path, text: str, version: int = 1) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {"uri": path.as_uri(), "languageId": "markdown",
                                                              "version": version, "text": text}})

    def change(self, path: Path, text: str, version: int) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": path.as_uri(), "version": version},
                                               "contentChanges": [{"text": text}]})

    def close(self, timeout: float = 20) -> int:
        """shutdown, exit: the process ends with its exit code."""
        assert self.request("shutdown") is None
        self.notify("exit")
        return self.proc.wait(timeout=timeout)

    def stderr(self) -> bytes:
        assert self.proc.stderr is not None
        return self.proc.stderr.read()


@pytest.fixture
def client_factory():
    clients: list[Client] = []

    def make(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Client:
        clients.append(Client(*args, cwd=cwd, env=env))
        return clients[-1]

    yield make
    for client in clients:
        if client.proc.poll() is None:
            client.proc.kill()
            client.proc.wait()


def _apply(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply LSP TextEdits (UTF-16 positions) to ``text``."""
    lines = text.split("\n")

    def offset(position: dict[str, int]) -> int:
        line = lines[position["line"]]
        units = 0
        for index, char in enumerate(line):
            if units == position["character"]:
                return sum(len(x) + 1 for x in lines[: position["line"]]) + index
            units += 2 if ord(char) > 0xFFFF else 1
        return sum(len(x) + 1 for x in lines[: position["line"]]) + len(line)

    for edit in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                       reverse=True):
        text = text[: offset(edit["range"]["start"])] + edit["newText"] + text[offset(edit["range"]["end"]) :]
    return text


def test_a_session_diagnoses_offers_the_rewrite_and_shuts_down(tmp_path, client_factory):
    doc = tmp_path / "notes.md"
    doc.write_text(TEXT)
    client = client_factory("-g", RULES, cwd=tmp_path)
    capabilities = client.initialize(tmp_path)["capabilities"]
    assert capabilities["textDocumentSync"]["change"] == 1  # full documents
    assert capabilities["codeActionProvider"]["codeActionKinds"] == ["quickfix", "source.fixAll"]
    started = time.monotonic()
    client.open(doc, TEXT)
    published = client.wait_for("textDocument/publishDiagnostics")
    first_diagnostics_s = time.monotonic() - started
    assert published["uri"] == doc.as_uri() and published["version"] == 1
    diagnostics = published["diagnostics"]
    assert [(d["range"], d["message"], d["source"], d["code"]) for d in diagnostics] == [
        ({"start": {"line": 2, "character": 17}, "end": {"line": 2, "character": 20}},
         '"are" → "is": subject–verb agreement (1 of 1 candidate)', "lmcor", "lmcor/subject-verb-agreement"),
        ({"start": {"line": 2, "character": 30}, "end": {"line": 2, "character": 34}},
         '"have" → "has": subject–verb agreement (1 of 1 candidate)', "lmcor", "lmcor/subject-verb-agreement"),
    ]  # one per edit, on the changed word; UTF-16 columns: the emoji is two units
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": doc.as_uri()},
        "range": {"start": {"line": 2, "character": 31}, "end": {"line": 2, "character": 31}},
        "context": {"diagnostics": diagnostics},
    })
    assert [(a["title"], a["kind"]) for a in actions] == [
        ('lmcor: "have" → "has"', "quickfix"), ("lmcor: fix all in this document (2 edits)", "source.fixAll")]
    assert _apply(TEXT, actions[0]["edit"]["changes"][doc.as_uri()]) == TEXT.replace("It have", "It has")
    fix_all = actions[1]["edit"]["changes"][doc.as_uri()]
    assert _apply(TEXT, fix_all) == FIXED == run_lmcor("fix", "-g", RULES, str(doc)).stdout.decode()
    each = [{"range": d["data"]["fix"]["range"], "newText": d["data"]["fix"]["replacement"]} for d in diagnostics]
    assert _apply(TEXT, each) == FIXED
    on_save = client.request("textDocument/codeAction", {
        "textDocument": {"uri": doc.as_uri()},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": [], "only": ["source.fixAll"]},
    })
    assert [a["kind"] for a in on_save] == ["source.fixAll"]

    edited = TEXT.replace("This are fine", "These are fine")
    client.change(doc, edited, version=2)
    stale = client.request("textDocument/codeAction", {
        "textDocument": {"uri": doc.as_uri()},
        "range": diagnostics[0]["range"], "context": {"diagnostics": diagnostics},
    })
    assert stale == []  # the text under the old "are" changed, and "It have" moved a column: no fix on top of them
    again = client.wait_for("textDocument/publishDiagnostics")
    assert again["version"] == 2 and [d["message"].split(":")[0] for d in again["diagnostics"]] == ['"have" → "has"']

    client.notify("textDocument/didClose", {"textDocument": {"uri": doc.as_uri()}})
    assert client.wait_for("textDocument/publishDiagnostics")["diagnostics"] == []
    assert client.close() == 0
    assert b"Traceback" not in client.stderr()
    print(f"time to first diagnostic: {first_diagnostics_s:.2f}s")
    assert first_diagnostics_s < 15


def test_results_come_from_the_same_cache_as_fix(tmp_path, client_factory):
    doc = tmp_path / "notes.md"
    doc.write_text(TEXT)
    calls = tmp_path / "calls.txt"
    env = {"LMCOR_TEST_CALLS": str(calls)}
    assert run_lmcor("fix", "-g", RULES, str(doc), env=env).returncode == 0
    before = calls.read_text()
    client = client_factory("-g", RULES, cwd=tmp_path, env=env)
    client.initialize(tmp_path)
    client.open(doc, TEXT)
    assert len(client.wait_for("textDocument/publishDiagnostics")["diagnostics"]) == 2
    assert calls.read_text() == before  # the generator was not called again
    assert client.close() == 0


def test_an_edit_supersedes_the_work_on_the_version_before(tmp_path, client_factory):
    doc = tmp_path / "notes.md"
    calls = tmp_path / "calls.txt"
    env = {"LMCOR_TEST_DELAY": "2", "LMCOR_TEST_CALLS": str(calls)}  # 2 s per sentence; one line per call
    client = client_factory("-g", RULES, cwd=tmp_path, env=env)
    client.initialize(tmp_path)
    client.open(doc, "This are one.\n\nIt have two.\n")  # two batches: the first paragraph goes alone
    client.change(doc, "It have three.\n", version=2)
    asked = time.monotonic()
    assert client.request("textDocument/codeAction", {
        "textDocument": {"uri": doc.as_uri()},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": []},
    }) == []
    assert time.monotonic() - asked < 1.5  # answered while the model works on version 1
    published = client.wait_for("textDocument/publishDiagnostics")
    assert published["version"] == 2  # nothing was published for version 1
    assert [d["message"].split(":")[0] for d in published["diagnostics"]] == ['"have" → "has"']
    assert calls.read_text() == "1\n1\n"  # version 1 stopped after its first batch; version 2 had one
    assert client.close() == 0


def test_exit_without_shutdown_is_exit_code_1(tmp_path, client_factory):
    client = client_factory("-g", RULES, cwd=tmp_path)
    client.initialize(tmp_path)
    client.notify("exit")
    assert client.proc.wait(timeout=20) == 1


def test_a_bad_configuration_is_a_message_not_a_crash(tmp_path, client_factory):
    (tmp_path / ".lmcor.toml").write_text("candidates = 'five'\n")
    doc = tmp_path / "notes.md"
    client = client_factory("-g", RULES, cwd=tmp_path)
    client.initialize(tmp_path)
    client.open(doc, "This are one.\n")
    shown = client.wait_for("window/showMessage")
    assert shown["type"] == 1 and "'candidates' must be a non-negative integer" in shown["message"]
    assert client.close() == 0


def test_exit_does_not_wait_for_model_work(tmp_path, client_factory):
    client = client_factory("-g", RULES, cwd=tmp_path, env={"LMCOR_TEST_HOLD_ON_CALL": "1"})  # the first call hangs
    client.initialize(tmp_path)
    client.open(tmp_path / "notes.md", "This are one.\n")
    time.sleep(0.5)
    started = time.monotonic()
    assert client.close() == 0
    assert time.monotonic() - started < 5


def test_a_long_document_publishes_what_is_found_so_far(tmp_path, client_factory):
    doc = tmp_path / "notes.md"
    client = client_factory("-g", RULES, cwd=tmp_path, env={"LMCOR_TEST_DELAY": "1.2"})  # 1.2 s per sentence
    client.initialize(tmp_path)
    client.open(doc, "This are one.\n\nIt have two.\n")  # two batches: the first paragraph goes alone
    first = client.wait_for("textDocument/publishDiagnostics")
    second = client.wait_for("textDocument/publishDiagnostics")
    assert (first["version"], len(first["diagnostics"])) == (1, 1)
    assert (second["version"], len(second["diagnostics"])) == (1, 2)
    assert client.close() == 0


def test_sigterm_ends_the_server_at_once_with_stdin_still_open(tmp_path, client_factory):
    import signal

    client = client_factory("-g", RULES, cwd=tmp_path, env={"LMCOR_TEST_HOLD_ON_CALL": "1"})
    client.initialize(tmp_path)
    client.open(tmp_path / "notes.md", "This are one.\n")  # the model "works" on it
    time.sleep(0.5)
    client.proc.send_signal(signal.SIGTERM)
    assert client.proc.wait(timeout=5) == 143


def test_fix_all_skips_only_the_sentences_edited_since(tmp_path, client_factory):
    doc = tmp_path / "notes.md"
    text = "This are one.\n\nIt have two.\n"
    client = client_factory("-g", RULES, cwd=tmp_path)
    client.initialize(tmp_path)
    client.open(doc, text)
    assert len(client.wait_for("textDocument/publishDiagnostics")["diagnostics"]) == 2
    edited = text.replace("This are", "Those are")
    client.change(doc, edited, version=2)
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": doc.as_uri()},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": [], "only": ["source"]},
    })
    assert [a["title"] for a in actions] == ["lmcor: fix all in this document (1 edit)"]
    assert _apply(edited, actions[0]["edit"]["changes"][doc.as_uri()]) == "Those are one.\n\nIt has two.\n"
    assert client.close() == 0
