"""Two technicians on one ticket's page in Chromium, on both databases: what one does
(take it, reply) and what the requester does through the API appear on the other's
open page without a reload, and the comment the other was half-way through typing
stays. Synchronised on the DOM (Playwright's expect), never on sleeps."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, Page, expect

from itsm.accounts import password_change
from itsm.accounts import service as accounts
from itsm.accounts.schemas import TokenCreate
from itsm.sla.config import SlaSettings
from itsm.tickets import access
from itsm.tickets.models import Category, Source
from itsm.tickets.schemas import TicketOpen
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.browser.conftest import PASSWORD, VIEWPORTS, Served, browsing, log_in

#: Long enough for a loaded machine; the change is waited for, never slept on.
SHOWN_MS = 15_000


def _seed(served: Served) -> tuple[str, str]:
    """Ana (end user, an API token), Tere and Toni (technicians), Ana's ticket."""
    with served.db.session() as session:
        ana = users.create_user(session, data=UserCreate(username="ana", full_name="Ana Pérez"))
        for name in ("tere", "toni"):
            users.create_user(
                session,
                data=UserCreate(username=name, full_name=name.title(), role="technician"),
            )
            password_change.set_password(
                session, ref=name, password=password_change.new_password(PASSWORD)
            )
        _, secret = accounts.create_token(session, owner=ana, data=TokenCreate(name="test"))
        number = access.open_ticket(
            session,
            data=TicketOpen(title="La impresora no imprime", category=Category.HARDWARE),
            actor=ana,
            source=Source.WEB,
            zone=ZoneInfo("UTC"),
            sla=SlaSettings(),
        ).number
    return number, secret


def _open(page: Page, user: str, number: str) -> None:
    log_in(page, user, PASSWORD)
    page.goto(f"/tickets/{number}")
    expect(page.locator("#desk-live[data-state=live]")).to_have_count(1, timeout=SHOWN_MS)
    page.evaluate("window.pageStayed = true")  # gone if the page reloads


def test_changes_by_others_appear_on_an_open_ticket_page(
    served: Served, chromium: Browser, backend: str
) -> None:
    number, ana_token = _seed(served)
    errors: list[str] = []
    with (
        browsing(chromium, served, VIEWPORTS["desktop"]) as tere,
        browsing(chromium, served, VIEWPORTS["desktop"]) as toni,
    ):
        tere.on("pageerror", lambda error: errors.append(str(error)))
        _open(tere, "tere", number)
        _open(toni, "toni", number)
        facts = tere.locator("#desk-facts")
        expect(facts).to_contain_text("Nadie")  # nobody assigned yet
        draft = tere.locator("#comment-body")
        draft.fill("Estoy revisando el rodillo y")  # half-way through a reply

        # Toni takes it on his page: Tere's facts and assignment form say so.
        toni.get_by_role("button", name="Quedármela").click()
        expect(toni.locator("#desk-done")).to_have_text("Se ha quedado la incidencia.")
        expect(facts).to_contain_text("toni", timeout=SHOWN_MS)
        expect(tere.locator("#assignee")).to_have_value("toni")
        expect(tere.locator("#timeline")).to_contain_text("toni")

        # Tere starts a status note (in the actions part): that part is left alone.
        note = tere.locator("#status-note")
        note.fill("Nota a medias")
        # Toni replies: the reply joins Tere's timeline.
        reply = toni.get_by_role("region", name="Responder o añadir una nota")
        reply.get_by_label("Texto").fill("Cambio el tóner ahora")
        reply.get_by_label("Respuesta pública: la ve el solicitante").check()
        reply.get_by_role("button", name="Enviar").click()
        expect(toni.locator("#desk-done")).to_have_text("Comentario añadido.")
        expect(tere.locator("#timeline")).to_contain_text("Cambio el tóner ahora", timeout=SHOWN_MS)

        # The requester answers through the API: both pages show it.
        with httpx.Client(
            base_url=f"{served.base_url}/api/v1",
            headers={"Authorization": f"Bearer {ana_token}"},
            timeout=30,
        ) as ana:
            said = ana.post(f"/tickets/{number}/comments", json={"body": "Gracias, ya imprime"})
            assert said.status_code == 201, said.text
        for page in (tere, toni):
            expect(page.locator("#timeline")).to_contain_text(
                "Gracias, ya imprime", timeout=SHOWN_MS
            )
            assert page.evaluate("window.pageStayed") is True

        # What Tere was typing is still there, and still hers to finish.
        expect(draft).to_have_value("Estoy revisando el rodillo y")
        expect(note).to_have_value("Nota a medias")
        assert tere.evaluate("document.activeElement.id") == "status-note"
    assert errors == []
