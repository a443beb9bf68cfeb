"""Log in for a token; see, create and revoke API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from itsm.accounts import policy
from itsm.accounts import service as accounts
from itsm.accounts.login import log_in
from itsm.accounts.models import TokenKind
from itsm.accounts.principal import Principal
from itsm.accounts.schemas import IssuedToken, TokenCreate, TokenRead
from itsm.api.deps import CallerDep, PersonDep, allowed
from itsm.db.runtime import Database
from itsm.server.deps import SessionDep, SettingsDep, client_address, database
from itsm.users.models import User
from itsm.users.schemas import UserRead
from itsm.validation import refuse_nul

router = APIRouter(tags=["auth"])
#: Admins only, refused before the route's parameters are read (as the users routes).
Unlocker = Annotated[Principal, allowed(policy.check_unlock)]


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    token_name: str = Field(default="login", min_length=1, max_length=100)

    # No account, password or token has one (and PostgreSQL cannot store it): 422.
    _no_nul = field_validator("*", mode="before")(refuse_nul)


class Me(BaseModel):
    user: UserRead
    token_kind: TokenKind | None


class NewToken(TokenCreate):
    user: str | None = Field(
        default=None, max_length=64, description="Owner (admins only); default: yourself."
    )


@router.post(
    "/auth/login",
    status_code=status.HTTP_201_CREATED,
    summary="Exchange a username and password for a personal API token",
)
def login(
    body: LoginRequest,
    request: Request,
    db: Annotated[Database, Depends(database)],
    cfg: SettingsDep,
) -> IssuedToken:

    def issue(session: Session, user: User) -> IssuedToken:
        data = TokenCreate(name=body.token_name, expires_in_days=cfg.api.token_days)
        token, secret = accounts.create_token(session, owner=user, data=data, actor_id=user.id)
        return accounts.issued_token(session, token, secret)

    return log_in(
        db,
        username=body.username,
        password=body.password,
        address=client_address(request),
        rules=cfg.api.login,
        then=issue,
    )


@router.get("/auth/me", summary="Who the token belongs to")
def me(who: CallerDep) -> Me:
    return Me(user=UserRead.model_validate(who.user), token_kind=who.token_kind)


@router.get("/tokens", summary="Your tokens; admins may list anyone's")
def list_tokens(
    session: SessionDep,
    who: PersonDep,
    user: Annotated[str | None, Query(max_length=64)] = None,
    include_revoked: bool = False,
) -> list[TokenRead]:
    owner = user if user is not None else who.user.id
    rows = accounts.list_tokens(session, who=who, owner_ref=owner, include_revoked=include_revoked)
    return accounts.token_reads(session, rows)


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    summary="Create a token (shown once); admins may create one for anyone, agent tokens too",
    description=(
        "A non-admin's token expires after at most `api.token_days` days (a longer or"
        " missing `expires_in_days` gets that); admins choose, `null` meaning never."
        " An agent token bound to no host names its `scopes` (`alerts`, `reports`);"
        " a host-bound one has `reports` only."
    ),
)
def create_token(
    body: NewToken, session: SessionDep, who: PersonDep, cfg: SettingsDep
) -> IssuedToken:
    data = TokenCreate.model_validate(body.model_dump(exclude={"user"}))
    token, secret = accounts.issue_token(
        session, who=who, data=data, owner_ref=body.user, max_days=cfg.api.token_days
    )
    return accounts.issued_token(session, token, secret)


@router.delete("/tokens/{token_id}", summary="Revoke a token: yours, or anyone's as an admin")
def revoke_token(
    token_id: Annotated[int, Path(description="Token id; any other number: 404.")],
    session: SessionDep,
    who: PersonDep,
) -> TokenRead:
    token = accounts.revoke_token(session, who=who, token_id=token_id)
    return accounts.token_reads(session, [token])[0]


class Unlocked(BaseModel):
    user: UserRead
    forgotten_failures: int = Field(description="Failed logins forgotten for this username.")


@router.post(
    "/users/{ref}/unlock",
    tags=["users"],
    summary="Forget a user's failed logins, so that they may log in again (admins)",
)
def unlock(
    ref: Annotated[str, Path(min_length=1, max_length=64)], session: SessionDep, who: Unlocker
) -> Unlocked:
    user, forgotten = accounts.unlock(session, who=who, ref=ref)
    return Unlocked(user=UserRead.model_validate(user), forgotten_failures=forgotten)
