"""Business rules for people: who exists, who may act, who may be assigned work."""

from __future__ import annotations

import getpass
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itsm.errors import choices
from itsm.users.errors import InactiveUser, NotStaff, UsernameTaken, UserNotFound
from itsm.users.models import STAFF_ROLES, Role, User
from itsm.users.schemas import UserCreate, UserUpdate
from itsm.validation import validated


def create_user(session: Session, *, data: UserCreate) -> User:
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise UsernameTaken(f"username {data.username!r} is already taken")
    user = User(**data.model_dump())
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, *, ref: int | str) -> User:
    """Find a user by id or username (case-insensitive)."""
    text = str(ref).strip()
    if text.isdigit():
        user = session.get(User, int(text))
    else:
        user = session.scalar(select(User).where(User.username == text.lower()))
    if user is None:
        raise UserNotFound(f"user {text!r} does not exist")
    return user


def list_users(
    session: Session, *, role: Role | None = None, include_inactive: bool = False
) -> Sequence[User]:
    stmt = select(User).order_by(User.id)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if not include_inactive:
        stmt = stmt.where(User.is_active.is_(True))
    return session.scalars(stmt).all()


def update_user(session: Session, *, ref: int | str, data: UserUpdate) -> User:
    user = get_user(session, ref=ref)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(user, field, value)
    session.flush()
    return user


def set_role(session: Session, *, ref: int | str, role: str) -> User:
    data = validated(UserUpdate, {"role": role})
    return update_user(session, ref=ref, data=data)


def deactivate(session: Session, *, ref: int | str) -> User:
    user = get_user(session, ref=ref)
    user.is_active = False
    session.flush()
    return user


def require_active(user: User) -> User:
    if not user.is_active:
        raise InactiveUser(f"user {user.username!r} is deactivated")
    return user


def require_staff(user: User) -> User:
    """Only technicians and admins take tickets."""
    require_active(user)
    if user.role not in STAFF_ROLES:
        raise NotStaff(
            f"user {user.username!r} is a {user.role}; tickets can be assigned to: "
            f"{choices(sorted(STAFF_ROLES))}"
        )
    return user


def resolve_actor(session: Session, *, ref: str | None) -> User | None:
    """Who is acting: the named user, else the OS login if it is a user, else the first admin.

    An explicitly named actor must exist; the fallbacks may find nobody on an empty
    database, in which case changes are recorded as made by the system.
    """
    if ref:
        return require_active(get_user(session, ref=ref))
    try:
        login = getpass.getuser().lower()
    except (KeyError, OSError):
        login = ""
    if login:
        user = session.scalar(select(User).where(User.username == login, User.is_active))
        if user is not None:
            return user
    return session.scalar(
        select(User).where(User.role == Role.ADMIN, User.is_active).order_by(User.id).limit(1)
    )


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0
