"""Who may do what with accounts and API tokens, decided here for every door.

Each check takes the caller's :class:`~itsm.accounts.service.Principal` and raises
:class:`~itsm.errors.Forbidden`; the services call them, the API and the CLI
(``--as``) reach them through the services. ``None`` is the system: a command run
on the database itself with nobody to act as (no user yet), which may do anything.
"""

from __future__ import annotations

from itsm.accounts.errors import MissingScope
from itsm.accounts.models import TokenKind, TokenScope
from itsm.accounts.principal import Principal
from itsm.errors import N_, Forbidden
from itsm.users.models import Role, User


def require_person(who: Principal | None) -> None:
    """Agent tokens send reports and alerts only: nothing about accounts or tokens."""
    if who is not None and who.is_agent:
        raise Forbidden(N_("agent tokens may only send diagnostic reports"))


def check_scope(who: Principal | None, scope: TokenScope) -> None:
    """An agent token sends only what its scopes name: an Alertmanager token
    (``alerts``) cannot forge a host's diagnostic report (``reports``), nor the
    reverse. People's tokens are judged by their owner's role instead."""
    if who is None or not who.is_agent or scope in who.scopes:
        return
    has = ", ".join(sorted(who.scopes)) or "none"
    raise MissingScope(
        N_(
            "this agent token may not send %(scope)s: its scopes are %(has)s; send "
            "them with a token of scope %(scope)s ('itsm token create --agent "
            "--scope %(scope)s')"
        ),
        scope=scope,
        has=has,
    )


def is_admin(who: Principal | None) -> bool:
    return who is None or who.user.role == Role.ADMIN


def _is_other(who: Principal | None, user: User | None) -> bool:
    """Whether ``user`` is someone other than the caller (``None``: everyone)."""
    return who is None or user is None or user.id != who.user.id


def check_create_token(who: Principal | None, *, owner: User | None, kind: TokenKind) -> None:
    """Everyone creates personal tokens for themselves; only admins create them for
    others, and agent tokens. ``owner`` ``None``: the diagnostics agent's account."""
    require_person(who)
    if owner is not None and _is_other(who, owner) and not is_admin(who):
        raise Forbidden(N_("only admins may create tokens for other people"))
    if kind is TokenKind.AGENT and not is_admin(who):
        raise Forbidden(N_("only admins may create agent tokens"))


def check_name_owner(who: Principal | None, *, own: bool) -> None:
    """Before looking up the owner a caller names for tokens: only admins may name
    anyone but themselves, so that the refusal does not tell whether the name exists."""
    require_person(who)
    if not own and not is_admin(who):
        raise Forbidden(N_("only admins may see or create other people's tokens"))


def token_days(who: Principal | None, *, requested: int | None, cap: int | None) -> int | None:
    """The lifetime in days of a token ``who`` creates: admins choose freely (``None``:
    no expiry); anyone else gets at most ``cap`` (``api.token_days``; ``None``: no cap)."""
    if cap is None or is_admin(who):
        return requested
    return cap if requested is None else min(requested, cap)


def check_unlock(who: Principal | None) -> None:
    """Only admins clear an account's failed logins."""
    require_person(who)
    if not is_admin(who):
        raise Forbidden(N_("only admins may unlock accounts"))


def check_list_tokens(who: Principal | None, *, owner: User | None) -> None:
    """Everyone lists their own tokens; only admins list anyone else's (``owner``
    ``None``: everyone's)."""
    require_person(who)
    if _is_other(who, owner) and not is_admin(who):
        raise Forbidden(N_("only admins may list other people's tokens"))


def revocable_owner(who: Principal | None) -> User | None:
    """Whose tokens ``who`` may revoke: ``None`` (anyone's) for admins, else their own.

    Someone else's token is then "not found", exactly like one that does not exist.
    """
    require_person(who)
    if who is None or is_admin(who):
        return None
    return who.user


def check_set_password(who: Principal | None, *, own: bool) -> None:
    """Everyone sets their own password (with the current one); admins set anyone
    else's. Nobody else may name anyone but themselves."""
    require_person(who)
    if own:
        return
    if not is_admin(who):
        raise Forbidden(N_("only admins may set other people's passwords"))
