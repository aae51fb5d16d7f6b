"""A small OpenAI-compatible completions server with scripted faults, for tests."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from generators import rule_fix

# What OpenAI's own /completions accepts (a strict server rejects anything else).
STANDARD_FIELDS = {"model", "prompt", "max_tokens", "temperature", "n", "stop", "top_p", "presence_penalty",
                   "frequency_penalty", "seed", "logprobs", "echo", "best_of", "user", "suffix", "stream"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802
        server: FaultServer = self.server  # type: ignore[assignment]
        mode = self.path.strip("/").split("/")[0]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with server.lock:
            server.requests[mode] = server.requests.get(mode, 0) + 1
            server.bodies.append(body)
            count = server.requests[mode]
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        try:
            self._answer(mode, count, body)
        finally:
            with server.lock:
                server.in_flight -= 1

    def _answer(self, mode: str, count: int, body: dict) -> None:
        if mode == "hang":
            time.sleep(3)
        if mode == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if (mode == "flaky" and count <= 2) or mode == "always500":
            return self._send(500, b'{"error": "overloaded"}')
        if mode == "ratelimit" and count == 1:
            return self._send(429, b"{}", {"Retry-After": "0"})
        if mode == "strict" and set(body) - STANDARD_FIELDS:
            unknown = sorted(set(body) - STANDARD_FIELDS)
            return self._send(400,
                              json.dumps({"error": f"Unrecognized request arguments supplied: {unknown}"}).encode())
        if mode == "malformed":
            return self._send(200, b"this is not json")
        if mode == "slow":
            time.sleep(0.2)
        sentence = re.findall(r"Sentence: (.*)\nCorrected:$", body["prompt"])[-1]
        n = 1 if mode == "no_n" else body.get("n", 1)
        payload = {"choices": [{"index": i, "text": " " + rule_fix(sentence) + "\nSentence: junk"} for i in range(n)]}
        self._send(200, json.dumps(payload).encode())

    def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: dict[str, int] = {}
        self.bodies: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client hanging up mid-answer (the timeout tests) is expected; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{mode}/v1"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
