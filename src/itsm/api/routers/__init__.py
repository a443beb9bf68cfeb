"""Every router of the API, with whether it lives under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from itsm import schema

# Before any route is declared: FastAPI cannot validate with deferred models.
schema.build_eagerly()

from itsm.api.routers import (  # noqa: E402
    alertmanager,
    attachments,
    auth,
    diagnostics,
    events,
    health,
    inventory,
    kb,
    me,
    metrics,
    notify,
    push,
    reports,
    technician_categories,
    ticket_import,
    tickets,
    users,
    watchers,
    webhooks,
)

ROUTERS: list[tuple[APIRouter, bool]] = [
    (health.router, False),
    (metrics.router, False),
    (auth.router, True),
    (alertmanager.router, True),
    (diagnostics.router, True),
    (ticket_import.router, True),
    (tickets.router, True),
    (attachments.router, True),
    (watchers.router, True),
    (users.router, True),
    (technician_categories.router, True),
    (kb.router, True),
    (inventory.router, True),
    (reports.router, True),
    (events.router, True),
    (me.router, True),
    (notify.router, True),
    (push.router, True),
    (webhooks.router, True),
]
