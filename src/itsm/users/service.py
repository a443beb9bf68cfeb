"""Business rules for people: who exists, who may act, who may be assigned work."""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from itsm.db.ids import parse_id
from itsm.errors import N_, InvalidInput, choices
from itsm.events import domain as events
from itsm.i18n import LANGUAGES
from itsm.users import policy
from itsm.users.errors import (
    InactiveUser,
    LastAdmin,
    NotStaff,
    SelfLockout,
    UsernameTaken,
    UserNotFound,
)
from itsm.users.models import STAFF_ROLES, Role, User
from itsm.users.schemas import UserCreate, UserUpdate
from itsm.validation import validated

if TYPE_CHECKING:  # the storing agent does not load the accounts domain
    from itsm.accounts.principal import Principal


def create_user(
    session: Session, *, data: UserCreate, system: bool = False, actor: User | None = None
) -> User:
    """A new account; ``system`` for one no person uses (:attr:`User.system`). ``actor``:
    who made it (``None``: the system), for the ``user.created`` event."""
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise UsernameTaken(N_("username %(username)r is already taken"), username=data.username)
    user = User(**data.model_dump(), system=system)
    try:
        with session.begin_nested():  # a concurrent twin got in first: the same refusal
            session.add(user)
            session.flush()
    except IntegrityError:
        raise UsernameTaken(
            N_("username %(username)r is already taken"), username=data.username
        ) from None
    told = events.DomainEvent(
        kind=events.USER_CREATED,
        user_id=user.id,
        role=user.role,
        actor_id=actor.id if actor is not None else None,
    )
    events.emit(session, told)
    return user


def add_user(session: Session, *, who: Principal | None, data: UserCreate) -> User:
    """:func:`create_user` on behalf of ``who``, as :mod:`.policy` allows."""
    policy.check_manage(who)
    return create_user(session, data=data, actor=who.user if who is not None else None)


_MAX_REF = 64  # no username or id is longer


def _not_found(text: str) -> UserNotFound:
    return UserNotFound(N_("user %(text)r does not exist"), text=text[:_MAX_REF])


def get_user(session: Session, *, ref: int | str) -> User:
    """Find a user by id or username (case-insensitive)."""
    text = str(ref).strip()
    user: User | None = None
    if len(text) > _MAX_REF or "\x00" in text:
        user = None  # no user has it (and PostgreSQL would refuse to compare a NUL)
    elif text.isascii() and text.isdigit():
        key = parse_id(text)
        user = session.get(User, key) if key is not None else None
    else:
        user = session.scalar(select(User).where(User.username == text.lower()))
    if user is None:
        raise _not_found(text)
    return user


def names(user: User, ref: int | str) -> bool:
    """Whether ``ref`` (an id or a username) is ``user``, without a lookup."""
    text = str(ref).strip()
    if text.isascii() and text.isdigit():
        return parse_id(text) == user.id
    return text.lower() == user.username


def get_visible_user(session: Session, *, who: Principal | None, ref: int | str) -> User:
    """``ref`` as ``who`` may see them: staff see everyone, anyone else only themselves.

    Anyone else is refused before any lookup, so the refusal is the same whether
    the account exists or not: an end user cannot learn who has one.
    """
    policy.check_show(who, own=who is not None and names(who.user, ref))
    if who is not None and not who.user.is_staff:
        return who.user
    return get_user(session, ref=ref)


def list_users(
    session: Session,
    *,
    who: Principal | None,
    role: Role | None = None,
    include_inactive: bool = False,
    include_system: bool = False,
    only_inactive: bool = False,
    text: str | None = None,
) -> Sequence[User]:
    """The people, by id; system accounts (:attr:`User.system`, the diagnostics agent's,
    which no one works with) left out unless ``include_system``. ``text``: only those
    whose username, name or e-mail contains it (any case)."""
    policy.check_list(who)
    stmt = select(User).order_by(User.id)
    if not include_system:
        stmt = stmt.where(User.system.is_(False))
    if role is not None:
        stmt = stmt.where(User.role == role)
    if only_inactive:
        stmt = stmt.where(User.is_active.is_(False))
    elif not include_inactive:
        stmt = stmt.where(User.is_active.is_(True))
    words = (text or "").strip().lower()[: _MAX_REF * 4]
    if "\x00" in words:
        raise InvalidInput(N_("the search text must not contain NUL characters"))
    if words:
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).contains(words, autoescape=True)
                    for column in (User.username, User.full_name, User.email)
                )
            )
        )
    return session.scalars(stmt).all()


def list_assignees(session: Session, *, who: Principal | None) -> Sequence[User]:
    """The people a ticket may be given to: active technicians and admins, by name,
    never a system account."""
    policy.check_list(who)
    stmt = (
        select(User)
        .where(
            User.role.in_(sorted(STAFF_ROLES)),
            User.is_active.is_(True),
            User.system.is_(False),
        )
        .order_by(User.full_name, User.id)
    )
    return session.scalars(stmt).all()


def _refuse_self_lockout(user: User, actor: User | None, *, role: str | None = None) -> None:
    """Nobody locks themselves out: another admin must deactivate or demote an admin.

    ``role`` is the role ``user`` would get; without it, ``user`` is being deactivated.
    """
    if actor is None or actor.id != user.id:
        return
    if role is None:
        raise SelfLockout(N_("you cannot deactivate your own account; another admin can"))
    if user.role == Role.ADMIN and role != Role.ADMIN:
        raise SelfLockout(N_("you cannot give up your own admin role; another admin can"))


def _refuse_last_admin(session: Session, user: User, *, role: str | None = None) -> None:
    """:class:`LastAdmin` if ``user`` is the only active admin and would stop being one.

    ``role`` is the role ``user`` would get; without it, ``user`` is being deactivated.
    The active admins are locked while counted (``FOR UPDATE`` on PostgreSQL; SQLite's
    write transactions run one at a time), so two admins demoting each other at once
    cannot both succeed.
    """
    if user.role != Role.ADMIN or not user.is_active or role == Role.ADMIN:
        return
    admins = session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN, User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()
    if admins == [user.id]:
        if role is None:
            raise LastAdmin(
                N_(
                    "%(username)r is the last active admin and cannot be deactivated; make "
                    "another user admin first"
                ),
                username=user.username,
            )
        raise LastAdmin(
            N_(
                "%(username)r is the last active admin and cannot be made %(role)s; make "
                "another user admin first"
            ),
            username=user.username,
            role=role,
        )


def update_user(
    session: Session, *, who: Principal | None, ref: int | str, data: UserUpdate
) -> User:
    """Change the given fields as :mod:`.policy` lets ``who``; nobody demotes themselves,
    and the last active admin stays one."""
    policy.check_manage(who)
    actor = who.user if who is not None else None
    user = get_user(session, ref=ref)
    if data.role is not None:
        _refuse_self_lockout(user, actor, role=data.role)
        _refuse_last_admin(session, user, role=data.role)
    changed: set[str] = set()
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changed.add(field)
    session.flush()
    by = events.actor_id(who)
    if "role" in changed:
        told = events.DomainEvent(
            kind=events.USER_ROLE_CHANGED, user_id=user.id, role=user.role, actor_id=by
        )
        events.emit(session, told)
    if changed - {"role"}:
        told = events.DomainEvent(kind=events.USER_UPDATED, user_id=user.id, actor_id=by)
        events.emit(session, told)
    return user


def set_role(session: Session, *, who: Principal | None, ref: int | str, role: str) -> User:
    policy.check_manage(who)  # before the role is read, as the API refuses before the body
    data = validated(UserUpdate, {"role": role})
    return update_user(session, who=who, ref=ref, data=data)


def deactivate_user(session: Session, *, who: Principal | None, ref: int | str) -> User:
    """:func:`deactivate` on behalf of ``who``, as :mod:`.policy` allows."""
    policy.check_manage(who)
    return deactivate(session, ref=ref, actor=who.user if who is not None else None)


def deactivate(session: Session, *, ref: int | str, actor: User | None = None) -> User:
    """Deactivate ``ref``; ``actor`` (who acts, if known) cannot deactivate themselves."""
    user = get_user(session, ref=ref)
    _refuse_self_lockout(user, actor)
    _refuse_last_admin(session, user)
    if user.is_active:
        user.is_active = False
        session.flush()
        told = events.DomainEvent(
            kind=events.USER_DEACTIVATED,
            user_id=user.id,
            actor_id=actor.id if actor is not None else None,
        )
        events.emit(session, told)
    return user


def shipped_language(language: str | None) -> str | None:
    """``language`` if it is one the web app speaks (``None`` and ``""``: no choice)."""
    if not language:
        return None
    if language not in LANGUAGES:
        raise InvalidInput(
            N_("unknown language %(language)r; allowed: %(allowed)s"),
            language=language[:20],
            allowed=choices(LANGUAGES),
        )
    return language


def set_language(session: Session, *, who: Principal, language: str | None) -> User:
    """The language ``who`` reads the web app in; ``None`` gives the choice back to
    their browser (``Accept-Language``), else the ``language`` setting."""
    policy.require_person(who)
    user = get_user(session, ref=who.user.id)
    chosen = shipped_language(language)
    if user.language != chosen:
        user.language = chosen
        session.flush()
        told = events.DomainEvent(
            kind=events.USER_LANGUAGE_CHANGED, user_id=user.id, actor_id=user.id
        )
        events.emit(session, told)
    return user


def reactivate_user(session: Session, *, who: Principal | None, ref: int | str) -> User:
    """Let a deactivated person act again (admins). See
    :func:`itsm.accounts.reactivation.reactivate`, which the doors call: their tokens
    and sessions from before do not come back with them."""
    policy.check_manage(who)
    user = get_user(session, ref=ref)
    if not user.is_active:
        user.is_active = True
        session.flush()
        told = events.DomainEvent(
            kind=events.USER_REACTIVATED, user_id=user.id, actor_id=events.actor_id(who)
        )
        events.emit(session, told)
    return user


def require_active(user: User) -> User:
    if not user.is_active:
        raise InactiveUser(N_("user %(username)r is deactivated"), username=user.username)
    return user


def require_staff(user: User) -> User:
    """Only technicians and admins take tickets."""
    require_active(user)
    if user.role not in STAFF_ROLES:
        raise NotStaff(
            N_("user %(username)r is a %(role)s; tickets can be assigned to: %(allowed)s"),
            username=user.username,
            role=user.role,
            allowed=choices(sorted(STAFF_ROLES)),
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


def with_emails(session: Session, *, addresses: Iterable[str]) -> list[User]:
    """Every account (deactivated and system ones too) whose email is one of
    ``addresses``, whatever its case, oldest first: the one look-up of people by
    email, through the index on ``lower(email)`` (migration 0027)."""
    wanted = sorted({a.strip().lower() for a in addresses if a.strip()})
    if not wanted:
        return []
    return list(
        session.scalars(select(User).where(func.lower(User.email).in_(wanted)).order_by(User.id))
    )


def people_by_email(session: Session, *, addresses: Iterable[str]) -> dict[str, User]:
    """lower-case address -> the active person with it (the oldest account if several
    share it), never a system account; one query for them all."""
    found: dict[str, User] = {}
    for user in with_emails(session, addresses=addresses):
        if user.is_active and not user.system and user.email:
            found.setdefault(user.email.lower(), user)
    return found


def find_by_email(session: Session, *, address: str) -> User | None:
    """The active person whose email is ``address``, whatever its case (the oldest
    account if several share it); never a system account."""
    return people_by_email(session, addresses=[address]).get(address.strip().lower())


def has_account(session: Session, *, address: str) -> bool:
    """Whether any account, deactivated or a system one too, has the email ``address``."""
    return bool(with_emails(session, addresses=[address]))


def create_from_email(session: Session, *, address: str, name: str | None) -> User:
    """A new end user (no password) for someone known only by ``address``, as the
    mail intake makes them; the username is the address's local part, made unique."""
    import re

    local = address.partition("@")[0].lower()
    base = re.sub(r"[^a-z0-9._-]", "", local).lstrip("._-")[:56] or "user"
    taken = set(session.scalars(select(User.username).where(User.username.like(f"{base}%"))).all())
    username = base
    suffix = 1
    while username in taken:
        suffix += 1
        username = f"{base}{suffix}"
    full_name = (name or "").strip()[:200] or address[:200]
    data = validated(UserCreate, {"username": username, "full_name": full_name, "email": address})
    return create_user(session, data=data)
