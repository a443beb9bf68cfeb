"""``GET /api/v1/tickets?source=``: where a ticket came from, repeatable, over HTTP."""

from __future__ import annotations

import httpx

from tests.live_server import Api


def test_the_list_filters_by_source(api: Api, admin: httpx.Client) -> None:
    body = {"title": "Ratón", "category": "hardware", "priority": "low"}
    made = admin.post("/tickets", json=body)
    assert made.status_code == 201, made.text
    number = made.json()["number"]

    def numbers(**params: str | list[str]) -> list[str]:
        got = admin.get("/tickets", params=params)
        assert got.status_code == 200, got.text
        return [t["number"] for t in got.json()["items"]]

    assert numbers(source="api") == [number]
    assert numbers(source=["email", "web"]) == []
    assert numbers(source=["web", "api"]) == [number]
    bad = admin.get("/tickets", params={"source": "fax"})
    assert bad.status_code == 422
    assert "allowed: cli, api, web, email, diagnostic, alert" in bad.json()["detail"]
