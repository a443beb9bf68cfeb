"""A technician in Chromium, on both databases: edits an article with the live preview
and publishes it, then opens a host's page from the inventory. axe-core finds no
serious or critical violation, the CSP blocks nothing, each page is a screenshot."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from itsm.accounts import password_change
from itsm.config import Settings
from itsm.kb import service as kb
from itsm.kb.schemas import ArticleCreate
from itsm.tickets.models import Category
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.browser.conftest import PASSWORD, VIEWPORTS, Served, browsing, check_page, log_in
from tests.e2e.web.staff_support import history, send_reports


def _seed(served: Served) -> int:
    with served.db.session() as session:
        users.create_user(
            session, data=UserCreate(username="tere", full_name="Tere", role="technician")
        )
        password_change.set_password(
            session, ref="tere", password=password_change.new_password(PASSWORD)
        )
        data = ArticleCreate(
            title="Impresora atascada",
            body="Abra la bandeja.",
            category=Category.HARDWARE,
            tags=["impresora"],
            published=False,
        )
        article = kb.create_article(session, data=data).id
    send_reports(served.db, Settings(), history("db-01", 3))
    return article


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_technician_edits_and_publishes_an_article_and_opens_a_host(
    served: Served, chromium: Browser, viewport: str, backend: str
) -> None:
    article = _seed(served)
    shots = f"staff-{viewport}-{backend}"
    with browsing(chromium, served, VIEWPORTS[viewport]) as page:
        log_in(page, "tere", PASSWORD)
        page.goto("/kb")
        page.get_by_role("link", name="Escribir y editar artículos").click()
        expect(page.get_by_role("heading", name="Artículos")).to_be_visible()
        check_page(page, "kb-list", shots)
        page.get_by_role("link", name="Impresora atascada").click()
        expect(page.get_by_role("heading", name="Editar artículo")).to_be_visible()

        text = page.get_by_label("Texto (Markdown)")
        text.fill("")
        text.press_sequentially("## Pasos\n\n1. Abra la **bandeja**", delay=5)
        preview = page.locator("#preview")
        expect(preview.get_by_role("heading", name="Pasos")).to_be_visible()
        expect(preview.locator("strong")).to_have_text("bandeja")
        check_page(page, "kb-editor", shots)
        page.get_by_role("button", name="Guardar", exact=True).click()
        expect(page.get_by_text("Borrador")).to_be_visible()
        page.get_by_role("button", name="Publicar").click()
        expect(page.get_by_role("button", name="Retirar")).to_be_visible()
        page.get_by_role("link", name="Verlo como lo leen los demás").click()
        expect(page).to_have_url(f"{served.base_url}/kb/{article}")
        expect(page.get_by_role("heading", name="Pasos")).to_be_visible()
        check_page(page, "kb-article", shots)

        page.get_by_role("link", name="Inventario").click()
        expect(page.get_by_role("heading", name="Inventario")).to_be_visible()
        check_page(page, "assets", shots)
        page.get_by_role("link", name="Hosts").first.click()
        page.get_by_role("link", name="db-01").click()
        expect(page.get_by_role("heading", name="db-01")).to_be_visible()
        expect(page.get_by_role("heading", name="Historial de informes")).to_be_visible()
        check_page(page, "host", shots)
