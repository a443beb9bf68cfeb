"""The technician's ticket page's event stream over real HTTP on both databases: staff
only, for a ticket that exists, and it tells of that ticket's changes alone."""

from __future__ import annotations

from tests.e2e.api.event_stream import stream
from tests.e2e.web.support import Browser
from tests.live_server import Api

PASSWORD = "correct horse battery"


def _ticket(api: Api, token: str, requester_id: int, title: str) -> tuple[int, str]:
    made = api.client(token).post(
        "/tickets",
        json={
            "title": title,
            "category": "hardware",
            "priority": "low",
            "requester_id": requester_id,
        },
    )
    assert made.status_code == 201, made.text
    return made.json()["id"], made.json()["number"]


def test_the_stream_tells_of_its_ticket_only(api: Api) -> None:
    tina = api.user("tina", role="technician", password=PASSWORD)
    ana = api.user("ana", password=PASSWORD)
    token = api.token(tina)
    watched, number = _ticket(api, token, ana.id, "Impresora")
    other, _ = _ticket(api, token, ana.id, "Pantalla")
    desk = Browser(api)
    assert desk.login("tina", PASSWORD).status_code == 303
    client = api.client(token)
    with stream(desk.client, f"/tickets/{number}/events") as heard:
        said = client.post(f"/tickets/{other}/comments", json={"body": "otra"})
        assert said.status_code == 201
        said = client.post(f"/tickets/{watched}/comments", json={"body": "esta"})
        assert said.status_code == 201
        seen = heard.until("message", kind="ticket.commented", ticket_id=watched)
        assert {e.data.get("ticket_id") for e in seen if e.data["kind"] != "ready"} == {watched}

    requester = Browser(api)
    assert requester.login("ana", PASSWORD).status_code == 303
    assert requester.get(f"/tickets/{number}/events").status_code == 403
    assert desk.get("/tickets/TKT-20000101-9999/events").status_code == 404
    assert desk.get(f"/tickets/{2**40}/events").status_code == 404
