"""Agent tokens bound to one host, over real HTTP on SQLite and PostgreSQL.

A host-bound agent token sends reports of its own machine only (its machine
identity: machine-id, else DMI UUID, else hostname); one report of another host
refuses the whole batch with a 403 problem, and nothing of it is stored. It sends
no Alertmanager alerts, which may be about any machine. A token is bound by a
hostname only when one inventory item has it.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from itsm.diagnostics.models import DiagnosticReport
from itsm.inventory.models import Asset
from itsm.tickets.models import Ticket
from tests.e2e.api.support import invalid, ok, problem
from tests.e2e.api.test_alertmanager import PATH as ALERTS
from tests.e2e.api.test_alertmanager import alert, notification
from tests.e2e.api.test_diagnostics import T0, disk, report
from tests.live_server import Api

MISMATCH = "report-host-mismatch"


def _agent(api: Api, admin: httpx.Client, host: str | None, name: str = "agent") -> httpx.Client:
    body: dict[str, Any] = {"name": name, "kind": "agent"}
    if host is not None:
        body["host"] = host
    else:  # what it could send before scopes
        body["scopes"] = ["alerts", "reports"]
    issued = ok(admin.post("/tokens", json=body), 201)
    return api.client(issued["token"])


def _envelope(item: dict[str, Any]) -> dict[str, Any]:
    return {"report": item, "tickets": {"problems": [], "recoveries": []}}


def _counts(api: Api, *batch: dict[str, Any]) -> tuple[int, int, int]:
    """Stored reports of ``batch``, inventory items and tickets."""
    ids = [b["report"]["report_id"] if "report" in b else b["report_id"] for b in batch]
    with api.session() as session:
        stored = select(func.count()).select_from(DiagnosticReport)
        return (
            session.scalar(stored.where(DiagnosticReport.report_id.in_(ids))) or 0,
            session.scalar(select(func.count()).select_from(Asset)) or 0,
            session.scalar(select(func.count()).select_from(Ticket)) or 0,
        )


def test_a_bound_token_sends_its_hosts_reports_and_nothing_else(
    api: Api, admin: httpx.Client
) -> None:
    mine, other = uuid.uuid4().hex, uuid.uuid4().hex
    agent = _agent(api, admin, f"machine-id:{mine}")

    single = ok(agent.post("/diagnostics/reports", json=[report(mine, disk("critical", 97.0))]))
    assert single["stored"] == 1
    assert len(single["results"][0]["tickets"]["opened"]) == 1
    renamed = report(mine, disk("healthy", 40.0), hostname="web-01-renamed")  # same machine
    assert ok(agent.post("/diagnostics/reports", json=[_envelope(renamed)]))["stored"] == 1

    stranger = report(other, disk("critical", 97.0), hostname="db-02")
    body = problem(agent.post("/diagnostics/reports", json=[stranger]), 403, MISMATCH)
    assert body["detail"] == (
        f"this agent token is bound to host 'machine-id:{mine}'; report 1 of 1 "
        f"({stranger['report_id']}) is from host 'db-02', identity 'machine-id:{other}'; "
        "nothing was stored"
    )
    assert body["instance"] == "/api/v1/diagnostics/reports"

    before = _counts(api)
    batch = [
        report(mine, disk("critical", 97.0)),
        _envelope(report(mine, disk("warning", 91.0))),
        report(other, disk("critical", 97.0), hostname="web-01"),  # the name is not the host
    ]
    for items in (batch, [_envelope(b) if "report" not in b else b for b in batch]):
        refused = problem(agent.post("/diagnostics/reports", json=items), 403, MISMATCH)
        assert "report 3 of 3" in refused["detail"]
        assert f"identity 'machine-id:{other}'" in refused["detail"]
        assert "\n" not in refused["detail"]
    assert _counts(api, *batch) == (0, before[1], before[2])  # nothing stored, no host, no ticket

    # Unbound agent tokens and admins send for any host, as before.
    free = _agent(api, admin, None, name="free")
    assert ok(free.post("/diagnostics/reports", json=batch))["stored"] == 3
    assert ok(admin.post("/diagnostics/reports", json=[report(other, at=T0)]))["stored"] == 1


def test_a_token_is_bound_through_the_inventory_and_lists_its_binding(
    api: Api, admin: httpx.Client
) -> None:
    machine = uuid.uuid4().hex
    free = _agent(api, admin, None, name="free")
    sent = ok(free.post("/diagnostics/reports", json=[report(machine, hostname="Web-01")]))
    asset_id = sent["results"][0]["asset_id"]
    tag = ok(admin.get(f"/inventory/assets/{asset_id}"))["asset_tag"]
    identity = f"machine-id:{machine}"

    for ref in (tag, str(asset_id), "Web-01", identity):
        issued = ok(admin.post("/tokens", json={"name": ref, "kind": "agent", "host": ref}), 201)
        assert issued["host_identity"] == identity, ref
    dmi = ok(admin.post("/tokens", json={"name": "vm", "kind": "agent", "host": "DMI:AB-CD"}), 201)
    assert dmi["host_identity"] == "dmi:ab-cd"
    listed = {t["name"]: t["host_identity"] for t in ok(admin.get("/tokens"))}
    assert listed["free"] is None
    assert listed[tag] == listed["Web-01"] == identity
    bound = _agent(api, admin, tag, name="web")
    assert ok(bound.post("/diagnostics/reports", json=[report(machine)]))["stored"] == 1

    missing = problem(
        admin.post("/tokens", json={"name": "x", "kind": "agent", "host": "LAP/2024/404"}),
        404,
        "asset-not-found",
    )
    assert (
        "give its identity: machine-id:<id>, dmi:<uuid> or hostname:<name>" in (missing["detail"])
    )
    ok(admin.post("/inventory/assets", json={"asset_tag": "PC-1", "asset_type": "desktop"}), 201)
    problem(
        admin.post("/tokens", json={"name": "x", "kind": "agent", "host": "PC-1"}),
        422,
        "no-machine-identity",
    )
    assert invalid(
        admin.post("/tokens", json={"name": "x", "host": identity}),
        "host",
        "only agent tokens may be bound to a host",
    )
    assert invalid(
        admin.post("/tokens", json={"name": "x", "kind": "agent", "host": "a\x00b"}), "host", "NUL"
    )
    # Personal tokens show no binding; agents still may not read their tokens.
    assert ok(admin.get("/tokens"))[0]["host_identity"] is None
    problem(bound.get("/tokens"), 403, "forbidden")


def test_a_bound_token_may_not_send_alertmanager_alerts(api: Api, admin: httpx.Client) -> None:
    machine = uuid.uuid4().hex
    identity = f"machine-id:{machine}"
    bound = _agent(api, admin, identity)
    firing = notification(alert("HostDown", fingerprint="00000000000000f1"))
    before = _counts(api)

    body = problem(bound.post(ALERTS, json=firing), 403, "host-bound-token")
    assert body["detail"] == (
        f"this agent token is bound to host {identity!r}; "
        "Alertmanager needs an agent token bound to no host"
    )
    assert body["instance"] == "/api/v1" + ALERTS
    # Refused before the notification is read: an invalid one gets the same answer.
    problem(bound.post(ALERTS, json={"version": "3"}), 403, "host-bound-token")
    assert _counts(api) == before  # no ticket

    # Bound through the inventory alike; the same token still sends its host's reports.
    sent = ok(bound.post("/diagnostics/reports", json=[report(machine, hostname="db-01")]))
    assert sent["stored"] == 1
    by_hostname = _agent(api, admin, "db-01", name="by-hostname")
    problem(by_hostname.post(ALERTS, json=firing), 403, "host-bound-token")
    # An agent token bound to no host, and staff, send alerts as before.
    free = _agent(api, admin, None, name="alertmanager")
    opened = ok(free.post(ALERTS, json=firing))["alerts"]
    assert [a["action"] for a in opened] == ["opened"]
    assert len(ok(admin.post(ALERTS, json=firing))["alerts"]) == 1


def test_a_hostname_of_several_items_binds_no_token(api: Api, admin: httpx.Client) -> None:
    free = _agent(api, admin, None, name="free")
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    batch = [report(first, hostname="web-01"), report(second, hostname="web-01")]
    sent = ok(free.post("/diagnostics/reports", json=batch))["results"]
    items = [ok(admin.get(f"/inventory/assets/{r['asset_id']}")) for r in sent]
    assert [i["asset_tag"] for i in items] == ["HOST-web-01", "HOST-web-01-2"]
    tokens_before = len(ok(admin.get("/tokens")))

    refused = problem(
        admin.post("/tokens", json={"name": "web", "kind": "agent", "host": "web-01"}),
        422,
        "ambiguous-hostname",
    )
    assert refused["detail"] == (
        "2 inventory items have the hostname 'web-01' ('HOST-web-01', 'HOST-web-01-2'); "
        "give the item's id or asset tag, or the host's identity: "
        "machine-id:<id>, dmi:<uuid> or hostname:<name>"
    )
    assert len(ok(admin.get("/tokens"))) == tokens_before  # nothing was made

    # The item's id, its asset tag or the identity name one machine.
    for ref, machine in (
        (str(items[1]["id"]), second),
        ("HOST-web-01", first),
        ("HOST-web-01-2", second),
        (f"machine-id:{first}", first),
    ):
        issued = ok(admin.post("/tokens", json={"name": ref, "kind": "agent", "host": ref}), 201)
        assert issued["host_identity"] == f"machine-id:{machine}", ref
    # A hostname only one item has still binds, as before.
    ok(free.post("/diagnostics/reports", json=[report(uuid.uuid4().hex, hostname="db-07")]))
    one = ok(admin.post("/tokens", json={"name": "db", "kind": "agent", "host": "db-07"}), 201)
    assert one["host_identity"] is not None
