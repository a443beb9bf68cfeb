"""The live dashboard in a real browser (Debian's Chromium through Playwright): a
diagnostics report and an Alertmanager notification posted over the API show on an
open dashboard within a second, without a reload."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from itsm.accounts.models import TokenKind
from tests.e2e.web.support import log_in
from tests.live_server import Api

playwright_api = pytest.importorskip("playwright.sync_api")

LIVE_WITHIN_MS = 1000
PASSWORD = "dashboard-Passw0rd-2026"  # a test account's password


def _report(machine: str, hostname: str) -> dict[str, Any]:
    finding = {
        "check": "disk.usage",
        "subject": "/",
        "severity": "critical",
        "value": 97.0,
        "threshold": 95.0,
        "unit": "%",
        "message": "/ 97.0% used",
    }
    return {
        "schema_version": 1,
        "report_id": str(uuid.uuid4()),
        "agent_version": "0.1.0",
        "host": {"hostname": hostname, "machine_id": machine, "os": "Debian GNU/Linux 12"},
        "collected_at": datetime.now(UTC).isoformat(),
        "duration_seconds": 1.0,
        "severity": "critical",
        "checks": [finding],
        "probes": {},
    }


def _notification(instance: str) -> dict[str, Any]:
    labels = {"alertname": "HostDown", "instance": instance, "severity": "critical"}
    return {
        "version": "4",
        "status": "firing",
        "receiver": "itsm",
        "externalURL": "http://alertmanager:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": f"{instance} is down"},
                "startsAt": datetime.now(UTC).isoformat(),
                "endsAt": "0001-01-01T00:00:00Z",
            }
        ],
    }


def test_reports_and_alerts_show_on_an_open_dashboard_within_a_second(
    api: Api, browser_page: Any
) -> None:
    api.user("tina", role="technician", password=PASSWORD)
    agent = api.client(api.token(api.user("agent-owner"), kind=TokenKind.AGENT))
    page = browser_page
    log_in(page, api.base_url, "tina", PASSWORD)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{api.base_url}/dashboard")
    expect = playwright_api.expect
    expect(page.locator("#dashboard[data-state=live]")).to_have_count(1, timeout=10_000)
    unassigned = page.locator("[data-figure=unassigned]")
    before = int(unassigned.inner_text())

    sent = agent.post("/diagnostics/reports", json=[_report(uuid.uuid4().hex, "pc-live")])
    posted = time.monotonic()
    assert sent.status_code == 200, sent.text
    expect(page.locator('[data-host="pc-live"]')).to_have_count(1, timeout=LIVE_WITHIN_MS)
    assert (time.monotonic() - posted) * 1000 <= LIVE_WITHIN_MS
    expect(unassigned).to_have_text(str(before + 1), timeout=LIVE_WITHIN_MS)  # its ticket

    sent = agent.post("/integrations/alertmanager", json=_notification("db-7"))
    posted = time.monotonic()
    assert sent.status_code == 200, sent.text
    expect(unassigned).to_have_text(str(before + 2), timeout=LIVE_WITHIN_MS)
    assert (time.monotonic() - posted) * 1000 <= LIVE_WITHIN_MS
    assert errors == []
