"""Who may call the diagnostics routes (see :mod:`tests.e2e.api.matrix`).

Reports are sent by agent tokens and admins (a technician or end user may not
push reports: they could forge a host's state); the history is for staff.
Agent tokens may call nothing but the report upload.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from tests.e2e.api.matrix import STAFF, Case

SENDERS = frozenset({"admin", "agent"})


def _batch(seed: dict[str, Any]) -> Any:
    """A one-report batch: a healthy host of its own, so no ticket is opened.

    Returns a JSON list (the route takes a list); the matrix sends it as the body.
    """
    return [
        {
            "schema_version": 1,
            "report_id": str(uuid.uuid4()),
            "host": {"hostname": f"matrix-{seed['asset']}", "machine_id": uuid.uuid4().hex},
            "collected_at": datetime.now(UTC).isoformat(),
            "duration_seconds": 0.5,
            "severity": "healthy",
            "checks": [
                {
                    "check": "disk.usage",
                    "subject": "/",
                    "severity": "healthy",
                    "value": 40.0,
                    "threshold": 90.0,
                    "unit": "%",
                    "message": "/ 40.0% used",
                }
            ],
            "probes": {},
        }
    ]


CASES: list[Case] = [
    Case("POST", "/diagnostics/reports", SENDERS, body=_batch, mutates=True),
    Case("GET", "/diagnostics/reports", STAFF),
    Case(
        "GET",
        "/diagnostics/reports",
        STAFF,
        params={"severity": "healthy", "check": "disk.usage", "limit": 5},
    ),
    Case("GET", "/diagnostics/reports/{report}", STAFF, template="/diagnostics/reports/{ref}"),
]
