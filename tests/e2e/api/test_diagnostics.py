"""Diagnostic reports over real HTTP on both databases: sending, idempotency, reading.

Reports are the documented JSON built by hand, so each test controls every
finding; the server runs the same ``process_reports`` as a local run.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from itsm.accounts.models import TokenKind
from itsm.diagnostics.models import DiagnosticReport
from itsm.diagnostics.schemas import MAX_BATCH
from itsm.inventory.models import Asset
from itsm.tickets.models import Ticket
from tests.live_server import Api

PROBLEM = "application/problem+json"
T0 = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def disk(severity: str, value: float, subject: str = "/") -> dict[str, Any]:
    threshold = 95.0 if severity == "critical" else 90.0
    return {
        "check": "disk.usage",
        "subject": subject,
        "severity": severity,
        "value": value,
        "threshold": threshold,
        "unit": "%",
        "message": f"{subject} {value:.1f}% used",
    }


def report(
    machine: str, *findings: dict[str, Any], at: datetime = T0, hostname: str = "web-01"
) -> dict[str, Any]:
    order = ["healthy", "unknown", "warning", "critical"]
    worst = max((f["severity"] for f in findings), key=order.index, default="healthy")
    return {
        "schema_version": 1,
        "report_id": str(uuid.uuid4()),
        "agent_version": "0.1.0",
        "host": {"hostname": hostname, "machine_id": machine, "os": "Debian GNU/Linux 12"},
        "collected_at": at.isoformat(),
        "duration_seconds": 1.0,
        "severity": worst,
        "checks": list(findings),
        "probes": {"system": {"status": "ok", "hostname": hostname, "logical_cpus": 4}},
    }


@pytest.fixture
def agent(api: Api) -> httpx.Client:
    return api.client(api.token(api.user("agent-owner"), kind=TokenKind.AGENT))


def send(client: httpx.Client, batch: list[dict[str, Any]]) -> dict[str, Any]:
    got = client.post("/diagnostics/reports", json=batch)
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


def test_a_batch_stores_reports_upserts_the_host_and_runs_tickets_in_order(
    api: Api, agent: httpx.Client
) -> None:
    machine = uuid.uuid4().hex
    batch = [
        report(machine, disk("critical", 97.0), at=T0),
        report(machine, disk("critical", 97.5), at=T0 + timedelta(minutes=1)),
        report(machine, disk("healthy", 40.0), at=T0 + timedelta(minutes=2), hostname="web-01b"),
    ]
    body = send(agent, batch)

    assert (body["received"], body["stored"], body["duplicates"]) == (3, 3, 0)
    results = body["results"]
    assert [r["report_id"] for r in results] == [b["report_id"] for b in batch]
    assert {r["status"] for r in results} == {"stored"}
    opened = results[0]["tickets"]["opened"]
    assert len(opened) == 1
    assert results[1]["tickets"] == {"opened": [], "commented": [], "escalated": [], "resolved": []}
    assert results[2]["tickets"]["resolved"] == opened
    with api.session() as session:
        asset = session.scalars(
            select(Asset).where(Asset.machine_id == f"machine-id:{machine}")
        ).one()
        assert {r["asset_id"] for r in results} == {asset.id}
        assert asset.hostname == "web-01b"  # the last report's name
        assert asset.last_seen_at == T0 + timedelta(minutes=2)
        assert asset.cpu_cores == 4
        ticket = session.scalars(select(Ticket).where(Ticket.number == opened[0])).one()
        assert (ticket.status, ticket.source, ticket.asset_id) == (
            "resolved",
            "diagnostic",
            asset.id,
        )
        rows = session.scalars(
            select(DiagnosticReport)
            .where(DiagnosticReport.asset_id == asset.id)
            .order_by(DiagnosticReport.id)
        ).all()
        assert [r.report_id for r in rows] == [b["report_id"] for b in batch]
        assert rows[0].report["checks"][0]["value"] == 97.0


def test_a_resent_report_is_stored_once_and_reported_as_duplicate(
    api: Api, agent: httpx.Client
) -> None:
    machine = uuid.uuid4().hex
    first = report(machine, disk("critical", 97.0))
    once = send(agent, [first])
    again = send(
        agent, [first, first, report(machine, disk("critical", 97.0), at=T0 + timedelta(minutes=1))]
    )

    assert once["results"][0]["status"] == "stored"
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate", "stored"]
    assert (again["stored"], again["duplicates"]) == (1, 2)
    assert again["results"][0]["id"] == once["results"][0]["id"]
    assert all(not any(r["tickets"].values()) for r in again["results"])
    twin = report(machine, at=T0 + timedelta(minutes=5))
    inside = send(agent, [twin, twin])
    assert [r["status"] for r in inside["results"]] == ["stored", "duplicate"]
    with api.session() as session:
        count = session.scalar(
            select(func.count())
            .select_from(DiagnosticReport)
            .where(DiagnosticReport.report_id.in_([first["report_id"], twin["report_id"]]))
        )
        assert count == 2
        fps = session.scalars(select(Ticket.fingerprint).where(Ticket.source == "diagnostic")).all()
        assert len(fps) == 1  # the resend opened nothing


def test_an_envelope_carries_the_watch_loops_debounced_decisions(
    api: Api, agent: httpx.Client
) -> None:
    machine = uuid.uuid4().hex
    # Critical, but not yet persisted: the agent holds no problem, so no ticket.
    early = {
        "report": report(machine, disk("critical", 97.0)),
        "tickets": {"problems": [], "recoveries": []},
    }
    # Persisted as a WARNING (critical not yet for long enough): a high-priority ticket.
    held = {
        "report": report(machine, disk("critical", 97.0), at=T0 + timedelta(minutes=1)),
        "tickets": {
            "problems": [{"check": "disk.usage", "subject": "/", "severity": "warning"}],
            "recoveries": [],
        },
    }
    # Healthy but inside the hysteresis band: the agent does not recover it yet.
    band = {
        "report": report(machine, disk("healthy", 89.0), at=T0 + timedelta(minutes=2)),
        "tickets": {"problems": [], "recoveries": []},
    }
    body = send(agent, [early, held, band])
    assert [any(r["tickets"].values()) for r in body["results"]] == [False, True, False]
    (number,) = body["results"][1]["tickets"]["opened"]
    cleared = {
        "report": report(machine, disk("healthy", 40.0), at=T0 + timedelta(minutes=3)),
        "tickets": {"problems": [], "recoveries": [{"check": "disk.usage", "subject": "/"}]},
    }
    assert send(agent, [cleared])["results"][0]["tickets"]["resolved"] == [number]
    with api.session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert ticket.priority == "high"
        assert ticket.title.startswith("[WARNING]")


def test_bad_batches_are_refused_with_a_problem_naming_the_field(
    api: Api, agent: httpx.Client
) -> None:
    machine = uuid.uuid4().hex
    good = report(machine)
    cases: list[Any] = [
        [],
        {"reports": [good]},
        [{**good, "schema_version": 2}],
        [{**good, "surprise": 1}],
        [{**good, "collected_at": "2026-03-04T05:06:07"}],  # no time zone
        [
            {
                "report": good,
                "tickets": {
                    "problems": [{"check": "cpu.load", "subject": "cpu", "severity": "warning"}]
                },
            }
        ],
        [{"report": good, "tickets": {"recoveries": [{"check": "disk.usage", "subject": "/"}]}}],
        [good] * (MAX_BATCH + 1),
    ]
    for batch in cases:
        got = agent.post("/diagnostics/reports", json=batch)
        assert got.status_code == 422, (batch if len(batch) < 5 else len(batch), got.text)
        assert got.headers["content-type"] == PROBLEM
        assert got.json()["type"] == "urn:itsm:problem:invalid-input"
        assert got.json()["errors"]
    broken = agent.post(
        "/diagnostics/reports", content=b"[{", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    with api.session() as session:
        assert session.scalar(select(func.count()).select_from(DiagnosticReport)) == 0


def test_only_agent_tokens_and_admins_may_send(api: Api, agent: httpx.Client) -> None:
    machine = uuid.uuid4().hex
    admin = api.as_new("root", role="admin")
    technician = api.as_new("tech", role="technician")
    user = api.as_new("enduser")
    assert admin.post("/diagnostics/reports", json=[report(machine)]).status_code == 200
    for client in (technician, user):
        got = client.post("/diagnostics/reports", json=[report(machine)])
        assert got.status_code == 403
        assert "agent tokens and admins" in got.json()["detail"]
    assert api.client().post("/diagnostics/reports", json=[report(machine)]).status_code == 401
    # An agent token may do nothing else: not read reports, not even its own tokens.
    for path in ("/diagnostics/reports", "/tokens", "/inventory/assets", "/tickets"):
        got = agent.get(path)
        assert got.status_code == 403, (path, got.text)
        assert got.json()["detail"] == "agent tokens may only send diagnostic reports"


def test_staff_read_the_history_and_one_report(api: Api, agent: httpx.Client) -> None:
    alpha, beta = uuid.uuid4().hex, uuid.uuid4().hex
    batch = [
        report(alpha, disk("healthy", 40.0), at=T0, hostname="alpha"),
        report(alpha, disk("critical", 97.0), at=T0 + timedelta(hours=1), hostname="alpha"),
        report(beta, disk("warning", 91.0), at=T0 + timedelta(hours=2), hostname="beta"),
    ]
    stored = send(agent, batch)["results"]
    tech = api.as_new("tech", role="technician")

    alpha_history = tech.get("/diagnostics/reports", params={"host": "alpha"})
    assert alpha_history.status_code == 200
    assert [r["report_id"] for r in alpha_history.json()] == [
        batch[1]["report_id"],
        batch[0]["report_id"],
    ]
    critical = tech.get("/diagnostics/reports", params={"severity": "critical"}).json()
    assert [r["host"] for r in critical] == ["alpha"]
    assert critical[0]["problems"] == 1
    trend = tech.get(
        "/diagnostics/reports", params={"host": "alpha", "check": "disk.usage", "limit": 1}
    ).json()
    assert trend == [
        {
            "id": stored[1]["id"],
            "report_id": batch[1]["report_id"],
            "host": "alpha",
            "asset_id": stored[1]["asset_id"],
            "collected_at": "2026-03-04T06:06:07Z",
            "severity": "critical",
            "problems": 1,
            "check": {"/": {"severity": "critical", "value": 97.0}},
        }
    ]
    since = tech.get(
        "/diagnostics/reports", params={"since": (T0 + timedelta(minutes=90)).isoformat()}
    ).json()
    assert [r["host"] for r in since] == ["beta"]

    by_id = tech.get(f"/diagnostics/reports/{stored[2]['id']}")
    by_uuid = tech.get(f"/diagnostics/reports/{batch[2]['report_id']}")
    assert by_id.status_code == by_uuid.status_code == 200
    assert by_id.json() == by_uuid.json()
    one = by_id.json()
    assert one["report"]["report_id"] == batch[2]["report_id"]
    assert one["report"]["checks"] == batch[2]["checks"]
    assert (one["host"], one["severity"]) == ("beta", "warning")

    missing = tech.get(f"/diagnostics/reports/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:itsm:problem:report-not-found"
    naive = tech.get("/diagnostics/reports", params={"since": "2026-03-04T05:06:07"})
    assert naive.status_code == 422
    unknown = tech.get("/diagnostics/reports", params={"check": "disk.speed"})
    assert unknown.status_code == 422
    assert "disk.usage" in unknown.json()["detail"]


def test_hostile_reports_get_a_422_or_are_stored_never_a_500(api: Api, agent: httpx.Client) -> None:
    machine = uuid.uuid4().hex
    good = report(machine, disk("critical", 97.0))
    refused = {
        "NUL in a host name": {**good, "host": {"hostname": "a\x00b"}},
        "host name too long": {**good, "host": {"hostname": "x" * 256}},
        "NUL in a finding": {**good, "checks": [{**disk("critical", 97.0), "subject": "/\x00"}]},
        "a year past 9999 in UTC": {**good, "collected_at": "9999-12-31T23:59:59-14:00"},
    }
    for reason, bad in refused.items():
        got = agent.post("/diagnostics/reports", json=[bad])
        assert got.status_code == 422, (reason, got.text)
    surrogate = json.dumps([{**good, "probes": {"x": {"y": "\ud800"}}}]).encode()
    got = agent.post(
        "/diagnostics/reports", content=surrogate, headers={"content-type": "application/json"}
    )
    assert got.status_code == 422, got.text
    assert got.json()["type"] == "urn:itsm:problem:invalid-report"
    odd_probes = {
        "system": {"status": "ok", "cpu_model": "a\x00b", "logical_cpus": 10**30, "dmi": 5},
        "disk": {"filesystems": {"not": "a list"}},
        "network": {"interfaces": ["not", "a", "dict"]},
        "temperature": {"sensors": [{"sensor": "\x00"}]},
    }
    stored = send(agent, [{**good, "report_id": str(uuid.uuid4()), "probes": odd_probes}])
    assert stored["stored"] == 1
    with api.session() as session:
        asset = session.get(Asset, stored["results"][0]["asset_id"])
        assert asset is not None
        assert (asset.cpu, asset.cpu_cores, asset.disks) == ("ab", None, [])

    tech = api.as_new("tech", role="technician")
    for ref in ("9" * 40, "%00", "²", "x" * 64):
        assert tech.get(f"/diagnostics/reports/{ref}").status_code == 404, ref
    assert tech.get("/diagnostics/reports", params={"host": "a\x00b"}).json() == []
    far = tech.get("/diagnostics/reports", params={"since": "9999-12-31T23:59:59-14:00"})
    assert far.status_code == 422


def test_the_token_is_checked_before_the_batch_is_validated(api: Api, agent: httpx.Client) -> None:
    """A request without a valid token is refused before its batch is validated: a
    malformed batch gets 401, not 422, so nobody without a token makes the server
    validate megabytes of reports."""
    batch = [report(uuid.uuid4().hex, disk("warning", 91.0)) for _ in range(50)]
    broken = [{**item, "collected_at": "not a time"} for item in batch]
    assert api.client().post("/diagnostics/reports", json=broken).status_code == 401
    forged = api.client(token="itsm_forged-token")
    assert forged.post("/diagnostics/reports", json=broken).status_code == 401
    assert agent.post("/diagnostics/reports", json=broken).status_code == 422
    assert send(agent, batch)["stored"] == 50
