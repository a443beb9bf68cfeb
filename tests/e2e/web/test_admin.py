"""The admin pages over real HTTP on both databases: people (list, search, add, role,
deactivate, reactivate, passwords, unlock) and API tokens (list, new agent token,
revoke); admins only, everyone else a 404; every change a POST with CSRF; what
people typed escaped."""

from __future__ import annotations

import re

import pytest

from itsm.accounts import service as accounts
from itsm.accounts.errors import BadCredentials
from itsm.users import service as users
from tests.e2e.web.support import Browser
from tests.live_server import Api

PASSWORD = "correct horse battery"
HOSTILE = '<script>alert(1)</script>"onmouseover=x'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;onmouseover=x"


def _admin(api: Api) -> tuple[Browser, str]:
    api.user("root", role="admin", password=PASSWORD)
    browser = Browser(api, language="en")
    assert browser.login("root", PASSWORD).status_code == 303
    return browser, browser.csrf("/admin/users")


def _user(api: Api, username: str) -> tuple[str, bool, str | None]:
    with api.session() as session:
        user = users.get_user(session, ref=username)
        return user.role, user.is_active, user.password_hash


def test_only_admins_reach_the_admin_pages(api: Api) -> None:
    api.user("tere", role="technician", password=PASSWORD)
    api.user("ana", password=PASSWORD)
    api.user("root", role="admin", password=PASSWORD)
    for name in ("tere", "ana"):
        browser = Browser(api)
        browser.login(name, PASSWORD)
        token = browser.csrf()
        assert "/admin/users" not in browser.get("/tickets").text  # no Admin link
        for path in ("/admin", "/admin/users", "/admin/users/ana", "/admin/tokens"):
            assert browser.get(path).status_code == 404, path
        added = browser.post(
            "/admin/users", {"csrf_token": token, "username": "x", "full_name": "X"}
        )
        assert added.status_code == 404
        assert (
            browser.post(
                "/admin/users/ana/role", {"csrf_token": token, "role": "admin"}
            ).status_code
            == 404
        )
        assert browser.post("/admin/tokens/1/revoke", {"csrf_token": token}).status_code == 404
    assert _user(api, "ana")[0] == "user"
    anonymous = Browser(api).get("/admin/users")
    assert (anonymous.status_code, anonymous.headers["location"]) == (
        303,
        "/login?next=%2Fadmin%2Fusers",
    )
    admin = Browser(api, language="en")
    admin.login("root", PASSWORD)
    assert '<a href="/admin/users">Admin</a>' in admin.get("/tickets").text


def test_an_admin_adds_finds_and_changes_people(api: Api) -> None:
    browser, token = _admin(api)
    form = {"username": "Nora.Diaz", "full_name": "Nora Díaz", "role": "technician"}
    assert browser.post("/admin/users", form).status_code == 403  # no CSRF token
    bad = browser.post(
        "/admin/users", {"csrf_token": token, "username": "no spaces", "full_name": "N"}
    )
    assert bad.status_code == 422
    assert "use letters, digits" in bad.text
    assert 'value="no spaces"' in bad.text  # the form keeps what was typed
    added = browser.post("/admin/users", {"csrf_token": token, **form, "email": "nora@example.org"})
    assert (added.status_code, added.headers["location"]) == (
        303,
        "/admin/users/nora.diaz?done=added",
    )
    assert _user(api, "nora.diaz")[:2] == ("technician", True)
    again = browser.post("/admin/users", {"csrf_token": token, **form})
    assert again.status_code == 409
    assert "already taken" in again.text

    api.user("ana")
    listed = browser.get("/admin/users").text
    assert "nora.diaz" in listed
    assert "ana" in listed
    found = browser.get("/admin/users", params={"q": "DÍAZ"}).text
    assert "nora.diaz" in found
    assert 'href="/admin/users/ana"' not in found
    by_mail = browser.get("/admin/users", params={"q": "example.org", "role": "technician"})
    assert "nora.diaz" in by_mail.text
    # As the form sends it: "any role" is an empty role.
    anyone = browser.get("/admin/users", params={"q": "", "role": "", "state": "all"})
    assert anyone.status_code == 200
    assert "nora.diaz" in anyone.text
    unknown = browser.get("/admin/users", params={"role": "boss"})
    assert unknown.status_code == 422
    assert "invalid role &#39;boss&#39;; allowed: admin, technician, user" in unknown.text
    # As typed, htmx asks for the rows alone.
    rows = browser.get(
        "/admin/users", params={"q": "ana"}, headers={"HX-Request": "true", "HX-Target": "users"}
    )
    assert rows.text.lstrip().startswith('<div class="scroll">')
    assert 'href="/admin/users/ana"' in rows.text
    assert "<html" not in rows.text
    assert "Nobody matches." in browser.get("/admin/users", params={"q": "%"}).text

    changed = browser.post("/admin/users/ana/role", {"csrf_token": token, "role": "technician"})
    assert changed.headers["location"] == "/admin/users/ana?done=role"
    assert "Role changed." in browser.get(changed.headers["location"]).text
    assert _user(api, "ana")[0] == "technician"
    wrong = browser.post("/admin/users/ana/role", {"csrf_token": token, "role": "boss"})
    assert wrong.status_code == 422
    myself = browser.post("/admin/users/root/role", {"csrf_token": token, "role": "user"})
    assert myself.status_code == 403  # SelfLockout: another admin can
    assert "cannot give up your own admin role" in myself.text

    api_token = api.token("ana")
    confirm = browser.get("/admin/users/ana/deactivate")
    assert "Are you sure?" in confirm.text
    assert 'action="/admin/users/ana/deactivate"' in confirm.text
    assert _user(api, "ana")[1] is True  # asking changes nothing
    gone = browser.post("/admin/users/ana/deactivate", {"csrf_token": token})
    assert gone.headers["location"] == "/admin/users/ana?done=deactivated"
    assert _user(api, "ana")[1] is False
    assert 'href="/admin/users/ana"' not in browser.get("/admin/users").text
    assert 'href="/admin/users/ana"' in browser.get("/admin/users?state=inactive").text
    back = browser.post("/admin/users/ana/reactivate", {"csrf_token": token})
    assert back.headers["location"] == "/admin/users/ana?done=reactivated&count=1"
    assert "1 token from before was revoked" in browser.get(back.headers["location"]).text
    assert _user(api, "ana")[1] is True
    # The token handed out before the deactivation does not come back with her.
    assert api.client(api_token).get("/auth/me").status_code == 401
    assert browser.post("/admin/users/root/deactivate", {"csrf_token": token}).status_code == 403


def test_an_admin_resets_a_password_and_unlocks_an_account(api: Api) -> None:
    browser, token = _admin(api)
    api.user("ana", password=PASSWORD)
    form = browser.get("/admin/users/ana/password")
    assert form.status_code == 200
    assert 'name="how" value="generate"' in form.text
    made = browser.post("/admin/users/ana/password", {"csrf_token": token, "how": "generate"})
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    shown = re.search(r'<output class="secret" id="new-password"[^>]*>([^<]+)</output>', made.text)
    assert shown is not None
    new = shown.group(1)
    assert Browser(api).login("ana", PASSWORD).status_code == 401
    assert Browser(api).login("ana", new).status_code == 303
    assert new not in browser.get("/admin/users/ana").text  # shown once, never again

    short = browser.post(
        "/admin/users/ana/password", {"csrf_token": token, "how": "typed", "password": "abc"}
    )
    assert short.status_code == 422
    assert "password is too short: at least 8 characters" in short.text
    typed = browser.post(
        "/admin/users/ana/password",
        {"csrf_token": token, "how": "typed", "password": "another long one"},
    )
    assert typed.status_code == 200
    assert "another long one" not in typed.text
    assert "logs in with the password you typed" in typed.text
    assert Browser(api).login("ana", "another long one").status_code == 303
    # One's own password is changed with the current one (the API's rule): not here.
    assert 'href="/admin/users/root/password"' not in browser.get("/admin/users/root").text
    own = browser.post("/admin/users/root/password", {"csrf_token": token, "how": "generate"})
    assert own.status_code == 422
    assert "current_password is required to change your own password" in own.text
    assert Browser(api).login("root", PASSWORD).status_code == 303

    for _ in range(api.settings.api.login.per_account):
        Browser(api).login("ana", "wrong password")
    assert Browser(api).login("ana", "another long one").status_code == 429
    unlocked = browser.post("/admin/users/ana/unlock", {"csrf_token": token})
    count = api.settings.api.login.per_account
    assert unlocked.headers["location"] == f"/admin/users/ana?done=unlocked&count={count}"
    assert (
        f"Unlocked: {count} failed logins forgotten."
        in browser.get(unlocked.headers["location"]).text
    )
    assert Browser(api).login("ana", "another long one").status_code == 303


def test_an_admin_lists_creates_and_revokes_tokens(api: Api) -> None:
    browser, token = _admin(api)
    ana = api.user("ana")
    with api.session() as session:
        from itsm.accounts.schemas import TokenCreate

        accounts.create_token(
            session, owner=users.get_user(session, ref=ana.id), data=TokenCreate(name=HOSTILE)
        )
    listed = browser.get("/admin/tokens")
    assert ESCAPED in listed.text
    assert HOSTILE not in listed.text
    assert "Personal" in listed.text

    refused = browser.post("/admin/tokens", {"csrf_token": token, "name": "alertmanager"})
    assert refused.status_code == 422
    assert "needs its scopes" in refused.text
    assert 'value="alertmanager"' in refused.text
    with api.session() as session:  # nothing half-written: not even the agent's account
        everyone = users.list_users(session, who=None, include_inactive=True, include_system=True)
        assert "itsm-agent" not in [u.username for u in everyone]
    assert browser.post("/admin/tokens", {"name": "x", "scope": "alerts"}).status_code == 403

    made = browser.post(
        "/admin/tokens",
        {"csrf_token": token, "name": "alertmanager", "scope": "alerts", "expires_in_days": "30"},
    )
    assert made.status_code == 200, made.text
    secret = re.search(r'id="new-token"[^>]*>(itsm_[^<]+)</output>', made.text)
    assert secret is not None
    with api.session() as session:
        who = accounts.principal_for(session, secret=secret.group(1))
        assert who.is_agent
        assert [str(s) for s in who.scopes] == ["alerts"]
        assert who.user.username == "itsm-agent"  # the agent's account, made now
    page = browser.get("/admin/tokens").text
    assert "Alerts (Alertmanager)" in page
    assert secret.group(1) not in page
    token_id = re.findall(r'href="/admin/tokens/(\d+)/revoke"', page)[-1]

    confirm = browser.get(f"/admin/tokens/{token_id}/revoke")
    assert "Are you sure?" in confirm.text
    assert "alertmanager" in confirm.text
    revoked = browser.post(f"/admin/tokens/{token_id}/revoke", {"csrf_token": token})
    assert revoked.headers["location"] == "/admin/tokens?done=revoked"
    with api.session() as session, pytest.raises(BadCredentials, match="was revoked"):
        accounts.principal_for(session, secret=secret.group(1))
    assert f'/admin/tokens/{token_id}/revoke"' not in browser.get("/admin/tokens").text
    assert "Revoked" in browser.get("/admin/tokens?revoked=true").text
    assert browser.get("/admin/tokens/999999/revoke").status_code == 404


def test_what_people_typed_is_escaped_on_the_admin_pages(api: Api) -> None:
    browser, _ = _admin(api)
    with api.session() as session:
        from itsm.users.schemas import UserCreate

        users.create_user(
            session,
            data=UserCreate(username="eve", full_name=HOSTILE, department=HOSTILE, email="e@x.org"),
        )
    for path in (
        "/admin/users",
        "/admin/users/eve",
        "/admin/users/eve/password",
        "/admin/users/eve/deactivate",
    ):
        page = browser.get(path)
        assert page.status_code == 200, path
        assert HOSTILE not in page.text, path
        assert ESCAPED in page.text, path
    searched = browser.get("/admin/users", params={"q": HOSTILE})
    assert HOSTILE not in searched.text
    assert ESCAPED in searched.text


def test_a_spanish_admin_reads_each_refusal_in_spanish_with_what_is_allowed(api: Api) -> None:
    api.user("root", role="admin", password=PASSWORD)
    browser = Browser(api, language="es")
    assert browser.login("root", PASSWORD).status_code == 303
    token = browser.csrf("/admin/users")
    unknown = browser.get("/admin/users", params={"role": "boss"})  # the error page
    assert unknown.status_code == 422
    assert "rol no válido &#39;boss&#39;; permitidos: admin, technician, user" in unknown.text
    assert "invalid role" not in unknown.text
    form = {"csrf_token": token, "full_name": "N", "role": "technician"}
    bad = browser.post("/admin/users", {**form, "username": "no spaces"})  # the form again
    assert bad.status_code == 422
    assert (
        "username no válido: use letras, dígitos, &#39;.&#39;, &#39;_&#39; o &#39;-&#39;"
        " (empezando por una letra o un dígito)"
    ) in bad.text
    role = browser.post("/admin/users", {**form, "username": "nora", "role": "boss"})
    assert "role no válido: &#39;boss&#39;; valores permitidos: admin, technician, user" in (
        role.text
    )
    api.user("eve")
    # What the person typed goes into the sentence as text, escaped.
    taken = browser.post("/admin/users", {**form, "username": "eve"})
    assert taken.status_code == 409
    assert "el nombre de usuario &#39;eve&#39; ya está en uso" in taken.text
    myself = browser.post("/admin/users/root/role", {"csrf_token": token, "role": "user"})
    assert myself.status_code == 403
    assert "no puede renunciar a su propio rol de administrador; otro administrador sí puede" in (
        myself.text
    )
    hostile = browser.post("/admin/users", {**form, "username": HOSTILE})
    assert hostile.status_code == 422
    assert HOSTILE not in hostile.text
