"""The admin's user page sets a technician's ticket categories, over real HTTP on both
databases: ticked boxes saved through the service, none ticked is every category, an
end user's page offers none and a forged post for them is refused."""

from __future__ import annotations

from itsm.tickets import technician_categories as cats
from itsm.users import service as users
from tests.e2e.web.support import Browser
from tests.live_server import Api

PASSWORD = "correct horse battery"


def _saved(api: Api, username: str) -> list[str]:
    with api.session() as session:
        return [str(c) for c in cats.categories_of(session, users.get_user(session, ref=username))]


def test_an_admin_ticks_a_technician_s_categories(api: Api) -> None:
    api.user("root", role="admin", password=PASSWORD)
    api.user("tere", role="technician")
    api.user("ana")
    browser = Browser(api)  # Spanish
    assert browser.login("root", PASSWORD).status_code == 303
    token = browser.csrf("/admin/users/tere")
    page = browser.get("/admin/users/tere")
    assert "Categorías de incidencias" in page.text
    sent = browser.post(
        "/admin/users/tere/categories",
        {"csrf_token": token, "category": ["network", "hardware"]},  # type: ignore[dict-item]
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/admin/users/tere?done=categories"
    assert _saved(api, "tere") == ["hardware", "network"]
    shown = browser.get("/admin/users/tere?done=categories").text
    assert "Categorías guardadas." in shown
    assert 'value="network" checked' in shown
    assert 'value="software">' in shown
    cleared = browser.post("/admin/users/tere/categories", {"csrf_token": token})
    assert cleared.status_code == 303
    assert _saved(api, "tere") == []
    # An end user has no categories to set: no form, and a forged post is refused.
    assert "Categorías de incidencias" not in browser.get("/admin/users/ana").text
    forged = browser.post("/admin/users/ana/categories", {"csrf_token": token, "category": "other"})
    assert forged.status_code == 422
    assert _saved(api, "ana") == []
