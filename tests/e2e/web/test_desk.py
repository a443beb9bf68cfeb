"""The technician's ticket page over real HTTP on both databases: what it shows (fields,
requester, asset, SLA clocks in the configured zone, internal notes set apart), each
action as a plain form POST and as htmx sends it, refusals in the page's language with
nothing written, and every typed text escaped."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest

from itsm import i18n
from itsm.accounts import password_change
from itsm.config import Settings
from itsm.i18n import formats
from itsm.inventory import service as inventory
from itsm.inventory.models import AssetType
from itsm.inventory.schemas import AssetCreate
from itsm.tickets import access
from itsm.tickets import service as tickets
from itsm.tickets.models import Category, Source, Status
from itsm.tickets.schemas import CommentCreate, TicketOpen
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.e2e.web.support import Browser
from tests.live_server import Api, live_api

PASSWORD = "correct horse battery"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    # A zone other than UTC, so that a time shown in UTC would be caught.
    with live_api(settings.model_copy(update={"timezone": "Europe/Madrid"})) as running:
        yield running


def _people(api: Api, *, requester_name: str = "Ana Pérez", tech_name: str = "Tere") -> None:
    with api.session() as session:
        users.create_user(session, data=UserCreate(username="ana", full_name=requester_name))
        users.create_user(
            session, data=UserCreate(username="tere", full_name=tech_name, role="technician")
        )
        users.create_user(
            session, data=UserCreate(username="toni", full_name="Toni", role="technician")
        )
    for name in ("ana", "tere"):
        with api.session() as session:
            password_change.set_password(
                session, ref=name, password=password_change.new_password(PASSWORD)
            )


def _ticket(api: Api, title: str = "No imprime", description: str = "Atasco") -> str:
    with api.session() as session:
        ana = users.get_user(session, ref="ana")
        asset = inventory.create_asset(
            session,
            data=AssetCreate(
                asset_tag=f"PC-{uuid.uuid4().hex[:8]}", asset_type=AssetType.LAPTOP, owner_id=ana.id
            ),
        )
        return access.open_ticket(
            session,
            data=TicketOpen(
                title=title, description=description, category=Category.HARDWARE, asset_id=asset.id
            ),
            actor=ana,
            source=Source.WEB,
            zone=api.settings.zone,
            sla=api.settings.sla,
        ).number


def _state(api: Api, number: str) -> tuple[str, str | None, str, str]:
    with api.session() as session:
        t = tickets.get_ticket(session, ref=number)
        return t.status, t.assignee.username if t.assignee else None, t.priority, t.category


def _tech(api: Api) -> tuple[Browser, str]:
    browser = Browser(api)
    assert browser.login("tere", PASSWORD).status_code == 303
    return browser, browser.csrf()


def test_staff_see_the_technician_page_and_end_users_the_portal(api: Api) -> None:
    _people(api)
    number = _ticket(api)
    with api.session() as session:
        tere = users.get_user(session, ref="tere")
        note = CommentCreate(body="NOTA-INTERNA revisar", is_internal=True, time_spent_minutes=15)
        access.add_comment(session, ref=number, data=note, actor=tere)
        access.add_comment(session, ref=number, data=CommentCreate(body="Vamos"), actor=tere)
        created = tickets.get_ticket(session, ref=number)
        due = created.first_response_due_at
        assert due is not None
    browser, _ = _tech(api)
    page = browser.get(f"/tickets/{number}")
    assert page.status_code == 200
    assert 'id="desk"' in page.text
    assert "Ana Pérez (ana)" in page.text
    assert re.search(r"<dd>PC-[0-9a-f]{8}</dd>", page.text)
    assert "Nivel de servicio" in page.text
    with i18n.activated("es"):
        shown_due = formats.when(due, zone=api.settings.zone)
    assert shown_due in page.text
    assert "CET" in shown_due or "CEST" in shown_due
    internal = re.search(r'<li class="card comment internal">(.*?)</li>', page.text, re.S)
    assert internal is not None
    assert "Nota interna" in internal.group(1)
    assert "NOTA-INTERNA revisar" in internal.group(1)
    assert "tiempo dedicado: 15 min" in internal.group(1)
    public = re.search(r'<li class="card comment">(.*?)</li>', page.text, re.S)
    assert public is not None
    assert "Respuesta pública" in public.group(1)
    # Active staff only, by name; only the lifecycle's next statuses.
    people = re.findall(r'<select id="assignee".*?</select>', page.text, re.S)[0]
    assert re.findall(r'<option value="(\w+)"', people) == ["tere", "toni"]

    offered = re.findall(r'<select id="new-status".*?</select>', page.text, re.S)[0]
    assert re.findall(r'value="(\w+)"', offered) == ["in_progress", "pending", "resolved", "closed"]

    requester = Browser(api)
    requester.login("ana", PASSWORD)
    own = requester.get(f"/tickets/{number}")
    assert own.status_code == 200
    assert 'id="desk"' not in own.text
    assert "NOTA-INTERNA" not in own.text
    assert "Vamos" in own.text


def test_each_action_as_a_form_post_then_a_redirect(api: Api) -> None:
    _people(api)
    number, other, third = _ticket(api), _ticket(api, "Otra"), _ticket(api, "Tercera")
    browser, token = _tech(api)

    def post(action: str, **form: str) -> httpx.Response:
        done = browser.post(f"/tickets/{number}/{action}", {"csrf_token": token, **form})
        assert done.status_code == 303, done.text
        return browser.get(done.headers["location"])

    assert "Se ha quedado la incidencia." in post("take").text
    assert _state(api, number)[1] == "tere"
    assert "Asignación guardada." in post("assign", assignee="toni").text
    assert _state(api, number)[1] == "toni"
    post("assign", assignee="")
    assert _state(api, number)[1] is None
    assert "Estado cambiado." in post("status", status="in_progress").text
    page = post("comments", body="Nota de trabajo", visibility="internal", minutes="20")
    assert "Nota interna añadida." in page.text
    page = post("comments", body="Respuesta al usuario", visibility="public")
    assert "Comentario añadido." in page.text
    with api.session() as session:
        found = tickets.comments_of(
            session, ticket=tickets.get_ticket(session, ref=number), include_internal=True
        )
        assert [(c.body, c.is_internal, c.time_spent_minutes) for c in found] == [
            ("Nota de trabajo", True, 20),
            ("Respuesta al usuario", False, 0),
        ]
    assert (
        "Prioridad y categoría guardadas."
        in post("fields", priority="critical", category="network").text
    )
    assert _state(api, number)[2:] == ("critical", "network")
    page = post("links", other=other)
    assert "Incidencias vinculadas." in page.text
    assert f'<a href="/tickets/{other}">{other}</a>' in page.text
    page = post("status", status="resolved", note="Rodillo nuevo")
    assert "Rodillo nuevo" in page.text
    assert _state(api, number)[0] == Status.RESOLVED

    merged = browser.post(f"/tickets/{third}/merge", {"csrf_token": token, "into": other})
    assert merged.status_code == 303
    page = browser.get(merged.headers["location"])
    assert "Incidencia fusionada." in page.text
    assert "Fusionada con" in page.text
    assert _state(api, third)[0] == Status.CLOSED


def test_htmx_gets_the_page_to_swap_and_refusals_in_the_actions_slot(api: Api) -> None:
    _people(api)
    number, other = _ticket(api), _ticket(api, "Otra")
    browser, token = _tech(api)
    # htmx follows the redirect and swaps #desk out of the page it lands on.
    took = browser.post(f"/tickets/{number}/take", {"csrf_token": token}, headers=HTMX)
    assert took.status_code == 303
    assert 'hx-select="#desk"' in browser.get(f"/tickets/{number}").text

    refusals = [
        ("status", {"status": "resolved"}, 422, "para resolver hace falta una nota"),
        ("status", {"status": "bogus"}, 422, "Elija un estado de la lista"),
        ("merge", {"into": "TKT-20000101-9999"}, 404, "Ninguna incidencia tiene ese número."),
        ("merge", {"into": number}, 422, "Indique el número de otra incidencia"),
        ("links", {"other": "TKT-20000101-9999"}, 404, "Ninguna incidencia tiene ese número."),
        ("assign", {"assignee": "nadie"}, 404, "Nadie tiene ese nombre de usuario."),
        ("assign", {"assignee": "ana"}, 422, "Elija un técnico o administrador"),
        ("comments", {"body": "  ", "visibility": "public"}, 422, "Escriba el comentario"),
        ("comments", {"body": "x", "minutes": "-1"}, 422, "Escriba el comentario"),
        ("fields", {"priority": "urgent", "category": "other"}, 422, "Elija una prioridad"),
    ]
    slots = {"comments": "comment", "links": "link"}
    for action, form, status, words in refusals:
        sent = {"csrf_token": token, **form}
        got = browser.post(f"/tickets/{number}/{action}", sent, headers=HTMX)
        assert got.status_code == status, (action, form, got.text)
        assert got.headers["hx-retarget"] == f"#problem-{slots.get(action, action)}"
        assert got.headers["hx-reselect"] == ".problem"
        assert words in got.text, got.text
        assert "<html" not in got.text
        plain = browser.post(f"/tickets/{number}/{action}", sent)  # without JavaScript
        assert plain.status_code == status
        assert words in plain.text
        assert "Volver a la incidencia" in plain.text
    # Nothing of a refused action was written.
    assert _state(api, number) == ("open", "tere", "medium", "hardware")
    with api.session() as session:
        assert access.links(session, ref=number, viewer=None) == []

    with api.session() as session:
        tickets.change_status(session, ref=other, status=Status.CLOSED, actor=None)
    closed = browser.post(
        f"/tickets/{other}/status", {"csrf_token": token, "status": "pending"}, headers=HTMX
    )
    assert closed.status_code == 409
    assert "Ese cambio de estado no está permitido ahora" in closed.text
    expired = browser.post(f"/tickets/{number}/take", {"csrf_token": "stale"}, headers=HTMX)
    assert expired.status_code == 403
    assert "la página caducó" in expired.text


def test_end_users_cannot_use_the_staff_actions(api: Api) -> None:
    _people(api)
    number = _ticket(api)
    browser = Browser(api)
    browser.login("ana", PASSWORD)
    token = browser.csrf()
    for action, form in (
        ("take", {}),
        ("assign", {"assignee": "tere"}),
        ("status", {"status": "closed"}),
        ("fields", {"priority": "critical", "category": "other"}),
        ("merge", {"into": number}),
        ("links", {"other": number}),
        ("comments", {"body": "nota", "visibility": "internal"}),
        ("comments", {"body": "tiempo", "minutes": "5"}),
    ):
        got = browser.post(f"/tickets/{number}/{action}", {"csrf_token": token, **form})
        assert got.status_code == 403, (action, got.text)
    assert _state(api, number) == ("open", None, "medium", "hardware")


PLANTED = ['<script>alert("x")</script>', '"onmouseover=alert(1) x="']


@pytest.mark.parametrize("payload", PLANTED)
def test_every_text_on_the_technician_page_is_escaped(api: Api, payload: str) -> None:
    _people(api, requester_name=f"Ana {payload}", tech_name=f"Tere {payload}")
    number = _ticket(api, title=f"T {payload}", description=payload)
    with api.session() as session:
        tere = users.get_user(session, ref="tere")
        for internal in (True, False):
            data = CommentCreate(body=payload, is_internal=internal)
            access.add_comment(session, ref=number, data=data, actor=tere)
        access.assign(session, ref=number, assignee_ref="tere", actor=tere)
        access.change_status(session, ref=number, status=Status.RESOLVED, note=payload, actor=tere)
    browser, token = _tech(api)
    page = browser.get(f"/tickets/{number}")
    # A refusal that names what was typed does not echo it unescaped either.
    refused = browser.post(f"/tickets/{number}/merge", {"csrf_token": token, "into": payload})
    for shown in (page, refused):
        assert "<script>alert" not in shown.text
        assert '"onmouseover=' not in shown.text
    escaped = payload.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    # The requester's and technician's names, title, description, notes, resolution.
    assert page.text.count(escaped) >= 7, page.text


def test_staff_read_a_pending_ticket_as_pending_and_the_requester_as_waiting(api: Api) -> None:
    _people(api)
    number = _ticket(api)
    with api.session() as session:
        tere = users.get_user(session, ref="tere")
        access.change_status(session, ref=number, status=Status.PENDING, note=None, actor=tere)
        asset_id = tickets.get_ticket(session, ref=number).asset_id
        assert asset_id is not None
        asset_tag = inventory.get_asset(session, ref=asset_id).asset_tag
    browser, _ = _tech(api)
    # The end user's words ("waiting for you") are not the staff's: they wait for the user.
    for url in (f"/tickets/{number}", f"/inventory/assets/{asset_tag}", "/dashboard/panel"):
        page = browser.get(url)
        assert page.status_code == 200, url
        assert "En espera" in page.text, url
        assert "Esperando su respuesta" not in page.text, url
    status = re.search(
        r'<span class="status status-pending">(.*?)</span>', browser.get(f"/tickets/{number}").text
    )
    assert status is not None
    assert status.group(1) == "En espera"

    requester = Browser(api)
    requester.login("ana", PASSWORD)
    own = requester.get(f"/tickets/{number}").text
    assert "Esperando su respuesta" in own
