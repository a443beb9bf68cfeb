"""The watcher routes over real HTTP on both databases: add (201, then 200 when nothing
changes), list, remove (204, idempotent), what the watcher then sees, and bad input
answered with one problem each, never a 500 (ids past PostgreSQL's INTEGER too)."""

from __future__ import annotations

import httpx

from itsm.db.ids import MAX_ID
from tests.e2e.api.support import invalid, ok, problem
from tests.live_server import Api


def test_watchers_are_added_listed_and_removed(api: Api, admin: httpx.Client) -> None:
    ana = api.as_new("ana")
    cora = api.as_new("cora")
    number = ok(ana.post("/tickets", json={"title": "VPN", "category": "network"}), 201)["number"]
    problem(cora.get(f"/tickets/{number}"), 404, "ticket-not-found")

    added = ok(ana.post(f"/tickets/{number}/watchers", json={"user": "cora"}), 201)
    assert [(w["username"], w["full_name"]) for w in added] == [("cora", "Cora")]
    again = ok(ana.post(f"/tickets/{number}/watchers", json={"user": "CORA"}), 200)
    assert again == added
    # The requester is told everything already: nothing changes.
    assert ok(admin.post(f"/tickets/{number}/watchers", json={"user": "ana"}), 200) == added

    # The watcher sees it, lists it and comments on it; a note stays staff's.
    assert ok(cora.get(f"/tickets/{number}"))["number"] == number
    assert number in [t["number"] for t in ok(cora.get("/tickets"))["items"]]
    ok(
        admin.post(f"/tickets/{number}/comments", json={"body": "SECRETO", "is_internal": True}),
        201,
    )
    ok(cora.post(f"/tickets/{number}/comments", json={"body": "Yo también"}), 201)
    bodies = [c["body"] for c in ok(cora.get(f"/tickets/{number}/comments"))]
    assert bodies == ["Yo también"]
    assert ok(cora.get(f"/tickets/{number}/watchers")) == added

    # Others' watchers are not the watcher's to change; leaving is.
    problem(cora.post(f"/tickets/{number}/watchers", json={"user": "ana"}), 403, "forbidden")
    gone = cora.delete(f"/tickets/{number}/watchers/cora")
    assert gone.status_code == 204, gone.text
    problem(cora.get(f"/tickets/{number}"), 404, "ticket-not-found")
    assert admin.delete(f"/tickets/{number}/watchers/cora").status_code == 204
    assert ok(admin.get(f"/tickets/{number}/watchers")) == []


def test_bad_watcher_input_is_one_clear_problem(api: Api, admin: httpx.Client) -> None:
    number = ok(admin.post("/tickets", json={"title": "VPN", "category": "network"}), 201)["number"]
    invalid(admin.post(f"/tickets/{number}/watchers", json={}), "user", "required")
    invalid(admin.post(f"/tickets/{number}/watchers", json={"user": ""}), "user")
    invalid(admin.post(f"/tickets/{number}/watchers", json={"user": "x", "y": 1}), "y")
    problem(
        admin.post(f"/tickets/{number}/watchers", json={"user": "nobody"}), 404, "user-not-found"
    )
    for far in (MAX_ID + 1, 2**63):
        problem(
            admin.post(f"/tickets/{number}/watchers", json={"user": str(far)}),
            404,
            "user-not-found",
        )
        problem(admin.delete(f"/tickets/{number}/watchers/{far}"), 404, "user-not-found")
        problem(admin.get(f"/tickets/{far}/watchers"), 404, "ticket-not-found")
