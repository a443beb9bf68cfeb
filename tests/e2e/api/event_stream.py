"""Read a server-sent event stream over real HTTP, event by event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

READ_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]


class Reader:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()

    def next(self) -> Event:
        """The next event (heartbeat comments skipped); a read timeout fails the test."""
        name, data = "message", ""
        for line in self._lines:
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
        raise AssertionError("the event stream ended")

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
    with (
        httpx.Client(base_url=base_url, timeout=timeout) as client,
        client.stream(
            "GET", "/api/v1/events", headers={"Authorization": f"Bearer {token}"}
        ) as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = Reader(response)
        assert reader.next().name == "ready"
        yield reader
