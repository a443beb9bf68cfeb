"""A technician attaches a screenshot as staff-only on a ticket's page in Chromium, at
375 px, on both databases: it is listed with its preview and badge, axe-core finds no
serious or critical violation, the CSP blocks nothing."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, FilePayload, expect

from itsm.accounts import password_change
from itsm.tickets import access
from itsm.tickets.models import Category, Source
from itsm.tickets.schemas import TicketOpen
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.browser.conftest import PASSWORD, VIEWPORTS, Served, browsing, check_page
from tests.integration.attachments.files import png


def _seed(served: Served) -> str:
    with served.db.session() as session:
        ana = users.create_user(session, data=UserCreate(username="ana", full_name="Ana"))
        users.create_user(
            session, data=UserCreate(username="tere", full_name="Tere", role="technician")
        )
        password_change.set_password(
            session, ref="tere", password=password_change.new_password(PASSWORD)
        )
        data = TicketOpen(title="Pantalla azul", category=Category.HARDWARE)
        ticket = access.open_ticket(
            session, data=data, actor=ana, source=Source.WEB, zone=ZoneInfo("UTC")
        )
        return ticket.number


def test_a_technician_attaches_a_staff_only_screenshot(
    served: Served, chromium: Browser, backend: str
) -> None:
    number = _seed(served)
    with browsing(chromium, served, VIEWPORTS["phone"]) as page:
        page.goto("/login")
        page.get_by_label("Usuario").fill("tere")
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Iniciar sesión").click()
        page.goto(f"/tickets/{number}")
        expect(page.get_by_text("Aún no hay archivos.")).to_be_visible()
        check_page(page, "desk-files-empty", f"phone-{backend}")
        page.get_by_label("Archivo", exact=True).set_input_files(
            files=FilePayload(name="consola.png", mimeType="image/png", buffer=png(32, 16))
        )
        page.get_by_label("Comentario (opcional)").fill("Error en la consola")
        files = page.locator("section", has=page.get_by_role("heading", name="Archivos"))
        files.get_by_label("Nota interna: solo el personal").check()
        page.get_by_role("button", name="Adjuntar").click()
        expect(page.get_by_text("Archivo adjuntado.")).to_be_visible()
        preview = page.get_by_role("img", name="consola.png")
        expect(preview).to_be_visible()
        page.wait_for_function("() => document.querySelector('.attachments img').complete")
        assert preview.evaluate("img => img.naturalWidth") == 32
        expect(files.get_by_text("Solo personal")).to_be_visible()
        check_page(page, "desk-files", f"phone-{backend}")
