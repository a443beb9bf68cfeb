"""The dashboard's event stream ends with the web session that opened it: after a
logout, or a new password (which closes the person's sessions)."""

from __future__ import annotations

import pytest

from itsm.config import Settings
from tests.e2e.api.event_stream import stream
from tests.e2e.web.support import Browser
from tests.live_server import Api

PASSWORD = "correct horse battery"
NEW_PASSWORD = "another horse battery"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    fast = settings.api.model_copy(update={"event_heartbeat_seconds": 0.2})
    return settings.model_copy(update={"api": fast})


def test_logging_out_ends_the_dashboards_stream(api: Api) -> None:
    tina = api.user("tina", role="technician", password=PASSWORD)
    wall, desk = Browser(api), Browser(api)
    assert wall.login("tina", PASSWORD).status_code == 303
    assert desk.login("tina", PASSWORD).status_code == 303
    with (
        stream(wall.client, "/dashboard/events") as ended,
        stream(desk.client, "/dashboard/events") as open_still,
    ):
        assert wall.post("/logout", {"csrf_token": wall.csrf()}).status_code == 303
        ended.ends()
        # the other browser's session, and its stream, go on
        assert desk.get("/dashboard").status_code == 200
        ticket = {
            "title": "Jam",
            "description": "Stuck",
            "category": "hardware",
            "priority": "low",
            "requester_id": tina.id,
        }
        created = api.client(api.token(tina)).post("/tickets", json=ticket)
        assert created.status_code == 201, created.text
        # the change has the figures computed again, and the open dashboard told
        open_still.until("message", kind="dashboard.refreshed")


def test_a_new_password_ends_the_dashboards_stream(api: Api) -> None:
    tina = api.user("tina", role="technician", password=PASSWORD)
    wall = Browser(api)
    assert wall.login("tina", PASSWORD).status_code == 303
    with stream(wall.client, "/dashboard/events") as heard:
        changed = api.client(api.token(tina)).put(
            f"/users/{tina.id}/password",
            json={"password": NEW_PASSWORD, "current_password": PASSWORD},
        )
        assert changed.status_code == 200, changed.text
        heard.ends()
