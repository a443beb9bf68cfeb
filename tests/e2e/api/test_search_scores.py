"""Over real HTTP on SQLite and PostgreSQL: an end user's search answer does not move
when other people write. BM25 and ts_rank weigh a word by how every row uses it, so
end users get their hits in rank order without scores; staff keep the scores.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.api.support import ok
from tests.live_server import Api


def _ticket(client: httpx.Client, title: str, description: str) -> dict[str, Any]:
    body = {"title": title, "description": description, "category": "hardware"}
    data: dict[str, Any] = ok(client.post("/tickets", json=body), 201)
    return data


def _answer(client: httpx.Client) -> tuple[Any, ...]:
    """What the searches say: ticket hits (number, score), the total, and KB hits."""
    found = ok(client.get("/tickets/search", params={"q": "printer"}))
    articles = ok(client.get("/kb/articles/search", params={"q": "printer"}))
    return (
        [(t["number"], t["score"]) for t in found["items"]],
        found["total"],
        [(a["id"], a["score"]) for a in articles["items"]],
        articles["total"],
    )


def test_an_end_user_s_search_ignores_other_people_s_words(api: Api, admin: httpx.Client) -> None:
    vera, walt = api.as_new("vera"), api.as_new("walt")
    tech = api.as_new("theo", role="technician")
    mine = [
        _ticket(vera, "Printer offline", "The printer on floor 2 shows offline."),
        _ticket(vera, "Scanner jams", "Also the printer tray."),
    ]
    article = {"title": "Printer queue", "body": "Clear the printer queue.", "category": "hardware"}
    ok(tech.post("/kb/articles", json=article), 201)
    before = _answer(vera)
    assert before[0] == [(mine[0]["number"], None), (mine[1]["number"], None)]
    assert before[1] == 2
    assert before[3] == 1
    assert [score for _, score in before[2]] == [None]

    # Other people's tickets, an internal note on her own ticket and a draft article
    # all use the word, many times.
    for n in range(5):
        _ticket(walt, f"Printer {n} printer", "printer printer printer")
    note = {"body": "printer printer printer firmware", "is_internal": True}
    ok(tech.post(f"/tickets/{mine[1]['id']}/comments", json=note), 201)
    draft = {"title": "Printer printer", "body": "printer", "category": "hardware"}
    ok(tech.post("/kb/articles", json=draft | {"published": False}), 201)

    assert _answer(vera) == before
    # Staff see every match, with its score.
    staff = _answer(tech)
    assert staff[1] == 7
    assert staff[3] == 2
    assert all(isinstance(score, float) for _, score in staff[0] + staff[2])
