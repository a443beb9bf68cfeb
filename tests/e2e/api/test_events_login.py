"""An event stream never outlives its login: the token is checked again at every
heartbeat (revoked, deactivated: the stream ends), and a stream's life is capped."""

from __future__ import annotations

import pytest

from itsm.accounts import service as accounts
from itsm.config import Settings
from itsm.users import service as users
from tests.e2e.api.event_stream import events
from tests.e2e.api.test_events import _ticket
from tests.live_server import Api, live_api

HEARTBEAT_S = 0.2


@pytest.fixture
def settings(settings: Settings) -> Settings:
    fast = settings.api.model_copy(update={"event_heartbeat_seconds": HEARTBEAT_S})
    return settings.model_copy(update={"api": fast})


def test_a_revoked_token_ends_its_stream_and_no_other(api: Api) -> None:
    tech = api.user("tina", role="technician")
    doomed, kept = api.token(tech), api.token(tech)
    with events(api.base_url, doomed) as heard_doomed, events(api.base_url, kept) as heard_kept:
        with api.session() as session:
            token_id = accounts.principal_for(session, secret=doomed).token_id
            assert token_id is not None
            accounts.revoke_token(session, who=None, token_id=token_id)
        heard_doomed.ends()
        created = api.client(kept).post("/tickets", json=_ticket(tech.id)).json()["id"]
        heard_kept.until("ticket.created", ticket_id=created)


def test_deactivating_a_person_ends_their_streams(api: Api) -> None:
    alice = api.user("alice")
    with events(api.base_url, api.token(alice)) as heard:
        with api.session() as session:
            users.deactivate_user(session, who=None, ref=alice.id)
        heard.ends()


def test_a_stream_ends_after_its_longest_life(settings: Settings) -> None:
    capped = settings.api.model_copy(update={"event_stream_max_seconds": 1.0})
    with live_api(settings.model_copy(update={"api": capped})) as api:
        tech = api.user("tina", role="technician")
        with events(api.base_url, api.token(tech)) as heard:
            heard.ends()
