"""An end user's whole visit in Chromium, on a desktop and a 375 px phone, on both
databases: log in, see KB suggestions while typing a title, file the ticket with a
screenshot and see its preview, comment, see a technician's reply but not their
internal note, rate it once resolved. axe-core finds no serious or critical violation
on any page, the CSP blocks nothing of ours, and each page is saved as a screenshot
under .ci/screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from itsm.accounts import password_change
from itsm.kb import service as kb
from itsm.kb.schemas import ArticleCreate
from itsm.tickets import access
from itsm.tickets.models import Category, Status
from itsm.tickets.schemas import CommentCreate
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.browser.conftest import (
    PASSWORD,
    VIEWPORTS,
    Served,
    browsing,
    check_page,
    write_new_ticket,
)


def _seed(served: Served) -> None:
    with served.db.session() as session:
        users.create_user(session, data=UserCreate(username="ana", full_name="Ana Pérez"))
        users.create_user(
            session, data=UserCreate(username="tere", full_name="Tere", role="technician")
        )
        password_change.set_password(
            session, ref="ana", password=password_change.new_password(PASSWORD)
        )
        for title in ("Impresora atascada", "Impresora sin tóner", "Wifi lenta"):
            kb.create_article(
                session,
                data=ArticleCreate(title=title, body="Pasos…", category=Category.HARDWARE),
            )


def _staff_reply_and_resolve(served: Served, number: str) -> None:
    with served.db.session() as session:
        tech = users.get_user(session, ref="tere")
        note = CommentCreate(body="NOTA INTERNA: revisar garantía", is_internal=True)
        access.add_comment(session, ref=number, data=note, actor=tech)
        access.add_comment(
            session, ref=number, data=CommentCreate(body="Cambiamos el rodillo"), actor=tech
        )
        access.change_status(session, ref=number, status=Status.IN_PROGRESS, note=None, actor=tech)
        access.change_status(
            session, ref=number, status=Status.RESOLVED, note="Rodillo nuevo", actor=tech
        )


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_an_end_user_files_and_rates_a_ticket_in_the_browser(
    served: Served, chromium: Browser, viewport: str, backend: str
) -> None:
    _seed(served)
    shots = f"{viewport}-{backend}"
    with browsing(chromium, served, VIEWPORTS[viewport]) as page:
        page.goto("/")
        expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
        check_page(page, "login", shots)
        page.get_by_label("Usuario").fill("ana")
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Iniciar sesión").click()
        expect(page.get_by_role("heading", name="Mis incidencias")).to_be_visible()
        check_page(page, "my-tickets-empty", shots)

        write_new_ticket(page, shots)
        expect(page.get_by_role("link", name="Wifi lenta")).to_have_count(0)
        page.get_by_role("button", name="Enviar", exact=True).click()

        expect(page.get_by_role("heading", name="IMPRESORA")).to_be_visible()
        preview = page.get_by_role("img", name="captura.png")
        expect(preview).to_be_visible()
        expect(page.get_by_role("link", name="captura.png", exact=True)).to_be_visible()
        page.wait_for_function("() => document.querySelector('.attachments img').complete")
        assert preview.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [64, 48]
        number = page.url.rsplit("/", 1)[-1]
        assert re.fullmatch(r"TKT-\d{8}-\d{4}", number)
        page.get_by_label("Su comentario").fill("Sigue igual")
        page.get_by_role("button", name="Enviar comentario").click()
        expect(page.get_by_text("Sigue igual")).to_be_visible()
        check_page(page, "ticket", shots)

        _staff_reply_and_resolve(served, number)
        page.reload()
        expect(page.get_by_text("Cambiamos el rodillo")).to_be_visible()
        expect(page.get_by_text("NOTA INTERNA")).to_have_count(0)
        expect(page.get_by_role("heading", name="¿Qué tal lo hemos hecho?")).to_be_visible()
        check_page(page, "ticket-resolved", shots)
        page.get_by_label("4", exact=True).check()
        page.get_by_label("Comentario (opcional)").fill("Rápido")
        page.get_by_role("button", name="Enviar valoración").click()
        expect(page.get_by_text("Valoró esta incidencia con 4 de 5.")).to_be_visible()

        page.get_by_role("link", name="Mis incidencias").first.click()
        expect(page.get_by_role("link", name="IMPRESORA")).to_be_visible()
        check_page(page, "my-tickets", shots)
        page.get_by_role("link", name="Base de conocimiento").first.click()
        page.get_by_label("Buscar en los artículos").fill("toner")
        page.get_by_role("button", name="Buscar").click()
        expect(page.get_by_role("link", name="Impresora sin tóner")).to_be_visible()
        check_page(page, "kb", shots)
