"""An admin's and a new user's visit in Chromium, on a desktop and a 375 px phone, on
both databases: the login page's language switch, the admin adds a user (finding
them with the live search), resets their password and makes an agent token; the
new user logs in with that password and switches the pages to Spanish. axe-core
finds no serious or critical violation on any page, the CSP blocks nothing of
ours, and each page is saved as a screenshot under .ci/screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from itsm.accounts import password_change
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.browser.conftest import VIEWPORTS, Served, browsing, check_page

PASSWORD = "correct horse battery"


def _seed(served: Served) -> None:
    with served.db.session() as session:
        users.create_user(
            session, data=UserCreate(username="root", full_name="Rosa Admin", role="admin")
        )
        users.create_user(session, data=UserCreate(username="ana", full_name="Ana Pérez"))
        password_change.set_password(
            session, ref="root", password=password_change.new_password(PASSWORD)
        )


def _log_in(page: Page, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def _admin_adds_a_user(page: Page, shots: str) -> str:
    """The admin's part; the new user's password, as the page showed it once."""
    page.get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    check_page(page, "admin-users", shots)
    page.get_by_role("link", name="Add a user").click()
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Full name").fill("Nora Díaz")
    page.get_by_label("E-mail (optional)").fill("nora@example.org")
    page.get_by_label("Role").select_option("user")  # an end user: lands on My tickets
    check_page(page, "admin-user-new", shots)
    page.get_by_role("button", name="Add the user").click()
    expect(page.get_by_role("heading", name="Nora Díaz")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("User added.")
    check_page(page, "admin-user", shots)

    page.get_by_role("link", name="Reset the password").click()
    check_page(page, "admin-password", shots)
    page.get_by_role("button", name="Reset the password").click()
    shown = page.locator("#new-password")
    expect(shown).to_be_visible()
    new_password = shown.inner_text().strip()
    assert len(new_password) >= 16
    check_page(page, "admin-password-set", shots)

    # The list narrows as the search is typed, without a reload.
    page.get_by_role("link", name="Users", exact=True).click()
    marker = page.evaluate("() => (window.__kept = 'same page')")
    page.get_by_label("Search by name, username or e-mail").press_sequentially("díaz", delay=20)
    rows = page.locator("#users")
    expect(rows.get_by_role("link", name="nora")).to_be_visible()
    expect(rows.get_by_role("link", name="ana", exact=True)).to_have_count(0)
    assert page.evaluate("() => window.__kept") == marker

    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("alertmanager")
    page.get_by_label("Alerts (Alertmanager)").check()
    page.get_by_role("button", name="Create the token").click()
    expect(page.locator("#new-token")).to_contain_text("itsm_")
    check_page(page, "admin-token-created", shots)
    page.get_by_role("link", name="Back to the tokens").click()
    expect(page.get_by_role("link", name="Revoke alertmanager")).to_be_visible()
    check_page(page, "admin-tokens", shots)
    return new_password


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_an_admin_adds_a_user_who_then_switches_language(
    served: Served, chromium: Browser, viewport: str, backend: str
) -> None:
    _seed(served)
    shots = f"{viewport}-{backend}"
    with browsing(chromium, served, VIEWPORTS[viewport]) as page:
        page.goto("/")
        expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        check_page(page, "login-english", shots)
        _log_in(page, "root", PASSWORD)
        new_password = _admin_adds_a_user(page, shots)
        page.get_by_role("button", name="Log out").click()

        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        _log_in(page, "nora", new_password)
        expect(page.get_by_role("heading", name="My tickets")).to_be_visible()
        page.get_by_role("link", name="Language").click()
        page.get_by_label("Español").check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", name="Idioma")).to_be_visible()
        expect(page.get_by_role("status")).to_have_text("Guardado.")
        expect(page.get_by_label("Español")).to_be_checked()
        check_page(page, "language", shots)
        page.get_by_role("link", name="Notificaciones").click()
        page.get_by_role("link", name="Elija qué se le comunica").click()
        expect(page.get_by_role("heading", name="Mis notificaciones")).to_be_visible()
        page.get_by_label("Un comentario nuevo: Notificación push").uncheck()
        page.get_by_role("button", name="Guardar").click()
        expect(page.get_by_role("status")).to_have_text("Guardado.")
        expect(page.get_by_label("Un comentario nuevo: Notificación push")).not_to_be_checked()
        check_page(page, "notifications", shots)
        page.get_by_role("link", name="Mis incidencias").click()
        expect(page.get_by_role("heading", name="Mis incidencias")).to_be_visible()
    with served.db.session() as session:
        assert users.get_user(session, ref="nora").language == "es"
