"""Per-user notification preferences: which kinds each channel carries, with defaults.

A person has no rows until they change something; a missing row means the default
of its channel (:data:`DEFAULTS`). Push is on by default but reaches only people who
switched it on in a browser (the outbox writes no push message for anyone else).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.events import domain as events
from itsm.notify.models import Channel, NotifyKind, NotifyPref
from itsm.users.models import User

DEFAULTS: dict[Channel, bool] = {Channel.EMAIL: True, Channel.IN_APP: True, Channel.PUSH: True}

Prefs = dict[tuple[NotifyKind, Channel], bool]


def preferences(session: Session, *, user: User) -> Prefs:
    """Every kind and channel for ``user``, the stored choice or the default."""
    return _for_users(session, [user.id])[user.id]


def set_preference(
    session: Session, *, user: User, kind: NotifyKind, channel: Channel, enabled: bool
) -> None:
    """Record ``user``'s choice (a choice equal to the default is stored too: it is theirs)."""
    row = session.get(NotifyPref, (user.id, kind.value, channel.value))
    if row is None:
        session.add(NotifyPref(user_id=user.id, kind=kind, channel=channel, enabled=enabled))
    else:
        row.enabled = enabled


def for_users(session: Session, user_ids: Iterable[int]) -> dict[int, Prefs]:
    """The preferences of several people in one query (the outbox's per-commit read)."""
    return _for_users(session, list(user_ids))


def _for_users(session: Session, user_ids: list[int]) -> dict[int, Prefs]:
    defaults: Prefs = {(k, c): on for k in NotifyKind for c, on in DEFAULTS.items()}
    found = {user_id: dict(defaults) for user_id in user_ids}
    if not user_ids:
        return found
    rows = session.scalars(select(NotifyPref).where(NotifyPref.user_id.in_(user_ids)))
    for row in rows:
        found[row.user_id][(NotifyKind(row.kind), Channel(row.channel))] = row.enabled
    return found


def set_preferences(
    session: Session, *, user: User, choices: Iterable[tuple[NotifyKind, Channel, bool]]
) -> Prefs:
    """Record several of ``user``'s choices at once; their preferences after it."""
    told = False
    for kind, channel, enabled in choices:
        set_preference(session, user=user, kind=kind, channel=channel, enabled=enabled)
        told = True
    session.flush()
    if told:
        events.emit(
            session, events.DomainEvent(kind=events.USER_NOTIFY_PREFS_CHANGED, user_id=user.id)
        )
    return preferences(session, user=user)
