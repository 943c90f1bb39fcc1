"""A local HTTP receiver for Apprise's json:// target: records every delivery, answers per path."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.deliveries: list[tuple[str, dict]] = []  # (path, JSON body)
        self.requests: list[tuple[str, dict[str, str], bytes]] = []  # (path, headers, raw body) of answered 200s
        self.hits: dict[str, int] = defaultdict(int)  # every request per path, answered or not
        # path -> list of status codes to answer in turn; the last one repeats. Default: 200.
        self.script: dict[str, list[int]] = {}
        self.delay: dict[str, float] = {}  # path -> seconds to wait before answering
        self.port = 0

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def http_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def answer(self, path: str) -> int:
        with self.lock:
            count = self.hits[path]
            self.hits[path] += 1
            codes = self.script.get(path, [200])
            return codes[min(count, len(codes) - 1)]

    def delivered(self, path: str | None = None) -> list[dict]:
        with self.lock:
            return [body for p, body in self.deliveries if path is None or p == path]


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            path = self.path.strip("/")
            code = receiver.answer(path)
            if receiver.delay.get(path):
                time.sleep(receiver.delay[path])
            if code == 200:
                with receiver.lock:
                    receiver.deliveries.append((path, json.loads(raw or b"{}")))
                    receiver.requests.append((path, dict(self.headers.items()), raw))
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
