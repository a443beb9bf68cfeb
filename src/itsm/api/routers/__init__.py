"""Every router of the API, with whether it lives under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from itsm.api.routers import (
    alertmanager,
    auth,
    diagnostics,
    health,
    inventory,
    kb,
    metrics,
    reports,
    tickets,
    users,
)

ROUTERS: list[tuple[APIRouter, bool]] = [
    (health.router, False),
    (metrics.router, False),
    (auth.router, True),
    (alertmanager.router, True),
    (diagnostics.router, True),
    (tickets.router, True),
    (users.router, True),
    (kb.router, True),
    (inventory.router, True),
    (reports.router, True),
]
