"""Who is acting: a person, or an agent through its token, as every policy takes it.

Light on purpose (no service, no SQL): the policies of every domain import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsm.accounts.models import TokenKind, TokenScope
from itsm.users.models import User


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user, and through which kind of token (none: a password login,
    or a CLI command acting as them)."""

    user: User
    token_kind: TokenKind | None = None  # None: a password login, not a token
    token_id: int | None = None
    touch_due: bool = False  # last_used_at is over a minute old: call touch_token
    # A host-bound agent token: the machine identity every report it sends must carry.
    bound_host: str | None = None
    scopes: frozenset[TokenScope] = frozenset()  # an agent token's: what it may send

    @property
    def is_agent(self) -> bool:
        return self.token_kind is TokenKind.AGENT


def acting(user: User | None) -> Principal | None:
    """A person acting without a token, as a CLI command's ``--as`` names one; ``None``
    (the system: see :mod:`itsm.accounts.policy`) when there is nobody to act as."""
    return None if user is None else Principal(user=user)
