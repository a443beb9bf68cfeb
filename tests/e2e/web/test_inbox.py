"""The in-app notifications page over real HTTP, on both databases: what the worker
delivered, newest first, with a count in the header, marked read one or all."""

from __future__ import annotations

import re

from itsm.notify.worker import Worker
from tests.e2e.web.support import Browser
from tests.factories import make_ticket
from tests.live_server import Api

PASSWORD = "correct horse battery"


def test_a_technician_reads_and_clears_their_notifications(api: Api) -> None:
    api.user("tina", role="technician", password=PASSWORD)
    api.user("other", role="technician", password=PASSWORD)
    with api.session() as session:
        first = make_ticket(session, title="Impresora <script>alert(1)</script>")
        second = make_ticket(session, title="Wi-Fi")
    Worker(api.db).run(once=True)
    browser = Browser(api)
    browser.login("tina", PASSWORD)
    page = browser.get("/notifications")
    assert page.status_code == 200
    assert 'class="nav-count" aria-label="2 sin leer">2</span>' in page.text
    assert _listed(page.text) == [second.number, first.number]
    assert f"Nueva incidencia sin asignar {first.number}: Impresora &lt;script&gt;" in page.text
    assert "<script>alert(1)" not in page.text

    ids = re.findall(r'name="id" value="(\d+)"', page.text)
    assert len(ids) == 2
    csrf = browser.csrf("/notifications")
    assert browser.post("/notifications/read", {"id": ids[0]}).status_code == 403  # no CSRF
    done = browser.post("/notifications/read", {"csrf_token": csrf, "id": ids[0]})
    assert done.status_code == 303
    unread = browser.get("/notifications?unread=true").text
    assert _listed(unread) == [first.number]
    assert "1 sin leer" in unread

    # Another person's id changes nothing of theirs; "all" clears the viewer's own.
    other = Browser(api, language="en")
    other.login("other", PASSWORD)
    other.post("/notifications/read", {"csrf_token": other.csrf("/notifications")})
    assert "1 sin leer" in browser.get("/notifications").text
    browser.post("/notifications/read", {"csrf_token": csrf})
    cleared = browser.get("/notifications").text
    assert "nav-count" not in cleared
    assert "0 sin leer" in cleared
    assert "Nada nuevo." in browser.get("/notifications?unread=true").text


def _listed(html: str) -> list[str]:
    """The ticket numbers the list links to, in order."""
    inbox = html.split('<ul class="inbox">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="/tickets/([^"]+)">', inbox)
