"""The merge field's ticket picker in Chromium on both databases: words typed fetch the
matching tickets into a labelled list, the arrow keys and Enter pick one (the field gets
its number), Escape closes the list, and the form merges into the ticket picked;
axe-core finds no serious violation with the list open."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, expect

from itsm.accounts import password_change
from itsm.sla.config import SlaSettings
from itsm.tickets import access
from itsm.tickets.models import Category, Source
from itsm.tickets.schemas import TicketOpen
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.browser.conftest import PASSWORD, VIEWPORTS, Served, browsing, check_page, log_in

SHOWN_MS = 15_000


def _seed(served: Served) -> list[str]:
    with served.db.session() as session:
        ana = users.create_user(session, data=UserCreate(username="ana", full_name="Ana Pérez"))
        users.create_user(
            session, data=UserCreate(username="tere", full_name="Tere", role="technician")
        )
        password_change.set_password(
            session, ref="tere", password=password_change.new_password(PASSWORD)
        )
        return [
            access.open_ticket(
                session,
                data=TicketOpen(title=title, category=Category.HARDWARE),
                actor=ana,
                source=Source.WEB,
                zone=ZoneInfo("UTC"),
                sla=SlaSettings(),
            ).number
            for title in ("No imprime", "Impresora atascada", "Pantalla negra")
        ]


def test_a_technician_picks_the_ticket_to_merge_into_by_keyboard(
    served: Served, chromium: Browser, backend: str
) -> None:
    duplicate, printer, _ = _seed(served)
    with browsing(chromium, served, VIEWPORTS["desktop"]) as page:
        log_in(page, "tere", PASSWORD)
        page.goto(f"/tickets/{duplicate}")
        field = page.get_by_role("combobox", name="Fusionar con la incidencia número")
        listed = page.get_by_role("listbox", name="Incidencias con las que fusionar")
        field.press_sequentially("impres", delay=20)
        expect(listed).to_be_visible(timeout=SHOWN_MS)
        expect(listed.get_by_role("option")).to_have_count(1, timeout=SHOWN_MS)
        expect(field).to_have_attribute("aria-expanded", "true")
        check_page(page, "picker", f"desktop-{backend}")

        field.press("ArrowDown")
        option = listed.get_by_role("option", name=printer)
        expect(option).to_have_attribute("aria-selected", "true")
        expect(field).to_have_attribute("aria-activedescendant", "pick-merge-1")
        field.press("Enter")  # fills the field, does not send the form
        expect(field).to_have_value(printer)
        expect(listed).to_be_hidden()
        expect(field).to_have_attribute("aria-expanded", "false")

        field.fill("")
        field.press_sequentially("pantalla", delay=20)
        expect(listed).to_be_visible(timeout=SHOWN_MS)
        field.press("Escape")
        expect(listed).to_be_hidden()
        field.fill(printer)  # typing the number works as it always did
        page.get_by_role("button", name="Fusionar", exact=True).click()
        expect(page.locator("#desk-done")).to_have_text("Incidencia fusionada.")
        expect(page.locator("#desk-links")).to_contain_text(printer)
