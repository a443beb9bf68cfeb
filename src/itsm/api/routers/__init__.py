"""Every router of the API, with whether it lives under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from itsm.api.routers import auth, health

ROUTERS: list[tuple[APIRouter, bool]] = [
    (health.router, False),
    (auth.router, True),
]
