"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from itsm.api.problems import problem
from itsm.db import migrate
from itsm.db.runtime import Database
from itsm.server.deps import database

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive (no database check)")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database is reachable and migrated",
    responses={503: {"description": "Not ready", "content": {"application/problem+json": {}}}},
)
def readyz(db: Annotated[Database, Depends(database)]) -> JSONResponse:
    head = migrate.head_revision()
    try:
        current = migrate.current_revision(db.engine)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unreachable"
        return problem(503, "database-unavailable", f"database is not reachable: {reason}")
    if current != head:
        return problem(
            503,
            "database-not-migrated",
            f"database schema is at {current or 'nothing'}, expected {head}: run 'itsm db upgrade'",
        )
    return JSONResponse({"status": "ready", "schema": current})
