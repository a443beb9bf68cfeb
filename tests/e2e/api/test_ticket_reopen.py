"""POST /api/v1/tickets/{ref}/reopen over real HTTP on both databases: the requester
and staff reopen, anyone else gets 404, the window and the lifecycle hold, and a
merged duplicate stays closed through every door (API, portal, CLI's service)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from itsm.accounts.models import TokenKind
from itsm.tickets import access
from itsm.tickets import service as tickets
from itsm.tickets.errors import MergedDuplicate
from itsm.tickets.models import Status
from itsm.users import service as users
from tests.e2e.web.support import Browser
from tests.live_server import Api

PROBLEM = "application/problem+json"
PASSWORD = "correct horse battery"


def _ticket(client: httpx.Client, **fields: Any) -> str:
    got = client.post("/tickets", json={"title": "VPN drops", "category": "network"} | fields)
    assert got.status_code == 201, got.text
    number: str = got.json()["number"]
    return number


def _move(admin: httpx.Client, number: str, *steps: str) -> None:
    for step in steps:
        body = {"status": step, "note": "Fixed" if step == "resolved" else None}
        got = admin.post(f"/tickets/{number}/status", json=body)
        assert got.status_code == 200, got.text


def _refused(got: httpx.Response, status: int, slug: str) -> str:
    assert got.status_code == status, got.text
    assert got.headers["content-type"] == PROBLEM
    assert got.json()["type"] == f"urn:itsm:problem:{slug}"
    detail: str = got.json()["detail"]
    return detail


def test_the_requester_reopens_a_resolved_ticket_and_others_get_404(
    api: Api, admin: httpx.Client
) -> None:
    ana = api.as_new("ana")
    number = _ticket(ana)
    _move(admin, number, "resolved")
    other = api.as_new("otto")
    _refused(other.post(f"/tickets/{number}/reopen"), 404, "ticket-not-found")

    reopened = ana.post(f"/tickets/{number}/reopen")
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert (body["number"], body["status"], body["resolved_at"]) == (number, "open", None)
    # An open ticket is no reopening: 409, saying what it is.
    detail = _refused(ana.post(f"/tickets/{number}/reopen"), 409, "invalid-transition")
    assert detail == f"{number} is open, not resolved or closed"
    agent = api.client(api.token("root", kind=TokenKind.AGENT))
    assert agent.post(f"/tickets/{number}/reopen").status_code == 403
    assert api.client().post(f"/tickets/{number}/reopen").status_code == 401


def test_a_closed_ticket_reopens_within_the_window_only(api: Api, admin: httpx.Client) -> None:
    ana = api.as_new("ana")
    number = _ticket(ana)
    _move(admin, number, "resolved", "closed")
    assert admin.post(f"/tickets/{number}/reopen").json()["status"] == "open"

    _move(admin, number, "resolved", "closed")
    window = api.settings.sla.reopen_window_days
    with api.session() as session:
        ticket = tickets.get_ticket(session, ref=number)
        assert ticket.closed_at is not None
        ticket.closed_at -= timedelta(days=window + 1)
    detail = _refused(ana.post(f"/tickets/{number}/reopen"), 409, "invalid-transition")
    assert "can be reopened only within" in detail


@pytest.mark.parametrize("door", ["reopen", "status"])
def test_a_merged_duplicate_is_not_reopened_by_anyone(
    api: Api, admin: httpx.Client, door: str
) -> None:
    ana = api.as_new("ana")
    duplicate = _ticket(ana)
    survivor = _ticket(admin, title="VPN down for everyone")
    merged = admin.post(f"/tickets/{duplicate}/merge", json={"into": survivor})
    assert merged.status_code == 200, merged.text

    for client in (ana, admin):
        got = (
            client.post(f"/tickets/{duplicate}/reopen")
            if door == "reopen"
            else client.post(f"/tickets/{duplicate}/status", json={"status": "open"})
        )
        if client is ana and door == "status":
            assert got.status_code == 403  # staff only, whatever the ticket
            continue
        detail = _refused(got, 409, "merged-duplicate")
        assert detail == (
            f"{duplicate} was merged into another ticket as a duplicate and cannot be "
            "reopened; follow up on the ticket it was merged into"
        )
        assert survivor not in detail  # its requester may be someone else
    assert admin.get(f"/tickets/{duplicate}").json()["status"] == "closed"


def test_the_portal_and_the_services_refuse_a_merged_duplicate_too(
    api: Api, admin: httpx.Client
) -> None:
    api.user("ana", password=PASSWORD)
    duplicate = _ticket(admin, requester_id=_id(api, "ana"))
    survivor = _ticket(admin)
    assert admin.post(f"/tickets/{duplicate}/merge", json={"into": survivor}).status_code == 200

    browser = Browser(api)
    browser.login("ana", PASSWORD)
    # The page asks the same rule before offering the button: a closed duplicate is
    # within the window, yet not offered.
    assert f'action="/tickets/{duplicate}/reopen"' not in browser.get(f"/tickets/{duplicate}").text
    page = browser.post(f"/tickets/{duplicate}/reopen", {"csrf_token": browser.csrf()})
    assert page.status_code == 409

    # What the CLI's `ticket status` calls: the same refusal, nothing written.
    with api.session() as session:
        root = users.get_user(session, ref="root")
        with pytest.raises(MergedDuplicate):
            access.change_status(session, ref=duplicate, status=Status.OPEN, note=None, actor=root)
    with api.session() as session:
        assert tickets.get_ticket(session, ref=duplicate).status == Status.CLOSED


def _id(api: Api, username: str) -> int:
    with api.session() as session:
        return users.get_user(session, ref=username).id
