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
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from itsm.accounts import passwords, policy
from itsm.accounts.errors import BadCredentials, TokenNotFound, TooManyLogins
from itsm.accounts.models import ApiToken, LoginFailure, TokenKind, TokenScope
from itsm.accounts.principal import Principal as Principal  # where the doors import it from
from itsm.accounts.schemas import IssuedToken, TokenCreate, TokenRead
from itsm.config import LoginThrottle
from itsm.db import locks
from itsm.db.base import utcnow
from itsm.db.ids import parse_id
from itsm.diagnostics.autoticket import agent_user
from itsm.errors import N_, InvalidInput
from itsm.events import domain as events
from itsm.inventory import service as inventory
from itsm.users import service as users
from itsm.users.models import User

TOKEN_PREFIX = "itsm_"  # noqa: S105 - a marker, not a secret
# Writing last_used_at on every request would turn reads into writes: once a minute is enough,
# and the caller does it in a short transaction of its own (see ``touch_token``).
_TOUCH_EVERY = timedelta(minutes=1)


def _recent_failures(session: Session, match: ColumnElement[bool], since: datetime) -> int:
    stmt = select(func.count()).select_from(LoginFailure).where(match, LoginFailure.at >= since)
    return session.scalar(stmt) or 0


def check_throttle(
    session: Session, *, username: str, address: str, rules: LoginThrottle, now: datetime
) -> None:
    """Refuse before checking the password once a budget is spent: the account's (from
    anywhere), the account's from this address, or this address's for all accounts.

    Counting an address per account keeps one client's failures under many names
    from locking out the others who share its address, up to ``per_address_total``.
    """
    since = now - timedelta(seconds=rules.window_seconds)
    budgets = (
        (LoginFailure.username == username, rules.per_account),
        (
            (LoginFailure.username == username) & (LoginFailure.address == address),
            rules.per_address,
        ),
        (LoginFailure.address == address, rules.per_address_total),
    )
    for match, budget in budgets:
        if _recent_failures(session, match, since) < budget:
            continue
        oldest = session.scalar(
            select(func.min(LoginFailure.at)).where(match, LoginFailure.at >= since)
        )
        wait = rules.window_seconds
        if oldest is not None:
            wait = max(1, math.ceil((oldest - since).total_seconds()))
        raise TooManyLogins(
            N_(
                "too many failed logins for %(username)r or from %(address)s; try "
                "again in %(wait)s s"
            ),
            retry_after=wait,
            username=username,
            address=address,
            wait=wait,
        )


@dataclass(frozen=True)
class LoginAttempt:
    """A login under way: counted as a failure until :func:`finish_login` says otherwise."""

    username: str
    user_id: int | None
    stored_hash: str | None
    now: datetime


def begin_login(
    session: Session,
    *,
    username: str,
    address: str,
    rules: LoginThrottle,
    now: datetime | None = None,
) -> LoginAttempt:
    """Check the budgets and record the attempt as a failure, atomically.

    Meant for a short write transaction of its own, committed before the password is
    verified (:func:`password_matches`, slow on purpose): concurrent attempts on one
    account or from one address queue here, so each sees the ones before it, and
    nobody waits for a hash. Raises :class:`TooManyLogins` once a budget is spent.
    """
    if "\x00" in username:  # no account has one, and PostgreSQL cannot store it
        raise InvalidInput(N_("username must not contain NUL characters"))
    now = now or utcnow()
    name = username.strip().lower()[:64]
    address = address[:64]
    locks.serialize_on(session, f"login-account:{name}", f"login-address:{address}")
    check_throttle(session, username=name, address=address, rules=rules, now=now)
    session.add(LoginFailure(username=name, address=address, at=now))
    user = session.scalar(select(User).where(User.username == name))
    return LoginAttempt(
        username=name,
        user_id=user.id if user is not None else None,
        stored_hash=user.password_hash if user is not None else None,
        now=now,
    )


def password_matches(attempt: LoginAttempt, password: str) -> bool:
    """Argon2 verification of an attempt: no database, so run it outside any transaction."""
    return passwords.verify(attempt.stored_hash, password)


def finish_login(session: Session, *, attempt: LoginAttempt, matched: bool) -> User | None:
    """The user an attempt logged in, its failure record and the account's forgotten;
    ``None`` (the failure stands) if the password did not match, the account is not
    active, or its password changed since :func:`begin_login` read it."""
    if not matched or attempt.user_id is None:
        return None
    user = session.get(User, attempt.user_id)
    if user is None or not user.is_active or user.password_hash != attempt.stored_hash:
        return None
    session.execute(delete(LoginFailure).where(LoginFailure.username == attempt.username))
    session.execute(delete(LoginFailure).where(LoginFailure.at < attempt.now - timedelta(days=1)))
    return user


def rehash_if_needed(session: Session, *, user: User, password: str) -> None:
    """Store a fresh hash when the hasher's parameters changed since this one was made
    (once per account after an upgrade: the only Argon2 a login runs in a transaction)."""
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.hash_password(password)
        session.flush()


def unlock(session: Session, *, who: Principal | None, ref: int | str) -> tuple[User, int]:
    """Forget the failed logins recorded under ``ref``'s username (admins); the user and
    how many were forgotten."""
    policy.check_unlock(who)
    user = users.get_user(session, ref=ref)
    forgotten = session.scalars(
        delete(LoginFailure)
        .where(LoginFailure.username == user.username)
        .returning(LoginFailure.id)
    ).all()
    told = events.DomainEvent(
        kind=events.USER_UNLOCKED,
        user_id=user.id,
        actor_id=events.actor_id(who),
        count=len(forgotten),
    )
    events.emit(session, told)
    return user, len(forgotten)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    session: Session,
    *,
    owner: User,
    data: TokenCreate,
    now: datetime | None = None,
    actor_id: int | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is not stored and cannot be shown again.
    ``actor_id``: who made it (``None``: the system), for the ``token.created`` event.

    ``data.host`` binds an agent token to one machine: its identity is stored (see
    :func:`itsm.inventory.service.host_identity`), and the token's reports must carry it.
    ``data.scopes`` say what an agent token may send (see :func:`token_scopes`).
    """
    users.require_active(owner)
    scopes = token_scopes(data)
    host = None
    if data.host is not None:
        if data.kind is not TokenKind.AGENT:
            raise InvalidInput(N_("only agent tokens may be bound to a host"))
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
        scopes=" ".join(sorted(scopes)) if scopes is not None else None,
    )
    session.add(token)
    session.flush()
    told = events.DomainEvent(
        kind=events.TOKEN_CREATED, token_id=token.id, user_id=owner.id, actor_id=actor_id
    )
    events.emit(session, told)  # never the secret: ids only
    return token, secret


def token_scopes(data: TokenCreate) -> frozenset[TokenScope] | None:
    """The scopes a new token gets (``None``: a personal token, which has none).

    An agent token bound to no host names them, so that an Alertmanager token is not
    also a way to forge diagnostic reports; a host-bound one sends its host's reports
    only (``reports``, the default), never alerts, which speak for any machine.
    """
    given = frozenset(data.scopes or ())
    if data.kind is not TokenKind.AGENT:
        if given:
            raise InvalidInput(N_("only agent tokens have scopes"))
        return None
    allowed = ", ".join(TokenScope)
    if data.host is not None:
        if given - {TokenScope.REPORTS}:
            raise InvalidInput(N_("a host-bound agent token may have the 'reports' scope only"))
        return frozenset({TokenScope.REPORTS})
    if not given:
        raise InvalidInput(
            N_("an agent token bound to no host needs its scopes: one or more of %(allowed)s"),
            allowed=allowed,
        )
    return given


def issue_token(
    session: Session,
    *,
    who: Principal | None,
    data: TokenCreate,
    owner_ref: int | str | None = None,
    agent_account: str | None = None,
    max_days: int | None = None,
) -> tuple[ApiToken, str]:
    """:func:`create_token` on behalf of ``who``, as :mod:`.policy` allows.

    The owner is the user ``owner_ref`` names; else, for an agent token given an
    ``agent_account`` (the diagnostics agent's username), that account, made on first
    use; else the caller. With nobody acting and nobody named, :class:`InvalidInput`.
    ``max_days`` (``api.token_days``) caps the lifetime of a non-admin's token.
    """
    # The agent's account is no person's: creating its token is the agent rule alone.
    account = agent_account if owner_ref is None and data.kind is TokenKind.AGENT else None
    owner: User | None = None
    if owner_ref is not None:
        policy.check_name_owner(who, own=who is not None and users.names(who.user, owner_ref))
        owner = users.get_user(session, ref=owner_ref)
    elif account is None and who is not None:
        owner = who.user
    policy.check_create_token(who, owner=owner, kind=data.kind)
    days = policy.token_days(who, requested=data.expires_in_days, cap=max_days)
    if days != data.expires_in_days:
        data = data.model_copy(update={"expires_in_days": days})
    if account is not None:
        owner = agent_user(session, account)
    if owner is None:
        raise InvalidInput(N_("no acting user: give --user or --as"))
    return create_token(session, owner=owner, data=data, actor_id=events.actor_id(who))


def list_tokens(
    session: Session,
    *,
    who: Principal | None,
    owner_ref: int | str | None = None,
    include_revoked: bool = False,
) -> Sequence[ApiToken]:
    """The tokens of the user ``owner_ref`` names, or everyone's (``None``), as
    :mod:`.policy` lets ``who`` see them."""
    owner = None
    if owner_ref is not None:
        policy.check_name_owner(who, own=who is not None and users.names(who.user, owner_ref))
        owner = users.get_user(session, ref=owner_ref)
    policy.check_list_tokens(who, owner=owner)
    stmt = select(ApiToken).order_by(ApiToken.id)
    if owner is not None:
        stmt = stmt.where(ApiToken.user_id == owner.id)
    if not include_revoked:
        stmt = stmt.where(ApiToken.revoked_at.is_(None))
    return session.scalars(stmt).all()


def get_token(session: Session, *, token_id: int | str, owner: User | None = None) -> ApiToken:
    """A token by id; with ``owner``, only one of theirs (others are 'not found', as is
    any number no key can hold)."""
    key = parse_id(token_id)
    token = session.get(ApiToken, key) if key is not None else None
    if token is None or (owner is not None and token.user_id != owner.id):
        shown = key if key is not None else repr(str(token_id)[:40])
        raise TokenNotFound(N_("token %(shown)s does not exist"), shown=shown)
    return token


def revoke_token(
    session: Session, *, who: Principal | None, token_id: int | str, now: datetime | None = None
) -> ApiToken:
    """Revoke a token ``who`` may revoke; any other is "not found"."""
    token = get_token(session, token_id=token_id, owner=policy.revocable_owner(who))
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        session.flush()
        told = events.DomainEvent(
            kind=events.TOKEN_REVOKED,
            token_id=token.id,
            user_id=token.user_id,
            actor_id=events.actor_id(who),
        )
        events.emit(session, told)
    return token


# Every API request runs it: built once, not per request, where building it is a
# large share of the lookup's cost.
_TOKEN_BY_HASH = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def principal_for(session: Session, *, secret: str, now: datetime | None = None) -> Principal:
    """Who a bearer token belongs to; wrong, expired and revoked tokens are all refused."""
    row = session.execute(_TOKEN_BY_HASH, {"token_hash": _token_digest(secret)}).first()
    if row is None:
        raise BadCredentials(N_("invalid API token"))
    token, user = row
    return _judged(token, user, now)


def _token_digest(secret: str) -> str:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise BadCredentials(N_("invalid API token"))
    return _digest(secret)


def _judged(token: ApiToken, user: User, now: datetime | None) -> Principal:
    now = now or utcnow()
    if token.revoked_at is not None:
        raise BadCredentials(N_("API token %(prefix)s… was revoked"), prefix=token.prefix)
    if token.expires_at is not None and token.expires_at <= now:
        raise BadCredentials(
            N_("API token %(prefix)s… expired at %(expires_at)s UTC"),
            prefix=token.prefix,
            expires_at=f"{token.expires_at:%Y-%m-%d %H:%M}",
        )
    if not user.is_active:
        raise BadCredentials(N_("user %(username)r is deactivated"), username=user.username)
    due = token.last_used_at is None or now - token.last_used_at >= _TOUCH_EVERY
    return Principal(
        user=user,
        token_kind=TokenKind(token.kind),
        token_id=token.id,
        touch_due=due,
        bound_host=token.host_identity,
        scopes=frozenset(TokenScope(s) for s in (token.scopes or "").split()),
    )


def touch_token(session: Session, *, token_id: int, now: datetime | None = None) -> None:
    """Record that a token was used; meant for its own short write transaction, so that
    a read request stays a reader (on SQLite a reader cannot always become a writer)."""
    session.execute(
        update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now or utcnow())
    )


def token_reads(session: Session, tokens: Sequence[ApiToken]) -> list[TokenRead]:
    """``tokens`` in their public shape, each owner named by username (one query for all)."""
    owners = {t.user_id for t in tokens}
    names: dict[int, str] = {}
    if owners:
        rows = session.execute(select(User.id, User.username).where(User.id.in_(owners)))
        names = {key: name for key, name in rows}
    return [
        TokenRead.model_validate(t).model_copy(update={"user": names.get(t.user_id)})
        for t in tokens
    ]


def issued_token(session: Session, token: ApiToken, secret: str) -> IssuedToken:
    """A token just created, with its secret: the only time that is shown."""
    read = token_reads(session, [token])[0]
    return IssuedToken.model_validate({**read.model_dump(), "token": secret})
