"""Users service on SQLite and PostgreSQL: creation, lookup, roles, who may act."""

from __future__ import annotations

import getpass
import re
import threading
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db.runtime import open_database
from itsm.errors import ErrorKind, InvalidInput
from itsm.users import service as users
from itsm.users.errors import InactiveUser, LastAdmin, NotStaff, UsernameTaken, UserNotFound
from itsm.users.models import Role, User
from itsm.users.schemas import USERNAME_PATTERN, UserCreate
from itsm.validation import validated
from tests.factories import make_user
from tests.waiting import begins_in, wait_until, waiting_on_locks


def _create(session: Session, **fields: Any) -> User:
    data = {"full_name": "Ana Torres", **fields}
    return users.create_user(session, data=validated(UserCreate, data))


def test_create_stores_a_lower_case_username(session: Session) -> None:
    user = _create(session, username="  Ana.Torres ", email="ana@example.org", role="technician")
    session.expire_all()
    stored = session.scalars(select(User).where(User.id == user.id)).one()
    assert stored.username == "ana.torres"
    assert stored.email == "ana@example.org"
    assert stored.role == Role.TECHNICIAN
    assert stored.is_active
    assert stored.is_staff
    assert stored.created_at.tzinfo is not None


def test_duplicate_username_is_refused_whatever_its_case(session: Session) -> None:
    _create(session, username="jdoe")
    with pytest.raises(UsernameTaken) as info:
        _create(session, username="JDoe")
    assert info.value.message == "username 'jdoe' is already taken"
    assert info.value.kind is ErrorKind.CONFLICT
    assert len(users.list_users(session, who=None)) == 1


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"username": "ana torres"}, "invalid username: use letters, digits"),
        ({"username": ""}, "username must not be empty"),
        ({"username": "ana", "email": "ana-at-example"}, "invalid email: expected an address"),
        (
            {"username": "ana", "role": "root"},
            "invalid role 'root'; allowed: admin, technician, user",
        ),
        ({"username": "ana", "full_name": ""}, "full_name must not be empty"),
    ],
)
def test_invalid_input_is_refused_before_anything_is_written(
    session: Session, fields: dict[str, Any], expected: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        _create(session, **fields)
    assert info.value.message.startswith(expected)
    assert users.count_users(session) == 0


def test_get_user_by_id_and_by_username_in_any_case(session: Session) -> None:
    user = make_user(session, username="carlos")
    assert users.get_user(session, ref=user.id) is user
    assert users.get_user(session, ref=str(user.id)) is user
    assert users.get_user(session, ref=" CARLOS ") is user


@pytest.mark.parametrize("ref", [987654, "987654", "nobody"])
def test_unknown_user_is_not_found(session: Session, ref: int | str) -> None:
    make_user(session)
    with pytest.raises(UserNotFound) as info:
        users.get_user(session, ref=ref)
    assert info.value.message == f"user {str(ref)!r} does not exist"
    assert info.value.kind is ErrorKind.NOT_FOUND


def test_set_role_changes_the_role(session: Session) -> None:
    user = make_user(session, role="user")
    assert not user.is_staff
    users.set_role(session, who=None, ref=user.username, role="technician")
    session.expire_all()
    assert users.get_user(session, ref=user.id).role == Role.TECHNICIAN
    assert users.get_user(session, ref=user.id).is_staff


def test_set_role_refuses_an_unknown_role(session: Session) -> None:
    user = make_user(session, role="user")
    with pytest.raises(InvalidInput, match=r"invalid role 'god'; allowed: admin, technician, user"):
        users.set_role(session, who=None, ref=user.id, role="god")
    assert user.role == Role.USER


def test_deactivate_hides_the_user_from_default_lists(session: Session) -> None:
    keep = make_user(session)
    gone = make_user(session)
    users.deactivate(session, ref=gone.username)
    session.expire_all()
    assert users.get_user(session, ref=gone.id).is_active is False
    assert [u.id for u in users.list_users(session, who=None)] == [keep.id]
    everyone = users.list_users(session, who=None, include_inactive=True)
    assert [u.id for u in everyone] == [keep.id, gone.id]


def test_list_users_by_role(session: Session) -> None:
    tech = make_user(session, role="technician")
    make_user(session, role="user")
    assert [u.id for u in users.list_users(session, who=None, role=Role.TECHNICIAN)] == [tech.id]


def test_require_staff_accepts_technicians_and_admins(session: Session) -> None:
    tech = make_user(session, role="technician")
    admin = make_user(session, role="admin")
    assert users.require_staff(tech) is tech
    assert users.require_staff(admin) is admin


def test_require_staff_refuses_end_users(session: Session) -> None:
    user = make_user(session, role="user")
    with pytest.raises(NotStaff) as info:
        users.require_staff(user)
    assert info.value.message == (
        f"user {user.username!r} is a user; tickets can be assigned to: admin, technician"
    )


def test_require_staff_refuses_inactive_staff(session: Session) -> None:
    tech = make_user(session, role="technician")
    users.deactivate(session, ref=tech.id)
    with pytest.raises(InactiveUser, match="is deactivated"):
        users.require_staff(tech)


def test_resolve_actor_returns_the_named_user(session: Session) -> None:
    make_user(session, role="admin")
    tech = make_user(session, role="technician", username="maria")
    assert users.resolve_actor(session, ref="Maria") is tech


def test_resolve_actor_refuses_an_unknown_named_user(session: Session) -> None:
    make_user(session, role="admin")
    with pytest.raises(UserNotFound, match="'ghost' does not exist"):
        users.resolve_actor(session, ref="ghost")


def test_resolve_actor_refuses_a_deactivated_named_user(session: Session) -> None:
    make_user(session, role="admin")
    old = make_user(session, role="technician")
    users.deactivate(session, ref=old.id)
    with pytest.raises(InactiveUser):
        users.resolve_actor(session, ref=old.username)


def test_resolve_actor_falls_back_to_the_first_active_admin(session: Session) -> None:
    make_user(session, role="technician")
    retired = make_user(session, role="admin")
    first = make_user(session, role="admin")
    make_user(session, role="admin")
    users.deactivate(session, ref=retired.id)
    assert users.resolve_actor(session, ref=None) is first
    assert users.resolve_actor(session, ref="") is first


def test_resolve_actor_prefers_the_os_login_when_it_is_a_user(session: Session) -> None:
    login = getpass.getuser().lower()
    if not re.fullmatch(USERNAME_PATTERN, login):
        pytest.skip(f"OS login {login!r} cannot be an itsm username")
    make_user(session, role="admin")
    me = make_user(session, role="technician", username=login)
    assert users.resolve_actor(session, ref=None) is me


def test_resolve_actor_finds_nobody_on_an_empty_database(session: Session) -> None:
    assert users.count_users(session) == 0
    assert users.resolve_actor(session, ref=None) is None


def _admins(session: Session, *names: str) -> list[User]:
    return [make_user(session, username=n, role=Role.ADMIN) for n in names]


def test_the_last_active_admin_is_neither_deactivated_nor_demoted(session: Session) -> None:
    (boss,) = _admins(session, "boss")
    with pytest.raises(LastAdmin) as info:
        users.deactivate(session, ref="boss")
    assert info.value.message == (
        "'boss' is the last active admin and cannot be deactivated; make another user admin first"
    )
    assert info.value.kind is ErrorKind.CONFLICT
    with pytest.raises(LastAdmin, match="cannot be made technician"):
        users.set_role(session, who=None, ref="boss", role="technician")
    assert boss.is_active
    assert boss.role == Role.ADMIN
    users.set_role(session, who=None, ref="boss", role="admin")  # staying admin is no change


def test_with_another_active_admin_either_can_go(session: Session) -> None:
    _admins(session, "boss", "deputy")
    retired = make_user(session, username="retired", role=Role.ADMIN)
    retired.is_active = False
    session.flush()
    assert (
        users.set_role(session, who=None, ref="deputy", role="technician").role == Role.TECHNICIAN
    )
    # an inactive admin does not count: boss is now the last active one
    with pytest.raises(LastAdmin):
        users.deactivate(session, ref="boss")
    users.set_role(session, who=None, ref="deputy", role="admin")
    assert users.deactivate(session, ref="boss").is_active is False


def test_two_admins_demoting_each_other_at_once_leave_one(fresh_db_url: str) -> None:
    """Each demotes the other in its own transaction; the second waits for the first
    (row locks on PostgreSQL, the write lock on SQLite) and then is refused."""
    db = open_database(Settings(database_url=fresh_db_url))
    try:
        with db.session() as session:
            _admins(session, "ann", "bob")
        first_done, second_waits = threading.Event(), threading.Event()
        second_begins = begins_in(db.engine, "second")
        outcome: dict[str, str] = {}

        def demote(target: str, hold: threading.Event | None) -> None:
            try:
                with db.session() as session:
                    users.set_role(session, who=None, ref=target, role="user")
                    first_done.set()
                    if hold is not None:  # the first keeps its transaction open
                        assert hold.wait(30)
                outcome[target] = "demoted"
            except LastAdmin:
                outcome[target] = "refused"
            finally:
                first_done.set()

        one = threading.Thread(target=demote, args=("ann", second_waits), name="first")
        one.start()
        assert first_done.wait(10)
        two = threading.Thread(target=demote, args=("bob", None), name="second")
        two.start()
        if db.engine.dialect.name == "postgresql":
            wait_until(
                "the second waits for the first's row locks",
                lambda: waiting_on_locks(fresh_db_url) >= 1,
            )
        else:
            assert second_begins.wait(30), "the second never began its transaction"
        second_waits.set()
        one.join(30)
        two.join(30)
        assert outcome == {"ann": "demoted", "bob": "refused"}
        with db.session(write=False) as session:
            admins = session.scalars(
                select(User.username).where(User.role == Role.ADMIN, User.is_active.is_(True))
            ).all()
        assert admins == ["bob"]
    finally:
        db.dispose()
