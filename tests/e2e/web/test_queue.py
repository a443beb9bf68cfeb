"""The technicians' queue over real HTTP on both databases: each view, every filter and
order of the API's list, keyset pages, the rows partial htmx swaps in, a 404 for end
users, and every typed text escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from itsm.config import Settings
from itsm.sla.calendar_config import CalendarSettings
from itsm.sla.config import SlaSettings
from itsm.tickets.models import Ticket
from tests.e2e.web.support import Browser
from tests.live_server import Api, live_api

PASSWORD = "queue-Passw0rd-2026"  # the test accounts' password
_ROW = re.compile(r'<tr data-ticket="(TKT-\d{8}-\d{4,})">')
_NEXT = re.compile(r'rel="next" href="/queue\?([^"]+)"')


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    """A server whose SLA clocks run around the clock, so due times are exact."""
    always = SlaSettings(calendar=CalendarSettings(always=True))
    with live_api(settings.model_copy(update={"sla": always})) as running:
        yield running


def _new(client: httpx.Client, title: str, priority: str, **more: Any) -> dict[str, Any]:
    body = {"title": title, "category": "other", "priority": priority, **more}
    got = client.post("/tickets", json=body)
    assert got.status_code == 201, got.text
    data: dict[str, Any] = got.json()
    return data


def _rows(html: str) -> list[str]:
    return _ROW.findall(html)


def _staff(api: Api) -> tuple[Browser, httpx.Client]:
    tina = api.user("tina", role="technician", password=PASSWORD)
    browser = Browser(api)
    assert browser.login("tina", PASSWORD).status_code == 303
    return browser, api.client(api.token(tina))


@pytest.fixture
def seeded(api: Api) -> tuple[Browser, dict[str, dict[str, Any]]]:
    """Tina's queue: one of hers due soon, one an end user filed that nobody took, one of
    Omar's past due, one resolved."""
    browser, tina = _staff(api)
    api.user("omar", role="technician")
    ana = api.as_new("ana")
    tickets = {
        "hers": _new(tina, "Servidor de correo caído", "critical", assignee_id=_id(tina, "tina")),
        "free": _new(ana, "Ratón roto", "low"),
        "late": _new(tina, "Licencia caducada", "high", assignee_id=_id(tina, "omar")),
        "done": _new(tina, "Impresora sin tóner", "medium"),
    }
    with api.session() as session:  # Omar's first response was due two hours ago
        late = session.get(Ticket, tickets["late"]["id"])
        assert late is not None
        late.first_response_due_at = datetime.now(UTC) - timedelta(hours=2)
    for status, note in (("in_progress", None), ("resolved", "Cambiado el tóner")):
        body = {"status": status, "note": note}
        moved = tina.post(f"/tickets/{tickets['done']['id']}/status", json=body)
        assert moved.status_code == 200, moved.text
    return browser, tickets


def _id(client: httpx.Client, username: str) -> int:
    got = client.get(f"/users/{username}")
    assert got.status_code == 200, got.text
    found: int = got.json()["id"]
    return found


def test_each_view_lists_its_tickets_with_the_sla_state_in_words(
    seeded: tuple[Browser, dict[str, dict[str, Any]]],
) -> None:
    browser, t = seeded
    n = {key: ticket["number"] for key, ticket in t.items()}
    landing = browser.get("/")
    assert landing.headers["location"] == "/queue"

    mine = browser.get("/queue")
    assert mine.status_code == 200, mine.text
    assert _rows(mine.text) == [n["hers"]]
    assert '<a href="/queue">Cola</a>' in mine.text  # the nav's link, for staff
    assert f'<a href="/tickets/{n["hers"]}">{n["hers"]}</a>' in mine.text
    assert 'aria-current="page">Mías</a>' in mine.text
    assert "Vence pronto, dentro de" in mine.text  # critical: first response in 30 minutes
    assert 'data-due="soon"' in mine.text
    assert "Servidor de correo caído" in mine.text

    assert _rows(browser.get("/queue?view=unassigned").text) == [n["free"]]
    active = browser.get("/queue?view=active").text
    assert _rows(active) == [n["late"], n["free"], n["hers"]]  # newest first
    assert "Vencido hace 2 horas" in active
    assert 'data-due="breached"' in active
    assert re.search(r'data-due="ok">\s*<span>Vence dentro de \d+ horas', active)
    assert _rows(browser.get("/queue?view=due-soon").text) == [n["hers"]]
    assert _rows(browser.get("/queue?view=breached").text) == [n["late"]]
    # the SLA views put what is due first; the others the newest first
    assert 'value="due" selected' in browser.get("/queue?view=breached").text

    english = Browser(browser.api, language="en")
    english.client.cookies = browser.client.cookies
    shown = english.get("/queue?view=active").text
    assert ">Queue<" in shown
    assert "Breached 2 hours ago" in shown
    assert "Due soon, in" in shown


def test_every_filter_and_order_of_the_api_list(
    seeded: tuple[Browser, dict[str, dict[str, Any]]],
) -> None:
    browser, t = seeded
    n = {key: ticket["number"] for key, ticket in t.items()}

    def rows(query: str) -> list[str]:
        got = browser.get(f"/queue?{query}")
        assert got.status_code == 200, got.text
        return _rows(got.text)

    assert rows("view=active&status=resolved") == [n["done"]]
    assert rows("view=active&status=open&status=in_progress&priority=low") == [n["free"]]
    assert rows("view=active&priority=critical&priority=high") == [n["late"], n["hers"]]
    assert rows("view=active&category=other&assignee=omar") == [n["late"]]
    assert rows("view=active&assignee=omar&assignee=tina") == [n["late"], n["hers"]]
    assert rows("view=active&category=hardware") == []
    assert rows("view=active&requester=ana") == [n["free"]]
    assert rows("view=active&source=api&q=rat%C3%B3n") == [n["free"]]
    assert rows("view=active&source=email") == []
    assert rows("view=active&sla=breached") == [n["late"]]
    assert rows("view=active&sort=oldest") == [n["hers"], n["free"], n["late"]]
    assert rows("view=active&sort=priority") == [n["hers"], n["late"], n["free"]]
    assert rows("view=active&sort=due") == [n["late"], n["hers"], n["free"]]
    # the form's empty choices mean "any"
    assert rows("view=active&status=&priority=&sla=&sort=&q=&assignee=") == rows("view=active")
    # the view's own field wins over a chosen one
    assert rows("view=mine&assignee=omar") == [n["hers"]]
    no_words = browser.get("/queue?view=active&q=nadaquecoincida").text
    assert _rows(no_words) == []
    assert "Ninguna incidencia coincide." in no_words

    # The page's language (Spanish), with the values that are allowed.
    for query, said in (
        ("view=everything", "view no válido: 'everything'; valores permitidos: mine, unassigned"),
        ("priority=urgent", "priority no válido: 'urgent'; valores permitidos: critical, high"),
        ("sort=random", "sort no válido: 'random'; valores permitidos: newest, oldest, priority"),
        ("sla=overdue", "sla no válido: 'overdue'; valores permitidos: due-soon, breached"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor no válido"),
    ):
        refused = browser.get(f"/queue?{query}")
        assert refused.status_code == 422, (query, refused.text)
        assert said in html.unescape(refused.text)
        assert "Traceback" not in refused.text
    unknown = browser.get("/queue?view=active&requester=nadie-asi")
    assert unknown.status_code == 422
    assert "el usuario 'nadie-asi' no existe" in html.unescape(unknown.text)


def test_keyset_pages_through_the_rows_partial_and_the_whole_page(api: Api) -> None:
    browser, tina = _staff(api)
    numbers = [_new(tina, f"Portátil {i:02d}", "medium")["number"] for i in range(30)]

    first = browser.get("/queue?view=unassigned&sort=oldest")
    assert _rows(first.text) == numbers[:25]
    following = _NEXT.search(first.text)
    assert following is not None
    query = following.group(1).replace("&amp;", "&")
    second = browser.get(f"/queue?{query}")
    assert _rows(second.text) == numbers[25:]
    assert _NEXT.search(second.text) is None
    assert "Primera página" in second.text

    swapped = browser.get(f"/queue/rows?{query}", headers={"HX-Request": "true"})
    assert swapped.status_code == 200
    assert _rows(swapped.text) == numbers[25:]
    assert swapped.text.lstrip().startswith('<div id="queue-rows"')  # the rows alone
    assert swapped.headers["hx-push-url"] == f"/queue?{query}"
    plain = browser.get(f"/queue/rows?{query}")
    assert "hx-push-url" not in plain.headers


def test_end_users_find_no_queue(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    browser = Browser(api)
    browser.login("ana", PASSWORD)
    assert browser.get("/").headers["location"] == "/tickets"
    for path in ("/queue", "/queue?view=active", "/queue/rows", "/queue/rows?view=breached"):
        got = browser.get(path)
        assert got.status_code == 404, path
        assert "No encontrado" in got.text
        assert "Cola" not in got.text
    assert 'href="/queue"' not in browser.get("/tickets").text
    assert Browser(api).get("/queue").headers["location"] == "/login?next=%2Fqueue"


@pytest.mark.parametrize(
    "payload", ["<script>alert('x')</script>", '"><img src=x onerror=alert(1)>']
)
def test_every_typed_text_is_escaped(api: Api, payload: str) -> None:
    browser, tina = _staff(api)
    _new(tina, payload, "high")
    for path in ("/queue?view=unassigned", "/queue/rows?view=unassigned"):
        body = browser.get(path).text
        assert len(_rows(body)) == 1
        assert payload not in body
        assert "&lt;" in body
        unknown = browser.get(path, params={"view": "active", "assignee": payload[:60]})
        assert unknown.status_code == 422  # nobody has that name, which the page repeats
        assert payload[:60] not in unknown.text
        assert "&lt;" in unknown.text
    searched = browser.get("/queue", params={"view": "unassigned", "q": payload})
    assert payload not in searched.text
    assert 'value="&lt;' in searched.text or 'value="&#34;&gt;' in searched.text


def test_the_form_offers_several_choices_per_filter(
    seeded: tuple[Browser, dict[str, dict[str, Any]]],
) -> None:
    browser, t = seeded
    page = browser.get("/queue?view=active&priority=critical&priority=high&status=open").text

    def ticked(name: str) -> tuple[list[str], list[str]]:
        box = re.search(rf'<fieldset id="queue-{name}".*?</fieldset>', page, re.S)
        assert box is not None, name
        offered = re.findall(rf'<input type="checkbox" name="{name}" value="(\w+)"', box.group(0))
        chosen = re.findall(r'value="(\w+)" checked', box.group(0))
        return offered, chosen

    assert ticked("priority") == (["critical", "high", "medium", "low"], ["critical", "high"])
    assert ticked("status")[1] == ["open"]
    assert ticked("category")[1] == []
    assert ticked("source")[1] == []
    people = browser.get("/queue?view=active&assignee=omar").text
    box = re.search(r'<fieldset id="queue-assignee".*?</fieldset>', people, re.S)
    assert box is not None
    assert re.findall(r'name="assignee" value="(\w+)"', box.group(0)) == ["omar", "tina"]
    assert re.findall(r'value="(\w+)" checked', box.group(0)) == ["omar"]
    assert "<legend>Prioridad</legend>" in page
    assert _rows(page) == [t["late"]["number"], t["hers"]["number"]]
