"""Setting and changing passwords, with Argon2 kept out of every write transaction.

Argon2 is slow on purpose, and on SQLite a write transaction holds the database's
one write lock: so a new password is hashed (:func:`new_password`) and a current
one verified (:func:`proof_matches`) with no transaction open, between the short
units of work of :func:`change_password`, as a login does (see :mod:`.login`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from itsm.accounts import passwords, policy, service
from itsm.accounts import sessions as web_sessions
from itsm.accounts.errors import WrongPassword
from itsm.accounts.models import ApiToken, TokenKind
from itsm.accounts.principal import Principal
from itsm.config import LoginThrottle
from itsm.db.base import utcnow
from itsm.db.runtime import Database
from itsm.errors import N_, InvalidInput
from itsm.events import domain as events
from itsm.users import service as users
from itsm.users.models import User


@dataclass(frozen=True)
class NewPassword:
    """A password that passed the strength rules, as its Argon2 hash (never the text)."""

    hash: str


def new_password(password: str) -> NewPassword:
    """Check and hash ``password``: Argon2, so call it outside any transaction."""
    return NewPassword(hash=passwords.hash_password(password))


@dataclass(frozen=True)
class PasswordSet:
    """A password just set, and how many of the user's other personal tokens it revoked."""

    user: User
    revoked_tokens: int


def set_password(
    session: Session,
    *,
    ref: int | str,
    password: NewPassword,
    keep_token: int | None = None,
    actor_id: int | None = None,
) -> PasswordSet:
    """Set ``ref``'s password and revoke their personal tokens but ``keep_token``: a
    password change is how someone locks out whoever learnt the old one. ``actor_id``:
    who set it (``None``: the system), for the ``user.password_set`` event."""
    user = users.get_user(session, ref=ref)
    return _store(session, user=user, password=password, keep=keep_token, actor_id=actor_id)


def _store(
    session: Session,
    *,
    user: User,
    password: NewPassword,
    keep: int | None,
    actor_id: int | None,
) -> PasswordSet:
    user.password_hash = password.hash
    revoked = revoke_personal_tokens(session, user=user, keep=keep)
    web_sessions.revoke_user_sessions(session, user=user)
    session.flush()
    told = events.DomainEvent(
        kind=events.USER_PASSWORD_SET, user_id=user.id, actor_id=actor_id, count=revoked
    )
    events.emit(session, told)
    return PasswordSet(user=user, revoked_tokens=revoked)


def revoke_personal_tokens(
    session: Session, *, user: User, keep: int | None = None, now: datetime | None = None
) -> int:
    """Revoke ``user``'s live personal tokens, all but ``keep``; how many were revoked."""
    stmt = update(ApiToken).where(
        ApiToken.user_id == user.id,
        ApiToken.kind == TokenKind.PERSONAL,
        ApiToken.revoked_at.is_(None),
    )
    if keep is not None:
        stmt = stmt.where(ApiToken.id != keep)
    stmt = stmt.values(revoked_at=now or utcnow()).returning(ApiToken.id)
    return len(session.scalars(stmt).all())


def reset_password(
    session: Session, *, who: Principal | None, ref: int | str, password: NewPassword
) -> PasswordSet:
    """:func:`set_password` as :mod:`.policy` lets ``who``: admins set anyone's, anyone
    else only their own. No current password: this is the CLI's, whose user can read
    the database anyway (an admin's way back in)."""
    policy.check_set_password(who, own=who is not None and users.names(who.user, ref))
    return set_password(session, ref=ref, password=password, actor_id=events.actor_id(who))


@dataclass(frozen=True)
class PasswordChange:
    """A change :func:`begin_change` allowed. ``proof``: changing one's own password,
    the current one's check, counted as a failed login until :func:`finish_change`."""

    ref: int | str
    keep_token: int | None
    proof: service.LoginAttempt | None
    actor_id: int | None = None


def begin_change(
    session: Session,
    *,
    who: Principal,
    ref: int | str,
    password: str,
    current_password: str | None,
    address: str,
    rules: LoginThrottle,
    now: datetime | None = None,
) -> PasswordChange:
    """Step one of setting ``ref``'s password on behalf of ``who``, in a short write
    transaction of its own (committed before :func:`proof_matches`).

    Admins set anyone else's password; nobody else may name anyone but themselves
    (refused before any lookup, so existence does not leak). Everyone changes their
    own, admins too, only with their current password, whose check counts as a
    failed login (a stolen token guesses it no faster than a login could). The
    user's other personal tokens are revoked; the one ``who`` acts with is kept.
    """
    own = users.names(who.user, ref)
    policy.check_set_password(who, own=own)
    keep = who.token_id if who.token_kind is TokenKind.PERSONAL else None
    if not own:
        return PasswordChange(ref=ref, keep_token=keep, proof=None, actor_id=who.user.id)
    if current_password is None:
        raise InvalidInput(N_("current_password is required to change your own password"))
    passwords.check_strength(password)  # before spending a guess on the current one
    attempt = service.begin_login(
        session, username=who.user.username, address=address, rules=rules, now=now
    )
    return PasswordChange(ref=who.user.id, keep_token=keep, proof=attempt, actor_id=who.user.id)


def proof_matches(change: PasswordChange, current_password: str | None) -> bool:
    """Whether the current password proves the change (always, for an admin's change
    of someone else's): Argon2, so call it outside any transaction."""
    if change.proof is None:
        return True
    return service.password_matches(change.proof, current_password or "")


def finish_change(
    session: Session, *, change: PasswordChange, proven: bool, password: NewPassword | None
) -> PasswordSet | None:
    """Store the new password; ``None`` (nothing changed) if the current password was
    wrong or the account changed since :func:`begin_change` (the failure stands)."""
    if change.proof is None:
        if password is None:
            raise ValueError("an allowed change needs its new password")
        return set_password(
            session,
            ref=change.ref,
            password=password,
            keep_token=change.keep_token,
            actor_id=change.actor_id,
        )
    user = service.finish_login(session, attempt=change.proof, matched=proven)
    if user is None or password is None:
        return None
    return _store(
        session, user=user, password=password, keep=change.keep_token, actor_id=change.actor_id
    )


def change_password(
    db: Database,
    *,
    who: Principal,
    ref: int | str,
    password: str,
    current_password: str | None,
    address: str,
    rules: LoginThrottle,
) -> int:
    """Set ``ref``'s password on behalf of ``who`` (see :func:`begin_change`); how many
    personal tokens it revoked. Raises :class:`WrongPassword` (nothing changed) when the
    current password is wrong: the failed attempt is committed all the same.

    Three units of work, as a login: the attempt is committed before Argon2 runs with
    no transaction open (checking the current password, hashing the new one), then the
    new password is stored.
    """
    with db.session() as session:
        change = begin_change(
            session,
            who=who,
            ref=ref,
            password=password,
            current_password=current_password,
            address=address,
            rules=rules,
        )
    proven = proof_matches(change, current_password)
    new = new_password(password) if proven else None
    with db.session() as session:
        changed = finish_change(session, change=change, proven=proven, password=new)
        revoked = None if changed is None else changed.revoked_tokens
    if revoked is None:
        raise WrongPassword(N_("the current password is wrong; nothing changed"))
    return revoked
