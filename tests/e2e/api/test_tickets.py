"""The tickets API over real HTTP on SQLite and PostgreSQL: the queue, its rules and its roles."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.live_server import Api

PROBLEM = "application/problem+json"
NOT_FOUND = "urn:itsm:problem:ticket-not-found"
SECRET = "zebracorn"  # only ever written in internal notes


def _new(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "Printer jammed", "category": "hardware"} | fields
    got = client.post("/tickets", json=body)
    assert got.status_code == 201, got.text
    data: dict[str, Any] = got.json()
    return data


def _problem(got: httpx.Response, status: int, type_slug: str) -> dict[str, Any]:
    assert got.status_code == status, got.text
    assert got.headers["content-type"] == PROBLEM
    body: dict[str, Any] = got.json()
    assert body["type"] == f"urn:itsm:problem:{type_slug}"
    return body


def _ok(got: httpx.Response, status: int = 200) -> Any:
    assert got.status_code == status, got.text
    return got.json()


def test_staff_open_a_ticket_and_read_it_by_id_or_number(api: Api, admin: httpx.Client) -> None:
    carol = api.user("carol")
    tech = api.user("tess", role="technician")
    got = admin.post(
        "/tickets",
        json={
            "title": "  VPN drops every hour ",
            "description": "Since Monday.",
            "category": "network",
            "priority": "high",
            "requester_id": carol.id,
            "assignee_id": tech.id,
        },
    )
    created = _ok(got, 201)
    assert got.headers["location"] == f"/tickets/{created['number']}"
    assert created["title"] == "VPN drops every hour"
    assert created["requester"] == "carol"
    assert created["assignee"] == "tess"
    assert created["source"] == "api"
    assert created["status"] == "open"
    assert created["resolution_due_at"] is not None  # the SLA clock started
    by_id = _ok(admin.get(f"/tickets/{created['id']}"))
    by_number = _ok(admin.get(f"/tickets/{created['number'].lower()}"))
    assert by_id == by_number == created
    events = _ok(admin.get(f"/tickets/{created['id']}/history"))
    assert [e["kind"] for e in events] == ["created", "assigned"]
    assert events[0]["actor"] == "root"


def test_end_users_open_tickets_for_themselves_only(api: Api) -> None:
    dave = api.as_new("dave")
    erin = api.user("erin")
    tech = api.user("tom", role="technician")
    mine = _new(dave, title="Mouse broken")
    assert mine["requester"] == "dave"
    assert mine["assignee"] is None
    assert mine["source"] == "api"
    for_other = dave.post(
        "/tickets", json={"title": "x", "category": "other", "requester_id": erin.id}
    )
    assert "only for themselves" in _problem(for_other, 403, "forbidden")["detail"]
    assigned = dave.post(
        "/tickets", json={"title": "x", "category": "other", "assignee_id": tech.id}
    )
    _problem(assigned, 403, "forbidden")


def test_pages_follow_the_cursor_to_the_end(api: Api, admin: httpx.Client) -> None:
    numbers = [_new(admin, title=f"Ticket {n}")["number"] for n in range(7)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = _ok(admin.get("/tickets", params=params))
        pages += 1
        seen += [t["number"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(numbers))  # newest first, none twice, none lost
    oldest = _ok(admin.get("/tickets", params={"sort": "oldest", "limit": 4}))
    assert [t["number"] for t in oldest["items"]] == numbers[:4]
    rest = _ok(
        admin.get(
            "/tickets", params={"sort": "oldest", "limit": 4, "cursor": oldest["next_cursor"]}
        )
    )
    assert [t["number"] for t in rest["items"]] == numbers[4:]
    assert rest["next_cursor"] is None
    wrong_sort = admin.get("/tickets", params={"sort": "newest", "cursor": oldest["next_cursor"]})
    assert "another sort order" in _problem(wrong_sort, 422, "invalid-cursor")["detail"]
    forged = admin.get("/tickets", params={"cursor": "not-a-cursor"})
    _problem(forged, 422, "invalid-cursor")


def _walk(client: httpx.Client, **params: Any) -> list[str]:
    """The numbers of every page of the list, cursor after cursor."""
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = _ok(client.get("/tickets", params=params | ({"cursor": cursor} if cursor else {})))
        assert len(page["items"]) <= params["limit"]
        seen += [t["number"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


def test_every_sort_pages_through_what_the_caller_may_see(api: Api, admin: httpx.Client) -> None:
    nina = api.user("nina")
    nina_client = api.client(api.token(nina))
    omar = api.user("omar")
    priorities = ["critical", "high", "medium", "low"]
    made = [
        _new(
            admin,
            title=f"Problem {n}",
            priority=priorities[n % 4],
            requester_id=(nina if n % 2 == 0 else omar).id,
        )
        for n in range(9)
    ]
    order = {
        "oldest": made,
        "newest": made[::-1],
        "priority": sorted(made, key=lambda t: priorities.index(t["priority"])),  # stable
    }
    for sort, tickets in order.items():
        everyone = [t["number"] for t in tickets]
        for limit in (2, 4, 20):
            assert _walk(admin, sort=sort, limit=limit) == everyone
            own = [t["number"] for t in tickets if t["requester"] == "nina"]
            assert _walk(nina_client, sort=sort, limit=limit) == own
            picked = [t["number"] for t in tickets if t["priority"] in ("high", "low")]
            assert _walk(admin, sort=sort, limit=limit, priority=["high", "low"]) == picked


def test_list_filters_match_the_cli(api: Api, admin: httpx.Client) -> None:
    tech = api.user("tina", role="technician")
    frank = api.user("frank")
    a = _new(admin, title="Disk full", priority="critical", requester_id=frank.id)
    b = _new(admin, title="Password reset", category="account", priority="low")
    c = _new(admin, title="Wifi slow", category="network", assignee_id=tech.id)
    _ok(admin.post(f"/tickets/{b['id']}/status", json={"status": "resolved", "note": "Reset."}))

    def numbers(**params: Any) -> set[str]:
        return {t["number"] for t in _ok(admin.get("/tickets", params=params))["items"]}

    assert numbers(status="resolved") == {b["number"]}
    assert numbers(status=["open", "resolved"]) == {a["number"], b["number"], c["number"]}
    assert numbers(active=True) == {a["number"], c["number"]}
    assert numbers(priority=["critical", "low"]) == {a["number"], b["number"]}
    assert numbers(category="network") == {c["number"]}
    assert numbers(assignee="tina") == {c["number"]}
    assert numbers(assignee=str(tech.id)) == {c["number"]}
    d = _new(
        admin,
        title="Printer jam",
        category="hardware",
        assignee_id=api.user("omar", role="technician").id,
    )
    assert numbers(assignee=["tina", "omar"]) == {c["number"], d["number"]}
    assert numbers(assignee=["omar"]) == {d["number"]}
    assert numbers(unassigned=True) == {a["number"], b["number"]}
    _problem(admin.get("/tickets", params={"assignee": ["tina", "nobody"]}), 404, "user-not-found")
    assert numbers(requester="frank") == {a["number"]}
    assert numbers(text="disk") == {a["number"]}
    assert numbers(text="wifi", category="hardware") == set()
    unknown = admin.get("/tickets", params={"assignee": "nobody"})
    _problem(unknown, 404, "user-not-found")


def test_invalid_enums_name_the_field_and_what_is_allowed(admin: httpx.Client) -> None:
    listed = _problem(admin.get("/tickets", params={"status": "opened"}), 422, "invalid-input")
    assert listed["errors"][0]["field"] == "status"
    assert "allowed: open, in_progress, pending, resolved, closed" in listed["detail"]
    created = admin.post("/tickets", json={"title": "x", "category": "furniture"})
    body = _problem(created, 422, "invalid-input")
    assert body["errors"][0]["field"] == "category"
    assert "allowed: hardware, software, network, account, other" in body["detail"]
    ticket = _new(admin)
    moved = admin.post(f"/tickets/{ticket['id']}/status", json={"status": "done"})
    assert "allowed: open, in_progress" in _problem(moved, 422, "invalid-input")["detail"]
    sort = _problem(admin.get("/tickets", params={"sort": "random"}), 422, "invalid-input")
    assert "allowed: newest, oldest, priority" in sort["detail"]


@pytest.mark.parametrize(
    "ref",
    ["999999", "TKT-20000101-9999", "nonsense", "99999999999999999999", "²", "0", "a%00b"],
)
def test_unknown_tickets_are_404_problems(admin: httpx.Client, ref: str) -> None:
    for path in ("", "/comments", "/history", "/links"):
        got = admin.get(f"/tickets/{ref}{path}")
        assert "does not exist" in _problem(got, 404, "ticket-not-found")["detail"]
    patched = admin.patch(f"/tickets/{ref}", json={"priority": "low"})
    _problem(patched, 404, "ticket-not-found")


def test_lifecycle_rules_are_conflicts_or_invalid_input(admin: httpx.Client) -> None:
    ticket = _new(admin)
    ref = ticket["id"]
    no_note = admin.post(f"/tickets/{ref}/status", json={"status": "resolved"})
    assert "resolution note" in _problem(no_note, 422, "invalid-input")["detail"]
    closed = admin.post(f"/tickets/{ref}/status", json={"status": "closed", "note": "Dup."})
    assert _ok(closed)["closed_at"] is not None
    back = admin.post(f"/tickets/{ref}/status", json={"status": "in_progress"})
    body = _problem(back, 409, "invalid-transition")
    assert "allowed from closed: open" in body["detail"]
    reopened = _ok(admin.post(f"/tickets/{ref}/status", json={"status": "open"}))
    assert reopened["closed_at"] is None


def test_oversized_and_empty_text_is_refused(admin: httpx.Client) -> None:
    long_title = admin.post("/tickets", json={"title": "x" * 201, "category": "other"})
    body = _problem(long_title, 422, "invalid-input")
    assert body["errors"][0]["field"] == "title"
    assert "at most 200 characters" in body["detail"]
    huge = "é" * 40_000  # 80,000 bytes
    big = admin.post("/tickets", json={"title": "x", "category": "other", "description": huge})
    assert "over 64 KiB" in _problem(big, 422, "invalid-input")["detail"]
    blank = admin.post("/tickets", json={"title": "   ", "category": "other"})
    assert "must not be empty" in _problem(blank, 422, "invalid-input")["detail"]
    nul = admin.post("/tickets", json={"title": "a\x00b", "category": "other"})
    assert "NUL" in _problem(nul, 422, "invalid-input")["detail"]
    ticket = _new(admin)
    comment = admin.post(f"/tickets/{ticket['id']}/comments", json={"body": "y" * 70_000})
    assert "over 64 KiB" in _problem(comment, 422, "invalid-input")["detail"]
    extra = admin.post("/tickets", json={"title": "x", "category": "other", "source": "email"})
    assert "unknown field 'source'" in _problem(extra, 422, "invalid-input")["detail"]
    many = admin.get("/tickets", params={"limit": 501})
    assert _problem(many, 422, "invalid-input")["errors"][0]["field"] == "limit"


def test_staff_work_a_ticket_and_the_audit_trail_records_it(api: Api, admin: httpx.Client) -> None:
    tech = api.user("terry", role="technician")
    ticket = _new(admin, title="Laptop fan noisy")
    ref = ticket["number"]
    patched = _ok(admin.patch(f"/tickets/{ref}", json={"priority": "high", "title": "Fan noisy"}))
    assert (patched["priority"], patched["title"]) == ("high", "Fan noisy")
    assigned = _ok(admin.post(f"/tickets/{ref}/assign", json={"assignee": "terry"}))
    assert assigned["assignee_id"] == tech.id
    by_id = _ok(admin.post(f"/tickets/{ref}/assign", json={"assignee": tech.id}))
    assert by_id["assignee"] == "terry"
    user = api.user("ulla")
    not_staff = admin.post(f"/tickets/{ref}/assign", json={"assignee": user.id})
    _problem(not_staff, 422, "not-staff")
    _ok(admin.post(f"/tickets/{ref}/status", json={"status": "in_progress"}))
    note = _ok(
        admin.post(
            f"/tickets/{ref}/comments",
            json={"body": "Ordered a fan.", "is_internal": True, "time_spent_minutes": 15},
        ),
        201,
    )
    assert note["is_internal"] is True
    assert note["author"] == "root"
    resolved = _ok(
        admin.post(f"/tickets/{ref}/status", json={"status": "resolved", "note": "Fan replaced."})
    )
    assert resolved["resolution_note"] == "Fan replaced."
    unassigned = _ok(admin.post(f"/tickets/{ref}/assign", json={"assignee": None}))
    assert unassigned["assignee"] is None
    comments = _ok(admin.get(f"/tickets/{ref}/comments"))
    assert [c["body"] for c in comments] == ["Ordered a fan."]
    history = _ok(admin.get(f"/tickets/{ref}/history"))
    kinds = [(e["kind"], e["field"], e["new_value"]) for e in history]
    assert kinds == [
        ("created", None, ref),
        ("field_changed", "title", "Fan noisy"),
        ("field_changed", "priority", "high"),
        ("assigned", "assignee", "terry"),
        ("status_changed", "status", "in_progress"),
        ("commented", "internal", str(note["id"])),
        ("status_changed", "status", "resolved"),
        ("field_changed", "resolution_note", "Fan replaced."),
        ("assigned", "assignee", None),
    ]
    assert {e["actor"] for e in history} == {"root"}


def test_search_counts_every_match_and_ranks_them(admin: httpx.Client) -> None:
    for n in range(5):
        _new(admin, title=f"Outlook crashes {n}", category="software")
    other = _new(admin, title="Keyboard", description="After the outlook update it types twice")
    _new(admin, title="Unrelated")
    found = _ok(admin.get("/tickets/search", params={"q": "outlook", "limit": 2}))
    assert found["total"] == 6
    assert len(found["items"]) == 2
    assert all(hit["score"] > 0 for hit in found["items"])
    assert found["items"][0]["title"].startswith("Outlook")  # a title match ranks first
    everything = _ok(admin.get("/tickets/search", params={"q": "outlook", "limit": 50}))
    assert other["number"] in {hit["number"] for hit in everything["items"]}
    wordless = admin.get("/tickets/search", params={"q": "!!!"})
    assert "no words" in _problem(wordless, 422, "invalid-input")["detail"]
    assert _problem(admin.get("/tickets/search"), 422, "invalid-input")["errors"][0] == {
        "field": "q",
        "message": "q is required",
    }


def test_stats_count_the_queue_for_staff(api: Api, admin: httpx.Client) -> None:
    _new(admin, priority="high")
    _new(admin, category="network")
    stats = _ok(admin.get("/tickets/stats"))
    assert stats["total"] == 2
    assert stats["active"] == 2
    assert stats["unassigned_active"] == 2
    assert stats["by_priority"] == {"high": 1, "medium": 1}
    assert stats["by_category"] == {"hardware": 1, "network": 1}
    _problem(api.as_new("ursula").get("/tickets/stats"), 403, "forbidden")


def test_merge_link_and_rate(api: Api, admin: httpx.Client) -> None:
    vera = api.user("vera")
    vera_client = api.client(api.token(vera))
    tech = api.as_new("theo", role="technician")
    first = _new(admin, requester_id=vera.id, title="Screen flickers")
    second = _new(admin, title="Screen flickering again")
    third = _new(admin, title="Monitor cable")
    links = _ok(admin.post(f"/tickets/{first['id']}/links", json={"other": third["number"]}))
    assert links == [{"kind": "related", "ticket": third["number"]}]
    again = _ok(admin.post(f"/tickets/{first['id']}/links", json={"other": third["id"]}))
    assert again == links  # idempotent
    assert _ok(admin.get(f"/tickets/{third['id']}/links")) == [
        {"kind": "related", "ticket": first["number"]}
    ]
    self_link = admin.post(f"/tickets/{first['id']}/links", json={"other": first["id"]})
    _problem(self_link, 422, "invalid-input")
    kept = _ok(admin.post(f"/tickets/{second['id']}/merge", json={"into": first["id"]}))
    assert kept["number"] == first["number"]
    duplicate = _ok(admin.get(f"/tickets/{second['id']}"))
    assert duplicate["status"] == "closed"
    again_merge = admin.post(f"/tickets/{second['id']}/merge", json={"into": first["id"]})
    _problem(again_merge, 409, "invalid-transition")

    unresolved = vera_client.post(f"/tickets/{first['id']}/rating", json={"rating": 5})
    _problem(unresolved, 409, "invalid-transition")
    _ok(admin.post(f"/tickets/{first['id']}/status", json={"status": "resolved", "note": "Cable."}))
    not_requester = tech.post(f"/tickets/{first['id']}/rating", json={"rating": 1})
    _problem(not_requester, 403, "forbidden")
    out_of_range = vera_client.post(f"/tickets/{first['id']}/rating", json={"rating": 6})
    assert _problem(out_of_range, 422, "invalid-input")["errors"][0]["field"] == "rating"
    rated = _ok(
        vera_client.post(f"/tickets/{first['id']}/rating", json={"rating": 4, "comment": "Quick"})
    )
    assert (rated["satisfaction_rating"], rated["satisfaction_comment"]) == (4, "Quick")
    twice = vera_client.post(f"/tickets/{first['id']}/rating", json={"rating": 5})
    _problem(twice, 409, "conflict")


def test_end_users_see_only_their_own_tickets(api: Api, admin: httpx.Client) -> None:
    wendy = api.user("wendy")
    xavier = api.user("xavier")
    wendy_client = api.client(api.token(wendy))
    mine = _new(wendy_client, title="My printer is offline")
    theirs = _new(admin, requester_id=xavier.id, title="Their printer is offline")
    listed = _ok(wendy_client.get("/tickets"))
    assert [t["number"] for t in listed["items"]] == [mine["number"]]
    assert (
        _ok(wendy_client.get("/tickets", params={"requester": "wendy"}))["items"] == listed["items"]
    )
    others = wendy_client.get("/tickets", params={"requester": "xavier"})
    _problem(others, 403, "forbidden")
    found = _ok(wendy_client.get("/tickets/search", params={"q": "printer"}))
    assert found["total"] == 1
    assert [t["number"] for t in found["items"]] == [mine["number"]]
    assert _ok(wendy_client.get(f"/tickets/{mine['number']}"))["id"] == mine["id"]

    hidden = _problem(wendy_client.get(f"/tickets/{theirs['id']}"), 404, "ticket-not-found")
    missing = _problem(wendy_client.get("/tickets/999999"), 404, "ticket-not-found")
    assert hidden.keys() == missing.keys()
    assert hidden["detail"] == f"ticket '{theirs['id']}' does not exist" + (
        " (give an id or a TKT-YYYYMMDD-NNNN number)"
    )
    for ref in (theirs["id"], theirs["number"]):
        for path in ("/comments", "/history", "/links"):
            _problem(wendy_client.get(f"/tickets/{ref}{path}"), 404, "ticket-not-found")
        comment = wendy_client.post(f"/tickets/{ref}/comments", json={"body": "me too"})
        _problem(comment, 404, "ticket-not-found")
        rating = wendy_client.post(f"/tickets/{ref}/rating", json={"rating": 1})
        _problem(rating, 404, "ticket-not-found")
    # Staff-only changes are refused for the role, before any lookup: 403 whatever the ticket.
    for ref in (mine["id"], theirs["id"], 999999):
        _problem(wendy_client.patch(f"/tickets/{ref}", json={"priority": "low"}), 403, "forbidden")
        status = wendy_client.post(f"/tickets/{ref}/status", json={"status": "closed"})
        _problem(status, 403, "forbidden")
        assign = wendy_client.post(f"/tickets/{ref}/assign", json={"assignee": None})
        _problem(assign, 403, "forbidden")
        merge = wendy_client.post(f"/tickets/{ref}/merge", json={"into": 1})
        _problem(merge, 403, "forbidden")
        link = wendy_client.post(f"/tickets/{ref}/links", json={"other": 1})
        _problem(link, 403, "forbidden")
    public = _ok(
        wendy_client.post(f"/tickets/{mine['id']}/comments", json={"body": "Still off"}), 201
    )
    assert public["is_internal"] is False


def test_internal_notes_never_reach_end_users(api: Api, admin: httpx.Client) -> None:
    yara = api.user("yara")
    yara_client = api.client(api.token(yara))
    ticket = _new(admin, requester_id=yara.id, title="Laptop battery")
    ref = ticket["id"]
    _ok(admin.post(f"/tickets/{ref}/comments", json={"body": "Replacing it."}), 201)
    _ok(
        admin.post(
            f"/tickets/{ref}/comments",
            json={"body": f"Her {SECRET} was dropped", "is_internal": True},
        ),
        201,
    )
    # A merged duplicate brings its internal notes along, still internal.
    dup = _new(admin, requester_id=yara.id, title="Battery again")
    _ok(
        admin.post(
            f"/tickets/{dup['id']}/comments",
            json={"body": f"{SECRET} again", "is_internal": True},
        ),
        201,
    )
    _ok(admin.post(f"/tickets/{dup['id']}/merge", json={"into": ref}))

    staff_view = _ok(admin.get(f"/tickets/{ref}/comments"))
    assert sum(SECRET in c["body"] for c in staff_view) == 2
    assert _ok(admin.get("/tickets/search", params={"q": SECRET}))["total"] == 2

    responses = [
        yara_client.get(f"/tickets/{ref}"),
        yara_client.get(f"/tickets/{ref}/comments"),
        yara_client.get(f"/tickets/{ref}/history"),
        yara_client.get(f"/tickets/{ref}/links"),
        yara_client.get(f"/tickets/{dup['id']}/comments"),
        yara_client.get(f"/tickets/{dup['id']}/history"),
        yara_client.get("/tickets"),
        yara_client.get("/tickets", params={"text": SECRET}),
        yara_client.get("/tickets/search", params={"q": SECRET}),
        yara_client.get("/tickets/search", params={"q": "battery"}),
    ]
    for got in responses:
        assert got.status_code == 200, got.text
        assert SECRET not in got.text
    comments = responses[1].json()
    assert [c["body"] for c in comments] == ["Replacing it."]
    assert all(not c["is_internal"] for c in comments)
    history = responses[2].json()
    assert [e["field"] for e in history if e["kind"] == "commented"] == ["public"]
    assert responses[7].json()["items"] == []
    assert responses[8].json() == {"total": 0, "items": []}
    assert responses[9].json()["total"] == 2

    internal = yara_client.post(f"/tickets/{ref}/comments", json={"body": "x", "is_internal": True})
    assert "internal notes" in _problem(internal, 403, "forbidden")["detail"]
    timed = yara_client.post(
        f"/tickets/{ref}/comments", json={"body": "x", "time_spent_minutes": 5}
    )
    _problem(timed, 403, "forbidden")


def test_agent_tokens_cannot_touch_tickets(api: Api) -> None:
    from itsm.accounts.models import TokenKind

    owner = api.user("collector", role="admin")
    agent = api.client(api.token(owner, kind=TokenKind.AGENT))
    for method, path, body in [
        ("GET", "/tickets", None),
        ("POST", "/tickets", {"title": "x", "category": "other"}),
        ("GET", "/tickets/1", None),
        ("GET", "/tickets/search?q=x", None),
        ("GET", "/tickets/stats", None),
    ]:
        got = agent.request(method, path, content=json.dumps(body) if body else None)
        _problem(got, 403, "forbidden")
    _problem(api.client().get("/tickets"), 401, "unauthenticated")


def test_the_ticket_reads_record_and_check_the_token(api: Api) -> None:
    """GET one ticket and the list record the token's use and refuse a token that no
    longer works, as every route does."""
    from sqlalchemy import select, update

    from itsm.accounts.models import ApiToken
    from itsm.db.base import utcnow
    from itsm.users.models import User

    tess = api.user("tessa", role="technician")
    secret = api.token(tess)
    reader = api.client(secret)
    ticket = _new(reader)
    mine = update(ApiToken).where(ApiToken.user_id == tess.id)
    for path in (f"/tickets/{ticket['id']}", f"/tickets/{ticket['number']}", "/tickets"):
        with api.session() as session:
            session.execute(mine.values(last_used_at=None))
        assert _ok(reader.get(path))
        with api.session() as session:
            used = session.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == tess.id))
        assert used is not None  # the usage timestamp is recorded by the reads too
    _problem(api.client("itsm_wrong").get(f"/tickets/{ticket['id']}"), 401, "bad-credentials")
    with api.session() as session:
        session.execute(update(User).where(User.id == tess.id).values(is_active=False))
    for path in (f"/tickets/{ticket['id']}", "/tickets"):
        assert "deactivated" in _problem(reader.get(path), 401, "bad-credentials")["detail"]
    with api.session() as session:
        session.execute(update(User).where(User.id == tess.id).values(is_active=True))
        session.execute(mine.values(revoked_at=utcnow()))
    for path in (f"/tickets/{ticket['id']}", "/tickets"):
        assert "revoked" in _problem(reader.get(path), 401, "bad-credentials")["detail"]


#: Requests whose parameters (or body) are invalid, on routes of every router.
_INVALID: list[tuple[str, str, dict[str, Any], Any]] = [
    ("GET", "/tickets", {"limit": 0}, None),
    ("GET", "/tickets", {"status": "opened", "sort": "random"}, None),
    ("GET", "/tickets/" + "9" * 65, {}, None),
    ("GET", "/tickets/search", {}, None),
    ("GET", "/tickets/search", {"q": "printer", "limit": 0}, None),
    ("GET", "/users", {"role": "boss"}, None),
    ("GET", "/kb/articles", {"limit": 0}, None),
    ("GET", "/inventory/assets", {"limit": 0}, None),
    ("GET", "/diagnostics/reports", {"since": "yesterday"}, None),
    ("POST", "/tickets", {}, {"title": "x", "category": "furniture"}),
]


def test_the_caller_is_checked_before_the_parameters(api: Api, admin: httpx.Client) -> None:
    """Every route finds the caller first (FastAPI solves a route's dependencies before
    it validates the route's own parameters): without a valid token, missing or wrong,
    invalid parameters get the 401, and only a known caller learns what is allowed."""
    for method, path, params, body in _INVALID:
        got = admin.request(method, path, params=params, json=body)
        assert got.status_code == 422, (path, params, got.text)
        for token, slug in ((None, "unauthenticated"), ("itsm_wrong", "bad-credentials")):
            got = api.client(token).request(method, path, params=params, json=body)
            _problem(got, 401, slug)
