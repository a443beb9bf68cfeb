"""A technician works a ticket in Chromium, on a desktop and a 375 px phone, on both
databases: takes it (by keyboard), writes an internal note and a public reply, is
told inline that resolving needs a note, then resolves it with one, all on one page
load (htmx swaps; the test asserts the DOM, and that the page never navigated).
axe-core finds no serious or critical violation, the CSP blocks nothing of ours, and
the page is saved under .ci/screenshots."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Frame, expect

from itsm.accounts import password_change
from itsm.sla.config import SlaSettings
from itsm.tickets import access
from itsm.tickets.models import Category, Source
from itsm.tickets.schemas import TicketOpen
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.browser.conftest import PASSWORD, VIEWPORTS, Served, browsing, check_page, log_in


def _seed(served: Served) -> str:
    with served.db.session() as session:
        ana = users.create_user(session, data=UserCreate(username="ana", full_name="Ana Pérez"))
        users.create_user(
            session, data=UserCreate(username="tere", full_name="Tere", role="technician")
        )
        password_change.set_password(
            session, ref="tere", password=password_change.new_password(PASSWORD)
        )
        return access.open_ticket(
            session,
            data=TicketOpen(title="La impresora no imprime", category=Category.HARDWARE),
            actor=ana,
            source=Source.WEB,
            zone=ZoneInfo("UTC"),
            sla=SlaSettings(),  # due times to show
        ).number


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_technician_works_a_ticket_without_reloading_the_page(
    served: Served, chromium: Browser, viewport: str, backend: str
) -> None:
    number = _seed(served)
    shots = f"{viewport}-{backend}"
    with browsing(chromium, served, VIEWPORTS[viewport]) as page:
        log_in(page, "tere", PASSWORD)
        page.goto(f"/tickets/{number}")
        expect(page.get_by_role("heading", name="La impresora no imprime")).to_be_visible()
        check_page(page, "desk", shots)
        # From here on the page must never load again: only htmx swaps its #desk.
        navigations: list[str] = []

        def navigated(frame: Frame) -> None:
            if frame == page.main_frame:
                navigations.append(frame.url)

        page.on("framenavigated", navigated)
        page.evaluate("document.documentElement.dataset.loaded = 'once'")
        desk = page.locator("#desk")
        done = page.locator("#desk-done")

        page.get_by_role("button", name="Quedármela").focus()
        page.keyboard.press("Enter")
        expect(done).to_have_text("Se ha quedado la incidencia.")
        expect(done).to_be_focused()
        expect(desk.locator("dd", has_text="tere")).to_have_count(1)

        reply = page.get_by_role("region", name="Responder o añadir una nota")
        reply.get_by_label("Texto", exact=True).fill("NOTA: revisar la garantía")
        reply.get_by_label("Nota interna: solo el personal").check()
        reply.get_by_label("Tiempo dedicado, en minutos").fill("15")
        reply.get_by_role("button", name="Enviar", exact=True).click()
        expect(done).to_have_text("Nota interna añadida.")
        note = desk.locator("li.comment.internal")
        expect(note).to_contain_text("Nota interna")
        expect(note).to_contain_text("NOTA: revisar la garantía")
        expect(note).to_contain_text("tiempo dedicado: 15 min")

        reply.get_by_label("Texto", exact=True).fill("Cambiamos el rodillo esta tarde")
        reply.get_by_label("Respuesta pública: la ve el solicitante").check()
        reply.get_by_role("button", name="Enviar", exact=True).click()
        expect(done).to_have_text("Comentario añadido.")
        public = desk.locator("li.comment:not(.internal)")
        expect(public).to_contain_text("Respuesta pública")
        expect(public).to_contain_text("Cambiamos el rodillo esta tarde")

        page.get_by_label("Pasar a").select_option("resolved")
        page.get_by_role("button", name="Cambiar estado").click()
        refused = page.locator("#problem-status [role=alert]")
        expect(refused).to_contain_text("para resolver hace falta una nota")
        expect(desk.locator(".status").first).to_have_text("Abierta")

        page.get_by_label("Pasar a").select_option("resolved")
        page.get_by_label("Nota de resolución (necesaria para resolver)").fill("Rodillo nuevo")
        page.get_by_role("button", name="Cambiar estado").click()
        expect(done).to_have_text("Estado cambiado.")
        expect(desk.locator(".status").first).to_have_text("Resuelta")
        expect(desk.get_by_text("Rodillo nuevo").first).to_be_visible()
        expect(page.locator("#problem-status [role=alert]")).to_have_count(0)

        assert page.evaluate("document.documentElement.dataset.loaded") == "once"
        assert navigations == []
        # Usable at 375 px: nothing sticks out sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        check_page(page, "desk-resolved", shots)
