"""The viewer's own settings over real HTTP on both databases: the language of the
pages (the person's, or before login this browser's) and their notification choices."""

from __future__ import annotations

from urllib.parse import quote

from itsm.notify import prefs
from itsm.notify.models import Channel, NotifyKind
from itsm.users import service as users
from tests.e2e.web.support import Browser, csrf_of
from tests.live_server import Api

PASSWORD = "correct horse battery"


def _language_of(api: Api, username: str) -> str | None:
    with api.session() as session:
        return users.get_user(session, ref=username).language


def test_a_person_reads_the_pages_in_the_language_they_choose(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    browser = Browser(api, language="es")
    browser.login("ana", PASSWORD)
    page = browser.get("/tickets")
    assert "Mis incidencias" in page.text
    assert '<a href="/me/language">Idioma</a>' in page.text  # reachable from the header
    form = browser.get("/me/language")
    assert form.status_code == 200
    token = csrf_of(form.text)
    assert 'value="" checked' in form.text  # no choice yet: the browser's

    refused = browser.post("/me/language", {"language": "en"})
    assert refused.status_code == 403
    assert _language_of(api, "ana") is None

    chosen = browser.post("/me/language", {"csrf_token": token, "language": "en"})
    assert (chosen.status_code, chosen.headers["location"]) == (303, "/me/language?saved=true")
    assert _language_of(api, "ana") == "en"
    saved = browser.get("/me/language?saved=true")
    assert "Saved." in saved.text
    assert 'value="en" checked' in saved.text
    assert "My tickets" in browser.get("/tickets").text  # whatever the browser asks for

    wrong = browser.post("/me/language", {"csrf_token": token, "language": "fr"})
    assert wrong.status_code == 422
    assert "unknown language &#39;fr&#39;; allowed: es, en" in wrong.text
    assert _language_of(api, "ana") == "en"

    back = browser.post("/me/language", {"csrf_token": token, "language": ""})
    assert back.status_code == 303
    assert _language_of(api, "ana") is None
    assert "Mis incidencias" in browser.get("/tickets").text


def test_the_login_page_switches_language_for_this_browser(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    browser = Browser(api, language="es")
    page = browser.get("/login?next=/kb")
    assert "Iniciar sesión" in page.text
    assert 'action="/login/language"' in page.text
    token = csrf_of(page.text)

    assert browser.post("/login/language", {"language": "en"}).status_code == 403
    switched = browser.post(
        "/login/language", {"csrf_token": token, "language": "en", "next": "/kb"}
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == f"/login?next={quote('/kb', safe='')}"
    assert "HttpOnly" in switched.headers["set-cookie"]
    assert "Log in" in browser.get(switched.headers["location"]).text
    # Somewhere else than this site is never where it leads.
    away = browser.post(
        "/login/language", {"csrf_token": token, "language": "es", "next": "//evil.example"}
    )
    assert away.headers["location"] == "/login?next=%2F"
    assert "Iniciar sesión" in browser.get("/login").text
    wrong = browser.post("/login/language", {"csrf_token": token, "language": "xx"})
    assert wrong.status_code == 422

    # Logged in, the person's own choice comes first; without one, this browser's.
    browser.post("/login/language", {"csrf_token": token, "language": "en"})
    assert browser.login("ana", PASSWORD).status_code == 303
    assert "My tickets" in browser.get("/tickets").text
    with api.session() as session:
        ana = users.get_user(session, ref="ana")
        ana.language = "es"
    assert "Mis incidencias" in browser.get("/tickets").text


def test_a_person_chooses_which_notifications_reach_them_by_which_channel(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    browser = Browser(api, language="en")
    browser.login("ana", PASSWORD)
    # Reached from the header's Notifications page.
    assert 'href="/me/notifications"' in browser.get("/notifications").text
    page = browser.get("/me/notifications")
    assert page.status_code == 200
    # An end user is told of their own tickets only: no staff kinds are offered.
    assert "A new comment" in page.text
    assert "Monitoring opened a ticket" not in page.text
    assert 'aria-label="A new comment: Email" checked' in page.text  # the defaults
    assert 'aria-label="A new comment: Push" checked' in page.text
    assert 'value="comment:push"' in page.text
    token = csrf_of(page.text)

    refused = browser.post("/me/notifications", {"on": "comment:push"})
    assert refused.status_code == 403
    saved = browser.client.post(
        "/me/notifications",
        data={"csrf_token": token, "on": ["status:email", "bogus:email"]},
    )
    assert (saved.status_code, saved.headers["location"]) == (
        303,
        "/me/notifications?saved=true",
    )
    with api.session() as session:
        chosen = prefs.preferences(session, user=users.get_user(session, ref="ana"))
    assert chosen[(NotifyKind.COMMENT, Channel.PUSH)] is False
    assert chosen[(NotifyKind.COMMENT, Channel.EMAIL)] is False
    assert chosen[(NotifyKind.STATUS, Channel.EMAIL)] is True
    assert chosen[(NotifyKind.TICKET_CREATED, Channel.IN_APP)] is False
    # Kinds not offered to an end user keep their defaults.
    assert chosen[(NotifyKind.ALERT_TICKET, Channel.EMAIL)] is True
    again = browser.get("/me/notifications?saved=true").text
    assert 'value="comment:push" id="on-comment-push"' in again
    assert 'aria-label="A new comment: Push">' in again
    assert 'aria-label="A new comment: Email">' in again

    tech = Browser(api, language="es")
    api.user("tere", role="technician", password=PASSWORD)
    tech.login("tere", PASSWORD)
    assert "La monitorización abrió una incidencia" in tech.get("/me/notifications").text
