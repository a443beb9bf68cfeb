"""The queue by SLA due time over real HTTP: ``sla=due-soon|breached``, ``sort=due``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from itsm.config import Settings
from itsm.sla.calendar_config import CalendarSettings
from itsm.sla.config import SlaSettings
from itsm.tickets.models import Ticket
from tests.live_server import Api, live_api


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    """A server whose SLA clocks run around the clock, so due times are exact."""
    always = SlaSettings(calendar=CalendarSettings(always=True))
    with live_api(settings.model_copy(update={"sla": always})) as running:
        yield running


def _new(client: httpx.Client, title: str, priority: str) -> dict[str, Any]:
    got = client.post("/tickets", json={"title": title, "category": "other", "priority": priority})
    assert got.status_code == 201, got.text
    data: dict[str, Any] = got.json()
    return data


def _numbers(client: httpx.Client, **params: Any) -> list[str]:
    """Every page, cursor after cursor."""
    seen: list[str] = []
    cursor: str | None = None
    while True:
        got = client.get("/tickets", params=params | ({"cursor": cursor} if cursor else {}))
        assert got.status_code == 200, got.text
        page = got.json()
        seen += [t["number"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


def test_the_queue_by_due_time(api: Api, admin: httpx.Client) -> None:
    late = _new(admin, "Servidor caído", "critical")
    soon = _new(admin, "Impresora", "critical")  # first response due in 30 minutes
    later = _new(admin, "Ratón", "low")  # in 9 hours
    waiting = _new(admin, "Licencia", "medium")
    moved = admin.post(f"/tickets/{waiting['id']}/status", json={"status": "pending"})
    assert moved.status_code == 200, moved.text
    with api.session() as session:  # its first response was due an hour ago
        ticket = session.get(Ticket, late["id"])
        assert ticket is not None
        ticket.first_response_due_at = datetime.now(UTC) - timedelta(hours=1)

    assert _numbers(admin, sla="breached", limit=5) == [late["number"]]
    assert _numbers(admin, sla="due-soon", sort="due", limit=5) == [soon["number"]]
    everyone = [t["number"] for t in (late, soon, later, waiting)]
    for limit in (1, 2, 3, 10):
        assert _numbers(admin, sort="due", limit=limit) == everyone
    assert _numbers(admin, sort="due", active=True, limit=2) == everyone

    shown = {t["number"]: t for t in admin.get("/tickets", params={"sort": "due"}).json()["items"]}
    assert shown[soon["number"]]["due_at"] == soon["first_response_due_at"]
    assert shown[soon["number"]]["due_clock"] == "first_response"
    assert (shown[waiting["number"]]["due_at"], shown[waiting["number"]]["due_clock"]) == (
        None,
        None,
    )
    bad = admin.get("/tickets", params={"sla": "overdue"})
    assert bad.status_code == 422
    assert "allowed: due-soon, breached" in bad.json()["detail"]
