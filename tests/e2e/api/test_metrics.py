"""``GET /metrics`` over real HTTP: Prometheus text that matches the database, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from itsm.config import Settings
from itsm.tickets import service as tickets
from itsm.tickets.models import Priority, Status
from tests.factories import make_ticket, make_user
from tests.live_server import Api, live_api, running

Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def scrape(base_url: str, token: str | None = None) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    got = httpx.get(base_url + "/metrics", headers=headers, timeout=30)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(got.text):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[key] = sample.value
    return samples


def by(samples: Samples, name: str, *labels: str) -> dict[tuple[str, ...], float]:
    """``name``'s samples keyed by the values of ``labels``."""
    return {
        tuple(dict(key)[label] for label in labels): value
        for key, value in samples.get(name, {}).items()
    }


def seed(api: Api) -> None:
    with api.session() as session:
        user = make_user(session)
        tech = make_user(session, role="technician")

        def ticket(priority: str, **fields: Any) -> int:
            return make_ticket(session, requester=user, priority=priority, **fields).id

        def move(ref: int, status: Status, note: str | None = None) -> None:
            tickets.change_status(session, ref=ref, status=status, actor=tech, note=note)

        ticket("medium")
        late = ticket("high")
        later = ticket("critical")
        move(later, Status.IN_PROGRESS)
        done = ticket("low")
        move(done, Status.RESOLVED, "fixed")
        ticket("critical", source="diagnostic", fingerprint="diag:disk")
        ticket("high", source="alert", fingerprint="am:0000000000000001")
        old_alert = ticket("low", source="alert", fingerprint="am:0000000000000002")
        move(old_alert, Status.RESOLVED, "cleared")
        waiting = ticket("medium")
        move(waiting, Status.PENDING)
        # What `itsm sla tick` records; resolved tickets no longer count as breaches.
        for ref, first_response, resolution in (
            (late, True, False),
            (later, True, True),
            (done, False, True),
        ):
            row = tickets.get_ticket(session, ref=ref)
            row.first_response_breached = first_response
            row.resolution_breached = resolution


def test_domain_gauges_match_the_database(api: Api) -> None:
    seed(api)
    samples = scrape(api.base_url)
    counts = by(samples, "itsm_tickets", "status", "priority")
    expected = {(s.value, p.value): 0.0 for s in Status for p in Priority}
    expected |= {
        ("open", "medium"): 1,
        ("open", "high"): 2,
        ("open", "critical"): 1,
        ("in_progress", "critical"): 1,
        ("resolved", "low"): 2,
        ("pending", "medium"): 1,
    }
    assert counts == expected  # every combination, zeros included
    breached = by(samples, "itsm_tickets_sla_breached", "clock", "priority")
    assert {k: v for k, v in breached.items() if v} == {
        ("first_response", "high"): 1,
        ("first_response", "critical"): 1,
        ("resolution", "critical"): 1,
    }
    assert len(breached) == 8
    assert by(samples, "itsm_diagnostic_findings_open", "priority") == {
        ("critical",): 1,
        ("high",): 0,
        ("medium",): 0,
        ("low",): 0,
    }
    assert by(samples, "itsm_alerts_open", "priority") == {
        ("critical",): 0,
        ("high",): 1,
        ("medium",): 0,
        ("low",): 0,
    }
    assert samples["itsm_database_up"] == {(): 1.0}


def test_request_counters_and_latencies_increase(api: Api) -> None:
    route = (("method", "GET"), ("route", "/healthz"))
    before = scrape(api.base_url)
    with httpx.Client(base_url=api.base_url) as raw:
        for _ in range(3):
            assert raw.get("/healthz").status_code == 200
        assert raw.get("/no/such/route").status_code == 404
    after = scrape(api.base_url)

    def requests(samples: Samples, *labels: tuple[str, str]) -> float:
        return samples.get("itsm_http_requests_total", {}).get(tuple(sorted(labels)), 0.0)

    ok = (*route, ("status", "200"))
    assert requests(after, *ok) - requests(before, *ok) == 3
    unmatched = (("method", "GET"), ("route", "unmatched"), ("status", "404"))
    assert requests(after, *unmatched) - requests(before, *unmatched) == 1
    counted = after["itsm_http_request_duration_seconds_count"][route]
    assert counted - before["itsm_http_request_duration_seconds_count"].get(route, 0) == 3
    # The first scrape was counted by the time of the second.
    scraped = (("method", "GET"), ("route", "/metrics"), ("status", "200"))
    assert requests(after, *scraped) >= 1


@pytest.fixture
def guarded_api(fresh_db_url: str, tmp_path: Path) -> Iterator[Api]:
    settings = Settings(
        database_url=fresh_db_url,
        data_dir=tmp_path / "data",
        api={"metrics_token": "scrape-me-if-you-can"},
    )
    with live_api(settings) as running_api:
        yield running_api


def test_a_metrics_token_guards_the_endpoint(guarded_api: Api) -> None:
    url = guarded_api.base_url + "/metrics"
    missing = httpx.get(url)
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = httpx.get(url, headers={"Authorization": "Bearer scrape-me-if-you-cant"})
    assert wrong.status_code == 401
    # An API token is not the metrics token.
    api_token = guarded_api.token(guarded_api.user("tech", role="technician"))
    assert httpx.get(url, headers={"Authorization": f"Bearer {api_token}"}).status_code == 401
    assert "itsm_tickets" in scrape(guarded_api.base_url, token="scrape-me-if-you-can")


def test_metrics_still_answer_without_the_database(tmp_path: Path) -> None:
    settings = Settings(
        database_url="postgresql://itsm@127.0.0.1:1/nowhere", data_dir=tmp_path / "data"
    )
    with running(settings) as base_url:
        samples = scrape(base_url)
    assert samples["itsm_database_up"] == {(): 0.0}
    assert "itsm_tickets" not in samples
    assert "itsm_http_requests_total" in samples
