"""A technician's queue in Chromium, on a desktop and a 375 px phone, on both databases:
a ticket an end user files through the API appears on the open page without a reload,
and its row changes when it is assigned; the filter form swaps the rows in place (htmx)
and the address bar follows. axe-core finds no serious violation, the CSP blocks
nothing of ours, and the page is saved as a screenshot under .ci/screenshots."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, expect

from itsm.accounts import password_change
from itsm.accounts import service as accounts
from itsm.accounts.schemas import TokenCreate
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.browser.conftest import VIEWPORTS, Served, browsing, check_page

PASSWORD = "queue-Passw0rd-2026"  # a test account's password
#: Long enough for a loaded machine; the row is waited for, never slept on.
SHOWN_MS = 15_000


def _seed(served: Served) -> tuple[str, str]:
    """Tere (technician, with a password) and Ana (end user): their API tokens."""
    secrets = []
    with served.db.session() as session:
        for username, role in (("tere", "technician"), ("ana", "user")):
            data = UserCreate(username=username, full_name=username.title(), role=role)
            user = users.create_user(session, data=data)
            if role == "technician":  # before the token: a new password revokes tokens
                password_change.set_password(
                    session, ref=user.id, password=password_change.new_password(PASSWORD)
                )
            _, secret = accounts.create_token(session, owner=user, data=TokenCreate(name="test"))
            secrets.append(secret)
    return secrets[0], secrets[1]


def _client(served: Served, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{served.base_url}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_ticket_filed_through_the_api_shows_on_an_open_queue_without_a_reload(
    served: Served, chromium: Browser, viewport: str, backend: str
) -> None:
    tere_token, ana_token = _seed(served)
    errors: list[str] = []
    shots = f"queue-{viewport}-{backend}"
    with (
        browsing(chromium, served, VIEWPORTS[viewport]) as page,
        _client(served, ana_token) as ana,
        _client(served, tere_token) as tere,
    ):
        page.on("pageerror", lambda error: errors.append(str(error)))
        first = ana.post(
            "/tickets", json={"title": "Teclado", "category": "hardware", "priority": "low"}
        )
        assert first.status_code == 201, first.text
        page.goto("/")
        page.get_by_label("Usuario").fill("tere")
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Iniciar sesión").click()
        expect(page.get_by_role("heading", name="Cola")).to_be_visible()
        page.get_by_role("link", name="Todas las activas").click()
        queue = page.locator("#queue[data-state=live]")
        expect(queue).to_have_count(1, timeout=SHOWN_MS)
        expect(page.locator("tbody tr[data-ticket]")).to_have_count(1)
        page.evaluate("window.queueStayed = true")  # gone if the page reloads

        made = ana.post(
            "/tickets",
            json={"title": "Pantalla <b>negra</b>", "category": "hardware", "priority": "high"},
        )
        assert made.status_code == 201, made.text
        number = made.json()["number"]
        row = page.locator(f'tr[data-ticket="{number}"]')
        expect(row).to_be_visible(timeout=SHOWN_MS)
        expect(row).to_contain_text("Pantalla <b>negra</b>")  # as text, not markup
        expect(row).to_contain_text("Nadie")
        assert page.evaluate("window.queueStayed") is True

        taken = tere.post(f"/tickets/{number}/assign", json={"assignee": "tere"})
        assert taken.status_code == 200, taken.text
        expect(row.get_by_role("cell", name="tere", exact=True)).to_be_visible(timeout=SHOWN_MS)
        assert page.evaluate("window.queueStayed") is True
        check_page(page, "live", shots)

        page.get_by_text("Más filtros").click()
        priority = page.get_by_role("group", name="Prioridad")
        priority.get_by_label("Alta").check()
        expect(page.locator("tbody tr[data-ticket]")).to_have_count(1, timeout=SHOWN_MS)
        expect(row).to_be_visible()
        assert "priority=high" in page.url
        priority.get_by_label("Baja").check()  # several priorities: either matches
        expect(page.locator("tbody tr[data-ticket]")).to_have_count(2, timeout=SHOWN_MS)
        assert "priority=high&priority=low" in page.url
        assert page.evaluate("window.queueStayed") is True
        priority.get_by_label("Alta").uncheck()
        expect(page.locator("tbody tr[data-ticket]")).to_have_count(1, timeout=SHOWN_MS)
        expect(row).to_be_hidden()
        assert "priority=low" in page.url
        priority.get_by_label("Alta").check()
        expect(page.locator("tbody tr[data-ticket]")).to_have_count(2, timeout=SHOWN_MS)
        assert page.evaluate("window.queueStayed") is True
        check_page(page, "filtered", shots)
    assert errors == []
