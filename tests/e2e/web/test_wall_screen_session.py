"""A wall screen's open dashboard counts as use: its stream keeps the web session from
idling out (with a short idle setting), but not past the session's absolute expiry;
another page's open stream (the ticket page) does not keep a session alive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from itsm.accounts.models import WebSession
from itsm.config import Settings
from itsm.db.base import utcnow
from tests.e2e.api.event_stream import stream
from tests.e2e.web.support import Browser
from tests.live_server import Api
from tests.waiting import wait_until

PASSWORD = "correct horse battery"
#: A session unused this long ends (the shortest the setting allows).
IDLE = timedelta(minutes=1)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    fast = settings.api.model_copy(update={"event_heartbeat_seconds": 0.2})
    web = settings.web.model_copy(update={"session_idle_minutes": 1})
    return settings.model_copy(update={"api": fast, "web": web})


def _session_row(api: Api) -> WebSession:
    with api.session() as session:
        row = session.scalars(select(WebSession).where(WebSession.revoked_at.is_(None))).one()
        session.expunge(row)
        return row


def _set(api: Api, **values: object) -> None:
    with api.session() as session:
        session.execute(update(WebSession).values(**values))


def _ticket(api: Api, browser: Browser) -> str:
    tina = api.user("ana")
    made = api.client(api.token("tina")).post(
        "/tickets",
        json={"title": "Jam", "category": "hardware", "priority": "low", "requester_id": tina.id},
    )
    assert made.status_code == 201, made.text
    return str(made.json()["number"])


def test_an_open_dashboard_keeps_its_session_alive_up_to_the_absolute_expiry(api: Api) -> None:
    api.user("tina", role="technician", password=PASSWORD)
    wall = Browser(api)
    assert wall.login("tina", PASSWORD).status_code == 303
    with stream(wall.client, "/dashboard/events") as heard:
        # Nearly idle for the setting's minute: the stream's next check counts as use.
        nearly = utcnow() - IDLE + timedelta(seconds=3)
        _set(api, last_seen_at=nearly)
        wait_until(
            "the stream touched the session", lambda: _session_row(api).last_seen_at > nearly
        )
        assert wall.get("/dashboard").status_code == 200  # still logged in, past the minute
        # The absolute expiry ends it all the same.
        _set(api, expires_at=utcnow() + timedelta(seconds=1))
        heard.ends()
    assert wall.get("/dashboard").headers.get("location", "").startswith("/login")


def test_the_ticket_pages_stream_does_not_keep_a_session_alive(api: Api) -> None:
    api.user("tina", role="technician", password=PASSWORD)
    desk = Browser(api)
    assert desk.login("tina", PASSWORD).status_code == 303
    number = _ticket(api, desk)
    with stream(desk.client, f"/tickets/{number}/events") as heard:
        _set(api, last_seen_at=utcnow() - IDLE + timedelta(seconds=1))
        heard.ends()  # idle for the minute: the stream ends at a check
    assert desk.get(f"/tickets/{number}").headers.get("location", "").startswith("/login")
