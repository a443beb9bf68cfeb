"""A real HTTP receiver of webhooks in the test process (a threaded ``http.server``).

It keeps every request, checks its signature and timestamp the way
docs/notifications.md tells integrators to (its own HMAC, not itsm's code), and
answers as the test says: a queue of (status, headers) answers, then 204.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def signed_by(self, secret: str, *, tolerance: int = 300) -> bool:
        """The receiver's check: the HMAC of ``timestamp.body``, and a recent timestamp."""
        stamp = self.headers["x-itsm-timestamp"]
        mac = hmac.new(secret.encode(), stamp.encode() + b"." + self.body, hashlib.sha256)
        expected = "sha256=" + mac.hexdigest()
        fresh = abs(time.time() - int(stamp)) <= tolerance
        return fresh and hmac.compare_digest(expected, self.headers["x-itsm-signature-256"])


@dataclass
class Receiver:
    port: int = 0
    received: list[Received] = field(default_factory=list)
    #: Answers to give, in order; then 204.
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def answer(self) -> tuple[int, dict[str, str]]:
        with self.lock:
            return self.answers.pop(0) if self.answers else (204, {})


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    box = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with box.lock:
                box.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            status, headers = box.answer()
            payload = b"" if status == 204 else f"answer {status}".encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    box.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
