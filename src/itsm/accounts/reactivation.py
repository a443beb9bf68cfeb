"""Reactivating an account: the person acts again, with nothing from before.

Deactivation refuses a person's tokens and web sessions without revoking them; were
they left as they are, reactivating would bring back a token handed to a laptop
long gone. So they are revoked here, and the person starts afresh (a new password,
a new login, new tokens).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from itsm.accounts import password_change
from itsm.accounts import sessions as web_sessions
from itsm.accounts.principal import Principal
from itsm.users import service as users
from itsm.users.models import User


@dataclass(frozen=True)
class Reactivated:
    user: User
    revoked_tokens: int


def reactivate(session: Session, *, who: Principal | None, ref: int | str) -> Reactivated:
    """Reactivate ``ref`` (admins), revoking their personal tokens and web sessions."""
    user = users.reactivate_user(session, who=who, ref=ref)
    revoked = password_change.revoke_personal_tokens(session, user=user)
    web_sessions.revoke_user_sessions(session, user=user)
    session.flush()
    return Reactivated(user=user, revoked_tokens=revoked)
