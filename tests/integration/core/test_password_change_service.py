"""Changing a password is one service call (the door only translates): its own units of
work around Argon2, a wrong current password committed as a failed login."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from itsm.accounts import password_change, service
from itsm.accounts.errors import WrongPassword
from itsm.accounts.models import LoginFailure
from itsm.accounts.principal import Principal
from itsm.config import LoginThrottle, Settings
from itsm.db.runtime import Database, open_database
from itsm.users import service as users
from tests.factories import make_user

OLD, NEW = "correct horse battery", "another horse battery"


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = open_database(settings)
    yield database
    database.dispose()


def _ana(db: Database) -> Principal:
    with db.session() as session:
        ana = make_user(session, username="ana")
        password_change.set_password(
            session, ref=ana.id, password=password_change.new_password(OLD)
        )
        return Principal(user=ana)


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_login(
    db: Database,
) -> None:
    ana = _ana(db)
    with pytest.raises(WrongPassword, match="nothing changed"):
        password_change.change_password(
            db,
            who=ana,
            ref="ana",
            password=NEW,
            current_password="a wrong guess",
            address="10.0.0.7",
            rules=LoginThrottle(),
        )
    with db.session() as session:
        assert session.scalars(select(LoginFailure)).all() != []
        attempt = service.begin_login(
            session, username="ana", address="10.0.0.8", rules=LoginThrottle()
        )
    assert service.password_matches(attempt, OLD)


def test_the_right_current_password_sets_the_new_one(db: Database) -> None:
    ana = _ana(db)
    revoked = password_change.change_password(
        db,
        who=ana,
        ref="ana",
        password=NEW,
        current_password=OLD,
        address="10.0.0.7",
        rules=LoginThrottle(),
    )
    assert revoked == 0
    with db.session() as session:
        attempt = service.begin_login(
            session, username="ana", address="10.0.0.7", rules=LoginThrottle()
        )
        assert users.get_user(session, ref="ana").password_hash is not None
    assert service.password_matches(attempt, NEW)
