"""How many SQL statements each main page costs, over real HTTP on both databases: the
queue's five views, a staff ticket page, the portal's "my tickets", the dashboard and
its panel. The numbers are pinned, and they must not grow with the data (no query per
row), so that a page cannot silently turn into many round trips again."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.e2e.web.staff_support import PASSWORD, staff_browser
from tests.e2e.web.support import Browser
from tests.live_server import Api

#: Statements per page (transaction control left out: SQLite's BEGIN is one, PostgreSQL's
#: is implicit). Each page reads its viewer's session and unread count first (2).
EXPECTED = {
    "/queue?view=active": 4,
    "/queue?view=mine": 4,
    "/queue?view=unassigned": 4,
    "/queue?view=due-soon": 4,
    "/queue?view=breached": 4,
    "ticket": 9,
    "portal": 5,
    "/dashboard": 2,  # the figures come from the cache, computed apart
    "/dashboard/panel": 2,
}


#: The thread that computes the dashboard's figures after a change, apart from any
#: request (``reports/dashboard_cache.py``): not a page's cost.
BACKGROUND = "dashboard-figures"


@contextmanager
def counting() -> Iterator[list[str]]:
    """The statements any engine of this process runs in the block (the server is a
    thread of it), but the dashboard's background computation."""
    seen: list[str] = []

    def keep(*args: Any) -> None:
        if threading.current_thread().name == BACKGROUND:
            return
        statement = str(args[2]).lstrip().upper()
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", keep)


def statements(browser: Browser, path: str) -> int:
    """The fewest statements of three reads of ``path``: a once-a-minute session touch
    or a dashboard computed again after a change is not the page's own cost."""
    counts = []
    for _ in range(3):
        with counting() as seen:
            got = browser.get(path)
        assert got.status_code == 200, (path, got.status_code, got.text[:300])
        counts.append(len(seen))
    return min(counts)


def _tickets(client: httpx.Client, requester: httpx.Client, count: int) -> str:
    """``count`` tickets of the requester, each with a comment; the last one's number."""
    number = ""
    for n in range(count):
        body = {"title": f"Impresora {n}", "category": "hardware", "priority": "high"}
        got = requester.post("/tickets", json=body)
        assert got.status_code == 201, got.text
        number = got.json()["number"]
        said = client.post(f"/tickets/{number}/comments", json={"body": f"Mirando {n}"})
        assert said.status_code == 201, said.text
    return number


def _counts(staff: Browser, user: Browser, number: str) -> dict[str, int]:
    pages = {p: p for p in EXPECTED if p.startswith("/")}
    pages |= {"ticket": f"/tickets/{number}"}
    found = {key: statements(staff, path) for key, path in pages.items()}
    found["portal"] = statements(user, "/tickets")
    return found


def test_each_main_page_costs_a_fixed_number_of_statements(api: Api) -> None:
    staff = staff_browser(api)
    tech = api.client(api.token("tere"))
    api.user("rosa", password=PASSWORD)
    user = Browser(api, language="es")
    assert user.login("rosa", PASSWORD).status_code == 303
    requester = api.client(api.token("rosa"))

    number = _tickets(tech, requester, 2)
    assert _counts(staff, user, number) == EXPECTED
    number = _tickets(tech, requester, 6)  # more rows, comments and events: same cost
    assert _counts(staff, user, number) == EXPECTED
