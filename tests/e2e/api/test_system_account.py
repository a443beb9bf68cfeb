"""The diagnostics agent's account over HTTP: not among the people, never assigned."""

from __future__ import annotations

import httpx

from tests.live_server import Api


def test_the_agent_account_is_hidden_and_takes_no_ticket(api: Api, admin: httpx.Client) -> None:
    api.user("itsm-agent", role="technician")  # even promoted by mistake
    api.user("tess", role="technician")
    listed = admin.get("/users")
    assert listed.status_code == 200, listed.text
    assert "itsm-agent" not in [u["username"] for u in listed.json()]
    assert "tess" in [u["username"] for u in listed.json()]
    technicians = admin.get("/users", params={"role": "technician"}).json()
    assert [u["username"] for u in technicians] == ["tess"]
    every = admin.get("/users", params={"include_system": "true"}).json()
    assert "itsm-agent" in [u["username"] for u in every]

    ticket = admin.post("/tickets", json={"title": "Fan noisy", "category": "hardware"}).json()
    refused = admin.post(f"/tickets/{ticket['id']}/assign", json={"assignee": "itsm-agent"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == (
        "'itsm-agent' is the diagnostics agent's account and cannot be assigned tickets; "
        "give a technician or admin"
    )
    assert admin.get(f"/tickets/{ticket['id']}").json()["assignee"] is None
