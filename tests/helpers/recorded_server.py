"""A real local HTTP server that answers with recorded responses (for worker processes)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (status, body, content type), optionally with extra headers.
Answer = tuple[int, bytes, str] | tuple[int, bytes, str, dict[str, str]]
NOT_FOUND: Answer = (404, b"not found", "text/plain")


@contextmanager
def recorded_server(
    routes: dict[str, Answer | Sequence[Answer]],
) -> Iterator[tuple[str, list[str]]]:
    """Serve ``{path: answer}`` on 127.0.0.1; yield (base URL, requests).

    A path given a list of answers gives them in turn, then repeats the last one (a
    server that fails a few times, then recovers).
    """
    requested: list[str] = []
    lock = threading.Lock()
    served: dict[str, int] = {}

    def answer_for(path: str) -> Answer:
        answers = routes.get(path, NOT_FOUND)
        if isinstance(answers, tuple):
            return answers
        with lock:
            turn = served[path] = served.get(path, -1) + 1
        return answers[min(turn, len(answers) - 1)]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            status, body, content_type, *extra = answer_for(self.path.split("?", 1)[0])
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra[0] if extra else {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()
