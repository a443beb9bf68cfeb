"""The merge and link fields' ticket picker over real HTTP on both databases: the
tickets offered are those the list and search would give the technician, by number or
by words, never the ticket itself; staff only."""

from __future__ import annotations

import re

from tests.e2e.web.support import Browser
from tests.live_server import Api

PASSWORD = "correct horse battery"
_OPTION = re.compile(r'role="option" aria-selected="false" data-value="(TKT-\d{8}-\d{4,})"')


def test_the_picker_offers_tickets_by_number_or_words(api: Api) -> None:
    tina = api.user("tina", role="technician", password=PASSWORD)
    ana = api.user("ana", password=PASSWORD)
    client = api.client(api.token(tina))

    def new(title: str) -> str:
        body = {"title": title, "category": "hardware", "priority": "low", "requester_id": ana.id}
        made = client.post("/tickets", json=body)
        assert made.status_code == 201, made.text
        return str(made.json()["number"])

    here, printer, screen = new("No imprime"), new("Impresora <b>atascada</b>"), new("Pantalla")
    desk = Browser(api)
    assert desk.login("tina", PASSWORD).status_code == 303

    def offered(query: str) -> list[str]:
        got = desk.get(f"/tickets/{here}/pick?{query}")
        assert got.status_code == 200, got.text
        return _OPTION.findall(got.text)

    assert offered("into=") == [screen, printer]  # the newest active, not itself
    assert offered(f"into={printer}") == [printer]
    assert offered("other=impres") == [printer]  # words are prefixes
    assert offered(f"other={here}") == []  # itself: never
    assert offered("into=nadaquecoincida") == []
    assert offered(f"into={2**40}") == []
    assert offered("into=%25%25") == []
    page = desk.get(f"/tickets/{here}/pick?into=impresora").text
    assert "Impresora &lt;b&gt;atascada&lt;/b&gt;" in page
    assert 'id="pick-merge-1"' in page
    assert "Ninguna incidencia coincide." in desk.get(f"/tickets/{here}/pick?other=zzz").text

    requester = Browser(api)
    assert requester.login("ana", PASSWORD).status_code == 303
    assert requester.get(f"/tickets/{here}/pick?into=").status_code == 403
    assert desk.get("/tickets/TKT-20000101-9999/pick?into=").status_code == 404
