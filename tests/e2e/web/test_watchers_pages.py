"""Watchers on the web pages, over real HTTP on both databases: the technician copies
someone from the ticket's page (plain form and htmx, refusals in the page's words), the
watcher finds the ticket under "Tickets I'm copied on", reads its public timeline
only and may leave; the requester copies and removes colleagues on their page."""

from __future__ import annotations

from itsm.accounts import password_change
from itsm.tickets import creation, watchers
from itsm.tickets import service as tickets
from itsm.tickets.models import Category, Source
from itsm.tickets.schemas import CommentCreate, TicketCreate
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.e2e.web.support import Browser
from tests.live_server import Api

PASSWORD = "correct horse battery"
HTMX = {"HX-Request": "true"}
NOTE = "NOTA-INTERNA-SECRETA"


def _seed(api: Api) -> str:
    with api.session() as session:
        for name, full, role in [
            ("ana", "Ana Pérez", "user"),
            ("cora", "Cora <b>Ruiz</b>", "user"),
            ("dani", "Dani", "user"),
            ("tere", "Tere", "technician"),
        ]:
            users.create_user(session, data=UserCreate(username=name, full_name=full, role=role))
            password_change.set_password(
                session, ref=name, password=password_change.new_password(PASSWORD)
            )
        agent = UserCreate(username="itsm-agent", full_name="Diagnostics agent")
        users.create_user(session, data=agent, system=True)
        ana = users.get_user(session, ref="ana")
        data = TicketCreate(
            title="Proyector roto",
            category=Category.HARDWARE,
            requester_id=ana.id,
            source=Source.WEB,
        )
        ticket = creation.create_ticket(session, data=data, actor=ana, zone=api.settings.zone)
        note = CommentCreate(body=NOTE, is_internal=True)
        tickets.add_comment(session, ref=ticket.id, data=note, actor=None)
        return ticket.number


def _names(api: Api, number: str) -> list[str]:
    with api.session() as session:
        ticket = tickets.get_ticket(session, ref=number)
        return [u.username for u in watchers.watchers_of(session, ticket)]


def _browser(api: Api, name: str) -> tuple[Browser, str]:
    browser = Browser(api)
    assert browser.login(name, PASSWORD).status_code == 303
    return browser, browser.csrf()


def test_staff_copy_someone_and_the_watcher_sees_the_public_ticket(api: Api) -> None:
    number = _seed(api)
    tere, token = _browser(api, "tere")
    added = tere.post(f"/tickets/{number}/watch", {"csrf_token": token, "user": "cora"})
    assert added.status_code == 303
    assert added.headers["location"] == f"/tickets/{number}?done=watch#desk"
    page = tere.get(f"/tickets/{number}?done=watch")
    assert "Persona añadida en copia." in page.text
    assert "Cora &lt;b&gt;Ruiz&lt;/b&gt; (cora)" in page.text  # escaped
    assert "Cora <b>" not in page.text
    # Refusals, in the page's words, with nothing written.
    for user, status, words in [
        ("nadie", 404, "Nadie tiene ese nombre de usuario."),
        ("itsm-agent", 422, "Esa cuenta no puede estar en copia de incidencias"),
    ]:
        got = tere.post(
            f"/tickets/{number}/watch", {"csrf_token": token, "user": user}, headers=HTMX
        )
        assert got.status_code == status
        assert got.headers["hx-retarget"] == "#problem-watch"
        assert words in got.text
    assert _names(api, number) == ["cora"]

    cora, cora_token = _browser(api, "cora")
    mine = cora.get("/tickets")
    assert "Incidencias en las que estoy en copia" in mine.text
    assert number in mine.text
    seen = cora.get(f"/tickets/{number}")
    assert seen.status_code == 200
    assert "Proyector roto" in seen.text
    assert NOTE not in seen.text
    assert "Dejar de seguir" in seen.text
    # A watcher may not copy others in; they may leave, and then the ticket is gone.
    refused = cora.post(f"/tickets/{number}/watch", {"csrf_token": cora_token, "user": "dani"})
    assert refused.status_code == 403
    left = cora.post(f"/tickets/{number}/unwatch", {"csrf_token": cora_token, "user": "cora"})
    assert left.status_code == 303
    assert left.headers["location"] == "/tickets"
    assert cora.get(f"/tickets/{number}").status_code == 404
    assert _names(api, number) == []


def test_the_requester_copies_and_removes_colleagues(api: Api) -> None:
    number = _seed(api)
    ana, token = _browser(api, "ana")
    page = ana.get(f"/tickets/{number}")
    assert "Nadie está en copia de esta incidencia." in page.text
    added = ana.post(f"/tickets/{number}/watch", {"csrf_token": token, "user": "dani"})
    assert added.status_code == 303
    assert added.headers["location"] == f"/tickets/{number}#watchers"
    assert _names(api, number) == ["dani"]
    assert "Dani" in ana.get(f"/tickets/{number}").text
    removed = ana.post(f"/tickets/{number}/unwatch", {"csrf_token": token, "user": "dani"})
    assert removed.status_code == 303
    assert _names(api, number) == []
    # Someone who does not see the ticket is told it does not exist.
    dani, dani_token = _browser(api, "dani")
    got = dani.post(f"/tickets/{number}/watch", {"csrf_token": dani_token, "user": "dani"})
    assert got.status_code == 404
