"""The self-service portal over real HTTP on both databases: an end user files a
ticket after KB suggestions, follows its public timeline, comments and rates it;
other people's tickets are 404; every text they or others typed is escaped."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from itsm.accounts import password_change
from itsm.kb import service as kb
from itsm.kb.schemas import ArticleCreate
from itsm.tickets import access
from itsm.tickets.models import Category, Source, Status
from itsm.tickets.schemas import CommentCreate, TicketOpen
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.e2e.web.support import Browser
from tests.live_server import Api
from tests.xss import active_content

PASSWORD = "correct horse battery"


def _article(api: Api, title: str, body: str, *, published: bool = True) -> int:
    with api.session() as session:
        data = ArticleCreate(
            title=title, body=body, category=Category.HARDWARE, published=published
        )
        return kb.create_article(session, data=data).id


def _staff_act(api: Api, number: str, *, note: str, reply: str, resolve: str | None) -> None:
    with api.session() as session:
        tech = users.get_user(session, ref="tere")
        access.add_comment(
            session, ref=number, data=CommentCreate(body=note, is_internal=True), actor=tech
        )
        access.add_comment(session, ref=number, data=CommentCreate(body=reply), actor=tech)
        if resolve is not None:
            access.change_status(
                session, ref=number, status=Status.IN_PROGRESS, note=None, actor=tech
            )
            access.change_status(
                session, ref=number, status=Status.RESOLVED, note=resolve, actor=tech
            )


def test_an_end_user_files_follows_comments_on_and_rates_a_ticket(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    api.user("tere", role="technician")
    for n in range(7):
        _article(api, f"Impresora atascada, caso {n}", "Abra la bandeja y retire el papel.")
    _article(api, "Impresora: borrador interno", "No publicado.", published=False)
    browser = Browser(api)
    browser.login("ana", PASSWORD)

    form = browser.get("/tickets/new")
    assert 'hx-get="/kb/suggest"' in form.text
    # Accents and case do not matter, words are prefixes; five at most, drafts never.
    hints = browser.get("/kb/suggest", params={"title": "IMPRESORA atasc"})
    assert "¿Te sirve alguno de estos?" in hints.text
    assert len(re.findall(r'<a href="/kb/\d+" target="_blank"', hints.text)) == 5
    assert "borrador" not in hints.text
    assert browser.get("/kb/suggest", params={"title": "zzzz"}).text.strip() == ""
    article = browser.get(re.findall(r'href="(/kb/\d+)"', hints.text)[0])
    assert "Abra la bandeja" in article.text

    token = browser.csrf("/tickets/new")
    missing = browser.post("/tickets", {"csrf_token": token, "title": "Sin categoría"})
    assert missing.status_code == 422
    assert 'value="Sin categoría"' in missing.text  # the form keeps what was typed
    filed = browser.post(
        "/tickets",
        {
            "csrf_token": token,
            "title": "La impresora no imprime",
            "description": "Atasco en la bandeja 2",
            "category": "hardware",
            "urgency": "blocked",
        },
    )
    assert filed.status_code == 303
    number = filed.headers["location"].removeprefix("/tickets/")
    with api.session() as session:
        ticket = access.visible_ticket(
            session, ref=number, viewer=users.get_user(session, ref="ana")
        )
        assert (ticket.priority, ticket.source, ticket.category) == ("high", "web", "hardware")

    mine = browser.get("/tickets")
    assert mine.text.index("La impresora no imprime") < mine.text.index("Resueltas y cerradas")

    page = browser.get(filed.headers["location"])
    assert "Atasco en la bandeja 2" in page.text
    assert "Incidencia abierta" in page.text
    said = browser.post(
        f"/tickets/{number}/comments", {"csrf_token": token, "body": "Sigue sin imprimir"}
    )
    assert said.status_code == 303

    _staff_act(
        api,
        number,
        note="NOTA-INTERNA: el usuario ya rompió otra",
        reply="Cambiamos el rodillo",
        resolve="Rodillo sustituido",
    )
    page = browser.get(f"/tickets/{number}")
    assert "Sigue sin imprimir" in page.text
    assert "Cambiamos el rodillo" in page.text
    assert "NOTA-INTERNA" not in page.text
    assert "Rodillo sustituido" in page.text
    assert "¿Qué tal lo hemos hecho?" in page.text

    rated = browser.post(
        f"/tickets/{number}/rating", {"csrf_token": token, "rating": "4", "comment": "Rápido"}
    )
    assert rated.status_code == 303
    page = browser.get(f"/tickets/{number}")
    assert "Valoró esta incidencia con 4 de 5." in page.text
    assert "¿Qué tal lo hemos hecho?" not in page.text
    done = browser.get("/tickets")
    assert done.text.index("Resueltas y cerradas") < done.text.index("La impresora no imprime")

    found = browser.get("/kb", params={"q": "bandeja"})
    assert len(re.findall(r'<li class="card"><a href="/kb/\d+">', found.text)) == 7


def test_other_peoples_tickets_are_not_found(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    api.user("bea", password=PASSWORD)
    with api.session() as session:
        bea = users.get_user(session, ref="bea")
        theirs = access.open_ticket(
            session,
            data=TicketOpen(title="De Bea", category=Category.OTHER),
            actor=bea,
            source=Source.WEB,
            zone=api.settings.zone,
        ).number
    draft = _article(api, "Borrador", "Solo técnicos", published=False)
    browser = Browser(api)
    browser.login("ana", PASSWORD)
    token = browser.csrf()
    for response in (
        browser.get(f"/tickets/{theirs}"),
        browser.get("/tickets/999999"),
        browser.post(f"/tickets/{theirs}/comments", {"csrf_token": token, "body": "hola"}),
        browser.post(f"/tickets/{theirs}/rating", {"csrf_token": token, "rating": "5"}),
        browser.get(f"/kb/{draft}"),
    ):
        assert response.status_code == 404
        assert "Esta página no existe o no le corresponde verla." in response.text
    assert "De Bea" not in browser.get("/tickets").text


PLANTED = ['<script>alert("x")</script>', '"onmouseover=alert(1) x="']


@pytest.mark.parametrize("payload", PLANTED)
def test_every_typed_text_is_escaped_on_every_page(api: Api, payload: str) -> None:
    with api.session() as session:
        users.create_user(
            session, data=UserCreate(username="ana", full_name=f"Ana {payload}", role="user")
        )
    with api.session() as session:
        password_change.set_password(
            session, ref="ana", password=password_change.new_password(PASSWORD)
        )
    api.user("tere", role="technician")
    article = _article(api, f"Impresora {payload}", f"Cuerpo {payload}")
    browser = Browser(api)
    browser.login("ana", PASSWORD)
    token = browser.csrf("/tickets/new")
    filed = browser.post(
        "/tickets",
        {
            "csrf_token": token,
            "title": f"Impresora {payload}",
            "description": payload,
            "category": "hardware",
            "urgency": "minor",
        },
    )
    number = filed.headers["location"].removeprefix("/tickets/")
    browser.post(f"/tickets/{number}/comments", {"csrf_token": token, "body": payload})
    _staff_act(api, number, note=payload, reply=payload, resolve=payload)
    browser.post(
        f"/tickets/{number}/rating", {"csrf_token": token, "rating": "3", "comment": payload}
    )
    refused = browser.post("/tickets", {"csrf_token": token, "title": payload})
    pages = [
        browser.get("/tickets"),
        browser.get(f"/tickets/{number}"),
        browser.get("/kb", params={"q": "impresora"}),
        browser.get("/kb/suggest", params={"title": "impresora"}),
        browser.get(f"/kb/{article}"),
        refused,
    ]
    for page in pages:
        assert page.status_code in {200, 422}, page.url
        assert "<script>alert" not in page.text, page.url
        # An article's body is rendered Markdown, where a quote in text is left as it is.
        rendered = re.findall(r'<div class="rendered">(.*?)</div>', page.text, flags=re.S)
        assert all(active_content(html) == [] for html in rendered), page.url
        shown = re.sub(r'<div class="rendered">.*?</div>', "", page.text, flags=re.S)
        assert '"onmouseover=' not in shown, page.url
    escaped = payload.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    for page in pages[:2]:  # the user's name, title, description, comments, note, rating
        assert escaped in page.text, page.url


def test_a_requester_reopens_a_resolved_ticket_or_a_closed_one_within_the_window(
    api: Api,
) -> None:
    api.user("ana", password=PASSWORD)
    api.user("bea")
    api.user("tere", role="technician")
    numbers = {}
    with api.session() as session:
        for key, who in (("mine", "ana"), ("old", "ana"), ("theirs", "bea")):
            requester = users.get_user(session, ref=who)
            numbers[key] = access.open_ticket(
                session,
                data=TicketOpen(title=f"Ticket {key}", category=Category.OTHER),
                actor=requester,
                source=Source.WEB,
                zone=api.settings.zone,
            ).number
    for key in numbers:
        _staff_act(api, numbers[key], note="n", reply="r", resolve="Hecho")
    with api.session() as session:  # closed long ago: past the reopen window
        tech = users.get_user(session, ref="tere")
        old = access.change_status(
            session, ref=numbers["old"], status=Status.CLOSED, note=None, actor=tech
        )
        assert old.closed_at is not None
        old.closed_at -= timedelta(days=365)
    browser = Browser(api)
    browser.login("ana", PASSWORD)
    token = browser.csrf()

    page = browser.get(f"/tickets/{numbers['mine']}")
    assert "Reabrir la incidencia" in page.text
    done = browser.post(f"/tickets/{numbers['mine']}/reopen", {"csrf_token": token})
    assert done.status_code == 303
    page = browser.get(f"/tickets/{numbers['mine']}")
    assert '<span class="status status-open">Abierta</span>' in page.text
    assert "Reabrir la incidencia" not in page.text
    again = browser.post(f"/tickets/{numbers['mine']}/reopen", {"csrf_token": token})
    assert again.status_code == 409  # open already

    assert "Reabrir la incidencia" not in browser.get(f"/tickets/{numbers['old']}").text
    late = browser.post(f"/tickets/{numbers['old']}/reopen", {"csrf_token": token})
    assert late.status_code == 409
    assert "solo puede reabrirse en un plazo de 14 días" in late.text  # the page's language
    theirs = browser.post(f"/tickets/{numbers['theirs']}/reopen", {"csrf_token": token})
    assert theirs.status_code == 404


def test_a_merged_duplicate_says_so_without_naming_another_person_s_ticket(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    api.user("bea")
    api.user("tere", role="technician")
    with api.session() as session:
        people = {name: users.get_user(session, ref=name) for name in ("ana", "bea", "tere")}

        def opened(who: str, title: str) -> str:
            data = TicketOpen(title=title, category=Category.OTHER)
            return access.open_ticket(
                session, data=data, actor=people[who], source=Source.WEB, zone=api.settings.zone
            ).number

        mine, again = opened("ana", "Correo lento"), opened("ana", "Correo")
        hers = opened("bea", "Exchange caído")
        access.merge(session, duplicate_ref=again, target_ref=mine, actor=people["tere"])
        access.merge(session, duplicate_ref=mine, target_ref=hers, actor=people["tere"])
    browser = Browser(api)
    browser.login("ana", PASSWORD)
    # Merged into Bea's ticket: said so, in Spanish, without its number.
    page = browser.get(f"/tickets/{mine}").text
    assert "Cerrada como duplicado de otra incidencia." in page
    assert hers not in page
    # Her other ticket was merged into a ticket she may open: that one is named.
    assert f"Cerrada como duplicado de {mine}." in browser.get(f"/tickets/{again}").text
