"""A local HTTP server speaking the OpenAI chat-completions API, replaying recorded responses.

Use the ``openai_server`` fixture (registered for the whole suite in tests/conftest.py) to
script answers, and ``openai_llm`` for a client of the real ``openai`` package pointed at it::

    def test_something(openai_server, openai_llm):
        openai_server.reply(content="A label")             # the next answer
        openai_server.reply_error(500)                      # or an HTTP error
        openai_server.respond_with(lambda request: "…")     # or answers computed per request
        completion = openai_llm.complete(system="…", prompt="…", max_tokens=20)
        assert openai_server.requests[0]["messages"][1]["content"] == "…"

With nothing scripted, every request gets ``chat_completion.json`` (tests/fixtures/openai/).
"""

from __future__ import annotations

import copy
import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "openai"
ERROR_FIXTURES = {
    400: "error_400_context_length",
    429: "error_429",
    500: "error_500",
    502: "error_500",
    503: "error_500",
}


def recorded(name: str) -> dict[str, Any]:
    """A recorded response body from tests/fixtures/openai/<name>.json."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class OpenAIServer:
    """Scripted replies are served in order; then the responder (or the recorded default)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []
        self._replies: deque[Reply] = deque()
        self._responder: Callable[[dict[str, Any]], str] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/v1"

    def reply(
        self,
        fixture: str = "chat_completion",
        *,
        content: str | None = None,
        usage: dict[str, int] | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Queue one 200 answer: the recorded body, its text and usage optionally replaced."""
        body = recorded(fixture)
        if content is not None:
            body["choices"][0]["message"]["content"] = content
        if usage is not None:
            body["usage"] = {**usage, "total_tokens": sum(usage.values())}
        self._replies.append(Reply(200, body, delay_s))

    def reply_error(self, status: int, fixture: str | None = None, *, delay_s: float = 0.0) -> None:
        """Queue one HTTP error with the recorded error body for that status."""
        self._replies.append(Reply(status, recorded(fixture or ERROR_FIXTURES[status]), delay_s))

    def respond_with(self, responder: Callable[[dict[str, Any]], str]) -> None:
        """Answer every unscripted request with ``responder(request JSON)`` as the text."""
        self._responder = responder

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        body = recorded("chat_completion")
        body["model"] = request.get("model", body["model"])
        if self._responder is not None:
            body["choices"][0]["message"]["content"] = self._responder(copy.deepcopy(request))
        return Reply(200, body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                server.paths.append(self.path)
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                server.requests.append(request)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(Reply(404, {"error": {"message": "Not found"}}))
                reply = server._next(request)
                if reply.delay_s and server._stopping.wait(reply.delay_s):
                    return
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                data = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> OpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def openai_llm(openai_server: OpenAIServer, settings: Any) -> Any:
    """The real OpenAI-compatible client, configured through settings, aimed at the server."""
    from digest.lib.llm import llm_client

    settings.LLM_BACKEND = "openai"
    settings.LLM_BASE_URL = openai_server.base_url
    settings.LLM_MODEL = "recorded-model"
    settings.LLM_API_KEY = "test-key"
    settings.LLM_TIMEOUT_S = 5.0
    settings.LLM_MAX_RETRIES = 2
    return llm_client()
