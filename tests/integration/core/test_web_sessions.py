"""Web sessions on SQLite and PostgreSQL: idle and absolute expiry, revocation, and
what a password change or a deactivation does to them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.accounts import password_change, sessions
from itsm.accounts.errors import BadCredentials
from itsm.accounts.models import WebSession
from itsm.users import service as users
from tests.factories import make_user

LIFE = sessions.Lifetime(idle=timedelta(minutes=30), absolute=timedelta(hours=8))
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_a_session_lives_while_used_and_never_past_its_absolute_end(session: Session) -> None:
    ana = make_user(session, username="ana")
    row, secret = sessions.open_session(
        session, user=ana, address="10.0.0.7", lifetime=LIFE, now=T0
    )
    stored = session.scalars(select(WebSession.secret_hash)).one()
    assert secret not in stored
    assert len(stored) == 64
    seen = sessions.visit(session, secret=secret, lifetime=LIFE, now=T0 + timedelta(seconds=30))
    assert seen.principal.user.id == ana.id
    assert not seen.touch_due
    assert seen.csrf_token == row.csrf_token

    # Used every 20 minutes, it outlives the idle limit ...
    moment = T0
    for _ in range(6):
        moment += timedelta(minutes=20)
        assert sessions.visit(session, secret=secret, lifetime=LIFE, now=moment).touch_due
        sessions.touch(session, session_id=row.id, now=moment)
    # ... but not the absolute one.
    with pytest.raises(BadCredentials, match="expired"):
        sessions.visit(session, secret=secret, lifetime=LIFE, now=T0 + timedelta(hours=8))
    # Left alone for the idle time, it ends.
    with pytest.raises(BadCredentials, match="expired"):
        sessions.visit(session, secret=secret, lifetime=LIFE, now=moment + timedelta(minutes=30))


def test_logout_rotation_password_change_and_deactivation_end_sessions(
    session: Session,
) -> None:
    ana = make_user(session, username="ana")
    make_user(session, username="root", role="admin")
    _, first = sessions.open_session(session, user=ana, address="a", lifetime=LIFE, now=T0)
    _, second = sessions.open_session(
        session, user=ana, address="a", lifetime=LIFE, replaces=first, now=T0
    )
    with pytest.raises(BadCredentials, match="closed"):
        sessions.visit(session, secret=first, lifetime=LIFE, now=T0)
    assert sessions.close_session(session, secret=second, now=T0)
    assert not sessions.close_session(session, secret=second, now=T0)  # once
    with pytest.raises(BadCredentials, match="closed"):
        sessions.visit(session, secret=second, lifetime=LIFE, now=T0)

    _, third = sessions.open_session(session, user=ana, address="a", lifetime=LIFE, now=T0)
    done = password_change.set_password(
        session, ref="ana", password=password_change.new_password("a new long password")
    )
    assert done.user.id == ana.id
    with pytest.raises(BadCredentials, match="closed"):
        sessions.visit(session, secret=third, lifetime=LIFE, now=T0)

    _, fourth = sessions.open_session(session, user=ana, address="a", lifetime=LIFE, now=T0)
    users.deactivate(session, ref="ana")
    with pytest.raises(BadCredentials, match="deactivated"):
        sessions.visit(session, secret=fourth, lifetime=LIFE, now=T0)
    for bogus in ("", "x" * 300, "unknown"):
        with pytest.raises(BadCredentials):
            sessions.visit(session, secret=bogus, lifetime=LIFE, now=T0)


def test_a_login_deletes_the_sessions_no_cookie_can_use_again(session: Session) -> None:
    ana = make_user(session, username="ana")
    bea = make_user(session, username="bea")
    _, idle = sessions.open_session(session, user=ana, address="a", lifetime=LIFE, now=T0)
    _, used = sessions.open_session(session, user=bea, address="b", lifetime=LIFE, now=T0)
    _, logged_out = sessions.open_session(session, user=bea, address="b", lifetime=LIFE, now=T0)
    sessions.close_session(session, secret=logged_out, now=T0)
    later = T0 + timedelta(minutes=40)  # past the idle time of ana's, not bea's kept in use
    kept_id = sessions.visit(session, secret=used, lifetime=LIFE, now=T0).session_id
    sessions.touch(session, session_id=kept_id, now=T0 + timedelta(minutes=20))

    sessions.open_session(session, user=bea, address="b", lifetime=LIFE, now=later)

    # The idle ones are gone (the logged-out one too); the one in use and the new remain.
    stored = session.scalars(select(WebSession.id)).all()
    assert len(stored) == 2
    assert sessions.visit(session, secret=used, lifetime=LIFE, now=later).session_id == kept_id
    with pytest.raises(BadCredentials, match="unknown"):
        sessions.visit(session, secret=idle, lifetime=LIFE, now=later)

    sessions.open_session(session, user=ana, address="a", lifetime=LIFE, now=T0 + LIFE.absolute)
    assert len(session.scalars(select(WebSession.id)).all()) == 1  # only the new one


def test_a_watched_session_is_in_use_until_its_absolute_end_or_its_logout(
    session: Session,
) -> None:
    short = sessions.Lifetime(idle=timedelta(minutes=1), absolute=timedelta(hours=1))
    tina = make_user(session, username="tina", role="technician")
    _, secret = sessions.open_session(session, user=tina, address="wall", lifetime=short, now=T0)
    # A wall screen's stream checks every 15 s: never idle for the minute ...
    moment = T0
    while moment + timedelta(seconds=15) < T0 + timedelta(hours=1):
        moment += timedelta(seconds=15)
        sessions.watch(session, secret=secret, lifetime=short, now=moment)
    # ... but over at its absolute end,
    with pytest.raises(BadCredentials, match="expired"):
        sessions.watch(session, secret=secret, lifetime=short, now=T0 + timedelta(hours=1))
    # and a plain visit (another page's stream) does not count as use.
    _, other = sessions.open_session(session, user=tina, address="desk", lifetime=short, now=T0)
    for seconds in (15, 30, 45):
        sessions.visit(session, secret=other, lifetime=short, now=T0 + timedelta(seconds=seconds))
    with pytest.raises(BadCredentials, match="expired"):
        sessions.visit(session, secret=other, lifetime=short, now=T0 + timedelta(seconds=60))
    _, third = sessions.open_session(session, user=tina, address="wall", lifetime=short, now=T0)
    sessions.watch(session, secret=third, lifetime=short, now=T0 + timedelta(seconds=15))
    assert sessions.close_session(session, secret=third, now=T0 + timedelta(seconds=20))
    with pytest.raises(BadCredentials, match="closed"):
        sessions.watch(session, secret=third, lifetime=short, now=T0 + timedelta(seconds=30))
