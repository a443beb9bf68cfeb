"""The diagnostics agent's account over HTTP: not among the people, never assigned.

It is recognised by its row's ``system`` flag, not by the setting that names it:
an account the agent made under an older name stays hidden after the setting changed.
"""

from __future__ import annotations

import httpx

from itsm.diagnostics.autoticket import agent_user
from itsm.users import service as users
from tests.live_server import Api

REFUSED = (
    "{!r} is the diagnostics agent's account and cannot be assigned tickets; "
    "give a technician or admin"
)


def _agent(api: Api, username: str) -> int:
    """The agent's account as the agent makes it, promoted by mistake."""
    with api.session() as session:
        agent = agent_user(session, username)
        users.set_role(session, who=None, ref=agent.id, role="technician")
        return agent.id


def test_the_agent_account_is_hidden_and_takes_no_ticket(api: Api, admin: httpx.Client) -> None:
    assert api.settings.diagnostics.tickets.agent_username == "itsm-agent"
    old = _agent(api, "old-agent")  # made under a name the setting no longer gives
    current = _agent(api, "itsm-agent")
    api.user("tess", role="technician")
    api.user("itsm-agent-2", role="technician")  # a person, whatever the name suggests
    listed = admin.get("/users")
    assert listed.status_code == 200, listed.text
    names = [u["username"] for u in listed.json()]
    assert not {"itsm-agent", "old-agent"} & set(names)
    assert {"tess", "itsm-agent-2"} <= set(names)
    technicians = admin.get("/users", params={"role": "technician"}).json()
    assert [u["username"] for u in technicians] == ["tess", "itsm-agent-2"]
    every = admin.get("/users", params={"include_system": "true"}).json()
    system = {u["username"] for u in every if u["system"]}
    assert system == {"itsm-agent", "old-agent"}

    ticket = admin.post("/tickets", json={"title": "Fan noisy", "category": "hardware"}).json()
    for name, user_id in (("itsm-agent", current), ("old-agent", old)):
        refused = admin.post(f"/tickets/{ticket['id']}/assign", json={"assignee": name})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"] == REFUSED.format(name)
        # Nor given one as it is opened, by id.
        body = {"title": "Disk full", "category": "hardware", "assignee_id": user_id}
        created = admin.post("/tickets", json=body)
        assert created.status_code == 422, created.text
        assert created.json()["detail"] == REFUSED.format(name)
    assert admin.get(f"/tickets/{ticket['id']}").json()["assignee"] is None
    assert ticket["number"] in {t["number"] for t in admin.get("/tickets").json()["items"]}
    assert len(admin.get("/tickets").json()["items"]) == 1  # nothing half-written
