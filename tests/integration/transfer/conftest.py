"""Fixtures of the import/export tests: the people tickets are imported for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from itsm.sla.config import SlaSettings
from itsm.tickets import transfer
from itsm.users.models import User
from tests.factories import make_user

UTC_ZONE = ZoneInfo("UTC")
# An import's "now" where a test needs it exact (defaults, "in the future").
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@dataclass
class People:
    admin: User
    tech: User
    requester: User
    former: User  # deactivated requester
    former_tech: User  # deactivated technician


@pytest.fixture
def people(session: Session) -> People:
    from itsm.users import service as users

    former = make_user(session, username="former")
    former_tech = make_user(session, username="oldtech", role="technician")
    users.deactivate(session, ref=former.id)
    users.deactivate(session, ref=former_tech.id)
    return People(
        admin=make_user(session, username="ana", role="admin"),
        tech=make_user(session, username="tec", role="technician"),
        requester=make_user(session, username="req"),
        former=former,
        former_tech=former_tech,
    )


def run_import(
    session: Session,
    path: Path,
    *,
    actor: User | None,
    zone: ZoneInfo = UTC_ZONE,
    **options: Any,
) -> transfer.ImportResult:
    fmt = transfer.format_of(path, options.pop("fmt", None))
    return transfer.import_tickets(
        session,
        path=path,
        fmt=fmt,
        actor=actor,
        zone=zone,
        sla=options.pop("sla", SlaSettings()),
        now=options.pop("now", None),
        **options,
    )
