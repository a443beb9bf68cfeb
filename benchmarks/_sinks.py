"""Local receivers for the delivery benchmark, each in a process of its own so that it
does not share the measured worker's interpreter: an SMTP sink (aiosmtpd, the tests'
real server) and an HTTP receiver that answers every POST with 204.

``python -m benchmarks._sinks smtp|http``: prints the port it listens on, then serves
until stdin closes.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "250 Message accepted"


class _Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real receivers

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(kind: str) -> None:
    if kind == "smtp":
        from aiosmtpd.controller import Controller

        with socket.socket() as probe:  # aiosmtpd needs a port it can name beforehand
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        controller = Controller(_Sink(), hostname="127.0.0.1", port=port)
        controller.start()
        print(port, flush=True)
        sys.stdin.read()
        controller.stop()
        return
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()


@contextmanager
def sink(kind: str) -> Iterator[int]:
    """A sink of ``kind`` in a child process until the block ends; yields its port."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks._sinks", kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield port
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=30)


if __name__ == "__main__":
    _serve(sys.argv[1])
