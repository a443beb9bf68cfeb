"""Fixtures of the lifecycle integration tests (on top of ``tests/conftest.py``)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_user

from .support import Desk


@pytest.fixture
def desk(session: Session) -> Desk:
    """A requester, another user, two technicians and two admins (``boss`` comes first)."""
    return Desk(
        requester=make_user(session, username="ana"),
        other=make_user(session, username="bob"),
        tech=make_user(session, role="technician", username="tech"),
        tech2=make_user(session, role="technician", username="tech2"),
        admin=make_user(session, role="admin", username="boss"),
        admin2=make_user(session, role="admin", username="zoe"),
    )
