"""Browsers subscribed to web push: each person adds, lists and removes their own.

What a browser sends is its ``PushSubscription.toJSON()``: the push service's
endpoint and the keys messages are encrypted with. The endpoint must be ``https://``
(a push service's); ``http://`` on a loopback address only with
``push.allow_http_loopback`` (tests, a local push service). Keys are checked for
what RFC 8291 needs: a P-256 point (65 bytes) and a 16-byte auth secret.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import re
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.errors import N_, InvalidInput
from itsm.notify.models import PushSubscription
from itsm.users.models import User

MAX_ENDPOINT = 2048
MAX_USER_AGENT = 300
_B64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def public_key(settings: Settings) -> str | None:
    """The key browsers subscribe with (``applicationServerKey``); None: no web push here."""
    if not settings.push.enabled or settings.push.vapid_private_key_file is None:
        return None
    from itsm.extras import require

    require("push", needed_by="web push (push.vapid_private_key_file)")
    from itsm.notify import vapid

    return vapid.public_key(vapid.load(settings.push.vapid_private_key_file))


def subscribe(
    session: Session,
    *,
    settings: Settings,
    user: User,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str | None = None,
    web_session_id: int | None = None,
) -> PushSubscription:
    """Record ``user``'s browser; a browser already known (by its endpoint) now belongs
    to ``user`` with the keys it sent (a shared computer, a new login). From the web
    app, ``web_session_id`` is the login it lives as long as (see :func:`forget_logins`)."""
    checked_endpoint(endpoint, allow_http_loopback=settings.push.allow_http_loopback)
    _key(p256dh, name="keys.p256dh", size=65, first=b"\x04")
    _key(auth, name="keys.auth", size=16)
    agent = " ".join((user_agent or "").split())[:MAX_USER_AGENT] or None
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        row = PushSubscription(user_id=user.id, endpoint=endpoint)
        session.add(row)
    row.user_id, row.p256dh, row.auth, row.user_agent = user.id, p256dh, auth, agent
    row.web_session_id = web_session_id
    session.flush()
    return row


def renew(
    session: Session,
    *,
    settings: Settings,
    old_endpoint: str,
    old_auth: str,
    endpoint: str,
    p256dh: str,
    auth: str,
) -> bool:
    """A browser's push service renewed its subscription (the service worker's
    ``pushsubscriptionchange``): the new one takes the old one's place, for the same
    person and login. The worker has no login of its own to show, so the proof is the
    old subscription's auth secret, which only the browser and this server hold.
    Whether an old subscription matched (nothing is changed when none did)."""
    checked_endpoint(endpoint, allow_http_loopback=settings.push.allow_http_loopback)
    _key(p256dh, name="keys.p256dh", size=65, first=b"\x04")
    _key(auth, name="keys.auth", size=16)
    if "\x00" in old_endpoint:  # none stored has one; PostgreSQL refuses it
        return False
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == old_endpoint))
    if row is None or not hmac.compare_digest(row.auth.encode(), old_auth.encode()):
        return False
    if endpoint != old_endpoint:
        # The page may have told of the new one already: one row per browser.
        session.execute(delete(PushSubscription).where(PushSubscription.endpoint == endpoint))
    row.endpoint, row.p256dh, row.auth = endpoint, p256dh, auth
    row.last_success_at = None
    session.flush()
    return True


def unsubscribe(session: Session, *, user: User, endpoint: str) -> bool:
    """Forget ``user``'s browser; whether it was theirs. Another person's is left alone
    and not told apart from none, so that nobody learns of others' browsers."""
    if "\x00" in endpoint:  # none stored has one (subscribe refuses it); PostgreSQL refuses it
        return False
    gone = session.execute(
        delete(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == user.id
        )
    )
    return bool(gone.rowcount)  # type: ignore[attr-defined]


def listed(session: Session, *, user: User) -> Sequence[PushSubscription]:
    return listed_for(session, user_id=user.id)


def listed_for(session: Session, *, user_id: int) -> Sequence[PushSubscription]:
    return session.scalars(
        select(PushSubscription)
        .where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.id)
    ).all()


def subscribers(session: Session, user_ids: Sequence[int]) -> set[int]:
    """Those of ``user_ids`` with at least one subscribed browser."""
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(PushSubscription.user_id)
            .where(PushSubscription.user_id.in_(user_ids))
            .distinct()
        )
    )


def forget(session: Session, *, ids: Sequence[int]) -> None:
    """Drop subscriptions the push service said are gone (404, 410)."""
    if ids:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(ids)))


def forget_logins(session: Session, *, web_session_ids: Sequence[int]) -> None:
    """Drop the browsers switched on in these web logins, which just ended (a logout,
    a new password, a reactivation): whoever uses that browser next must not be sent
    the notifications of the person who left."""
    if web_session_ids:
        session.execute(
            delete(PushSubscription).where(PushSubscription.web_session_id.in_(web_session_ids))
        )


def reached(session: Session, *, ids: Sequence[int], at: datetime) -> None:
    if ids:
        session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(ids))
            .values(last_success_at=at)
            .execution_options(synchronize_session=False)
        )


def checked_endpoint(endpoint: str, *, allow_http_loopback: bool) -> str:
    """``endpoint`` if a push service may be there; else one line saying what is allowed."""
    if len(endpoint) > MAX_ENDPOINT:
        raise InvalidInput(N_("endpoint is longer than %(limit)s characters"), limit=MAX_ENDPOINT)
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - reading it checks it
    except ValueError:
        raise InvalidInput(N_("endpoint is not a URL (https://push.example.com/…)")) from None
    if any(c.isspace() or ord(c) < 0x20 for c in endpoint) or not host or parts.username:
        raise InvalidInput(N_("endpoint is not a URL (https://push.example.com/…)"))
    if parts.scheme == "https":
        return endpoint
    if parts.scheme == "http" and allow_http_loopback and _loopback(host):
        return endpoint
    if allow_http_loopback:
        raise InvalidInput(
            N_(
                "endpoint must be a push service's address: https://, or http:// on a "
                "loopback address"
            )
        )
    raise InvalidInput(N_("endpoint must be a push service's address: https://"))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _key(value: str, *, name: str, size: int, first: bytes = b"") -> None:
    template = (
        N_(
            "%(field)s is not a base64url P-256 public key of %(size)s bytes, as "
            "PushSubscription.toJSON() gives"
        )
        if first
        else N_(
            "%(field)s is not a base64url auth secret of %(size)s bytes, as "
            "PushSubscription.toJSON() gives"
        )
    )
    wrong = InvalidInput(template, field=name, size=size)
    if not _B64URL.fullmatch(value) or len(value) > 4 * size:
        raise wrong
    try:
        raw = base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        raise wrong from None
    if len(raw) != size or not raw.startswith(first):
        raise wrong
    if first and not _on_the_curve(raw):
        raise wrong


def _on_the_curve(point: bytes) -> bool:
    """Whether ``point`` is a P-256 public key (checked where the push extra is installed,
    as it is wherever messages are encrypted)."""
    try:
        from cryptography.hazmat.primitives.asymmetric import ec
    except ImportError:  # pragma: no cover - the push extra brings it
        return True
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return False
    return True
