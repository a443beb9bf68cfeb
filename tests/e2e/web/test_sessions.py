"""Login, logout and sessions of the web app over real HTTP, on both databases:
the API's accounts and throttling, rotated revocable cookies, CSRF on every change,
security headers, and the page's language."""

from __future__ import annotations

from http.cookies import SimpleCookie

import httpx
import pytest

from itsm.web.security import CONTENT_SECURITY_POLICY
from tests.e2e.web.support import Browser, csrf_of
from tests.live_server import Api, live_api

PASSWORD = "correct horse battery"


def _cookie(response: httpx.Response, name: str) -> str:
    """The Set-Cookie header of ``name``, as sent."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no cookie {name} in {response.headers.get_list('set-cookie')}")


def _value(response: httpx.Response, name: str) -> str:
    jar: SimpleCookie = SimpleCookie()
    jar.load(_cookie(response, name))
    return jar[name].value


def test_a_person_logs_in_and_out_with_a_rotated_revocable_session(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    browser = Browser(api)
    assert browser.get("/").headers["location"] == "/login"

    first = browser.login("ana", PASSWORD)
    assert first.status_code == 303
    assert first.headers["location"] == "/"
    assert browser.get("/").headers["location"] == "/tickets"
    cookie = _cookie(first, "itsm_session").lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie
    old_secret = _value(first, "itsm_session")
    home = browser.get("/tickets")
    assert home.status_code == 200
    assert ">Mis incidencias</h1>" in home.text
    assert '<span class="who">Ana</span>' in home.text

    # A login from a browser that has a session (planted, or its own) gives a new one
    # and ends the old one.
    browser.client.cookies.set("itsm_login_csrf", "double-submitted")
    form = {"csrf_token": "double-submitted", "username": "ana", "password": PASSWORD}
    second = browser.post("/login", form)
    assert second.status_code == 303
    new_secret = _value(second, "itsm_session")
    assert new_secret != old_secret
    stale = httpx.get(api.base_url + "/", cookies={"itsm_session": old_secret})
    assert stale.status_code == 303

    out = browser.post("/logout", {"csrf_token": browser.csrf()})
    assert out.status_code == 303
    assert out.headers["location"] == "/login"
    assert browser.get("/").status_code == 303
    revoked = httpx.get(api.base_url + "/", cookies={"itsm_session": new_secret})
    assert revoked.headers["location"] == "/login"


def test_every_change_needs_the_sessions_csrf_token(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    browser = Browser(api)
    browser.login("ana", PASSWORD)
    token = browser.csrf()
    for form in ({}, {"csrf_token": "forged"}):
        refused = browser.post("/logout", form)
        assert refused.status_code == 403
        assert "text/html" in refused.headers["content-type"]
        assert browser.get("/tickets").status_code == 200  # still logged in
    assert browser.post("/logout", {}, headers={"X-CSRF-Token": token}).status_code == 303

    # Before login, the form's token is the one of the login cookie it came with.
    stranger = Browser(api)
    form = {"csrf_token": "made-up", "username": "ana", "password": PASSWORD}
    assert stranger.post("/login", form).status_code == 403
    page = stranger.get("/login")
    other = Browser(api)
    form["csrf_token"] = csrf_of(page.text)
    assert other.post("/login", form).status_code == 403  # another browser's token


def test_wrong_passwords_are_throttled_as_the_api_does(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    browser = Browser(api, language="en")
    budget = api.settings.api.login.per_account
    for _ in range(budget):
        wrong = browser.login("ana", "not-it")
        assert wrong.status_code == 401
        assert "Wrong username or password." in wrong.text
    throttled = browser.login("ana", PASSWORD)
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    assert "Too many failed logins" in throttled.text
    # The budget is the account's, whichever door spent it.
    api_login = api.client().post("/auth/login", json={"username": "ana", "password": PASSWORD})
    assert api_login.status_code == 429


def test_a_login_goes_back_to_the_page_asked_for_and_never_off_site(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    browser = Browser(api)
    asked = browser.get("/?tab=mine")
    assert asked.headers["location"] == "/login?next=%2F%3Ftab%3Dmine"
    page = browser.get(asked.headers["location"])
    assert 'name="next" value="/?tab=mine"' in page.text
    for target, expected in (("/?tab=mine", "/?tab=mine"), ("//evil.example/", "/")):
        form = {"csrf_token": csrf_of(page.text), "username": "ana", "password": PASSWORD}
        done = Browser(api)
        login_page = done.get("/login")
        form["csrf_token"] = csrf_of(login_page.text)
        assert done.post("/login", {**form, "next": target}).headers["location"] == expected
    htmx = Browser(api).get("/", headers={"HX-Request": "true"})
    assert htmx.status_code == 204
    assert htmx.headers["hx-redirect"] == "/login"


def test_pages_carry_strict_security_headers_and_speak_the_browsers_language(
    api: Api,
) -> None:
    english = Browser(api, language="en-GB,en;q=0.8").get("/login")
    spanish = Browser(api, language="es-ES").get("/login")
    fallback = Browser(api, language="de").get("/login")  # the `language` setting: es
    assert '<html lang="en">' in english.text
    assert ">Log in</h1>" in english.text
    assert '<html lang="es">' in spanish.text
    assert ">Iniciar sesión</h1>" in spanish.text
    assert '<html lang="es">' in fallback.text
    for page in (english, Browser(api).get("/nowhere"), api.client().get("/tickets")):
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert english.headers["cache-control"] == "no-store"
    # Web paths get pages, the API keeps its problem documents.
    missing = Browser(api).get("/nowhere")
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]
    assert api.client().get("/nowhere").headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("trusted", "secure"), [(["127.0.0.1"], True), ([], False)])
def test_the_cookie_is_secure_behind_a_trusted_tls_proxy(
    api: Api, trusted: list[str], secure: bool
) -> None:
    settings = api.settings.model_copy(
        update={"api": api.settings.api.model_copy(update={"trusted_proxies": trusted})}
    )
    with live_api(settings) as behind:
        behind.user("ana", password=PASSWORD)
        tls = {"X-Forwarded-Proto": "https"}
        page = httpx.get(behind.base_url + "/login", headers=tls)
        assert ("; secure" in _cookie(page, "itsm_login_csrf").lower()) is secure
        token = csrf_of(page.text)
        done = httpx.post(
            behind.base_url + "/login",
            data={"csrf_token": token, "username": "ana", "password": PASSWORD},
            headers={**tls, "Cookie": f"itsm_login_csrf={token}"},
        )
        assert done.status_code == 303
        assert ("; secure" in _cookie(done, "itsm_session").lower()) is secure
