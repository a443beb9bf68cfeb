"""Over real HTTP on SQLite and PostgreSQL: what a merge copies into an end user's ticket
gives nothing of the duplicate away. Its comments arrive with the duplicate's number in
``copied_from`` (outside the searched body), written by the duplicate's requester; the
end user can neither find that number, or a part of it, by searching (nor with the
list's ``text`` filter) nor read that number or that person's name. Staff see both.
"""

from __future__ import annotations

from typing import Any

import httpx

from itsm.tickets import service
from itsm.tickets.schemas import CommentCreate
from itsm.tickets.visibility import HIDDEN_TICKET
from itsm.users import service as users
from tests.e2e.api.support import ok, problem
from tests.live_server import Api

EMPTY_SEARCH: dict[str, Any] = {"total": 0, "items": []}
EMPTY_PAGE: dict[str, Any] = {"items": [], "next_cursor": None}


def _new(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "Printer jammed", "category": "hardware"} | fields
    data: dict[str, Any] = ok(client.post("/tickets", json=body), 201)
    return data


def _found(client: httpx.Client, q: str) -> set[str]:
    """Numbers of the tickets a search finds; its total must agree."""
    body = ok(client.get("/tickets/search", params={"q": q}))
    assert body["total"] == len(body["items"]), body
    return {t["number"] for t in body["items"]}


def _listed(client: httpx.Client, text: str) -> set[str]:
    return {t["number"] for t in ok(client.get("/tickets", params={"text": text}))["items"]}


def _merged(api: Api, admin: httpx.Client) -> dict[str, Any]:
    """Walt's ticket merged into Vera's: Vera's holds Walt's comment, copied from his."""
    vera, walt = api.user("vera"), api.user("walt")
    clients = {"vera": api.client(api.token(vera)), "walt": api.client(api.token(walt))}
    tech = api.as_new("theo", role="technician")
    mine = _new(clients["vera"], title="Mail is slow")
    other = _new(clients["vera"], title="Calendar is slow")
    theirs = _new(clients["walt"], title="Exchange is down")
    ok(clients["walt"].post(f"/tickets/{theirs['id']}/comments", json={"body": "Since 9 am"}), 201)
    ok(clients["vera"].post(f"/tickets/{mine['id']}/comments", json={"body": "Me too"}), 201)
    ok(tech.post(f"/tickets/{theirs['id']}/merge", json={"into": mine["number"]}))
    ok(tech.post(f"/tickets/{mine['id']}/comments", json={"body": "Looking into it"}), 201)
    # Vera names her own other ticket in a comment: a number she may open.
    note = {"body": f"Same as {mine['number']}"}
    ok(clients["vera"].post(f"/tickets/{other['id']}/comments", json=note), 201)
    return {"mine": mine, "other": other, "theirs": theirs, "tech": tech, **clients}


def test_an_end_user_cannot_find_a_ticket_merged_into_theirs_by_its_number(
    api: Api, admin: httpx.Client
) -> None:
    seen = _merged(api, admin)
    vera, tech = seen["vera"], seen["tech"]
    mine, other, theirs = seen["mine"]["number"], seen["other"]["number"], seen["theirs"]["number"]
    unknown = "TKT-20000101-9999"  # no such ticket: the answer a hidden one must give
    # A ticket is found by its own number, and by a text naming it (Vera's comment).
    by_number = {theirs: {theirs}, mine: {mine, other}}

    # Staff: the duplicate by its number; the copied comment's origin is no searched text.
    for staff in (tech, admin):
        assert _found(staff, theirs) == by_number[theirs]
        assert _listed(staff, theirs) == by_number[theirs]
        assert _found(staff, unknown) == set()

    # The end user: the number of a ticket she may not open is no word of her query.
    for q in (theirs, theirs.lower(), f" {theirs} ", f"{theirs}, {unknown}", unknown):
        got = vera.get("/tickets/search", params={"q": q})
        assert ok(got) == EMPTY_SEARCH, q
        assert ok(vera.get("/tickets", params={"text": q})) == EMPTY_PAGE, q
    # Nor by its parts, spelt any way: the copy's origin is not in the searched body.
    _, day, counter = theirs.split("-")
    for q in (counter, f"tkt {day} {counter}", f"TKT_{day}_{counter}", f"{day}-{counter}"):
        assert _found(vera, q) == set(), q
        assert _listed(vera, q) == set(), q
    # Other words of the query are looked for as if the number were not there.
    assert _found(vera, f"{theirs} 9 am") == _found(vera, "9 am") == {mine}
    assert _listed(vera, f"{theirs} since") == _listed(vera, "since") == {mine}
    assert _found(vera, f"{theirs} exchange") == set()
    # Her own tickets' numbers are searched as before.
    assert _found(vera, mine) == by_number[mine]
    assert _listed(vera, mine) == by_number[mine]
    assert _found(vera, f"{mine} {theirs}") == by_number[mine]
    # A query that never had a word is still refused, as for staff.
    problem(vera.get("/tickets/search", params={"q": "--"}), 422, "invalid-input")
    # A bad cursor is refused with a hidden number too, like with any text.
    bad = vera.get("/tickets", params={"text": theirs, "cursor": "x"})
    problem(bad, 422, "invalid-cursor")

    # Walt, the duplicate's requester, does not find Vera's ticket by its number either,
    # nor his own closed duplicate by the parts of hers: the merge named her ticket in
    # the link only, not in his ticket's searched texts.
    walt = seen["walt"]
    assert _found(walt, mine) == set()
    assert _found(walt, "slow") == set()
    assert _found(walt, "exchange") == {theirs}
    _, day, count = mine.split("-")
    for q in (count, f"{day} {count}", f"tkt{day}{count}", f"TKT_{day}_{count}", f"{day}-{count}"):
        assert _found(walt, q) == set(), q
        assert _listed(walt, q) == set(), q
    # His own number finds his ticket, whole and in parts, as it does for staff; and
    # staff find each ticket by its own number's parts.
    for client in (walt, tech, admin):
        for q in (theirs, counter, f"{day} {counter}", f"tkt{day}{counter}"):
            assert theirs in _found(client, q), q
    for staff in (tech, admin):
        for q in (count, f"{day} {count}", f"tkt{day}{count}", f"TKT_{day}_{count}"):
            assert mine in _found(staff, q), q


def test_an_end_user_reads_no_other_end_user_s_name_on_their_comments(
    api: Api, admin: httpx.Client
) -> None:
    seen = _merged(api, admin)
    mine, theirs = seen["mine"], seen["theirs"]

    def comments(client: httpx.Client, ticket: dict[str, Any]) -> list[tuple[str | None, str]]:
        got = ok(client.get(f"/tickets/{ticket['id']}/comments"))
        return [
            (c["author"], f"[from {c['copied_from']}] " * bool(c["copied_from"]) + c["body"])
            for c in got
        ]

    for staff in (seen["tech"], admin):
        assert comments(staff, mine) == [
            ("walt", f"[from {theirs['number']}] Since 9 am"),
            ("vera", "Me too"),
            ("theo", "Looking into it"),
        ]
    assert comments(seen["vera"], mine) == [
        (None, f"[from {HIDDEN_TICKET}] Since 9 am"),
        ("vera", "Me too"),
        ("theo", "Looking into it"),
    ]
    assert comments(seen["walt"], theirs) == [("walt", "Since 9 am")]
    assert theirs["number"] not in seen["vera"].get(f"/tickets/{mine['id']}/comments").text
    for path in ("/comments", "/history", ""):
        assert "walt" not in seen["vera"].get(f"/tickets/{mine['id']}{path}").text, path

    # A comment another end user wrote on her ticket (an import, the CLI's --as): its
    # author, and the actor of its audit event, are not named to her either.
    with api.session() as session:
        walt = users.get_user(session, ref="walt")
        body = CommentCreate(body="Written elsewhere")
        service.add_comment(session, ref=mine["id"], data=body, actor=walt)
    assert comments(seen["vera"], mine)[-1] == (None, "Written elsewhere")
    events = ok(seen["vera"].get(f"/tickets/{mine['id']}/history"))
    assert [(e["kind"], e["actor"]) for e in events if e["kind"] == "commented"] == [
        ("commented", "vera"),
        ("commented", "theo"),
        ("commented", None),
    ]
    staff_events = ok(admin.get(f"/tickets/{mine['id']}/history"))
    assert [e["actor"] for e in staff_events if e["kind"] == "commented"] == [
        "vera",
        "theo",
        "walt",
    ]
