"""Over real HTTP on SQLite and PostgreSQL: an end user's tickets do not give other tickets
away (merges, links, the numbers in their texts), nor does the ``assignee`` filter tell
them who has an account. Staff see everything as it is."""

from __future__ import annotations

from typing import Any

import httpx

from itsm.tickets.visibility import HIDDEN_TICKET
from tests.e2e.api.support import ok, problem
from tests.live_server import Api


def _new(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "Printer jammed", "category": "hardware"} | fields
    data: dict[str, Any] = ok(client.post("/tickets", json=body), 201)
    return data


def test_an_end_user_sees_the_merge_of_their_ticket_but_not_where_it_went(
    api: Api, admin: httpx.Client
) -> None:
    vera = api.user("vera")
    walt = api.user("walt")
    vera_client = api.client(api.token(vera))
    walt_client = api.client(api.token(walt))
    tech = api.as_new("theo", role="technician")
    mine = _new(admin, requester_id=vera.id, title="Mail is slow")
    theirs = _new(admin, requester_id=walt.id, title="Exchange is down")
    related = _new(admin, requester_id=walt.id, title="Calendar does not sync")
    ok(vera_client.post(f"/tickets/{mine['id']}/comments", json={"body": "Since 9 am"}), 201)
    ok(admin.post(f"/tickets/{mine['id']}/links", json={"other": related["id"]}))
    ok(tech.post(f"/tickets/{mine['id']}/merge", json={"into": theirs["number"]}))
    hidden = (theirs["number"], theirs["title"], related["number"], related["title"])

    # Staff: every link, every number.
    for staff in (admin, tech):
        assert ok(staff.get(f"/tickets/{mine['id']}/links")) == [
            {"kind": "related", "ticket": related["number"]},
            {"kind": "merged_into", "ticket": theirs["number"]},
        ]
        detail = ok(staff.get(f"/tickets/{mine['number']}"))
        assert detail["resolution_note"] == f"Duplicate of {theirs['number']}"
        assert detail["merged_into"] == theirs["number"]
        history = ok(staff.get(f"/tickets/{mine['id']}/history"))
        assert ("merged", "merged_into", theirs["number"]) in [
            (e["kind"], e["field"], e["new_value"]) for e in history
        ]
        comments = ok(staff.get(f"/tickets/{theirs['id']}/comments"))
        assert [(c["copied_from"], c["body"]) for c in comments] == [(mine["number"], "Since 9 am")]

    # The duplicate's requester: merged, closed, and nothing of the other ticket.
    links = ok(vera_client.get(f"/tickets/{mine['id']}/links"))
    assert links == [{"kind": "merged_into", "ticket": None}]
    detail = ok(vera_client.get(f"/tickets/{mine['number']}"))
    assert detail["status"] == "closed"
    assert detail["resolution_note"] == f"Duplicate of {HIDDEN_TICKET}"
    assert detail["merged_into"] == HIDDEN_TICKET
    history = ok(vera_client.get(f"/tickets/{mine['id']}/history"))
    events = [(e["kind"], e["field"], e["new_value"]) for e in history]
    assert ("merged", "merged_into", None) in events
    assert "linked" not in {kind for kind, _, _ in events}
    listed = ok(vera_client.get("/tickets"))["items"]
    assert [(t["number"], t["resolution_note"]) for t in listed] == [
        (mine["number"], f"Duplicate of {HIDDEN_TICKET}")
    ]
    found = ok(vera_client.get("/tickets/search", params={"q": "slow"}))["items"]
    assert [t["resolution_note"] for t in found] == [f"Duplicate of {HIDDEN_TICKET}"]
    rated = ok(vera_client.post(f"/tickets/{mine['id']}/rating", json={"rating": 3}))
    assert rated["resolution_note"] == f"Duplicate of {HIDDEN_TICKET}"
    responses = [
        vera_client.get(f"/tickets/{mine['id']}"),
        vera_client.get(f"/tickets/{mine['id']}/links"),
        vera_client.get(f"/tickets/{mine['id']}/history"),
        vera_client.get(f"/tickets/{mine['id']}/comments"),
        vera_client.get("/tickets"),
        vera_client.get("/tickets/search", params={"q": "mail"}),
    ]
    for got in responses:
        assert got.status_code == 200, got.text
        for text in hidden:
            assert text not in got.text
    problem(vera_client.get(f"/tickets/{theirs['id']}"), 404, "ticket-not-found")

    # The target's requester does not learn the duplicate either.
    assert ok(walt_client.get(f"/tickets/{theirs['id']}/links")) == []
    assert ok(walt_client.get(f"/tickets/{related['id']}/links")) == []
    comments = ok(walt_client.get(f"/tickets/{theirs['id']}/comments"))
    assert [(c["copied_from"], c["body"]) for c in comments] == [(HIDDEN_TICKET, "Since 9 am")]
    history = ok(walt_client.get(f"/tickets/{theirs['id']}/history"))
    assert [e["kind"] for e in history] == ["created"]
    for path in ("", "/comments", "/history", "/links"):
        got = walt_client.get(f"/tickets/{theirs['id']}{path}")
        assert mine["number"] not in got.text


def test_a_merge_between_an_end_user_s_own_tickets_shows_the_number(
    api: Api, admin: httpx.Client
) -> None:
    xena = api.user("xena")
    xena_client = api.client(api.token(xena))
    first = _new(xena_client, title="VPN drops")
    second = _new(xena_client, title="VPN drops again")
    ok(admin.post(f"/tickets/{second['id']}/merge", json={"into": first["id"]}))
    links = ok(xena_client.get(f"/tickets/{second['id']}/links"))
    assert links == [{"kind": "merged_into", "ticket": first["number"]}]
    detail = ok(xena_client.get(f"/tickets/{second['id']}"))
    assert detail["resolution_note"] == f"Duplicate of {first['number']}"


def test_an_end_user_s_unknown_assignee_is_an_empty_page_not_an_error(
    api: Api, admin: httpx.Client
) -> None:
    yuri = api.user("yuri")
    yuri_client = api.client(api.token(yuri))
    busy = api.user("busy", role="technician")
    api.user("idle", role="technician")
    api.user("zoe")  # an end user: never an assignee
    assigned = _new(admin, requester_id=yuri.id, assignee_id=busy.id, title="Assigned")
    _new(admin, requester_id=yuri.id, title="Unassigned")
    empty: dict[str, Any] = {"items": [], "next_cursor": None}

    known = ok(yuri_client.get("/tickets", params={"assignee": "busy"}))
    assert [t["number"] for t in known["items"]] == [assigned["number"]]
    for name in ("idle", "zoe", "nobody", "NoBody", "999999", "9" * 30, "x" * 64):
        cases: list[dict[str, Any]] = [
            {"assignee": name},
            {"assignee": name, "status": "open", "sort": "priority", "limit": 1},
            {"assignee": name, "requester": "yuri", "text": "assigned"},
        ]
        for params in cases:
            got = yuri_client.get("/tickets", params=params)
            assert ok(got) == empty, (name, params)
        # A bad cursor is refused alike, whoever the name is.
        bad = yuri_client.get("/tickets", params={"assignee": name, "cursor": "x"})
        problem(bad, 422, "invalid-cursor")

    # Staff are told plainly that a name is no one's.
    tech = api.as_new("tara", role="technician")
    for staff in (tech, admin):
        for name in ("nobody", "999999", "9" * 30):
            got = staff.get("/tickets", params={"assignee": name})
            assert "does not exist" in problem(got, 404, "user-not-found")["detail"]
        assert ok(staff.get("/tickets", params={"assignee": "idle"})) == empty
