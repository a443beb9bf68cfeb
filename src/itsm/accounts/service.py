"""Passwords, logins with throttling, and API tokens.

Token secrets are 256 random bits, so a fast SHA-256 is enough to store them
(slow hashing guards low-entropy secrets such as passwords, which use Argon2id).
Throttling state lives in the database, so every API worker and host sees it.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from itsm.accounts import passwords, policy
from itsm.accounts.errors import BadCredentials, TokenNotFound, TooManyLogins
from itsm.accounts.models import ApiToken, LoginFailure, TokenKind
from itsm.accounts.principal import Principal as Principal  # where the doors import it from
from itsm.accounts.schemas import TokenCreate
from itsm.api.settings import LoginThrottle
from itsm.db.base import utcnow
from itsm.diagnostics.autoticket import agent_user
from itsm.errors import InvalidInput
from itsm.inventory import service as inventory
from itsm.users import service as users
from itsm.users.models import User

TOKEN_PREFIX = "itsm_"  # noqa: S105 - a marker, not a secret
# Writing last_used_at on every request would turn reads into writes: once a minute is enough,
# and the caller does it in a short transaction of its own (see ``touch_token``).
_TOUCH_EVERY = timedelta(minutes=1)


def set_password(session: Session, *, ref: int | str, password: str) -> User:
    user = users.get_user(session, ref=ref)
    user.password_hash = passwords.hash_password(password)
    session.flush()
    return user


def reset_password(
    session: Session, *, who: Principal | None, ref: int | str, password: str
) -> User:
    """:func:`set_password` as :mod:`.policy` lets ``who``: admins set anyone's, anyone
    else only their own. No current password: this is the CLI's, whose user can read
    the database anyway (an admin's way back in)."""
    policy.check_set_password(who, own=who is not None and users.names(who.user, ref))
    return set_password(session, ref=ref, password=password)


def change_password(
    session: Session,
    *,
    who: Principal,
    ref: int | str,
    password: str,
    current_password: str | None,
    address: str,
    rules: LoginThrottle,
    now: datetime | None = None,
) -> User | None:
    """Set the password of ``ref`` on behalf of ``who``; ``None`` if the proof was wrong.

    Admins set anyone else's password; nobody else may name anyone but themselves
    (refused before any lookup, so existence does not leak). Everyone changes their
    own, admins too, only with their current password: a wrong one counts as a
    failed login (a stolen token guesses it no faster than a login could) and gives
    ``None`` instead of raising, so that the caller commits the failure record.
    """
    actor = who.user
    own = users.names(actor, ref)
    policy.check_set_password(who, own=own)
    if not own:
        target = users.get_user(session, ref=ref)
        target.password_hash = passwords.hash_password(password)
        session.flush()
        return target
    if current_password is None:
        raise InvalidInput("current_password is required to change your own password")
    passwords.check_strength(password)  # before spending a guess on the current one
    if (
        authenticate(
            session,
            username=actor.username,
            password=current_password,
            address=address,
            rules=rules,
            now=now,
        )
        is None
    ):
        return None
    actor.password_hash = passwords.hash_password(password)
    session.flush()
    return actor


def _recent_failures(session: Session, match: ColumnElement[bool], since: datetime) -> int:
    stmt = select(func.count()).select_from(LoginFailure).where(match, LoginFailure.at >= since)
    return session.scalar(stmt) or 0


def check_throttle(
    session: Session, *, username: str, address: str, rules: LoginThrottle, now: datetime
) -> None:
    """Refuse before checking the password once either budget is spent."""
    since = now - timedelta(seconds=rules.window_seconds)
    by_account = _recent_failures(session, LoginFailure.username == username, since)
    by_address = _recent_failures(session, LoginFailure.address == address, since)
    if by_account >= rules.per_account or by_address >= rules.per_address:
        oldest = session.scalar(
            select(func.min(LoginFailure.at)).where(
                or_(LoginFailure.username == username, LoginFailure.address == address),
                LoginFailure.at >= since,
            )
        )
        wait = rules.window_seconds
        if oldest is not None:
            wait = max(1, math.ceil((oldest - since).total_seconds()))
        raise TooManyLogins(
            f"too many failed logins for {username!r} or from {address}; try again in {wait} s",
            retry_after=wait,
        )


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    address: str,
    rules: LoginThrottle,
    now: datetime | None = None,
) -> User | None:
    """The active user whose password this is, or ``None`` after recording a failure.

    Returns instead of raising so that the caller can commit the failure record.
    Raises :class:`TooManyLogins` while the account or address is throttled.
    """
    now = now or utcnow()
    name = username.strip().lower()[:64]
    check_throttle(session, username=name, address=address, rules=rules, now=now)
    user = session.scalar(select(User).where(User.username == name))
    stored = user.password_hash if user is not None else None
    if passwords.verify(stored, password) and user is not None and user.is_active:
        if passwords.needs_rehash(stored or ""):
            user.password_hash = passwords.hash_password(password)
        session.execute(delete(LoginFailure).where(LoginFailure.username == name))
        session.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=1)))
        return user
    session.add(LoginFailure(username=name, address=address[:64], at=now))
    session.flush()
    return None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    session: Session, *, owner: User, data: TokenCreate, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is not stored and cannot be shown again.

    ``data.host`` binds an agent token to one machine: its identity is stored (see
    :func:`itsm.inventory.service.host_identity`), and the token's reports must carry it.
    """
    users.require_active(owner)
    host = None
    if data.host is not None:
        if data.kind is not TokenKind.AGENT:
            raise InvalidInput("only agent tokens may be bound to a host")
        host = inventory.host_identity(session, ref=data.host)
    now = now or utcnow()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=owner.id,
        name=data.name,
        kind=data.kind,
        token_hash=_digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        created_at=now,
        expires_at=now + timedelta(days=data.expires_in_days) if data.expires_in_days else None,
        host_identity=host,
    )
    session.add(token)
    session.flush()
    return token, secret


def issue_token(
    session: Session,
    *,
    who: Principal | None,
    data: TokenCreate,
    owner_ref: int | str | None = None,
    agent_account: str | None = None,
) -> tuple[ApiToken, str]:
    """:func:`create_token` on behalf of ``who``, as :mod:`.policy` allows.

    The owner is the user ``owner_ref`` names; else, for an agent token given an
    ``agent_account`` (the diagnostics agent's username), that account, made on first
    use; else the caller. With nobody acting and nobody named, :class:`InvalidInput`.
    """
    # The agent's account is no person's: creating its token is the agent rule alone.
    account = agent_account if owner_ref is None and data.kind is TokenKind.AGENT else None
    owner: User | None = None
    if owner_ref is not None:
        owner = users.get_user(session, ref=owner_ref)
    elif account is None and who is not None:
        owner = who.user
    policy.check_create_token(who, owner=owner, kind=data.kind)
    if account is not None:
        owner = agent_user(session, account)
    if owner is None:
        raise InvalidInput("no acting user: give --user or --as")
    return create_token(session, owner=owner, data=data)


def list_tokens(
    session: Session,
    *,
    who: Principal | None,
    owner_ref: int | str | None = None,
    include_revoked: bool = False,
) -> Sequence[ApiToken]:
    """The tokens of the user ``owner_ref`` names, or everyone's (``None``), as
    :mod:`.policy` lets ``who`` see them."""
    owner = users.get_user(session, ref=owner_ref) if owner_ref is not None else None
    policy.check_list_tokens(who, owner=owner)
    stmt = select(ApiToken).order_by(ApiToken.id)
    if owner is not None:
        stmt = stmt.where(ApiToken.user_id == owner.id)
    if not include_revoked:
        stmt = stmt.where(ApiToken.revoked_at.is_(None))
    return session.scalars(stmt).all()


def get_token(session: Session, *, token_id: int, owner: User | None = None) -> ApiToken:
    """A token by id; with ``owner``, only one of theirs (others are 'not found')."""
    token = session.get(ApiToken, token_id)
    if token is None or (owner is not None and token.user_id != owner.id):
        raise TokenNotFound(f"token {token_id} does not exist")
    return token


def revoke_token(
    session: Session, *, who: Principal | None, token_id: int, now: datetime | None = None
) -> ApiToken:
    """Revoke a token ``who`` may revoke; any other is "not found"."""
    token = get_token(session, token_id=token_id, owner=policy.revocable_owner(who))
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        session.flush()
    return token


# Every API request runs it: built once, not per request (a fifth of its cost).
_TOKEN_BY_HASH = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def principal_for(session: Session, *, secret: str, now: datetime | None = None) -> Principal:
    """Who a bearer token belongs to; wrong, expired and revoked tokens are all refused."""
    row = session.execute(_TOKEN_BY_HASH, {"token_hash": _token_digest(secret)}).first()
    if row is None:
        raise BadCredentials("invalid API token")
    token, user = row
    return _judged(token, user, now)


def _token_digest(secret: str) -> str:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise BadCredentials("invalid API token")
    return _digest(secret)


def _judged(token: ApiToken, user: User, now: datetime | None) -> Principal:
    now = now or utcnow()
    if token.revoked_at is not None:
        raise BadCredentials(f"API token {token.prefix}… was revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise BadCredentials(
            f"API token {token.prefix}… expired at {token.expires_at:%Y-%m-%d %H:%M} UTC"
        )
    if not user.is_active:
        raise BadCredentials(f"user {user.username!r} is deactivated")
    due = token.last_used_at is None or now - token.last_used_at >= _TOUCH_EVERY
    return Principal(
        user=user,
        token_kind=TokenKind(token.kind),
        token_id=token.id,
        touch_due=due,
        bound_host=token.host_identity,
    )


def touch_token(session: Session, *, token_id: int, now: datetime | None = None) -> None:
    """Record that a token was used; meant for its own short write transaction, so that
    a read request stays a reader (on SQLite a reader cannot always become a writer)."""
    session.execute(
        update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now or utcnow())
    )
