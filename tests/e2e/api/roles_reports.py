"""Who may call the report routes (see :mod:`tests.e2e.api.matrix`): staff only."""

from __future__ import annotations

from tests.e2e.api.matrix import STAFF, Case

CASES: list[Case] = [
    Case("GET", "/reports/service", STAFF),
    Case("GET", "/reports/service", STAFF, params={"start": "2025-03-01", "end": "2025-04-01"}),
    Case("GET", "/reports/dashboard", STAFF),
]
