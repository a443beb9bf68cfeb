"""Alertmanager's webhook over real HTTP on SQLite and PostgreSQL, racing deliveries included."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from itsm.accounts.models import TokenKind
from itsm.config import Settings
from itsm.integrations.alertmanager import labels_fingerprint
from itsm.tickets.models import Ticket, TicketComment
from itsm.users.models import User
from tests.live_server import Api, live_api

PATH = "/integrations/alertmanager"


def alert(
    name: str,
    *,
    status: str = "firing",
    severity: str | None = "critical",
    fingerprint: str | None = None,
    summary: str | None = None,
    **labels: str,
) -> dict[str, Any]:
    all_labels = {"alertname": name, "instance": "web1:9100", **labels}
    if severity is not None:
        all_labels["severity"] = severity
    body: dict[str, Any] = {
        "status": status,
        "labels": all_labels,
        "annotations": {
            "summary": summary or f"{name} on web1",
            "description": "Long description\nover two lines.",
            "runbook_url": "https://runbooks.example.org/" + name,
        },
        "startsAt": "2026-03-01T10:00:00.123Z",
        "endsAt": "2026-03-01T11:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": f"http://prometheus:9090/graph?g0.expr=up%7Bjob%3D%22{name}%22%7D",
    }
    if fingerprint is not None:
        body["fingerprint"] = fingerprint
    return body


def notification(*alerts: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    """A version 4 payload as Alertmanager sends it."""
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HostDown"}',
        "truncatedAlerts": 0,
        "status": status or ("firing" if firing else "resolved"),
        "receiver": "itsm",
        "groupLabels": {"alertname": alerts[0]["labels"]["alertname"] if alerts else ""},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


@pytest.fixture
def sender(api: Api) -> httpx.Client:
    """What `itsm token create --agent alertmanager` gives: an agent token."""
    return api.client(api.token(api.user("itsm-agent"), kind=TokenKind.AGENT))


@pytest.fixture
def eager_api(fresh_db_url: str, tmp_path: Path) -> Iterator[Api]:
    """A server that comments on every repeated firing (comment_interval_seconds = 0)."""
    settings = Settings(
        database_url=fresh_db_url,
        data_dir=tmp_path / "data",
        integrations={"alertmanager": {"comment_interval_seconds": 0}},
    )
    with live_api(settings) as running:
        yield running


def tickets_of(api: Api, fingerprint: str) -> list[Ticket]:
    with api.session() as session:
        return list(
            session.scalars(
                select(Ticket).where(Ticket.fingerprint == fingerprint).order_by(Ticket.id)
            ).unique()
        )


def comments_on(api: Api, ticket_id: int) -> list[str]:
    with api.session() as session:
        return list(
            session.scalars(
                select(TicketComment.body)
                .where(TicketComment.ticket_id == ticket_id)
                .order_by(TicketComment.id)
            )
        )


def post(client: httpx.Client, payload: dict[str, Any]) -> list[dict[str, Any]]:
    got = client.post(PATH, json=payload)
    assert got.status_code == 200, got.text
    results: list[dict[str, Any]] = got.json()["alerts"]
    return results


def test_a_firing_alert_opens_one_ticket(api: Api, sender: httpx.Client) -> None:
    [result] = post(sender, notification(alert("HostDown", fingerprint="a1b2c3d4e5f60718")))
    assert result["action"] == "opened"
    assert result["fingerprint"] == "am:a1b2c3d4e5f60718"
    assert result["alertname"] == "HostDown"
    [ticket] = tickets_of(api, "am:a1b2c3d4e5f60718")
    assert result["ticket"] == ticket.number
    assert (ticket.source, ticket.status, ticket.priority) == ("alert", "open", "critical")
    assert ticket.category == "other"
    assert ticket.title == "HostDown on web1"  # the summary names the alert already
    assert ticket.requester.username == "alertmanager"
    for text in (
        "Long description\nover two lines.",
        "- instance: web1:9100",
        "- runbook_url: https://runbooks.example.org/HostDown",
        "- source: http://prometheus:9090/graph?g0.expr=",
        "- started: 2026-03-01 10:00:00 UTC",
        "- Alertmanager: http://alertmanager:9093",
    ):
        assert text in ticket.description
    assert ticket.first_response_due_at is not None  # the SLA clock runs as for any ticket


def test_a_repeated_firing_within_the_interval_changes_nothing(
    api: Api, sender: httpx.Client
) -> None:
    payload = notification(alert("DiskFull", fingerprint="00000000000000d1"))
    [first] = post(sender, payload)
    [again] = post(sender, payload)
    assert again["action"] == "ignored"
    assert again["ticket"] == first["ticket"]
    assert "less than 3600 s ago" in again["reason"]
    [ticket] = tickets_of(api, "am:00000000000000d1")
    assert comments_on(api, ticket.id) == []


def test_a_second_firing_comments_on_the_open_ticket(eager_api: Api) -> None:
    sender = eager_api.client(eager_api.token(eager_api.user("itsm-agent"), kind=TokenKind.AGENT))
    payload = notification(alert("DiskFull", fingerprint="00000000000000d2", summary="95% full"))
    [first] = post(sender, payload)
    [second] = post(sender, payload)
    assert first["action"] == "opened"
    assert (second["action"], second["ticket"]) == ("commented", first["ticket"])
    [ticket] = tickets_of(eager_api, "am:00000000000000d2")
    assert ticket.title == "DiskFull: 95% full"
    assert comments_on(eager_api, ticket.id) == [
        "Still firing (since 2026-03-01 10:00:00 UTC): 95% full"
    ]


def test_a_resolved_alert_resolves_its_ticket_and_a_new_firing_opens_another(
    api: Api, sender: httpx.Client
) -> None:
    fp = "00000000000000e1"
    [opened] = post(sender, notification(alert("HighLoad", fingerprint=fp)))
    [resolved] = post(sender, notification(alert("HighLoad", fingerprint=fp, status="resolved")))
    assert (resolved["action"], resolved["ticket"]) == ("resolved", opened["ticket"])
    [ticket] = tickets_of(api, "am:" + fp)
    assert ticket.status == "resolved"
    assert ticket.resolution_note == (
        "Resolved in Alertmanager at 2026-03-01 11:00:00 UTC: HighLoad on web1"
    )
    # Alertmanager repeats resolved notifications too: the second one finds nothing to do.
    [repeat] = post(sender, notification(alert("HighLoad", fingerprint=fp, status="resolved")))
    assert repeat["action"] == "ignored"
    # The same alert firing later is a new incident: a new ticket.
    [reopened] = post(sender, notification(alert("HighLoad", fingerprint=fp)))
    assert reopened["action"] == "opened"
    assert reopened["ticket"] != opened["ticket"]
    assert [t.status for t in tickets_of(api, "am:" + fp)] == ["resolved", "open"]


def test_a_resolved_alert_without_a_ticket_is_ignored(api: Api, sender: httpx.Client) -> None:
    payload = notification(alert("Gone", fingerprint="00000000000000f1", status="resolved"))
    [result] = post(sender, payload)
    assert result == {
        "fingerprint": "am:00000000000000f1",
        "alertname": "Gone",
        "status": "resolved",
        "action": "ignored",
        "ticket": None,
        "reason": "no active ticket for this alert",
    }
    with api.session() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0
        # Nothing was touched, not even the integration's user.
        assert session.scalar(select(User.id).where(User.username == "alertmanager")) is None


def test_severity_sets_the_priority_and_labels_give_a_missing_fingerprint(
    api: Api, sender: httpx.Client
) -> None:
    alerts = [
        alert("A", severity="warning", fingerprint="0000000000000001"),
        alert("B", severity="INFO", fingerprint="0000000000000002"),
        alert("C", severity="page", fingerprint="0000000000000003"),
        alert("D", severity=None),  # no fingerprint: Alertmanager's own, from the labels
    ]
    results = post(sender, notification(*alerts))
    assert [r["action"] for r in results] == ["opened"] * 4
    derived = "am:" + labels_fingerprint(alerts[3]["labels"])
    assert results[3]["fingerprint"] == derived
    with api.session() as session:
        rows = session.execute(select(Ticket.fingerprint, Ticket.priority)).all()
    assert dict(rows) == {
        "am:0000000000000001": "high",
        "am:0000000000000002": "low",
        "am:0000000000000003": "medium",
        derived: "medium",
    }


def test_an_alert_sent_twice_in_one_notification_counts_once(
    api: Api, sender: httpx.Client
) -> None:
    fp = "00000000000000ab"
    twice = notification(
        alert("Twice", fingerprint=fp), alert("Twice", fingerprint=fp, summary="latest")
    )
    first, last = post(sender, twice)
    assert first["action"] == "ignored"
    assert first["reason"] == "sent again later in this notification"
    assert last["action"] == "opened"
    [ticket] = tickets_of(api, "am:" + fp)
    assert ticket.title == "Twice: latest"
    # Firing, then resolved in the same notification: the last state wins.
    both = notification(
        alert("Twice", fingerprint=fp), alert("Twice", fingerprint=fp, status="resolved")
    )
    assert [r["action"] for r in post(sender, both)] == ["ignored", "resolved"]


def test_odd_text_is_stored_not_refused(api: Api, sender: httpx.Client) -> None:
    nasty = alert(
        "Odd\x00Name \ud800",
        fingerprint="00000000000000aa",
        summary="x" * 500,
        note="\ud800 lone surrogate",
    )
    nasty["annotations"]["description"] = "y" * 100_000
    nasty["generatorURL"] = "http://prometheus:9090/graph"  # a str field: pydantic refuses them
    # Escaped as JSON allows ("\\ud800"): a lone surrogate cannot be sent as UTF-8.
    body = json.dumps(notification(nasty), ensure_ascii=True).encode()
    got = sender.post(PATH, content=body, headers={"content-type": "application/json"})
    assert got.status_code == 200, got.text
    [result] = got.json()["alerts"]
    assert result["action"] == "opened"
    [ticket] = tickets_of(api, "am:00000000000000aa")
    assert len(ticket.title) <= 200
    assert "\x00" not in ticket.title
    assert len(ticket.description.encode()) <= 64 * 1024


def test_malformed_payloads_get_422_naming_the_field(api: Api, sender: httpx.Client) -> None:
    bad_status = notification(alert("X", fingerprint="0000000000000009"))
    bad_status["alerts"][0]["status"] = "burning"
    got = sender.post(PATH, json=bad_status)
    assert got.status_code == 422
    assert got.headers["content-type"] == "application/problem+json"
    [error] = got.json()["errors"]
    assert error["field"] == "alerts.status"
    assert "firing, resolved" in error["message"]

    no_alerts = notification(alert("X"))
    del no_alerts["alerts"]
    got = sender.post(PATH, json=no_alerts)
    assert got.status_code == 422
    assert got.json()["errors"] == [{"field": "alerts", "message": "alerts is required"}]

    bad_time = notification(alert("X"))
    bad_time["alerts"][0]["startsAt"] = "yesterday"
    got = sender.post(PATH, json=bad_time)
    assert got.status_code == 422
    assert got.json()["errors"][0]["field"] == "alerts.startsAt"

    bad_fingerprint = notification(alert("X", fingerprint="not a fingerprint"))
    got = sender.post(PATH, json=bad_fingerprint)
    assert got.status_code == 422
    assert got.json()["errors"][0]["field"] == "alerts.fingerprint"

    assert (
        sender.post(PATH, content=b"{", headers={"content-type": "application/json"}).status_code
        == 400
    )


def test_other_payload_versions_are_refused(api: Api, sender: httpx.Client) -> None:
    payload = notification(alert("X"))
    payload["version"] = "3"
    got = sender.post(PATH, json=payload)
    assert got.status_code == 422
    [error] = got.json()["errors"]
    assert error["field"] == "version"
    assert "version 4" in error["message"]
    with api.session() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_who_may_send_alerts(api: Api) -> None:
    payload = notification(alert("X", fingerprint="00000000000000b1", status="resolved"))
    anonymous = api.client().post(PATH, json=payload)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    # An invalid payload without a token is still 401: nothing is read for a stranger.
    assert api.client().post(PATH, json={"version": "3"}).status_code == 401
    assert api.as_new("enduser").post(PATH, json=payload).status_code == 403
    assert api.as_new("tech", role="technician").post(PATH, json=payload).status_code == 200
    assert api.as_new("boss", role="admin").post(PATH, json=payload).status_code == 200


def _race(clients: list[httpx.Client], payload: dict[str, Any]) -> list[httpx.Response]:
    """Send ``payload`` from every client at the same moment; every response, in order."""
    barrier = threading.Barrier(len(clients))
    responses: list[httpx.Response | BaseException | None] = [None] * len(clients)

    def deliver(n: int) -> None:
        barrier.wait()
        try:
            responses[n] = clients[n].post(PATH, json=payload)
        except BaseException as exc:  # reported below, not lost in the thread
            responses[n] = exc

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done = [r for r in responses if isinstance(r, httpx.Response)]
    assert len(done) == len(clients), responses
    return done


REPLICAS = 12


@pytest.mark.slow
def test_concurrent_duplicate_deliveries_yield_one_ticket_per_alert(api: Api) -> None:
    """Alertmanager HA: every replica sends the same notification at the same moment."""
    agent = api.user("itsm-agent")
    # A token each: a shared one would queue the first round on its last_used_at update.
    clients = [api.client(api.token(agent, kind=TokenKind.AGENT)) for _ in range(REPLICAS)]
    fingerprints = [f"{n:016x}" for n in range(0xC0, 0xC4)]
    firing = notification(*(alert(f"Alert{fp}", fingerprint=fp) for fp in fingerprints))
    resolved = notification(
        *(alert(f"Alert{fp}", fingerprint=fp, status="resolved") for fp in fingerprints)
    )
    # firing, repeated, resolved, firing again (a new incident), and repeated once more
    rounds = [firing, firing, resolved, firing, firing]
    actions: list[Counter[tuple[str, str]]] = []
    for payload in rounds:
        responses = _race(clients, payload)
        assert [r.status_code for r in responses] == [200] * REPLICAS, [
            r.text for r in responses if r.status_code != 200
        ]
        actions.append(
            Counter((a["fingerprint"], a["action"]) for r in responses for a in r.json()["alerts"])
        )
    for fp in ("am:" + f for f in fingerprints):
        opened, repeated, settled, reopened, again = (
            {action: n for (f, action), n in round_.items() if f == fp} for round_ in actions
        )
        assert opened == {"opened": 1, "ignored": REPLICAS - 1}
        assert repeated == {"ignored": REPLICAS}
        assert settled == {"resolved": 1, "ignored": REPLICAS - 1}
        assert reopened == {"opened": 1, "ignored": REPLICAS - 1}
        assert again == {"ignored": REPLICAS}
        found = tickets_of(api, fp)
        assert [t.status for t in found] == ["resolved", "open"]
        assert all(comments_on(api, t.id) == [] for t in found)
    with api.session() as session:
        numbers = session.scalars(select(Ticket.number)).all()
    # Refused duplicates gave their numbers back: the day's numbers have no gaps.
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 9))


@pytest.mark.slow
def test_concurrent_repeats_comment_once_per_interval(eager_api: Api) -> None:
    """With comments on every repeat, racing repeats still lock the ticket one at a time."""
    token = eager_api.token(eager_api.user("itsm-agent"), kind=TokenKind.AGENT)
    clients = [eager_api.client(token) for _ in range(REPLICAS)]
    payload = notification(alert("Flaky", fingerprint="00000000000000f7"))
    for _ in range(3):
        responses = _race(clients, payload)
        assert [r.status_code for r in responses] == [200] * REPLICAS
    [ticket] = tickets_of(eager_api, "am:00000000000000f7")
    # Every delivery but the opening one commented (interval 0), none was lost or doubled.
    assert len(comments_on(eager_api, ticket.id)) == 3 * REPLICAS - 1
