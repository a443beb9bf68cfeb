"""The whole help desk in Chromium, on a desktop and a 375 px phone, on both databases,
with three browser contexts open at once: an end user, a technician and a dashboard.

The end user sees KB suggestions while typing a title and files the ticket with a
screenshot; the technician's open queue shows it without a reload; the technician
takes it, writes an internal note and a public reply in place (htmx) and resolves it;
the end user sees the reply but never the note, and rates it. The dashboard's figures
follow each step live. axe-core finds no serious or critical violation on any page,
the CSP blocks nothing of ours, and each main page is saved under .ci/screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from itsm.accounts import password_change
from itsm.kb import service as kb
from itsm.kb.schemas import ArticleCreate
from itsm.notify.worker import Worker
from itsm.tickets.models import Category
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.browser.conftest import (
    PASSWORD,
    VIEWPORTS,
    Served,
    browsing,
    check_page,
    log_in,
    write_new_ticket,
)

#: Long enough for a loaded machine; live changes are waited for, never slept on.
SHOWN_MS = 15_000
NOTE = "NOTA INTERNA: garantía vencida"
REPLY = "Hemos cambiado el rodillo"


def _seed(served: Served) -> None:
    with served.db.session() as session:
        users.create_user(session, data=UserCreate(username="ana", full_name="Ana Pérez"))
        users.create_user(
            session, data=UserCreate(username="tere", full_name="Tere", role="technician")
        )
        for username in ("ana", "tere"):
            password_change.set_password(
                session, ref=username, password=password_change.new_password(PASSWORD)
            )
        for title in ("Impresora atascada", "Impresora sin tóner"):
            kb.create_article(
                session,
                data=ArticleCreate(title=title, body="Pasos…", category=Category.HARDWARE),
            )


def _figure(dashboard: Page, name: str) -> Locator:
    return dashboard.locator(f'#dashboard-panel [data-figure="{name}"]')


def _today(dashboard: Page, label: str) -> Locator:
    """Today's cell of the service table's row ``label``."""
    row = dashboard.locator("#dashboard-panel tr", has_text=label)
    return row.locator("td").first


def _live_change(figure: Locator, before: str, after: str | re.Pattern[str]) -> None:
    """The figure read ``before`` the step becomes ``after`` without a reload."""
    expect(figure).not_to_have_text(before, timeout=SHOWN_MS)
    expect(figure).to_have_text(after)


def _file_ticket(page: Page, dashboard: Page, shots: str) -> str:
    """Step 1: KB suggestions while typing, then the ticket with a PNG attached."""
    write_new_ticket(page, shots)
    active, unassigned = _figure(dashboard, "active"), _figure(dashboard, "unassigned")
    expect(active).to_have_text("0")
    expect(unassigned).to_have_text("0")
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(page.get_by_role("heading", name="IMPRESORA")).to_be_visible()
    expect(page.get_by_role("img", name="captura.png")).to_be_visible()
    _live_change(active, "0", "1")
    _live_change(unassigned, "0", "1")
    return page.url.rsplit("/", 1)[-1]


def _work_ticket(desk: Page, dashboard: Page, number: str, shots: str) -> None:
    """Step 3: take it, an internal note and a public reply, all in place (htmx)."""
    desk.locator(f'tr[data-ticket="{number}"]').get_by_role("link").first.click()
    expect(desk.get_by_role("heading", name="IMPRESORA")).to_be_visible()
    check_page(desk, "staff-ticket", shots)
    desk.evaluate("window.deskStayed = true")  # gone if the page reloads
    unassigned = _figure(dashboard, "unassigned")
    desk.get_by_role("button", name="Quedármela").click()
    expect(desk.get_by_text("Se ha quedado la incidencia.")).to_be_visible()
    _live_change(unassigned, "1", "0")

    acknowledged = _today(dashboard, "Tiempo medio de respuesta (h)")
    expect(acknowledged).to_have_text("—")  # the first public reply sets it
    for body, visibility, done in (
        (NOTE, "Nota interna: solo el personal", "Nota interna añadida."),
        (REPLY, "Respuesta pública: la ve el solicitante", "Comentario añadido."),
    ):
        reply = desk.locator(
            "section", has=desk.get_by_role("heading", name="Responder o añadir una nota")
        )
        reply.get_by_label("Texto").fill(body)
        reply.get_by_label(visibility).check()
        reply.get_by_role("button", name="Enviar").click()
        expect(desk.get_by_text(done)).to_be_visible()
        expect(desk.locator("#timeline").get_by_text(body)).to_be_visible()
    _live_change(acknowledged, "—", re.compile(r"^\d"))
    assert desk.evaluate("window.deskStayed") is True


def _resolve(desk: Page, dashboard: Page, shots: str) -> None:
    """Step 4, the technician's half: resolved with a note, in place."""
    active = _figure(dashboard, "active")
    desk.get_by_label("Pasar a").select_option("resolved")
    desk.get_by_label("Nota de resolución (necesaria para resolver)").fill("Rodillo nuevo")
    desk.get_by_role("button", name="Cambiar estado").click()
    expect(desk.get_by_text("Estado cambiado.")).to_be_visible()
    expect(desk.locator(".status-resolved")).to_be_visible()
    assert desk.evaluate("window.deskStayed") is True
    check_page(desk, "staff-ticket-resolved", shots)
    _live_change(active, "1", "0")


def _rate(page: Page, dashboard: Page, shots: str) -> None:
    """Step 4, the end user's half: the reply but not the note, then a rating of 5."""
    page.reload()
    expect(page.get_by_text(REPLY)).to_be_visible()
    expect(page.get_by_text(NOTE)).to_have_count(0)
    expect(page.get_by_role("heading", name="¿Qué tal lo hemos hecho?")).to_be_visible()
    check_page(page, "flow-ticket-resolved", shots)
    satisfaction = _today(dashboard, "Satisfacción (1-5)")
    expect(satisfaction).to_have_text("—")
    page.get_by_label("5", exact=True).check()
    page.get_by_label("Comentario (opcional)").fill("Muy rápido")
    page.get_by_role("button", name="Enviar valoración").click()
    expect(page.get_by_text("Valoró esta incidencia con 5 de 5.")).to_be_visible()
    _live_change(satisfaction, "—", re.compile(r"^5([,.]0)?$"))


def _notifications(page: Page, number: str, shots: str, name: str) -> None:
    """The in-app notifications page: what the worker delivered, with a link to the
    ticket."""
    page.get_by_role("link", name="Notificaciones").click()
    expect(page.get_by_role("heading", name="Notificaciones")).to_be_visible()
    expect(page.locator(f'.inbox a[href="/tickets/{number}"]').first).to_be_visible()
    check_page(page, name, shots)


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_ticket_goes_from_an_end_user_to_a_technician_and_back_with_a_live_dashboard(
    served: Served, chromium: Browser, viewport: str, backend: str
) -> None:
    _seed(served)
    shots = f"flow-{viewport}-{backend}"
    size = VIEWPORTS[viewport]
    errors: list[str] = []
    with (
        browsing(chromium, served, size) as page,
        browsing(chromium, served, size) as desk,
        browsing(chromium, served, size) as dashboard,
    ):
        for each in (page, desk, dashboard):
            each.on("pageerror", lambda error: errors.append(str(error)))
        log_in(dashboard, "tere", PASSWORD)
        dashboard.goto("/dashboard")
        expect(dashboard.locator("#dashboard[data-state=live]")).to_have_count(1, timeout=SHOWN_MS)
        log_in(desk, "tere", PASSWORD)
        desk.goto("/queue?view=active")
        expect(desk.locator("#queue[data-state=live]")).to_have_count(1, timeout=SHOWN_MS)
        desk.evaluate("window.queueStayed = true")  # gone if the page reloads
        log_in(page, "ana", PASSWORD)
        page.goto("/tickets")
        expect(page.get_by_role("heading", name="Mis incidencias")).to_be_visible()

        number = _file_ticket(page, dashboard, shots)
        row = desk.locator(f'tr[data-ticket="{number}"]')  # step 2: no reload
        expect(row).to_be_visible(timeout=SHOWN_MS)
        expect(row).to_contain_text("IMPRESORA")
        assert desk.evaluate("window.queueStayed") is True
        check_page(desk, "queue", shots)
        check_page(dashboard, "dashboard", shots)

        _work_ticket(desk, dashboard, number, shots)
        _resolve(desk, dashboard, shots)
        _rate(page, dashboard, shots)
        page.get_by_role("link", name="Mis incidencias").first.click()
        expect(page.get_by_role("link", name="IMPRESORA")).to_be_visible()
        check_page(page, "my-tickets", shots)
        check_page(dashboard, "dashboard-after", shots)
        Worker(served.db).run(once=True)  # delivers the in-app notifications
        _notifications(desk, number, shots, "notifications")
        _notifications(page, number, shots, "notifications-requester")
    assert errors == []
