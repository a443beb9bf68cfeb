"""Many open dashboards on one server: how fast a change reaches them, what idling costs.

One asyncio process (the benchmark's) opens ``clients`` event streams
(``GET /dashboard/events`` with a staff session's cookie) over raw sockets: no
HTTP library between the bytes and the clock, so that the client's own cost stays
small beside 200 streams. For each change, a ticket is created through the API
(``POST /api/v1/tickets``) and each stream's delay is the time from just before the
request was sent to the first event the stream receives afterwards (the page's
stream tells ``dashboard.refreshed`` once the server has computed the new figures,
not the change itself); then, as the page's script does, each client reads
``/dashboard/panel`` again, and the delay to the panel's last byte is the time the
change takes to show. Idle cost: the server process's CPU time (psutil) over a
quiet interval, without streams and with them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil

CHANGE_TIMEOUT_S = 30.0


@dataclass
class LiveFigures:
    clients: int
    event_ms: list[float] = field(default_factory=list)
    panel_ms: list[float] = field(default_factory=list)
    idle_s: float = 0.0
    idle_cpu_s_without: float = 0.0
    idle_cpu_s_with: float = 0.0

    def idle_percent_per_client(self) -> float:
        """Server CPU over the idle interval with the streams open, per stream, % of a core."""
        return 100.0 * self.idle_cpu_s_with / self.idle_s / self.clients

    def as_json(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "changes": len(self.event_ms) // max(1, self.clients),
            "idle_s": round(self.idle_s, 2),
            "idle_cpu_s_without_streams": round(self.idle_cpu_s_without, 4),
            "idle_cpu_s_with_streams": round(self.idle_cpu_s_with, 4),
        }


@dataclass
class _Round:
    t0: float
    waiting: set[int]
    done: asyncio.Event
    event_ms: list[float] = field(default_factory=list)
    panels: list[asyncio.Task[float]] = field(default_factory=list)


class _Streams:
    def __init__(self, base_url: str, cookie: str, clients: int) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", int(parts.port or 80)
        self.cookie = cookie
        self.clients = clients
        self.round: _Round | None = None
        self.http: httpx.AsyncClient | None = None
        self.ready = 0
        self.all_ready = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.writers: list[asyncio.StreamWriter] = []

    async def open(self) -> None:
        for n in range(self.clients):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            request = (
                f"GET /dashboard/events HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Cookie: {self.cookie}\r\nAccept: text/event-stream\r\n\r\n"
            )
            writer.write(request.encode())
            self.writers.append(writer)
            self.tasks.append(asyncio.create_task(self._read(n, reader)))
        await asyncio.wait_for(self.all_ready.wait(), CHANGE_TIMEOUT_S)

    async def _read(self, n: int, reader: asyncio.StreamReader) -> None:
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"event stream {n}: {status!r}")
        while (await reader.readline()) not in (b"\r\n", b""):
            pass  # response headers
        pending = b""
        while True:
            size_line = await reader.readline()
            if not size_line:
                return
            size = int(size_line.strip() or b"0", 16)
            chunk = await reader.readexactly(size + 2)
            pending += chunk[:-2]
            while b"\r\n\r\n" in pending or b"\n\n" in pending:
                sep = b"\r\n\r\n" if b"\r\n\r\n" in pending else b"\n\n"
                message, pending = pending.split(sep, 1)
                self._message(n, message.decode())

    def _message(self, n: int, message: str) -> None:
        data = [line[5:].strip() for line in message.splitlines() if line.startswith("data:")]
        if not data:
            return  # a heartbeat comment
        kind = json.loads(data[0]).get("kind")
        if kind == "ready":
            self.ready += 1
            if self.ready == self.clients:
                self.all_ready.set()
            return
        current = self.round
        if current is not None and n in current.waiting:
            current.event_ms.append((time.perf_counter() - current.t0) * 1000)
            current.waiting.discard(n)
            if self.http is not None:  # as the page does: read the panel again at once
                current.panels.append(
                    asyncio.create_task(_panel(self.http, self.cookie, current.t0))
                )
            if not current.waiting:
                current.done.set()

    def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for writer in self.writers:
            writer.close()


async def _measure(
    base_url: str,
    cookie: str,
    token: str,
    requester_id: int,
    clients: int,
    changes: int,
    idle_s: float,
    server_pid: int,
) -> LiveFigures:
    server = psutil.Process(server_pid)
    out = LiveFigures(clients=clients, idle_s=idle_s)

    def cpu() -> float:
        times = server.cpu_times()
        return float(times.user + times.system)

    before = cpu()
    await asyncio.sleep(idle_s)  # a quiet server, no stream open: the fixed cost
    out.idle_cpu_s_without = cpu() - before
    streams = _Streams(base_url, cookie, clients)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    api_headers = {"Authorization": f"Bearer {token}"}
    counter = itertools.count(1)
    try:
        await streams.open()
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
            for _ in range(changes):
                streams.http = http
                current = _Round(time.perf_counter(), set(range(clients)), asyncio.Event())
                streams.round = current
                body = {
                    "title": f"Benchmark change {next(counter)}",
                    "description": "web_pages live dashboards",
                    "category": "other",
                    "priority": "low",
                    "requester_id": requester_id,
                }
                created = await http.post("/api/v1/tickets", json=body, headers=api_headers)
                if created.status_code != 201:
                    raise RuntimeError(f"creating a ticket: {created.status_code} {created.text}")
                await asyncio.wait_for(current.done.wait(), CHANGE_TIMEOUT_S)
                streams.round = None
                out.event_ms += current.event_ms
                out.panel_ms += await asyncio.gather(*current.panels)
            await asyncio.sleep(1.0)  # the last change's work is over before the idle minute
            before = cpu()
            await asyncio.sleep(idle_s)
            out.idle_cpu_s_with = cpu() - before
    finally:
        streams.close()
    return out


async def _panel(http: httpx.AsyncClient, cookie: str, t0: float) -> float:
    response = await http.get("/dashboard/panel", headers={"Cookie": cookie})
    if response.status_code != 200:
        raise RuntimeError(f"/dashboard/panel: {response.status_code}")
    return (time.perf_counter() - t0) * 1000


def measure(
    base_url: str,
    *,
    cookie: str,
    token: str,
    requester_id: int,
    clients: int,
    changes: int,
    idle_s: float,
    server_pid: int,
) -> LiveFigures:
    return asyncio.run(
        _measure(base_url, cookie, token, requester_id, clients, changes, idle_s, server_pid)
    )
