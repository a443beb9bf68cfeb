"""Read a server-sent event stream over real HTTP, event by event."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

READ_TIMEOUT_S = 20.0


class StreamEnded(AssertionError):
    """The server ended the stream (a test that waited for an event fails on it)."""


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]


class Reader:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()

    def next(self) -> Event:
        """The next event (heartbeat comments skipped); none within ``READ_TIMEOUT_S``
        (heartbeats keep the read itself from timing out) fails the test."""
        name, data = "message", ""
        deadline = time.monotonic() + READ_TIMEOUT_S
        for line in self._lines:
            assert time.monotonic() < deadline, "no event within the read timeout"
            if line == "":
                if data:
                    return Event(name, json.loads(data))
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data += value
        raise StreamEnded("the event stream ended")

    def ends(self) -> list[Event]:
        """The events left before the server ends the stream (a read timeout fails)."""
        seen = []
        while True:
            try:
                seen.append(self.next())
            except StreamEnded:
                return seen

    def until(self, name: str, **fields: Any) -> list[Event]:
        """Events up to and including the first ``name`` with ``fields``."""
        seen = []
        while True:
            event = self.next()
            seen.append(event)
            if event.name == name and all(event.data.get(k) == v for k, v in fields.items()):
                return seen


@contextmanager
def events(base_url: str, token: str) -> Iterator[Reader]:
    """The stream of ``GET /api/v1/events``, once it said ``ready``."""
    timeout = httpx.Timeout(10.0, read=READ_TIMEOUT_S)
    with httpx.Client(base_url=base_url, timeout=timeout) as client:
        headers = {"Authorization": f"Bearer {token}"}
        with stream(client, "/api/v1/events", headers=headers) as reader:
            yield reader


@contextmanager
def stream(
    client: httpx.Client, path: str, *, headers: dict[str, str] | None = None
) -> Iterator[Reader]:
    """The event stream at ``path`` read with ``client`` (its cookies), once it said ready."""
    timeout = httpx.Timeout(10.0, read=READ_TIMEOUT_S)
    with client.stream("GET", path, headers=headers, timeout=timeout) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = Reader(response)
        assert reader.next().data["kind"] == "ready"
        yield reader
