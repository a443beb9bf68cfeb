"""People over HTTP: admins manage accounts, staff look people up, everyone sees themselves.

Admins create users, change anyone's details and role, deactivate them and set
their passwords. Technicians list and read users (they assign tickets to them).
End users read only themselves: naming anyone else is refused (403) before any
lookup, whether that account exists or not. Everyone changes their own password
with their current one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from itsm.accounts import password_change, reactivation
from itsm.accounts.passwords import MAX_LENGTH
from itsm.accounts.principal import Principal
from itsm.api.deps import PersonDep, allowed
from itsm.db.runtime import Database
from itsm.server.deps import (
    SessionDep,
    SettingsDep,
    client_address,
    database,
    own_write_transactions,
)
from itsm.users import policy
from itsm.users import service as users
from itsm.users.models import Role
from itsm.users.schemas import UserCreate, UserRead, UserUpdate
from itsm.validation import refuse_nul

router = APIRouter(prefix="/users", tags=["users"])

# The services decide (:mod:`itsm.users.policy`); the gates refuse by role first.
Lister = Annotated[Principal, allowed(policy.check_list)]
Manager = Annotated[Principal, allowed(policy.check_manage)]

UserRef = Annotated[
    str, Path(min_length=1, max_length=64, description="User id (42) or username (ana.torres).")
]


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=MAX_LENGTH, description="The new password.")
    current_password: str | None = Field(
        default=None,
        max_length=MAX_LENGTH,
        description="Your current password: required to change your own.",
    )

    _no_nul = field_validator("*", mode="before")(refuse_nul)


@router.get("", summary="List users (technicians and admins)")
def list_users(
    session: SessionDep,
    who: Lister,
    role: Annotated[Role | None, Query(description="Only this role.")] = None,
    include_inactive: Annotated[bool, Query(description="Include deactivated users.")] = False,
    include_system: Annotated[
        bool, Query(description="Include system accounts (the diagnostics agent's).")
    ] = False,
) -> list[UserRead]:
    rows = users.list_users(
        session,
        who=who,
        role=role,
        include_inactive=include_inactive,
        include_system=include_system,
    )
    return [UserRead.model_validate(u) for u in rows]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Register a user (admins)")
def create_user(
    body: UserCreate, response: Response, session: SessionDep, who: Manager
) -> UserRead:
    read = UserRead.model_validate(users.add_user(session, who=who, data=body))
    response.headers["Location"] = f"{router.prefix}/{read.id}"
    return read


@router.get("/{ref}", summary="One user (end users: only themselves, others get 403)")
def get_user(ref: UserRef, session: SessionDep, who: PersonDep) -> UserRead:
    return UserRead.model_validate(users.get_visible_user(session, who=who, ref=ref))


@router.patch("/{ref}", summary="Change a user's name, e-mail, department or role (admins)")
def update_user(ref: UserRef, body: UserUpdate, session: SessionDep, who: Manager) -> UserRead:
    return UserRead.model_validate(users.update_user(session, who=who, ref=ref, data=body))


@router.put("/{ref}/role", summary="Change a user's role (admins)")
def set_role(ref: UserRef, body: RoleChange, session: SessionDep, who: Manager) -> UserRead:
    return UserRead.model_validate(users.set_role(session, who=who, ref=ref, role=body.role))


@router.post(
    "/{ref}/deactivate",
    summary="Deactivate a user (admins); history is kept, their tokens stop working",
)
def deactivate(ref: UserRef, session: SessionDep, who: Manager) -> UserRead:
    return UserRead.model_validate(users.deactivate_user(session, who=who, ref=ref))


class Reactivated(BaseModel):
    user: UserRead
    revoked_tokens: int = Field(description="Their personal tokens from before, revoked.")


@router.post(
    "/{ref}/reactivate",
    summary="Reactivate a user (admins); their tokens and web sessions from before are revoked",
)
def reactivate(ref: UserRef, session: SessionDep, who: Manager) -> Reactivated:
    done = reactivation.reactivate(session, who=who, ref=ref)
    return Reactivated(user=UserRead.model_validate(done.user), revoked_tokens=done.revoked_tokens)


class PasswordChanged(BaseModel):
    revoked_tokens: int = Field(
        description="The user's other personal tokens, revoked (the one used here is kept)."
    )


@router.put(
    "/{ref}/password",
    summary="Set a password: your own with your current one, anyone's as an admin",
    description=(
        "A wrong `current_password` counts as a failed login: it answers 403"
        " (`urn:itsm:problem:wrong-password`), and 429 once the login throttle is spent."
        " A new password revokes the user's other personal tokens."
    ),
    response_model=PasswordChanged,
)
@own_write_transactions
def set_password(
    ref: UserRef,
    body: PasswordChange,
    request: Request,
    db: Annotated[Database, Depends(database)],
    who: PersonDep,
    cfg: SettingsDep,
) -> PasswordChanged:
    revoked = password_change.change_password(
        db,
        who=who,
        ref=ref,
        password=body.password,
        current_password=body.current_password,
        address=client_address(request),
        rules=cfg.api.login,
    )
    return PasswordChanged(revoked_tokens=revoked)
